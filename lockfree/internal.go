package lockfree

import (
	"context"
	"errors"
	"iter"
	"math/bits"
	"runtime"

	"github.com/hotpath/hotpath/internal/wait"
)

// ErrClosed is what Enqueue returns on a closed queue, and Dequeue once a
// closed queue is drained.
var ErrClosed = errors.New("lockfree: queue closed")

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

	// closedBit, set in a queue's enqueue index, marks it closed. Indices
	// count items and never reach it.
	closedBit = 1 << 63
)

// closedErr is ErrClosed if closed, else nil.
func closedErr(closed bool) error {
	if closed {
		return ErrClosed
	}
	return nil
}

// dequeued is what a blocking dequeue's poll found: an item, or a closed
// and drained queue.
type dequeued[T any] struct {
	v      T
	closed bool
}

// polledDequeue turns a Try dequeue's results into a poll for wait.Until:
// done when it took an item or found the queue closed and drained. Each
// queue's pollDequeue calls its tryDequeue through it directly, so a spin
// costs one indirect call, as before queues could be closed (a generic
// helper that took tryDequeue as a function value cost the SPSC queue's
// blocking 1P1C row 18 % at GOMAXPROCS 1).
func polledDequeue[T any](v T, ok, closed bool) (dequeued[T], bool) {
	return dequeued[T]{v, closed && !ok}, ok || closed
}

// dequeueResult is what a blocking Dequeue returns for what wait.Until
// returned.
func dequeueResult[T any](d dequeued[T], err error) (T, error) {
	if err == nil && d.closed {
		err = ErrClosed
	}
	return d.v, err
}

// enqueueResult is what a blocking Enqueue returns for what wait.Until
// returned from polling a Try enqueue that reports a closed queue.
func enqueueResult(closed bool, err error) error {
	if err != nil {
		return err
	}
	return closedErr(closed)
}

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

// received is each queue's All: the items dequeue returns, one at a time
// as the loop asks for them, until it returns an error.
func received[T any](ctx context.Context, dequeue func(context.Context) (T, error)) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, err := dequeue(ctx)
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

// dequeueBatch is each queue's DequeueBatch: tryBatch, and if it took
// nothing from a queue that is open, a wait for at least one item.
func dequeueBatch(ctx context.Context, s *wait.Set, dst int, tryBatch func() (n int, closed bool)) (int, error) {
	if dst == 0 {
		return 0, nil
	}
	n, closed := tryBatch()
	if n == 0 && !closed {
		var err error
		if n, closed, err = awaitBatch(ctx, s, tryBatch); err != nil {
			return 0, err
		}
	}
	return n, closedErr(closed)
}

// enqueueBatch is each bounded queue's EnqueueBatch: it appends total
// items, from the index it passes tryBatch on, as many at a time as fit,
// waiting for room while the queue is full, and returns how many it
// appended, with ErrClosed or the context's error if it stopped short.
func enqueueBatch(ctx context.Context, s *wait.Set, total int, tryBatch func(from int) (n int, closed bool)) (int, error) {
	done := 0
	for done < total {
		n, closed := tryBatch(done)
		if n == 0 && !closed {
			var err error
			n, closed, err = awaitBatch(ctx, s, func() (int, bool) { return tryBatch(done) })
			if err != nil {
				return done, err
			}
		}
		if closed {
			return done, ErrClosed
		}
		done += n
	}
	return done, nil
}

// awaitBatch polls tryBatch, parking on s between polls, until it moves at
// least one item (n > 0) or finds the queue closed (tryBatch moves nothing
// then), or ctx ends (err).
func awaitBatch(ctx context.Context, s *wait.Set, tryBatch func() (n int, closed bool)) (n int, closed bool, err error) {
	n, err = wait.Until(ctx, s, spinTries, func() (int, bool) {
		n, closed := tryBatch()
		if n == 0 && closed {
			return -1, true
		}
		return n, n > 0
	})
	if n < 0 {
		return 0, true, err
	}
	return n, false, err
}
