//go:build poolhooks

package pool

import (
	"math/rand/v2"
	"runtime"
)

// abaWindow yields now and then between a pop's read of the link and its
// CAS, so other goroutines can pop and push the same block meanwhile.
func abaWindow() {
	if rand.IntN(4) == 0 {
		runtime.Gosched()
	}
}
