package lockfree

import (
	"context"
	"iter"
	"sync/atomic"
	"unsafe"

	"github.com/hotpath/hotpath/internal/pad"
	"github.com/hotpath/hotpath/internal/wait"
)

const (
	// segmentBytes is the size an UnboundedQueue aims at for one segment of
	// slots: large enough that the allocation of a new segment is paid once
	// per hundreds of enqueues, small enough that an idle queue, which keeps
	// one segment, holds little memory.
	segmentBytes = 16 << 10

	// Bounds on the slots per segment, whatever the size of T.
	minSegmentSlots = 32
	maxSegmentSlots = 1024
)

// Slot states of an UnboundedQueue segment.
const (
	slotEmpty uint32 = iota // no value yet
	slotFull                // holds a value for its consumer
	slotTaken               // consumed, or given up by a consumer that came before its producer
)

// UnboundedQueue is a first-in-first-out queue without a bound that any
// number of goroutines may enqueue to and dequeue from at the same time.
// Enqueue never blocks and never fails; memory grows with the number of
// items in the queue and returns to the garbage collector as it drains.
//
// It is a linked list of segments, each an array of slots with one enqueue
// index and one dequeue index that goroutines advance with an atomic add
// (the FAA array queue of Ramalhete and Correia). A producer claims a slot,
// writes its value and marks the slot full with one CAS; a consumer claims a
// slot and swaps in "taken". A consumer that reaches a slot before its
// producer marks it taken and moves on, and that producer claims another
// slot, so no goroutine ever waits for another: the queue is lock-free and
// linearizable. Segments are never reused: a drained segment becomes
// unreachable once every goroutine has left it, and the garbage collector
// frees it (no node recycling, hence no ABA and no use after free).
//
// An UnboundedQueue must be created with [NewUnboundedQueue]. It must not be
// copied after first use.
//
// TryDequeue returns false only when the queue is empty: at some instant
// during the call, every item whose enqueue had taken effect had been taken
// out. The enqueue of a value synchronizes before the dequeue that returns
// it.
//
// [UnboundedQueue.Close] ends the queue as close ends a channel: consumers
// take what is left and then get [ErrClosed].
//
// Prefer the bounded [Queue] when producers can outrun consumers: an
// unbounded queue turns overload into memory growth instead of back
// pressure.
type UnboundedQueue[T any] struct {
	_ noCopy
	_ pad.CacheLinePad

	head atomic.Pointer[segment[T]] // the oldest segment with slots not yet consumed
	_    [pad.CacheLineSize - unsafe.Sizeof(atomic.Pointer[segment[T]]{})]byte

	tail atomic.Pointer[segment[T]] // the newest segment, or its predecessor for a moment
	_    [pad.CacheLineSize - unsafe.Sizeof(atomic.Pointer[segment[T]]{})]byte

	segSlots uint64      // slots per segment; written once by NewUnboundedQueue
	closed   atomic.Bool // set by Close once no enqueue can take effect any more
	// closedIn is 1 + the number of slots claimed for enqueues before
	// Close sealed the last segment, 0 until then (see Len).
	closedIn atomic.Uint64
	notEmpty wait.Set // consumers waiting for an item
	_        [pad.CacheLineSize - unsafe.Sizeof(wait.Set{})]byte
}

// segment is one array of slots. Close sets closedBit in the last
// segment's enq, so that no slot is claimed after it, and links a closing
// mark (a segment without slots) as its next, so that no segment is
// appended after it.
type segment[T any] struct {
	enq   atomic.Uint64 // next slot a producer claims; may run past len(slots); closedBit once closed
	_     [pad.CacheLineSize - 8]byte
	deq   atomic.Uint64 // next slot a consumer claims; may run past len(slots)
	_     [pad.CacheLineSize - 8]byte
	next  atomic.Pointer[segment[T]]
	slots []uslot[T]
	// base is the number of slots in the segments before this one (its
	// first slot's place in the queue's whole sequence of slots), for
	// Len. Written before the segment is linked, read after.
	base uint64
}

type uslot[T any] struct {
	state atomic.Uint32 // slotEmpty → slotFull → slotTaken, or slotEmpty → slotTaken
	val   T             // written by the slot's producer before it CASes state to full
}

