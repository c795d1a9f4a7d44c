// Package lfu is the least-frequently-used eviction policy with O(1)
// operations and aging.
//
// Entries sit on one list per use count (1 to maxFreq), each list in recency
// order, so the victim is the least recently used entry of the lowest
// non-empty count, found from a cursor that only moves up between evictions
// and drops to 1 when an entry is added. Counts saturate at maxFreq. Every
// agingPeriod × capacity uses, every count is halved (entries keep their
// recency order within the merged lists), so an entry that was hot long ago
// does not stay forever.
package lfu

import (
	"github.com/hotpath/hotpath/cache/internal/list"
	"github.com/hotpath/hotpath/cache/internal/node"
)

const (
	// maxFreq is the highest use count kept; higher counts saturate.
	maxFreq = 31
	// agingPeriod × capacity uses between two halvings of every count.
	agingPeriod = 8
)

// Policy orders a shard's entries by use count, then recency. The zero value
// is not ready: use [New]. The shard lock protects it.
type Policy[K comparable, V any] struct {
	lists    [maxFreq + 1]list.List[K, V] // lists[f]: entries used f times; lists[0] unused
	min      int                          // no list below min is non-empty
	uses     int                          // uses since the last aging
	agingAt  int
	capacity int
}

// New returns an empty policy for a shard of the given capacity.
func New[K comparable, V any](capacity int) *Policy[K, V] {
	p := &Policy[K, V]{capacity: max(capacity, 1)}
	p.agingAt = agingPeriod * p.capacity
	p.Clear()
	return p
}

// Add places a new entry with a use count of 1.
func (p *Policy[K, V]) Add(n *node.Node[K, V]) {
	n.SetFreq(1)
	p.lists[1].PushBack(n)
	p.min = 1
	p.used()
}

// Access counts w uses.
func (p *Policy[K, V]) Access(n *node.Node[K, V], w uint32) {
	if int(n.Freq()) < maxFreq {
		list.Remove(n)
		n.SetFreq(uint8(min(maxFreq, int(n.Freq())+int(w))))
		p.lists[n.Freq()].PushBack(n)
	} else {
		p.lists[n.Freq()].MoveToBack(n)
	}
	p.uses += int(w) - 1
	p.used()
}

// Update counts a write that stands for w writes as w uses.
func (p *Policy[K, V]) Update(n *node.Node[K, V], w uint32) { p.Access(n, w) }

// Reweigh changes a live entry's weight in place; the policy keeps no
// weights of its own.
func (p *Policy[K, V]) Reweigh(n *node.Node[K, V], w uint32) { n.Weight = w }

// Remove forgets an entry.
func (p *Policy[K, V]) Remove(n *node.Node[K, V]) { list.Remove(n) }

// Victim returns the least recently used entry of the lowest use count.
func (p *Policy[K, V]) Victim() *node.Node[K, V] {
	for ; p.min <= maxFreq; p.min++ {
		if n := p.lists[p.min].Front(); n != nil {
			return n
		}
	}
	p.min = 1
	return nil
}

// Clear forgets every entry.
func (p *Policy[K, V]) Clear() {
	for i := range p.lists {
		p.lists[i].Init()
	}
	p.min = 1
	p.uses = 0
}

// Resize sets the capacity, and with it the period of the aging (the
// engine then evicts down to it). Uses counted towards the next aging are
// kept; if they have reached the new period, the counts age at once.
func (p *Policy[K, V]) Resize(capacity int) {
	p.capacity = max(capacity, 1)
	p.agingAt = agingPeriod * p.capacity
	if p.uses >= p.agingAt {
		p.age()
	}
}

// used counts one use and ages the counts when a period is over.
func (p *Policy[K, V]) used() {
	p.uses++
	if p.uses >= p.agingAt {
		p.age()
	}
}

// age halves every count (a count of 1 stays 1). The lists are walked from
// low to high counts and each entry appended to the list of its halved
// count, so within a list entries stay in recency order per original count.
// It costs O(entries), once every agingPeriod × capacity uses.
func (p *Policy[K, V]) age() {
	p.uses = 0
	for f := 2; f <= maxFreq; f++ {
		nf := max(1, f/2)
		for n := p.lists[f].Front(); n != nil; n = p.lists[f].Front() {
			list.Remove(n)
			n.SetFreq(uint8(nf))
			p.lists[nf].PushBack(n)
		}
	}
	p.min = 1
}

// Ordered calls f for each entry, most used first (most recent first among
// equal counts), until f returns false.
func (p *Policy[K, V]) Ordered(f func(*node.Node[K, V]) bool) {
	for c := maxFreq; c >= 1; c-- {
		for n := p.lists[c].Back(); n != nil; n = p.lists[c].Prev(n) {
			if !f(n) {
				return
			}
		}
	}
}

// Coldest calls f for each entry in the reverse of Ordered's order, least
// used first (least recent first among equal counts), until f returns
// false.
func (p *Policy[K, V]) Coldest(f func(*node.Node[K, V]) bool) {
	for c := 1; c <= maxFreq; c++ {
		for n := p.lists[c].Front(); n != nil; n = p.lists[c].Next(n) {
			if !f(n) {
				return
			}
		}
	}
}
