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

// slotPad fills a [Queue] slot that holds a one-word value (a pointer, an
// int) to exactly one cache line, so that the producers and consumers of
// neighbouring tickets, which run at the same time on different cores, never
// write to the same line. Larger values make a slot longer than a line; that
// keeps neighbours apart too, at some cost in memory.
const slotPad = pad.CacheLineSize - 16

// Queue is a bounded first-in-first-out queue that any number of goroutines
// may enqueue to and dequeue from at the same time. It is an array ring with
// a sequence number per slot (Dmitry Vyukov's bounded MPMC queue, as used by
// rigtorp's MPMCQueue and xsync's MPMCQueueOf): a producer claims the next
// ticket with one CAS on the tail, writes its value into the ticket's slot
// and publishes it by advancing the slot's sequence number; a consumer does
// the same on the head.
//
// A Queue must be created with [NewQueue]. It must not be copied after first
// use.
//
// Unlike its peers, a Try fails only for the reason it names: TryEnqueue
// returns false only when the queue is full and TryDequeue only when it is
// empty. A slot that is claimed but not yet published (its goroutine may have
// been preempted between the CAS and the store) is a goroutine in the middle
// of an operation, not a full or empty queue, so a Try that meets one waits
// for it. Every operation is linearizable; see [Queue.TryEnqueue] and
// [Queue.TryDequeue] for exactly what a false result means.
//
// In the terms of the Go memory model, the enqueue of a value synchronizes
// before the dequeue that returns it.
//
// [Queue.Close] ends the queue as close ends a channel: enqueues after it
// fail, and consumers take what is left and then get [ErrClosed].
//
// When a single goroutine produces and a single goroutine consumes, use
// [SPSCQueue], which needs no CAS at all. When the queue must not have a
// bound, use [UnboundedQueue].
type Queue[T any] struct {
	_ noCopy
	_ pad.CacheLinePad

	// The producers' line. tail is the next ticket a producer will claim,
	// with closedBit set once the queue is closed (a producer's CAS from a
	// value without it then fails, so no ticket is claimed after Close).
	// headSeen is a value head had at some point (so headSeen ≤ head): while
	// tail-headSeen < Cap() the queue has room for ticket tail, so a producer
	// need not read the consumers' line at all; it refreshes headSeen only
	// when it looks full.
	tail     atomic.Uint64
	headSeen atomic.Uint64
	_        [pad.CacheLineSize - 16]byte

	// The consumers' line. head is the next ticket a consumer will claim.
	// tailSeen is a value tail had at some point (tailSeen ≤ tail): while
	// head < tailSeen ticket head has been claimed by a producer, so a
	// consumer need not read the producers' line; it refreshes tailSeen
	// only when the queue looks empty.
	head     atomic.Uint64
	tailSeen atomic.Uint64
	_        [pad.CacheLineSize - 16]byte

	// Written once by NewQueue, only read after.
	mask  uint64
	slots []slot[T]
	_     [pad.CacheLineSize - unsafe.Sizeof(uint64(0)) - unsafe.Sizeof([]slot[T](nil))]byte

	// Consumers waiting for an item. Producers read its waiter count on
	// every enqueue; it is written only when a consumer parks.
	notEmpty wait.Set
	_        [pad.CacheLineSize - unsafe.Sizeof(wait.Set{})]byte
	// Producers waiting for room. Consumers read its waiter count on every
	// dequeue.
	notFull wait.Set
	_       [pad.CacheLineSize - unsafe.Sizeof(wait.Set{})]byte
}

// slot is one cell of the ring. seq says whose turn it is: seq == 2t means
// the producer of ticket t may write it; seq == 2t+1 means it holds the
// value of ticket t for its consumer; the consumer then sets
// seq = 2(t+Cap()), handing the slot to the producer of the next lap.
// (Vyukov's original uses t, t+1 and t+Cap(), which collide when Cap() is 1;
// doubling keeps the three states apart for every capacity.)
type slot[T any] struct {
	seq atomic.Uint64
	val T
	_   [slotPad]byte
}

