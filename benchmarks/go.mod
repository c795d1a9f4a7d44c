module github.com/hotpath/hotpath/benchmarks

go 1.25

replace github.com/hotpath/hotpath => ../

require (
	github.com/Yiling-J/theine-go v0.6.3
	github.com/dgraph-io/ristretto/v2 v2.4.2
	github.com/hashicorp/golang-lru/v2 v2.0.7
	github.com/libp2p/go-buffer-pool v0.1.0
	github.com/maypok86/otter/v2 v2.4.0
	github.com/puzpuzpuz/xsync/v3 v3.5.1
	github.com/sasha-s/go-deadlock v0.3.9
	github.com/valyala/bytebufferpool v1.0.0
)

require go.uber.org/goleak v1.3.0

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/hotpath/hotpath v0.0.0-00010101000000-000000000000
	github.com/klauspost/cpuid/v2 v2.0.9 // indirect
	github.com/petermattis/goid v0.0.0-20250813065127-a731cc31b4fe // indirect
	github.com/zeebo/xxh3 v1.0.2 // indirect
	golang.org/x/sys v0.36.0 // indirect
)