// NewUnboundedQueue returns an empty unbounded queue.
func NewUnboundedQueue[T any]() *UnboundedQueue[T] {
	n := segmentBytes / int(unsafe.Sizeof(uslot[T]{}))
	n = min(max(n, minSegmentSlots), maxSegmentSlots)
	q := &UnboundedQueue[T]{segSlots: uint64(n)}
	s := q.newSegment()
	q.head.Store(s)
	q.tail.Store(s)
	return q
}

func (q *UnboundedQueue[T]) newSegment() *segment[T] {
	return &segment[T]{slots: make([]uslot[T], q.segSlots)}
}

// Enqueue appends v to the queue. It never blocks. It panics if the queue is
// closed, as a send on a closed channel does (an Enqueue at the same time
// as Close may take effect before it or panic).
func (q *UnboundedQueue[T]) Enqueue(v T) {
	q.enqueue(v)
	if q.notEmpty.Waiting() != 0 { // inlined check: no call while nobody waits
		q.notEmpty.NotifyOne()
	}
}

func (q *UnboundedQueue[T]) enqueue(v T) {
	if q.segSlots == 0 {
		panic(errNotCreated("UnboundedQueue", "NewUnboundedQueue"))
	}
	var spare *segment[T] // a segment allocated for a CAS that lost, reused
	for {
		seg := q.tail.Load()
		i := seg.enq.Add(1) - 1
		if i&closedBit != 0 {
			panic("lockfree: Enqueue on a closed UnboundedQueue")
		}
		if i < q.segSlots {
			s := &seg.slots[i]
			s.val = v
			if s.state.CompareAndSwap(slotEmpty, slotFull) {
				return
			}
			// A consumer got here first and gave the slot up; it never
			// reads val. Clear it and claim another slot.
			var zero T
			s.val = zero
			continue
		}
		// seg is full. Append a segment holding v, or help whoever did.
		if next := seg.next.Load(); next != nil {
			if next.slots != nil { // not Close's mark, which tail never reaches
				q.tail.CompareAndSwap(seg, next)
			}
			continue // after a mark, the next claim finds closedBit
		}
		if spare == nil {
			spare = q.newSegment()
			spare.slots[0].val = v
			spare.slots[0].state.Store(slotFull)
			spare.enq.Store(1)
		}
		spare.base = seg.base + q.segSlots // not yet shared: a plain write
		if seg.next.CompareAndSwap(nil, spare) {
			q.tail.CompareAndSwap(seg, spare)
			return
		}
	}
}

// TryDequeue removes and returns the oldest item and true, or returns the
// zero T and false if the queue is empty.
func (q *UnboundedQueue[T]) TryDequeue() (T, bool) {
	v, ok, _ := q.tryDequeue()
	return v, ok
}

// tryDequeue is TryDequeue that also reports, when the queue is empty,
// whether it was closed: closed and drained. It reads closed before it
// looks for an item: Close sets it only once no enqueue can claim a slot,
// so an empty queue found after that stays empty.
func (q *UnboundedQueue[T]) tryDequeue() (v T, ok, closed bool) {
	if q.segSlots == 0 {
		panic(errNotCreated("UnboundedQueue", "NewUnboundedQueue"))
	}
	closed = q.closed.Load()
	var zero T
	for {
		seg := q.head.Load()
		if seg.deq.Load() >= seg.enq.Load()&^closedBit && last(seg.next.Load()) {
			return zero, false, closed
		}
		i := seg.deq.Add(1) - 1
		if i >= q.segSlots {
			next := seg.next.Load()
			if last(next) {
				return zero, false, closed
			}
			// seg is drained: move head on, after which seg is garbage
			// once the goroutines still looking at it move on too.
			q.head.CompareAndSwap(seg, next)
			continue
		}
		s := &seg.slots[i]
		if s.state.Swap(slotTaken) == slotFull {
			v = s.val
			s.val = zero // let the GC have what v points to
			return v, true, false
		}
		// The slot's producer has claimed it but not yet filled it (or
		// nobody has claimed it yet): it will find the slot taken and
		// claim another. Look at the next slot.
	}
}