// NewQueue returns an empty queue that holds at most capacity items, rounded
// up to a power of two (see [Queue.Cap]). It panics if capacity < 1 or
// capacity > 2³⁰.
func NewQueue[T any](capacity int) *Queue[T] {
	if capacity < 1 {
		panic(fmt.Sprintf("lockfree: NewQueue capacity must be >= 1, got %d", capacity))
	}
	if capacity > maxCapacity {
		panic(fmt.Sprintf("lockfree: NewQueue capacity must be <= %d, got %d", maxCapacity, capacity))
	}
	n := ceilPow2(capacity)
	q := &Queue[T]{mask: uint64(n - 1), slots: make([]slot[T], n)}
	for i := range q.slots {
		q.slots[i].seq.Store(2 * uint64(i))
	}
	return q
}

// TryEnqueue appends v to the queue and reports true, or reports false,
// leaving the queue unchanged, if the queue is full.
//
// False means exactly this: at some instant between the call and the
// return, the queue held Cap() items, each put there by an enqueue that had
// taken effect and not yet taken out by a dequeue that had taken effect. It
// never means that another goroutine was merely in the middle of an
// operation: TryEnqueue waits (briefly; that goroutine is running) for a
// consumer that has claimed the oldest item but not yet released its slot.
// A false result promises no happens-before edge with any other goroutine's
// operation; do not use it as a signal.
//
// TryEnqueue panics if the queue is closed, as a send on a closed channel
// does: a false result would read as "full" and be retried for ever. A
// producer that may race with [Queue.Close] should use [Queue.Enqueue],
// which returns [ErrClosed] instead.
func (q *Queue[T]) TryEnqueue(v T) bool {
	ok, closed := q.tryEnqueue(v)
	if closed {
		panic("lockfree: TryEnqueue on a closed Queue")
	}
	return ok
}

// TryEnqueueBatch appends items from the front of src, in order, and
// returns how many: 0 only when src is empty or the queue is full (as
// [Queue.TryEnqueue] returns false), and otherwise at least one and at most
// as many as there is room for. It claims their places with one CAS of the
// producers' index, so no other producer's item comes between them; a
// producer with items in groups pays the queue's synchronization once per
// group instead of once per item. Alone on the queue it appends
// min(len(src), Cap()-Len()); with other goroutines at work it may append
// fewer, since the room it reads before its CAS may have grown by then.
// Like TryEnqueue, it waits for a consumer that has claimed one of the
// slots it needs but not yet released it, and it panics if the queue is
// closed.
func (q *Queue[T]) TryEnqueueBatch(src []T) int {
	n, closed := q.tryEnqueueBatch(src)
	if closed {
		panic("lockfree: TryEnqueueBatch on a closed Queue")
	}
	return n
}

// tryEnqueueBatch is TryEnqueueBatch, reporting a closed queue (closed, and
// nothing appended) instead of panicking.
func (q *Queue[T]) tryEnqueueBatch(src []T) (n int, closed bool) {
	if q.slots == nil {
		panic(errNotCreated("Queue", "NewQueue"))
	}
	if len(src) == 0 {
		return 0, false
	}
	c := uint64(len(q.slots))
	var w peerWait
	for {
		t := q.tail.Load()
		if t&closedBit != 0 {
			return 0, true
		}
		room := q.headSeen.Load() + c - t
		if int64(room) < int64(len(src)) {
			// Less room than src needs may be free: look at head itself.
			h := q.head.Load()
			if room = h + c - t; int64(room) <= 0 {
				// At this load, head ≤ t-Cap() and tail ≥ t: full, as
				// in tryEnqueue.
				return 0, false
			}
			q.headSeen.Store(h)
		}
		// Tickets t to t+k-1 are free or being freed: the consumer of
		// each ticket a lap before has claimed it. One CAS claims them
		// all; it fails if another producer moved tail, or Close did.
		k := min(room, uint64(len(src)))
		if !q.tail.CompareAndSwap(t, t+k) {
			continue
		}
		for i := range k {
			s := &q.slots[(t+i)&q.mask]
			for s.seq.Load() != 2*(t+i) {
				w.wait() // its consumer of a lap before is copying out
			}
			s.val = src[i]
			s.seq.Store(2*(t+i) + 1)
		}
		q.notEmpty.NotifyN(int(k)) // k items are in: wake up to k consumers
		return int(k), false
	}
}

