//go:build !poolhooks

package pool

// abaWindow is called between a pop's read of the top block's link and its
// CAS of the head. It is empty (and inlined away) except under the
// poolhooks build tag, where it yields so that tests can provoke the ABA
// interleaving the head's tag defends against.
func abaWindow() {}
