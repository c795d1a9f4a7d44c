// Package wait parks goroutines until a condition they poll may have become
// true, without a lock or an allocation on the notifier's fast path.
//
// It is an event count: a waiter registers a [Ticket], re-checks its
// condition, and only then parks; a notifier first makes the condition true
// and then looks for registered tickets. Because the registration and the
// notifier's look are both sequentially consistent atomic operations, either
// the waiter's re-check sees the condition or the notifier sees the ticket,
// so no wake-up is lost. A notifier with nobody waiting pays one atomic load.
//
// The waiter's loop, which [Until] runs:
//
//	for {
//		if v, ok := tryOp(); ok {
//			return v, nil
//		}
//		t := set.Prepare()
//		if v, ok := tryOp(); ok {
//			set.Cancel(t)
//			return v, nil
//		}
//		if err := set.Wait(ctx, t); err != nil {
//			return zero, err
//		}
//	}
//
// and the notifier, after each operation that can make the condition true,
// calls [Set.NotifyOne] (or [Set.NotifyAll]).
package wait

import (
	"context"
	"sync"
	"sync/atomic"
)

// Set is a FIFO set of goroutines parked on one condition, such as "the queue
// is not empty". The zero value is an empty set ready to use.
//
// A Set must not be copied after first use.
type Set struct {
	_       noCopy
	waiting atomic.Int32 // number of tickets in the list; read without mu by notifiers
	mu      sync.Mutex   // protects head and tail and every listed ticket's links
	head    *Ticket
	tail    *Ticket
}

// Ticket is one waiter's registration in a [Set]. It is valid from
// [Set.Prepare] until the matching [Set.Wait] or [Set.Cancel] returns.
type Ticket struct {
	ch         chan struct{} // buffered, capacity 1: the wake-up
	prev, next *Ticket
	listed     bool // protected by the Set's mu
}

var ticketPool = sync.Pool{New: func() any { return &Ticket{ch: make(chan struct{}, 1)} }}

// Until calls try until it succeeds and returns its value: spins times at
// once, then parking on s between attempts, so that a waiter uses no CPU.
// It returns ctx.Err() if ctx ends while it is parked; try succeeding is
// checked first, so a value available at the call is returned even if ctx
// is already done.
func Until[T any](ctx context.Context, s *Set, spins int, try func() (T, bool)) (T, error) {
	for range spins {
		if v, ok := try(); ok {
			return v, nil
		}
	}
	for {
		t := s.Prepare()
		if v, ok := try(); ok {
			s.Cancel(t)
			return v, nil
		}
		if err := s.Wait(ctx, t); err != nil {
			var zero T
			return zero, err
		}
	}
}

// Prepare registers the calling goroutine as a waiter. The caller must then
// re-check its condition and call exactly one of [Set.Wait] or [Set.Cancel].
func (s *Set) Prepare() *Ticket {
	t := ticketPool.Get().(*Ticket)
	s.mu.Lock()
	t.listed = true
	t.prev = s.tail
	t.next = nil
	if s.tail != nil {
		s.tail.next = t
	} else {
		s.head = t
	}
	s.tail = t
	s.waiting.Add(1)
	s.mu.Unlock()
	return t
}

// Wait parks until a notifier wakes t or ctx is done. It returns nil when
// woken, and ctx.Err() when ctx ended first; in that case a wake-up that
// raced with the cancellation is passed on to the next waiter, so it is never
// lost.
func (s *Set) Wait(ctx context.Context, t *Ticket) error {
	select {
	case <-t.ch:
		release(t)
		return nil
	case <-ctx.Done():
		s.Cancel(t)
		return ctx.Err()
	}
}

// Cancel withdraws t without parking. If a notifier already chose t, the
// wake-up is handed to the next waiter.
func (s *Set) Cancel(t *Ticket) {
	s.mu.Lock()
	if t.listed {
		s.unlinkLocked(t)
		s.mu.Unlock()
		release(t)
		return
	}
	s.mu.Unlock()
	// A notifier took t off the list and signalled (or is about to signal)
	// it. Wait for the token so the ticket can be reused, then pass the
	// wake-up on.
	<-t.ch
	release(t)
	s.NotifyOne()
}

// NotifyOne wakes the longest-waiting goroutine, if any.
func (s *Set) NotifyOne() {
	if s.waiting.Load() == 0 {
		return
	}
	s.mu.Lock()
	t := s.head
	if t != nil {
		s.unlinkLocked(t)
	}
	s.mu.Unlock()
	if t != nil {
		t.ch <- struct{}{}
	}
}

// NotifyN wakes up to n of the longest-waiting goroutines: one for each
// of n units of the condition that an operation made true at once (items
// or free slots that a batch added).
func (s *Set) NotifyN(n int) {
	for ; n > 0 && s.waiting.Load() != 0; n-- {
		s.NotifyOne()
	}
}

// NotifyAll wakes every waiting goroutine.
func (s *Set) NotifyAll() {
	if s.waiting.Load() == 0 {
		return
	}
	s.mu.Lock()
	var woken *Ticket
	for t := s.head; t != nil; {
		next := t.next
		s.unlinkLocked(t)
		t.next = woken // reuse the link to collect the woken tickets
		woken = t
		t = next
	}
	s.mu.Unlock()
	for woken != nil {
		next := woken.next
		woken.next = nil
		woken.ch <- struct{}{}
		woken = next
	}
}

// Waiting reports how many goroutines are registered.
func (s *Set) Waiting() int { return int(s.waiting.Load()) }

func (s *Set) unlinkLocked(t *Ticket) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		s.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		s.tail = t.prev
	}
	t.prev, t.next = nil, nil
	t.listed = false
	s.waiting.Add(-1)
}

func release(t *Ticket) {
	ticketPool.Put(t)
}

// noCopy lets go vet's copylocks check catch a copied Set.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
