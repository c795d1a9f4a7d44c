//go:build poolhooks

package pool

import (
	"math/rand/v2"
	"runtime"
)

// abaWindow yields now and then between a Get's read of a word and its
// compare-and-swap, so other goroutines can take and return the same
// blocks meanwhile.
func abaWindow() {
	if rand.IntN(4) == 0 {
		runtime.Gosched()
	}
}
