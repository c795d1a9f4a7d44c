package pool

import "unsafe"

// unsafeWiden returns b with its length and capacity set to n, for tests
// that forge slices a caller should never have.
func unsafeWiden(b []byte, n int) []byte { return unsafe.Slice(unsafe.SliceData(b), n) }

func unsafePointerAdd[T any](p *T, off uintptr) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(p), off)
}
