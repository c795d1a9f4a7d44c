package engine

import (
	"math"
	"time"

	"github.com/hotpath/hotpath/cache/internal/node"
)

// This file holds the operations over the whole cache: iteration,
// snapshots, Clear, Len, reclamation and statistics. Each visits the shards
// one at a time, so none of them holds more than one shard's lock.

// Entry is one entry as Range and Ranked copy it out of a shard (Range
// sets only Key and Value).
type Entry[K comparable, V any] struct {
	Key    K
	Value  V
	Weight uint32
	TTL    int64 // time left to live in nanoseconds; 0: never expires
}

// Range calls f for each live entry, shard by shard, with no lock held, so f
// may use the cache. Each shard is copied under its read lock; an entry
// stored or deleted during Range may or may not be seen, as with sync.Map.
func (e *Engine[K, V]) Range(f func(key K, value V) bool) {
	var batch []Entry[K, V]
	for i := range e.shards {
		s := &e.shards[i]
		batch = batch[:0]
		now := e.timeBefore(s, false)
		s.mu.RLock()
		now = s.timeLocked(now)
		for n := range s.m.All() {
			if !n.Expired(now) {
				batch = append(batch, Entry[K, V]{Key: n.Key, Value: n.Value})
			}
		}
		s.mu.RUnlock()
		for j := range batch {
			if !f(batch[j].Key, batch[j].Value) {
				return
			}
		}
	}
}

// Snapshot returns the live entries, hottest first (see Ranked).
func (e *Engine[K, V]) Snapshot() []Entry[K, V] { return e.Ranked(false, math.MaxInt) }

// Ranked returns up to limit live entries, hottest first: each shard's
// pinned entries (see pinned), then its others in its policy's order (most
// valuable first), interleaved across shards, one from each in turn; or,
// with coldest, the reverse of each shard's order, interleaved the same
// way. It records no use. Each shard is copied under its lock, one shard
// at a time, and gives at most limit entries.
func (e *Engine[K, V]) Ranked(coldest bool, limit int) []Entry[K, V] {
	if limit <= 0 {
		return nil
	}
	perShard := make([][]Entry[K, V], len(e.shards))
	total := 0
	for i := range e.shards {
		s := &e.shards[i]
		now := e.now() // before the lock: see timeBefore
		s.lock()
		s.drainReadsLocked()
		add := func(n *node.Node[K, V]) bool {
			if n.Live() && !n.Expired(now) {
				var left int64
				if at := n.ExpireAt.Load(); at != 0 {
					left = at - now
				}
				perShard[i] = append(perShard[i], Entry[K, V]{Key: n.Key, Value: n.Value, Weight: n.Weight, TTL: left})
			}
			return len(perShard[i]) < limit
		}
		pinnedOnes := func() {
			if e.weigh == nil || len(perShard[i]) >= limit {
				return
			}
			for n := range s.m.All() { // the pinned entries, which the policy does not hold
				if pinned(n) && !add(n) {
					return
				}
			}
		}
		if coldest {
			s.policy.Coldest(add)
			pinnedOnes()
		} else {
			pinnedOnes()
			s.policy.Ordered(add)
		}
		total += len(perShard[i])
		s.unlock()
	}
	out := make([]Entry[K, V], 0, min(total, limit))
	for j := 0; len(out) < cap(out); j++ {
		for i := range perShard {
			if j < len(perShard[i]) && len(out) < cap(out) {
				out = append(out, perShard[i][j])
			}
		}
	}
	return out
}

// Clear removes every entry (counting those that had expired as expired).
// Loads in flight finish, but their values are not stored.
func (e *Engine[K, V]) Clear() {
	for i := range e.shards {
		s := &e.shards[i]
		now := e.timeBefore(s, false)
		s.lock()
		s.drainReadsLocked()
		for k := range s.calls {
			s.invalidateLocked(k, true)
		}
		now = s.timeLocked(now)
		for n := range s.m.All() {
			n.SetLive(false)
			cause := Deleted
			if n.Expired(now) {
				cause = Expired
				s.expirations.Add(1)
			}
			if s.listen {
				s.events.push(n.Key, n.Value, cause)
			}
		}
		s.m.Clear()
		if s.aux != nil {
			clear(s.aux)
		}
		s.policy.Clear()
		if s.wheel != nil {
			s.wheel.Clear()
		}
		s.weight = 0
		s.unlock()
		s.deliver()
	}
}

// resizeBatch is the most weight (entries, without a weigher) SetCapacity
// evicts from a shard under one hold of its lock. Halving a full cache of
// 1,000,000 entries in 8 shards evicts 62,500 a shard, and in one hold
// kept a shard locked for some 24 ms on the 2-core VM
// (BenchmarkSetCapacity); 4,096 at a time is about 1.6 ms.
const resizeBatch = 4096