// EnqueueBatch appends all of src, in order, waiting while the queue is
// full, as [Queue.Enqueue] does, and returns how many items it appended:
// len(src), or fewer if ctx ended (ctx.Err()) or the queue was closed
// ([ErrClosed]) first, in which case the first n are in the queue and the
// rest are not. It appends as many as there is room for at a time (see
// TryEnqueueBatch); other producers' items may come between those runs.
func (q *Queue[T]) EnqueueBatch(ctx context.Context, src []T) (int, error) {
	return enqueueBatch(ctx, &q.notFull, len(src), func(from int) (int, bool) { return q.tryEnqueueBatch(src[from:]) })
}

// tryEnqueue is TryEnqueue, reporting a closed queue (closed, and v not
// enqueued) instead of panicking.
func (q *Queue[T]) tryEnqueue(v T) (ok, closed bool) {
	// Invariants (tail without closedBit): head ≤ tail ≤ head+Cap(),
	// headSeen ≤ head and tailSeen ≤ tail. A producer advances tail from t
	// only when slot t's seq is 2t, that is, when the consumer of ticket
	// t-Cap() has released the slot, so tail never gets more than Cap()
	// ahead of head.
	if q.slots == nil {
		panic(errNotCreated("Queue", "NewQueue"))
	}
	n := int64(len(q.slots))
	var w peerWait
	for {
		t := q.tail.Load()
		if t&closedBit != 0 {
			return false, true
		}
		if int64(t-q.headSeen.Load()) >= n {
			// The queue looks full from here; look at head itself.
			h := q.head.Load()
			if int64(t-h) >= n {
				// At this load, head = t-Cap() and tail ≥ t, so by the
				// invariant tail = t and the queue holds Cap() items.
				// (The difference is signed: head may have passed a stale
				// t, and then we retry.)
				return false, false
			}
			q.headSeen.Store(h) // a racing store may lower it: harmless
		}
		// Here head > t-Cap(): the consumer of ticket t-Cap() has claimed
		// it, so slot t is free or about to be.
		s := &q.slots[t&q.mask]
		seq := s.seq.Load()
		switch d := int64(seq - 2*t); {
		case d == 0:
			if q.tail.CompareAndSwap(t, t+1) {
				s.val = v
				s.seq.Store(2*t + 1)
				if q.notEmpty.Waiting() != 0 { // inlined check: no call while nobody waits
					q.notEmpty.NotifyOne()
				}
				return true, false
			}
		case d < 0:
			// The consumer of ticket t-Cap() is copying its item out.
			w.wait()
		default:
			// Another producer took ticket t; try the next one.
		}
	}
}

// TryDequeue removes and returns the oldest item and true, or returns the
// zero T and false if the queue is empty.
//
// False means exactly this: at some instant between the call and the
// return, every item whose enqueue had taken effect had already been taken
// out by a dequeue that had taken effect. In particular, if every goroutine
// only dequeues after its own enqueue has returned, TryDequeue never reports
// false. It never means that a producer was merely in the middle of an
// enqueue: TryDequeue waits (briefly; that producer is running) for a
// producer that has claimed the next ticket but not yet published its
// value. A false result promises no happens-before edge with any other
// goroutine's operation; do not use it as a signal.
func (q *Queue[T]) TryDequeue() (T, bool) {
	v, ok, _ := q.tryDequeue()
	return v, ok
}

