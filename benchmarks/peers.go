// Package benchmarks measures hotpath side by side with the peer libraries
// its users choose between: otter, theine, ristretto, golang-lru, xsync,
// go-deadlock, bytebufferpool and libp2p's buffer pool.
//
// It is a module of its own so that no peer ever enters the main module's
// dependency graph. Run it with
//
//	cd benchmarks && go test -run '^$' -bench . -benchmem
package benchmarks

import (
	_ "github.com/Yiling-J/theine-go"
	_ "github.com/dgraph-io/ristretto/v2"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "github.com/libp2p/go-buffer-pool"
	_ "github.com/maypok86/otter/v2"
	_ "github.com/puzpuzpuz/xsync/v3"
	_ "github.com/sasha-s/go-deadlock"
	_ "github.com/valyala/bytebufferpool"
)