// Dequeue removes and returns the oldest item, waiting while the queue is
// empty. It spins briefly and then parks, so an idle consumer uses no CPU.
// If ctx ends first, Dequeue returns the zero T and ctx.Err(), and no item
// is taken. If an item is available when Dequeue is called, it is returned
// even if ctx is already done. Once the queue is closed and drained, it
// returns the zero T and [ErrClosed].
func (q *UnboundedQueue[T]) Dequeue(ctx context.Context) (T, error) {
	if v, ok := q.TryDequeue(); ok {
		return v, nil
	}
	return q.dequeueSlow(ctx)
}

// dequeueSlow is Dequeue's wait, outlined so that the fast path stays short.
func (q *UnboundedQueue[T]) dequeueSlow(ctx context.Context) (T, error) {
	return dequeueResult(wait.Until(ctx, &q.notEmpty, spinTries, q.pollDequeue))
}

// pollDequeue is tryDequeue as wait.Until polls it (see polledDequeue).
func (q *UnboundedQueue[T]) pollDequeue() (dequeued[T], bool) { return polledDequeue(q.tryDequeue()) }

// last reports whether next, a segment's next link, shows that the segment
// is the last: nil, or Close's mark.
func last[T any](next *segment[T]) bool { return next == nil || next.slots == nil }

// All returns an iterator over the items as [UnboundedQueue.Dequeue] takes them,
// the queue's form of ranging over a channel: each item the loop receives
// is taken out of the queue, the loop waits (parked) while the queue is
// empty, and it ends once the queue is closed and drained, or when ctx
// ends (check ctx.Err() to tell which). An item is taken only when the
// loop asks for the next one, so a loop that breaks leaves the rest in the
// queue.
func (q *UnboundedQueue[T]) All(ctx context.Context) iter.Seq[T] { return received(ctx, q.Dequeue) }

// Close closes the queue: Enqueue then panics, Dequeue takes the items
// already in the queue and then returns [ErrClosed], and consumers parked
// in Dequeue wake to find that out. An Enqueue that returned before Close
// was called is never lost. Unlike closing a channel, Close may be called
// more than once, from any goroutine; the calls after the first do
// nothing.
func (q *UnboundedQueue[T]) Close() {
	if q.segSlots == 0 {
		panic(errNotCreated("UnboundedQueue", "NewUnboundedQueue"))
	}
	if q.closed.Load() {
		return
	}
	mark := &segment[T]{}
	for {
		seg := q.tail.Load()
		old := seg.enq.Or(closedBit) // no slot of seg is claimed from here on
		next := seg.next.Load()
		if next == nil && seg.next.CompareAndSwap(nil, mark) {
			// Nor is a segment appended. Enqueues that come later still
			// add to enq before they find closedBit and panic, so Len
			// counts from here.
			q.closedIn.Store(1 + seg.base + min(old&^closedBit, q.segSlots))
			break
		}
		if next = seg.next.Load(); next.slots == nil {
			break // another Close got there
		}
		// A producer appended a segment before the mark: close that one.
		q.tail.CompareAndSwap(seg, next)
	}
	q.closed.Store(true)
	q.notEmpty.NotifyAll()
}

// Len returns the number of items in the queue: how many enqueues have
// taken effect and not yet been matched by a dequeue. With concurrent
// operations in flight it is a snapshot that may already be out of date:
// never negative, and never more than the enqueues begun before the call
// less the dequeues done before it. It costs a few atomic loads, whatever
// the length, so a monitor may call it often (a backlog gauge, say).
func (q *UnboundedQueue[T]) Len() int {
	if q.segSlots == 0 {
		panic(errNotCreated("UnboundedQueue", "NewUnboundedQueue"))
	}
	// At any one instant, the slots claimed by producers and not (yet) by
	// consumers are the items in the queue and the enqueues still writing
	// theirs; a slot that a consumer gave up before its producer came is
	// behind both indices. The producers' index is read first: reading
	// the consumers' one later can only make the count smaller (and then
	// it is clamped at 0), never count an item that a dequeue had taken
	// before the producers' index was read.
	var in uint64
	if c := q.closedIn.Load(); c != 0 {
		in = c - 1
	} else {
		t := q.tail.Load()
		in = t.base + min(t.enq.Load()&^closedBit, q.segSlots)
	}
	h := q.head.Load()
	out := h.base + min(h.deq.Load(), q.segSlots)
	if in <= out {
		return 0
	}
	return int(in - out)
}

// Closed reports whether Close has finished closing the queue.
func (q *UnboundedQueue[T]) Closed() bool { return q.closed.Load() }
