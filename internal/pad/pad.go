// Package pad holds the one constant that sizes every false-sharing guard in
// hotpath, so that all packages agree on it.
package pad

// CacheLineSize is the unit that hot, independently written fields are
// padded to: 64 bytes, the coherence granule of amd64, 386 and most arm64
// cores (golang.org/x/sys/cpu and xsync use the same figure). Two fields
// written by different goroutines on every operation, such as a ring's head
// and tail, must be at least this far apart or each write invalidates the
// other core's copy of both.
const CacheLineSize = 64

// CacheLinePad is a field that keeps what follows it off the cache line of
// what precedes it.
type CacheLinePad struct{ _ [CacheLineSize]byte }
