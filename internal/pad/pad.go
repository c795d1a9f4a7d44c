// Package pad holds what hotpath's packages share to keep goroutines on
// different cores off each other's cache lines: the one constant that sizes
// every false-sharing guard, so that all packages agree on it, and the one
// way to spread goroutines over striped state.
package pad

import "unsafe"

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

// Stripe maps the calling goroutine onto [0, n), n > 0, by the address of
// its stack: goroutines that run at the same time have distinct stacks, so
// they tend to different stripes, while one goroutine keeps coming back to
// its own (until its stack grows and moves). It uses no runtime internals,
// no per-goroutine state, no allocation and no atomics. The low 11 bits of
// the address depend on the call depth rather than on the goroutine (2 KiB
// is the smallest goroutine stack) and are dropped; Fibonacci hashing
// spreads neighbouring stacks, and a multiply-shift maps the hash onto
// [0, n) without a division.
func Stripe(n uint32) uint32 {
	var x byte
	p := uint32(uintptr(unsafe.Pointer(&x)) >> 11)
	return uint32(uint64(p*0x9E3779B1) * uint64(n) >> 32)
}