// tryDequeue is TryDequeue that also reports, when the queue is empty,
// whether it was closed at the instant it was found empty: closed and
// drained.
func (q *Queue[T]) tryDequeue() (v T, ok, closed bool) {
	if q.slots == nil {
		panic(errNotCreated("Queue", "NewQueue"))
	}
	var w peerWait
	for {
		h := q.head.Load()
		if h >= q.tailSeen.Load() {
			// The queue looks empty from here; look at tail itself.
			t := q.tail.Load()
			closed := t&closedBit != 0
			if t &^= closedBit; t == h {
				// At this load, tail = h and head ≥ h, so by the
				// invariant head = tail: the queue is empty.
				var zero T
				return zero, false, closed
			}
			q.tailSeen.Store(t) // a racing store may lower it: harmless
		}
		// Here tail > h: a producer has claimed ticket h.
		s := &q.slots[h&q.mask]
		seq := s.seq.Load()
		switch d := int64(seq - (2*h + 1)); {
		case d == 0:
			if q.head.CompareAndSwap(h, h+1) {
				v := s.val
				var zero T
				s.val = zero // let the GC have what v points to
				s.seq.Store(2 * (h + uint64(len(q.slots))))
				if q.notFull.Waiting() != 0 { // inlined check: no call while nobody waits
					q.notFull.NotifyOne()
				}
				return v, true, false
			}
		case d < 0:
			// The producer of ticket h is copying its item in.
			w.wait()
		default:
			// Another consumer took ticket h; try the next one.
		}
	}
}

// TryDequeueBatch moves the oldest items into dst, in order, and returns
// how many: 0 only when dst is empty or the queue is (as
// [Queue.TryDequeue] returns false), and otherwise at least one and at
// most len(dst). It claims them with one CAS of the consumers' index, as if
// by that many TryDequeue calls that no other consumer came between; a
// consumer that handles items in groups pays the queue's synchronization
// once per group instead of once per item. Alone on the queue it takes
// min(len(dst), Len()); with other goroutines at work it may take fewer,
// since the count it reads before its CAS may have grown by then. Like
// TryDequeue, it waits for a producer that has claimed a place among the
// items it takes but not yet written its item. The slots it empties are
// cleared, so the queue keeps nothing alive.
func (q *Queue[T]) TryDequeueBatch(dst []T) int {
	n, _ := q.tryDequeueBatch(dst)
	return n
}

// tryDequeueBatch is TryDequeueBatch that also reports, when it takes
// nothing from an empty queue, whether the queue was closed (see
// tryDequeue).
func (q *Queue[T]) tryDequeueBatch(dst []T) (n int, closed bool) {
	if q.slots == nil {
		panic(errNotCreated("Queue", "NewQueue"))
	}
	if len(dst) == 0 {
		return 0, false
	}
	var w peerWait
	for {
		h := q.head.Load()
		avail := q.tailSeen.Load() - h
		if int64(avail) < int64(len(dst)) {
			// Fewer tickets than dst holds may be claimed: look at tail
			// itself. (tailSeen may even be behind h.)
			t := q.tail.Load()
			closed := t&closedBit != 0
			if t &^= closedBit; t == h {
				return 0, closed // empty, as in tryDequeue
			}
			q.tailSeen.Store(t)
			avail = t - h
		}
		// Tickets h to h+avail-1 have been claimed by producers, so the
		// queue holds them; one CAS claims the first k for this call. If
		// it succeeds no other consumer took any of them, and at the CAS
		// the queue held at least these k (more, if producers claimed
		// tickets since the count was read: then the batch takes fewer
		// than it could have, never none).
		k := min(avail, uint64(len(dst)))
		if !q.head.CompareAndSwap(h, h+k) {
			continue
		}
		var zero T
		for i := range k {
			s := &q.slots[(h+i)&q.mask]
			for s.seq.Load() != 2*(h+i)+1 {
				w.wait() // its producer is copying its item in
			}
			dst[i] = s.val
			s.val = zero
			s.seq.Store(2 * (h + i + uint64(len(q.slots))))
		}
		// k slots are free: wake up to k producers, each of which may
		// have room now (one wake-up would leave the others parked
		// beside free slots).
		q.notFull.NotifyN(int(k))
		return int(k), false
	}
}

// DequeueBatch is [Queue.TryDequeueBatch] that waits, as [Queue.Dequeue]
// does, while the queue is empty: it returns as soon as it has taken at
// least one item, with how many it took (at most len(dst)). If ctx ends
// first it returns 0 and ctx.Err() and takes nothing; once the queue is
// closed and drained it returns 0 and [ErrClosed]. With an empty dst it
// returns 0 and nil at once.
func (q *Queue[T]) DequeueBatch(ctx context.Context, dst []T) (int, error) {
	return dequeueBatch(ctx, &q.notEmpty, len(dst), func() (int, bool) { return q.tryDequeueBatch(dst) })
}

