package lockfree

import (
	"context"
	"fmt"
	"iter"
	"sync/atomic"
	"unsafe"

	"github.com/hotpath/hotpath/internal/pad"
	"github.com/hotpath/hotpath/internal/wait"
)

// SPSCQueue is a bounded first-in-first-out queue for exactly one producer
// goroutine and one consumer goroutine at a time. Its TryEnqueue and
// TryDequeue are wait-free (a bounded number of steps, no CAS, no retry):
// each side keeps its own index on its own cache line, together with a cached
// copy of the other side's index that it refreshes only when the cached copy
// says the queue is full (or empty), so in the steady state neither side
// reads the other's line.
//
// An SPSCQueue must be created with [NewSPSCQueue]. It must not be copied
// after first use.
//
// "One producer" means that no two enqueue calls (TryEnqueue, Enqueue) run
// at the same time; they may come from different goroutines one after the
// other if something else (a mutex, a channel) orders them, and the same
// holds for dequeue calls. Two producers (or consumers) running at the same
// time corrupt the queue; the race detector reports it, because each side's
// own index is a plain field that only that side writes.
//
// TryEnqueue returns false only when the queue is full and TryDequeue only
// when it is empty, and the enqueue of a value synchronizes before the
// dequeue that returns it, as for [Queue]. Waking a parked partner takes a
// lock, so an operation is wait-free only while nobody is parked.
//
// [SPSCQueue.Close] is the producer's, as closing a channel is the
// sender's: the consumer takes what is left and then gets [ErrClosed].
type SPSCQueue[T any] struct {
	_ noCopy
	_ pad.CacheLinePad

	// The producer's line.
	tail       atomic.Uint64 // published count of enqueued items, with closedBit once closed; read by the consumer
	ptail      uint64        // only the producer reads or writes this: its copy of tail (closedBit too)
	cachedHead uint64        // only the producer reads or writes this: head as last seen
	_          [pad.CacheLineSize - 3*8]byte

	// The consumer's line.
	head       atomic.Uint64 // published count of dequeued items; read by the producer
	chead      uint64        // only the consumer reads or writes this: its copy of head
	cachedTail uint64        // only the consumer reads or writes this: tail as last seen
	_          [pad.CacheLineSize - 3*8]byte

	// Written once by NewSPSCQueue, only read after.
	mask  uint64
	slots []T
	_     [pad.CacheLineSize - unsafe.Sizeof(uint64(0)) - unsafe.Sizeof([]T(nil))]byte

	notEmpty wait.Set // the consumer, when it waits for an item
	_        [pad.CacheLineSize - unsafe.Sizeof(wait.Set{})]byte
	notFull  wait.Set // the producer, when it waits for room
	_        [pad.CacheLineSize - unsafe.Sizeof(wait.Set{})]byte
}

// NewSPSCQueue returns an empty single-producer single-consumer queue that
// holds at most capacity items, rounded up to a power of two (see
// [SPSCQueue.Cap]). It panics if capacity < 1 or capacity > 2³⁰.
func NewSPSCQueue[T any](capacity int) *SPSCQueue[T] {
	if capacity < 1 {
		panic(fmt.Sprintf("lockfree: NewSPSCQueue capacity must be >= 1, got %d", capacity))
	}
	if capacity > maxCapacity {
		panic(fmt.Sprintf("lockfree: NewSPSCQueue capacity must be <= %d, got %d", maxCapacity, capacity))
	}
	n := ceilPow2(capacity)
	return &SPSCQueue[T]{mask: uint64(n - 1), slots: make([]T, n)}
}

// TryEnqueue appends v and reports true, or reports false if the queue is
// full: at the instant it read the consumer's index, Cap() items were in the
// queue. Only the producer may call it.
//
// TryEnqueue panics if the queue is closed, as a send on a closed channel
// does.
func (q *SPSCQueue[T]) TryEnqueue(v T) bool {
	ok, closed := q.tryEnqueue(v)
	if closed {
		panic("lockfree: TryEnqueue on a closed SPSCQueue")
	}
	return ok
}

// TryEnqueueBatch appends items from the front of src, in order, as many
// as there is room for, and returns how many: 0 only when src is empty or
// the queue is full (as [SPSCQueue.TryEnqueue] returns false). It
// publishes them with one store of its index. Only the producer may call
// it; it panics if the queue is closed.
func (q *SPSCQueue[T]) TryEnqueueBatch(src []T) int {
	n, closed := q.tryEnqueueBatch(src)
	if closed {
		panic("lockfree: TryEnqueueBatch on a closed SPSCQueue")
	}
	return n
}

