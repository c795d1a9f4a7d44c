package engine

import (
	"sync/atomic"

	"github.com/hotpath/hotpath/cache/internal/node"
	"github.com/hotpath/hotpath/internal/pad"
)

// readBufferSize is the number of reads a shard records before its policy
// must catch up. A power of two; 64 amortises one lock acquisition over 64
// hits while keeping the buffer to eight cache lines.
const readBufferSize = 64

// readBuffer records the hits of one shard so that readers never take the
// shard's write lock (BP-Wrapper). It is lossy: a reader that loses the race
// for a slot drops its record, because an eviction order that is off by a
// few concurrent hits costs nothing measurable, while making readers wait for
// each other would. A single goroutine never loses a record, so replays are
// exact.
type readBuffer[K comparable, V any] struct {
	head  atomic.Uint64 // next slot to drain; only written under the shard's write lock
	_     [pad.CacheLineSize - 8]byte
	tail  atomic.Uint64 // next slot to fill; claimed by readers with one CAS
	_     [pad.CacheLineSize - 8]byte
	slots [readBufferSize]atomic.Pointer[node.Node[K, V]]

	// lost counts records dropped because their CAS lost a race; with tail
	// it makes the shard's hit count (see shard.hits), so counting hits costs
	// readers no atomic operation of its own.
	lost atomic.Uint64
}

// add records a hit on n. It reports false when the buffer is full, in which
// case nothing was recorded and the caller should drain. A lost CAS race
// drops the record (counting it in lost) and reports true.
func (b *readBuffer[K, V]) add(n *node.Node[K, V]) bool {
	t := b.tail.Load()
	if t-b.head.Load() >= readBufferSize {
		return false
	}
	if b.tail.CompareAndSwap(t, t+1) {
		b.slots[t&(readBufferSize-1)].Store(n)
	} else {
		b.lost.Add(1)
	}
	return true
}

// recorded returns how many hits add has seen: those that claimed a slot
// (tail only grows) and those that lost the race for one.
func (b *readBuffer[K, V]) recorded() uint64 { return b.tail.Load() + b.lost.Load() }

// drainLocked hands every recorded hit, oldest first, to access. The caller
// holds the shard's write lock. It stops early at a slot whose reader has
// claimed it but not yet filled it; that record is drained next time.
func (b *readBuffer[K, V]) drainLocked(access func(*node.Node[K, V])) {
	h, t := b.head.Load(), b.tail.Load()
	for ; h != t; h++ {
		slot := &b.slots[h&(readBufferSize-1)]
		n := slot.Load()
		if n == nil {
			break
		}
		slot.Store(nil)
		access(n)
	}
	b.head.Store(h)
}
