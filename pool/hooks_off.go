//go:build !poolhooks

package pool

// abaWindow is called between a Get's read of a free-map word and its
// compare-and-swap. It is empty (and inlined away) except under the
// poolhooks build tag, where it yields so that the stress tests provoke the
// interleavings in which another goroutine changes the word meanwhile.
func abaWindow() {}
