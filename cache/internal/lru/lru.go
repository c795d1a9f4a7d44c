// Package lru is the exact least-recently-used eviction policy: one doubly
// linked list per shard, most recent at the front, every operation O(1).
package lru

import "github.com/hotpath/hotpath/cache/internal/node"

// Policy orders a shard's entries by recency. The zero value is not ready:
// use [New]. The shard lock protects it.
type Policy[K comparable, V any] struct {
	head node.Node[K, V] // sentinel: head.Next is the most recent, head.Prev the least
}

// New returns an empty policy.
func New[K comparable, V any]() *Policy[K, V] {
	p := &Policy[K, V]{}
	p.head.Prev, p.head.Next = &p.head, &p.head
	return p
}

// Add makes a new entry the most recently used.
func (p *Policy[K, V]) Add(n *node.Node[K, V]) { p.pushFront(n) }

// Access records a use of an entry already added.
func (p *Policy[K, V]) Access(n *node.Node[K, V]) {
	if p.head.Next == n {
		return
	}
	unlink(n)
	p.pushFront(n)
}

// Update records a write to an entry already added.
func (p *Policy[K, V]) Update(n *node.Node[K, V]) { p.Access(n) }

// Remove forgets an entry.
func (p *Policy[K, V]) Remove(n *node.Node[K, V]) { unlink(n) }

// Victim returns the entry to evict next, or nil when there is none.
func (p *Policy[K, V]) Victim() *node.Node[K, V] {
	if p.head.Prev == &p.head {
		return nil
	}
	return p.head.Prev
}

// Clear forgets every entry.
func (p *Policy[K, V]) Clear() { p.head.Prev, p.head.Next = &p.head, &p.head }

// Ordered calls f for each entry from most to least recently used until f
// returns false.
func (p *Policy[K, V]) Ordered(f func(*node.Node[K, V]) bool) {
	for n := p.head.Next; n != &p.head; n = n.Next {
		if !f(n) {
			return
		}
	}
}

func (p *Policy[K, V]) pushFront(n *node.Node[K, V]) {
	n.Prev = &p.head
	n.Next = p.head.Next
	p.head.Next.Prev = n
	p.head.Next = n
}

func unlink[K comparable, V any](n *node.Node[K, V]) {
	n.Prev.Next = n.Next
	n.Next.Prev = n.Prev
	n.Prev, n.Next = nil, nil
}