// tryEnqueueBatch is TryEnqueueBatch, reporting a closed queue instead of
// panicking.
func (q *SPSCQueue[T]) tryEnqueueBatch(src []T) (n int, closed bool) {
	if q.slots == nil {
		panic(errNotCreated("SPSCQueue", "NewSPSCQueue"))
	}
	if len(src) == 0 {
		return 0, false
	}
	t := q.ptail
	if t&closedBit != 0 {
		return 0, true
	}
	c := uint64(len(q.slots))
	if q.cachedHead+c-t < uint64(len(src)) {
		q.cachedHead = q.head.Load()
		if q.cachedHead+c == t {
			return 0, false // full
		}
	}
	k := min(q.cachedHead+c-t, uint64(len(src)))
	for i := range k {
		q.slots[(t+i)&q.mask] = src[i]
	}
	q.ptail = t + k
	q.tail.Store(t + k)
	if q.notEmpty.Waiting() != 0 { // the one consumer
		q.notEmpty.NotifyOne()
	}
	return int(k), false
}

// EnqueueBatch appends all of src, in order, waiting while the queue is
// full, as [SPSCQueue.Enqueue] does, and returns how many items it appended:
// len(src), or fewer if ctx ended (ctx.Err()) or the queue was closed
// ([ErrClosed]) first, in which case the first n are in the queue and the
// rest are not. It appends as many as there is room for at a time (see
// TryEnqueueBatch). Only the producer may call it.
func (q *SPSCQueue[T]) EnqueueBatch(ctx context.Context, src []T) (int, error) {
	return enqueueBatch(ctx, &q.notFull, len(src), func(from int) (int, bool) { return q.tryEnqueueBatch(src[from:]) })
}

// tryEnqueue is TryEnqueue, reporting a closed queue instead of panicking.
func (q *SPSCQueue[T]) tryEnqueue(v T) (ok, closed bool) {
	if q.slots == nil {
		panic(errNotCreated("SPSCQueue", "NewSPSCQueue"))
	}
	t := q.ptail
	if t&closedBit != 0 {
		return false, true
	}
	if t-q.cachedHead > q.mask {
		q.cachedHead = q.head.Load()
		if t-q.cachedHead > q.mask {
			return false, false
		}
	}
	q.slots[t&q.mask] = v
	q.ptail = t + 1
	q.tail.Store(t + 1)
	if q.notEmpty.Waiting() != 0 { // inlined check: no call while nobody waits
		q.notEmpty.NotifyOne()
	}
	return true, false
}

// TryDequeue removes and returns the oldest item and true, or returns the
// zero T and false if the queue is empty: at the instant it read the
// producer's index, every enqueued item had been dequeued. Only the consumer
// may call it.
func (q *SPSCQueue[T]) TryDequeue() (T, bool) {
	v, ok, _ := q.tryDequeue()
	return v, ok
}

// tryDequeue is TryDequeue that also reports, when the queue is empty,
// whether it was closed: closed and drained. The producer sets closedBit
// in tail after its last enqueue, so a load of tail that shows the bit
// shows every enqueue.
func (q *SPSCQueue[T]) tryDequeue() (v T, ok, closed bool) {
	if q.slots == nil {
		panic(errNotCreated("SPSCQueue", "NewSPSCQueue"))
	}
	h := q.chead
	var zero T
	if h == q.cachedTail {
		t := q.tail.Load()
		q.cachedTail = t &^ closedBit
		if h == q.cachedTail {
			return zero, false, t&closedBit != 0
		}
	}
	s := &q.slots[h&q.mask]
	v = *s
	*s = zero // let the GC have what v points to
	q.chead = h + 1
	q.head.Store(h + 1)
	if q.notFull.Waiting() != 0 { // inlined check: no call while nobody waits
		q.notFull.NotifyOne()
	}
	return v, true, false
}

// TryDequeueBatch moves the oldest items into dst, in order, as many as
// the queue holds up to len(dst), and returns how many: 0 only when dst is
// empty or the queue is (as [SPSCQueue.TryDequeue] returns false). It
// releases their slots with one store of its index and clears them. Only
// the consumer may call it.
func (q *SPSCQueue[T]) TryDequeueBatch(dst []T) int {
	n, _ := q.tryDequeueBatch(dst)
	return n
}

// tryDequeueBatch is TryDequeueBatch that also reports, when it takes
// nothing from an empty queue, whether the queue was closed (see
// tryDequeue).
func (q *SPSCQueue[T]) tryDequeueBatch(dst []T) (n int, closed bool) {
	if q.slots == nil {
		panic(errNotCreated("SPSCQueue", "NewSPSCQueue"))
	}
	if len(dst) == 0 {
		return 0, false
	}
	h := q.chead
	if q.cachedTail-h < uint64(len(dst)) {
		t := q.tail.Load()
		q.cachedTail = t &^ closedBit
		if h == q.cachedTail {
			return 0, t&closedBit != 0
		}
	}
	k := min(q.cachedTail-h, uint64(len(dst)))
	var zero T
	for i := range k {
		s := &q.slots[(h+i)&q.mask]
		dst[i] = *s
		*s = zero // let the GC have what it points to
	}
	q.chead = h + k
	q.head.Store(h + k)
	if q.notFull.Waiting() != 0 { // the one producer
		q.notFull.NotifyOne()
	}
	return int(k), false
}