// Enqueue appends v to the queue, waiting while the queue is full. It spins
// briefly and then parks, so a producer blocked on a full queue uses no CPU.
// If ctx ends first, Enqueue returns ctx.Err() and v is not in the queue. If
// there is room when Enqueue is called, it succeeds even if ctx is already
// done. If the queue is closed, before the call or while it waits, Enqueue
// returns [ErrClosed] and v is not in the queue.
func (q *Queue[T]) Enqueue(ctx context.Context, v T) error {
	if ok, closed := q.tryEnqueue(v); ok || closed {
		return closedErr(closed)
	}
	return q.enqueueSlow(ctx, v)
}

// enqueueSlow is Enqueue's wait, outlined so that the fast path stays short.
func (q *Queue[T]) enqueueSlow(ctx context.Context, v T) error {
	return enqueueResult(wait.Until(ctx, &q.notFull, spinTries, func() (bool, bool) {
		ok, closed := q.tryEnqueue(v)
		return closed, ok || closed
	}))
}

// Dequeue removes and returns the oldest item, waiting while the queue is
// empty. It spins briefly and then parks, so an idle consumer uses no CPU.
// If ctx ends first, Dequeue returns the zero T and ctx.Err(), and no item
// is taken: an item enqueued just as Dequeue gave up stays in the queue for
// another consumer. If an item is available when Dequeue is called, it is
// returned even if ctx is already done. Once the queue is closed and every
// item enqueued before [Queue.Close] has been taken, Dequeue returns the
// zero T and [ErrClosed], at once or when it wakes: a consumer's loop ends
// on it as a range over a channel ends.
func (q *Queue[T]) Dequeue(ctx context.Context) (T, error) {
	if v, ok := q.TryDequeue(); ok {
		return v, nil
	}
	return q.dequeueSlow(ctx)
}

// dequeueSlow is Dequeue's wait, outlined so that the fast path stays short.
func (q *Queue[T]) dequeueSlow(ctx context.Context) (T, error) {
	return dequeueResult(wait.Until(ctx, &q.notEmpty, spinTries, q.pollDequeue))
}

// pollDequeue is tryDequeue as wait.Until polls it (see polledDequeue).
func (q *Queue[T]) pollDequeue() (dequeued[T], bool) { return polledDequeue(q.tryDequeue()) }

// All returns an iterator over the items as [Queue.Dequeue] takes them,
// the queue's form of ranging over a channel: each item the loop receives
// is taken out of the queue, the loop waits (parked) while the queue is
// empty, and it ends once the queue is closed and drained, or when ctx
// ends (check ctx.Err() to tell which). An item is taken only when the
// loop asks for the next one, so a loop that breaks leaves the rest in the
// queue.
func (q *Queue[T]) All(ctx context.Context) iter.Seq[T] { return received(ctx, q.Dequeue) }

// Close closes the queue. Enqueue then returns [ErrClosed] (and TryEnqueue
// panics), Dequeue takes the items already in the queue and then returns
// [ErrClosed], and every goroutine parked in Enqueue or Dequeue wakes to
// find that out. An enqueue that took effect before Close is never lost.
// Unlike closing a channel, Close may be called more than once, from any
// goroutine, and at the same time as any other operation; the calls after
// the first do nothing.
func (q *Queue[T]) Close() {
	if q.slots == nil {
		panic(errNotCreated("Queue", "NewQueue"))
	}
	if q.tail.Or(closedBit)&closedBit != 0 {
		return
	}
	q.notEmpty.NotifyAll()
	q.notFull.NotifyAll()
}

// Closed reports whether [Queue.Close] has been called. A consumer that
// uses TryDequeue knows the queue is drained when, after Closed reports
// true, a TryDequeue still returns false: no enqueue takes effect after
// Close.
func (q *Queue[T]) Closed() bool { return q.tail.Load()&closedBit != 0 }

// Len returns the number of items in the queue. With concurrent operations
// in flight it is a snapshot that may already be out of date, but it is
// always between 0 and Cap().
func (q *Queue[T]) Len() int {
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
// [NewQueue], rounded up to a power of two.
func (q *Queue[T]) Cap() int { return len(q.slots) }
