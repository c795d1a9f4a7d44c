// Package list is the intrusive doubly linked list that the eviction
// policies keep their entries on, linked through node.Node's Prev and Next.
package list

import "github.com/hotpath/hotpath/cache/internal/node"

// List is a circular list with a sentinel: Front is the oldest entry (least
// recently used), Back the newest. Call Init before use. It is not safe for
// concurrent use; the shard lock protects it.
type List[K comparable, V any] struct {
	root node.Node[K, V]
}

// Init empties the list.
func (l *List[K, V]) Init() { l.root.Prev, l.root.Next = &l.root, &l.root }

// Empty reports whether the list holds no entry.
func (l *List[K, V]) Empty() bool { return l.root.Next == &l.root }

// Front returns the oldest entry, or nil.
func (l *List[K, V]) Front() *node.Node[K, V] {
	if l.root.Next == &l.root {
		return nil
	}
	return l.root.Next
}

// Back returns the newest entry, or nil.
func (l *List[K, V]) Back() *node.Node[K, V] {
	if l.root.Prev == &l.root {
		return nil
	}
	return l.root.Prev
}

// Next returns the entry after n (one step newer), or nil at the back.
func (l *List[K, V]) Next(n *node.Node[K, V]) *node.Node[K, V] {
	if n.Next == &l.root {
		return nil
	}
	return n.Next
}

// Prev returns the entry before n (one step older), or nil at the front.
func (l *List[K, V]) Prev(n *node.Node[K, V]) *node.Node[K, V] {
	if n.Prev == &l.root {
		return nil
	}
	return n.Prev
}

// PushBack appends n, which must not be on a list, as the newest entry.
func (l *List[K, V]) PushBack(n *node.Node[K, V]) {
	n.Next = &l.root
	n.Prev = l.root.Prev
	l.root.Prev.Next = n
	l.root.Prev = n
}

// InsertBefore puts n, which must not be on a list, just before mark (one
// step older than it), on mark's list.
func InsertBefore[K comparable, V any](n, mark *node.Node[K, V]) {
	n.Next = mark
	n.Prev = mark.Prev
	mark.Prev.Next = n
	mark.Prev = n
}

// MoveToBack makes n, which is on l, the newest entry.
func (l *List[K, V]) MoveToBack(n *node.Node[K, V]) {
	if l.root.Prev == n {
		return
	}
	Remove(n)
	l.PushBack(n)
}

// Remove unlinks n from whatever list holds it.
func Remove[K comparable, V any](n *node.Node[K, V]) {
	n.Prev.Next = n.Next
	n.Next.Prev = n.Prev
	n.Prev, n.Next = nil, nil
}