// DequeueBatch is [SPSCQueue.TryDequeueBatch] that waits while the queue is
// empty, as [Queue.DequeueBatch] does. Only the consumer may call it.
func (q *SPSCQueue[T]) DequeueBatch(ctx context.Context, dst []T) (int, error) {
	return dequeueBatch(ctx, &q.notEmpty, len(dst), func() (int, bool) { return q.tryDequeueBatch(dst) })
}

// Enqueue appends v, waiting while the queue is full; it spins briefly and
// then parks. If ctx ends first it returns ctx.Err() and v is not in the
// queue. On a closed queue it returns [ErrClosed]. Only the producer may
// call it.
func (q *SPSCQueue[T]) Enqueue(ctx context.Context, v T) error {
	if ok, closed := q.tryEnqueue(v); ok || closed {
		return closedErr(closed)
	}
	return q.enqueueSlow(ctx, v)
}

// enqueueSlow is Enqueue's wait, outlined so that the fast path stays short.
func (q *SPSCQueue[T]) enqueueSlow(ctx context.Context, v T) error {
	return enqueueResult(wait.Until(ctx, &q.notFull, spinTries, func() (bool, bool) {
		ok, closed := q.tryEnqueue(v)
		return closed, ok || closed
	}))
}

// Dequeue removes and returns the oldest item, waiting while the queue is
// empty; it spins briefly and then parks, so an idle consumer uses no CPU.
// If ctx ends first it returns the zero T and ctx.Err(), and no item is
// taken. Once the queue is closed and drained it returns the zero T and
// [ErrClosed]. Only the consumer may call it.
func (q *SPSCQueue[T]) Dequeue(ctx context.Context) (T, error) {
	if v, ok := q.TryDequeue(); ok {
		return v, nil
	}
	return q.dequeueSlow(ctx)
}

// dequeueSlow is Dequeue's wait, outlined so that the fast path stays short.
func (q *SPSCQueue[T]) dequeueSlow(ctx context.Context) (T, error) {
	return dequeueResult(wait.Until(ctx, &q.notEmpty, spinTries, q.pollDequeue))
}

// pollDequeue is tryDequeue as wait.Until polls it (see polledDequeue).
func (q *SPSCQueue[T]) pollDequeue() (dequeued[T], bool) { return polledDequeue(q.tryDequeue()) }

// All returns an iterator over the items as [SPSCQueue.Dequeue] takes them,
// the queue's form of ranging over a channel: each item the loop receives
// is taken out of the queue, the loop waits (parked) while the queue is
// empty, and it ends once the queue is closed and drained, or when ctx
// ends (check ctx.Err() to tell which). An item is taken only when the
// loop asks for the next one, so a loop that breaks leaves the rest in the
// queue. Only the consumer may use it.
func (q *SPSCQueue[T]) All(ctx context.Context) iter.Seq[T] { return received(ctx, q.Dequeue) }

// Close closes the queue after the items already enqueued: the consumer
// takes them and then gets [ErrClosed] from Dequeue, waking if it is
// parked. It is the producer's operation: only the producer may call it
// (not at the same time as an enqueue; the race detector reports that, as
// it reports two producers). After it, Enqueue returns [ErrClosed] and
// TryEnqueue panics. Calls after the first do nothing.
func (q *SPSCQueue[T]) Close() {
	if q.slots == nil {
		panic(errNotCreated("SPSCQueue", "NewSPSCQueue"))
	}
	if q.ptail&closedBit != 0 {
		return
	}
	q.ptail |= closedBit
	q.tail.Store(q.ptail)
	q.notEmpty.NotifyAll()
}

// Closed reports whether the producer has closed the queue. Any goroutine
// may call it.
func (q *SPSCQueue[T]) Closed() bool { return q.tail.Load()&closedBit != 0 }

// Len returns the number of items in the queue, between 0 and Cap(); with
// operations in flight it is a snapshot that may already be out of date.
// Any goroutine may call it.
func (q *SPSCQueue[T]) Len() int {
	h := q.head.Load()
	t := q.tail.Load() &^ closedBit
	if t <= h {
		return 0
	}
	if n := t - h; n < uint64(len(q.slots)) {
		return int(n)
	}
	return len(q.slots)
}

// Cap returns the most items the queue can hold: the capacity given to
// [NewSPSCQueue], rounded up to a power of two.
func (q *SPSCQueue[T]) Cap() int { return len(q.slots) }
