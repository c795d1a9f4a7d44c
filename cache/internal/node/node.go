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

	// Queue and Freq are the eviction policy's own bookkeeping (which list
	// the node is on, and a small frequency count).
	Queue uint8
	Freq  uint8

	// Live is true from insertion until the node is removed from the cache;
	// a removed node may still sit in a read buffer, and the policy ignores
	// it there.
	Live bool
}

// Expired reports whether the node has expired at engine time now.
func (n *Node[K, V]) Expired(now int64) bool {
	at := n.ExpireAt.Load()
	return at != 0 && now >= at
}
