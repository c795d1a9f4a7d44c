package lockfree

import (
	"math/bits"
	"runtime"
)

const (
	// maxCapacity bounds the capacity of the bounded queues so that it
	// rounds up to a power of two that fits an int on every platform.
	maxCapacity = 1 << 30

	// spinTries is how many times a blocking operation retries its Try
	// before it parks. A Try on an empty or full queue is two atomic loads,
	// so this is a few hundred nanoseconds: enough to catch a partner that
	// is about to publish on another core, short enough that a parked
	// goroutine is the norm for real waits.
	spinTries = 16

	// busySpins is how many times a Try re-reads a slot that another
	// goroutine has claimed but not yet published before it yields the
	// processor to let that goroutine run (it may have been preempted, or
	// there may be more runnable goroutines than cores).
	busySpins = 64
)

// peerWait paces a Try that is waiting for another goroutine to finish the
// few instructions between claiming a ticket and publishing its slot. That
// goroutine is running or runnable, never parked, so the wait is short; it
// is not a wait for the queue to change state, which parks instead.
type peerWait struct{ n int }

func (w *peerWait) wait() {
	if w.n < busySpins {
		w.n++
		return
	}
	// The peer is not making progress on another core: it was preempted or
	// shares our processor. Let it run.
	runtime.Gosched()
}

// ceilPow2 returns the least power of two ≥ n, for n ≥ 1.
func ceilPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// errNotCreated is the panic message for a queue used as a zero value, which
// has no ring to put items in.
func errNotCreated(typ, constructor string) string {
	return "lockfree: " + typ + " used without " + constructor + "; its zero value is not ready to use"
}

// noCopy lets go vet's copylocks check catch a copied queue or stack.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
