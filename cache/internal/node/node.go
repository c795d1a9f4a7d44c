// Package node defines the entry that every part of the cache engine links
// into its own structures: the shard's map, the eviction policy's lists and
// the timer wheel. One allocation per entry serves them all.
package node

import "sync/atomic"

// Node is one cache entry. Every field is protected by the owning shard's
// lock, except where noted; the engine reads Key, Value and ExpireAt under
// the shard's read lock.
type Node[K comparable, V any] struct {
	Key   K
	Value V

	// Prev and Next link the node into its eviction policy's list.
	Prev, Next *Node[K, V]

	// WPrev and WNext link the node into a timer wheel bucket.
	WPrev, WNext *Node[K, V]

	// ExpireAt is the engine-clock time, in nanoseconds, at which the entry
	// expires; 0 means never. It is atomic because a cache that expires
	// entries after access extends it under the shard's read lock; every
	// other write holds the write lock. (atomic.Int64 is also 64-bit aligned
	// on 32-bit platforms.)
	ExpireAt atomic.Int64

	// Weight is the entry's share of the shard's capacity (1 without a
	// weigher).
	Weight uint32

	// meta packs, in the four bytes a node of int keys and values has left
	// below 64, the policy's bookkeeping (which list the node is on, and a
	// small frequency count), whether the node is live, and its reference
	// bit. All but the reference bit are written under the shard's locks;
	// readers set the reference bit with no lock (see Touch), which is why
	// the word is atomic.
	meta atomic.Uint32
}

const (
	queueMask = 0xff // meta's bits 0–7: Queue
	freqShift = 8    // bits 8–15: Freq
	freqMask  = 0xff << freqShift
	liveBit   = 1 << 16 // Live
	refBit    = 1 << 17 // the reference bit
)

// Queue is the eviction policy's record of which list the node is on.
func (n *Node[K, V]) Queue() uint8 { return uint8(n.meta.Load() & queueMask) }

// SetQueue sets Queue. The caller holds the shard's policy lock.
func (n *Node[K, V]) SetQueue(q uint8) { n.set(queueMask, uint32(q)) }

// Freq is a small frequency count kept by policies that count per entry.
func (n *Node[K, V]) Freq() uint8 { return uint8(n.meta.Load() >> freqShift) }

// SetFreq sets Freq. The caller holds the shard's policy lock.
func (n *Node[K, V]) SetFreq(f uint8) { n.set(freqMask, uint32(f)<<freqShift) }

// Live reports whether the node is in the cache: true from insertion until
// it is removed. A removed node may still sit in a read buffer, and the
// policy ignores it there.
func (n *Node[K, V]) Live() bool { return n.meta.Load()&liveBit != 0 }

// SetLive sets Live. The caller holds the shard's write lock.
func (n *Node[K, V]) SetLive(live bool) {
	if live {
		n.meta.Or(liveBit)
	} else {
		n.meta.And(^uint32(liveBit))
	}
}

// Touch sets the reference bit: a hit that the shard did not hand to its
// policy (see the engine's recordHit) leaves this trace of its recency,
// which the policy reads when the node reaches the old end of a list
// (TakeRef). It writes the node only if the bit is clear, so that hits on
// a hot node, whose bit stays set, do not keep pulling its cache line
// away from other readers.
func (n *Node[K, V]) Touch() {
	if n.meta.Load()&refBit == 0 {
		n.meta.Or(refBit)
	}
}

// TakeRef clears the reference bit and reports whether it was set. The
// caller holds the shard's policy lock.
func (n *Node[K, V]) TakeRef() bool {
	if n.meta.Load()&refBit == 0 {
		return false
	}
	return n.meta.And(^uint32(refBit))&refBit != 0
}

// set replaces the bits of mask with v. Only the reference bit changes
// concurrently (Touch), so the loop seldom runs twice.
func (n *Node[K, V]) set(mask, v uint32) {
	for {
		old := n.meta.Load()
		if n.meta.CompareAndSwap(old, old&^mask|v) {
			return
		}
	}
}

// Expired reports whether the node has expired at engine time now.
func (n *Node[K, V]) Expired(now int64) bool {
	at := n.ExpireAt.Load()
	return at != 0 && now >= at
}
