module github.com/hotpath/hotpath

go 1.25

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/cespare/xxhash/v2 v2.3.0
	go.uber.org/goleak v1.3.0
	pgregory.net/rapid v1.3.0
)