// SetCapacity changes the cache's capacity (a total weight with a
// weigher), shared among the shards as New shares it. A shard over its new
// share evicts down to it before the call returns, entries that have
// expired first, then the policy's victims (cause Evicted, listeners
// called as for any eviction); its table then gives back the memory it no
// longer needs. The shard's capacity comes down resizeBatch at a time,
// with the lock released and the evictions delivered in between, so that
// neither the shard's other callers nor a write that evicts to make room
// wait for more than one batch. The shards change one after another, so a
// write racing with the call may meet its shard at the old capacity, the
// new, or one between; calls are serialised, and when the last returns
// every shard has its share of its capacity. The caller checked that every
// shard gets at least 1.
func (e *Engine[K, V]) SetCapacity(capacity int) {
	e.resizing.Lock()
	defer e.resizing.Unlock()
	for i := range e.shards {
		s := &e.shards[i]
		c := shareOf(capacity, len(e.shards), i)
		e.lockAt(s, false)
		s.policy.Resize(int(c))
		for {
			s.cap = max(c, s.weight-resizeBatch)
			s.evictLocked()
			if s.cap == c {
				break
			}
			s.unlock()
			s.deliver()
			e.lockAt(s, false)
		}
		s.m.SetLimit(int(c) + 1) // as New sizes it: a write inserts before it evicts
		s.unlock()
		s.deliver()
	}
	e.capacity.Store(int64(capacity))
}

// Capacity returns the capacity New or the last SetCapacity set.
func (e *Engine[K, V]) Capacity() int { return int(e.capacity.Load()) }

// Shards returns the number of shards.
func (e *Engine[K, V]) Shards() int { return len(e.shards) }

// Len returns the number of live entries. It reclaims expired entries first,
// taking each shard's write lock in turn.
func (e *Engine[K, V]) Len() int {
	total := 0
	for i := range e.shards {
		s := &e.shards[i]
		now := e.timeBefore(s, false)
		s.lock()
		if s.wheel != nil {
			s.wheel.ExpireDue(s.timeLocked(now), s.expireLocked)
		}
		total += s.m.Len()
		s.unlock()
		s.deliver()
	}
	return total
}

// Expire reclaims the expired entries of every shard. The facade's
// background reclaimer calls it; it skips a shard whose lock is busy (the
// writer holding it reclaims as it goes).
func (e *Engine[K, V]) Expire() {
	if !e.expiring.Load() {
		return
	}
	for i := range e.shards {
		s := &e.shards[i]
		now := e.timeBefore(s, false)
		if !s.tryLock() {
			continue
		}
		if s.wheel != nil {
			s.drainReadsLocked()
			s.wheel.Advance(s.timeLocked(now), s.expireLocked)
		}
		s.unlock()
		s.deliver()
	}
}

// Counters are the engine's statistics.
type Counters struct {
	Hits, Misses, Evictions, EvictedWeight, Expirations, Rejections uint64
	LoadSuccesses, LoadFailures                                     uint64
	LoadTime                                                        time.Duration
}

// Counters sums the statistics of every shard.
func (e *Engine[K, V]) Counters() Counters {
	var c Counters
	for i := range e.shards {
		s := &e.shards[i]
		c.Hits += s.hits()
		c.Misses += s.misses.Load()
		c.Evictions += s.evictions.Load()
		c.EvictedWeight += s.evictedWeight.Load()
		c.Expirations += s.expirations.Load()
		c.Rejections += s.rejections.Load()
		c.LoadSuccesses += s.loadSuccesses.Load()
		c.LoadFailures += s.loadFailures.Load()
		c.LoadTime += time.Duration(s.loadNanos.Load())
	}
	for i := range e.readers {
		c.Hits += e.readers[i].hits.Load()
		c.Misses += e.readers[i].misses.Load()
	}
	return c
}

// Weight returns the total weight of the entries, expired ones not yet
// reclaimed included.
func (e *Engine[K, V]) Weight() int64 {
	var w int64
	for i := range e.shards {
		s := &e.shards[i]
		s.mu.RLock()
		w += s.weight
		s.mu.RUnlock()
	}
	return w
}

// Ordered calls f for the live entries of each shard in the policy's order
// (for LRU, most recent first), shard by shard, under the shard's write
// lock; pinned entries, which the policy does not hold, are left out. f
// must not use the cache.
func (e *Engine[K, V]) Ordered(f func(key K, value V) bool) {
	for i := range e.shards {
		s := &e.shards[i]
		s.lock()
		s.drainReadsLocked()
		cont := true
		s.policy.Ordered(func(n *node.Node[K, V]) bool {
			cont = f(n.Key, n.Value)
			return cont
		})
		s.unlock()
		if !cont {
			return
		}
	}
}
