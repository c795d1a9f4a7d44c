package lockfree

import "sync/atomic"

// Stack is a last-in-first-out stack that any number of goroutines may push
// to and pop from at the same time: a Treiber stack, a linked list whose top
// is swung with one CAS. Every Push allocates a node and nodes are never
// reused, so the garbage collector rules out the ABA problem that a C
// implementation must guard against.
//
// The zero value is an empty stack ready to use. A Stack must not be copied
// after first use.
//
// TryPop returns false only when the stack is empty at the instant it reads
// the top; every operation is linearizable. The Push of a value
// synchronizes before the TryPop that returns it.
//
// A Stack is the right tool when order does not matter and the newest item
// is the most useful one (free lists, work stealing by the owner); under
// heavy contention every operation retries on the one top pointer, so a
// [Queue] spreads the load better.
type Stack[T any] struct {
	_   noCopy
	top atomic.Pointer[stackNode[T]]
}

type stackNode[T any] struct {
	val  T
	next *stackNode[T] // written before the node is published, only read after
}

// Push puts v on top of the stack.
func (s *Stack[T]) Push(v T) {
	n := &stackNode[T]{val: v}
	for {
		top := s.top.Load()
		n.next = top
		if s.top.CompareAndSwap(top, n) {
			return
		}
	}
}

// TryPop removes and returns the top item and true, or returns the zero T
// and false if the stack is empty.
func (s *Stack[T]) TryPop() (T, bool) {
	for {
		top := s.top.Load()
		if top == nil {
			var zero T
			return zero, false
		}
		if s.top.CompareAndSwap(top, top.next) {
			return top.val, true
		}
	}
}

// Peek returns the top item and true without removing it, or the zero T and
// false if the stack is empty.
func (s *Stack[T]) Peek() (T, bool) {
	if top := s.top.Load(); top != nil {
		return top.val, true
	}
	var zero T
	return zero, false
}

// Empty reports whether the stack was empty at the instant it looked.
func (s *Stack[T]) Empty() bool { return s.top.Load() == nil }
