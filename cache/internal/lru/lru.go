// Package lru is the exact least-recently-used eviction policy: one list per
// shard, every operation O(1).
package lru

import (
	"github.com/hotpath/hotpath/cache/internal/list"
	"github.com/hotpath/hotpath/cache/internal/node"
)

// Policy orders a shard's entries by recency. The zero value is not ready:
// use [New]. The shard lock protects it.
type Policy[K comparable, V any] struct {
	l list.List[K, V] // front: least recently used
}

// New returns an empty policy.
func New[K comparable, V any]() *Policy[K, V] {
	p := &Policy[K, V]{}
	p.l.Init()
	return p
}

// Add makes a new entry the most recently used.
func (p *Policy[K, V]) Add(n *node.Node[K, V]) { p.l.PushBack(n) }

// Access records a use of an entry already added; recency has no weight,
// so w is ignored.
func (p *Policy[K, V]) Access(n *node.Node[K, V], _ uint32) { p.l.MoveToBack(n) }

// Update records a write to an entry already added; w is ignored, as in
// Access.
func (p *Policy[K, V]) Update(n *node.Node[K, V], _ uint32) { p.l.MoveToBack(n) }

// Reweigh changes a live entry's weight in place; the policy keeps no
// weights of its own.
func (p *Policy[K, V]) Reweigh(n *node.Node[K, V], w uint32) { n.Weight = w }

// Remove forgets an entry.
func (p *Policy[K, V]) Remove(n *node.Node[K, V]) { list.Remove(n) }

// Resize does nothing: the policy keeps no capacity of its own (the engine
// evicts down to the new one from the front of the list).
func (p *Policy[K, V]) Resize(int) {}

// Victim returns the entry to evict next, or nil when there is none.
func (p *Policy[K, V]) Victim() *node.Node[K, V] { return p.l.Front() }

// Clear forgets every entry.
func (p *Policy[K, V]) Clear() { p.l.Init() }

// Ordered calls f for each entry from most to least recently used until f
// returns false.
func (p *Policy[K, V]) Ordered(f func(*node.Node[K, V]) bool) {
	for n := p.l.Back(); n != nil && f(n); n = p.l.Prev(n) {
	}
}

// Coldest calls f for each entry from least to most recently used, the
// order Victim takes them in, until f returns false.
func (p *Policy[K, V]) Coldest(f func(*node.Node[K, V]) bool) {
	for n := p.l.Front(); n != nil && f(n); n = p.l.Next(n) {
	}
}
