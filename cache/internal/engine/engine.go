// Package engine is the sharded concurrent cache behind package cache.
//
// Each shard owns a Go map from key to [node.Node], an eviction policy, a
// timer wheel for entries that expire, and a read buffer. The locking
// design, and why:
//
//   - Lookups take the shard's read lock (sync.RWMutex.RLock), so readers
//     never wait for one another, and record the hit in the shard's lossy
//     read buffer instead of touching the policy's lists. Only when the
//     buffer is full does a reader try the write lock, and it never waits
//     for it: TryLock, drain, or drop the record.
//   - Writes take the shard's write lock, first apply the recorded hits in
//     order, then change the map, the policy and the wheel, and evict. So
//     with one goroutine every hit reaches the policy before the next
//     eviction decision: a replay is exactly the policy's textbook behaviour.
//   - Values are updated in place under the write lock, so an update of an
//     existing key allocates nothing; the read lock is what makes that safe
//     (a lock-free map would need a new node, an allocation, per update).
//
// Why this and not Caffeine's full BP-Wrapper with a lock-free table: on the
// two-core machines this is built on, an uncontended RLock/RUnlock pair costs
// about as much as the atomics of a lock-free probe, and the in-place update
// saves an allocation per write. On 64 cores the read lock's reader count is
// one contended cache line per shard; the default shard count (four per
// GOMAXPROCS, see [DefaultShards]) spreads uniform traffic over enough lines,
// and under skewed traffic the hottest shard's counter, not the policy lock,
// is the bottleneck — the same line a lock-free table's read buffer would
// contend on.
package engine

import (
	"hash/maphash"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hotpath/hotpath/cache/internal/node"
	"github.com/hotpath/hotpath/cache/internal/wheel"
	"github.com/hotpath/hotpath/internal/pad"
)

// MinShardCapacity is the smallest per-shard capacity DefaultShards will
// choose. Splitting a cache divides its recency (or frequency) information:
// a key whose shard is full is evicted although other shards hold colder
// keys. Exact-LRU replays of the shared traces (OLTP, sprite, web07, scarab,
// multi3 at 1k–32k entries) lost at most 0.15 point against one shard at
// 64 entries a shard on every trace but multi3, which lost 1.75 points at 64,
// 0.95 at 512 and 0.39 at 1024 entries a shard (at 4096 entries in all).
// 1024 keeps the loss under half a point everywhere measured.
const MinShardCapacity = 1024

// Policy is an eviction policy for one shard. All methods are called with
// the shard's write lock held.
type Policy[K comparable, V any] interface {
	Add(n *node.Node[K, V])    // a new entry
	Access(n *node.Node[K, V]) // a hit on a live entry
	Update(n *node.Node[K, V]) // a write to a live entry
	Remove(n *node.Node[K, V]) // an entry leaves the cache
	Victim() *node.Node[K, V]  // the entry to evict next; nil if empty
	Clear()                    // forget every entry
}

// Config configures an Engine. The facade validates it.
type Config[K comparable, V any] struct {
	Capacity int
	Shards   int   // a power of two ≥ 1
	TTL      int64 // nanoseconds; 0: no default expiry
	Now      func() int64
	// NewPolicy builds one shard's policy for its capacity; hash is the
	// engine's seeded key hash, for policies that keep frequency sketches.
	NewPolicy func(capacity int, hash func(K) uint64) Policy[K, V]
}

// Engine is the sharded cache.
type Engine[K comparable, V any] struct {
	shards []shard[K, V]
	mask   uint64
	seed   maphash.Seed
	ttl    int64
	now    func() int64 // engine time in nanoseconds, always ≥ 1

	// expiring becomes true when the first entry with an expiry time is
	// stored; until then writes skip the clock and the wheel entirely.
	expiring atomic.Bool
}

type shard[K comparable, V any] struct {
	mu     sync.RWMutex           // protects m, policy, wheel, weight and every node's fields
	m      map[K]*node.Node[K, V] // the entries, expired ones included until reclaimed
	policy Policy[K, V]
	wheel  *wheel.Wheel[K, V] // nil until the shard stores an entry that expires
	weight int64              // total Weight of the entries in m
	cap    int64

	evictions   atomic.Uint64 // written under mu, read by Stats
	expirations atomic.Uint64 // written under mu, read by Stats
	directHits  atomic.Uint64 // hits that bypassed the read buffer
	misses      atomic.Uint64 // per shard, so the shards stripe the count

	reads readBuffer[K, V]
	_     pad.CacheLinePad
}

// DefaultShards is the shard count for a capacity: four per GOMAXPROCS,
// rounded up to a power of two, but never so many that a shard holds fewer
// than MinShardCapacity entries.
func DefaultShards(capacity int) int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) {
		n <<= 1
	}
	for n > 1 && capacity/n < MinShardCapacity {
		n >>= 1
	}
	return n
}

// New builds an engine from a validated Config.
func New[K comparable, V any](cfg Config[K, V]) *Engine[K, V] {
	e := &Engine[K, V]{
		shards: make([]shard[K, V], cfg.Shards),
		mask:   uint64(cfg.Shards - 1),
		seed:   maphash.MakeSeed(),
		ttl:    cfg.TTL,
		now:    cfg.Now,
	}
	base, extra := cfg.Capacity/cfg.Shards, cfg.Capacity%cfg.Shards
	for i := range e.shards {
		s := &e.shards[i]
		s.cap = int64(base)
		if i < extra {
			s.cap++
		}
		s.m = make(map[K]*node.Node[K, V], min(s.cap, 1024))
		s.policy = cfg.NewPolicy(int(s.cap), e.hash)
	}
	if cfg.TTL > 0 {
		e.expiring.Store(true)
	}
	return e
}

// Expiring reports whether any entry may expire (a default TTL, or an entry
// stored with one), so the facade knows when to start reclaiming in the
// background.
func (e *Engine[K, V]) Expiring() bool { return e.expiring.Load() }

func (e *Engine[K, V]) shardFor(key K) *shard[K, V] {
	if e.mask == 0 {
		return &e.shards[0]
	}
	return &e.shards[e.hash(key)&e.mask]
}

// hash is the engine's seeded hash of a key: seeded, so that keys crafted to
// collide cannot be chosen in advance.
func (e *Engine[K, V]) hash(key K) uint64 { return maphash.Comparable(e.seed, key) }

// expireAt is the expiry time of an entry written now with ttl; 0 if none.
func (e *Engine[K, V]) expireAt(now, ttl int64) int64 {
	if ttl <= 0 {
		return 0
	}
	if now > math.MaxInt64-ttl {
		return math.MaxInt64
	}
	return now + ttl
}

// Load returns the live value for key.
func (e *Engine[K, V]) Load(key K) (value V, ok bool) {
	s := e.shardFor(key)
	s.mu.RLock()
	n := s.m[key]
	if n != nil && (n.ExpireAt == 0 || e.now() < n.ExpireAt) {
		value, ok = n.Value, true
	}
	s.mu.RUnlock()
	if ok {
		s.recordHit(n) // also counts the hit
	} else {
		s.misses.Add(1)
	}
	return value, ok
}

// hits is the number of lookups that found a live entry in this shard: every
// hit is offered to the read buffer, which counts what it takes and what it
// drops, and the rest are counted on their slower paths.
func (s *shard[K, V]) hits() uint64 { return s.reads.recorded() + s.directHits.Load() }

// recordHit hands a hit to the policy through the read buffer.
func (s *shard[K, V]) recordHit(n *node.Node[K, V]) {
	if s.reads.add(n) {
		return
	}
	// Outlined slow path: the buffer is full. Drain it if the write lock is
	// free; otherwise another goroutine is writing and will drain it.
	s.drainFull(n)
}

func (s *shard[K, V]) drainFull(n *node.Node[K, V]) {
	s.directHits.Add(1)
	if !s.mu.TryLock() {
		return
	}
	s.drainReadsLocked()
	if n.Live {
		s.policy.Access(n)
	}
	s.mu.Unlock()
}

func (s *shard[K, V]) drainReadsLocked() {
	s.reads.drainLocked(s.accessLocked)
}

func (s *shard[K, V]) accessLocked(n *node.Node[K, V]) {
	if n.Live {
		s.policy.Access(n)
	}
}

// Store sets the value for key with the given time to live (0: never
// expires; the facade passes the default TTL for plain stores).
func (e *Engine[K, V]) Store(key K, value V, ttl int64) {
	s := e.shardFor(key)
	s.mu.Lock()
	now := e.maintainLocked(s, ttl)
	if n := s.liveLocked(e, key, now); n != nil {
		e.updateLocked(s, n, value, now, ttl)
	} else {
		e.insertLocked(s, key, value, now, ttl)
	}
	s.mu.Unlock()
}

// LoadOrStore returns the live value for key if there is one; otherwise it
// stores value with the default TTL.
func (e *Engine[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	if v, ok := e.Load(key); ok {
		return v, true
	}
	s := e.shardFor(key)
	s.mu.Lock()
	now := e.maintainLocked(s, e.ttl)
	if n := s.liveLocked(e, key, now); n != nil {
		actual, loaded = n.Value, true
		s.policy.Access(n)
		s.directHits.Add(1)
		s.misses.Add(^uint64(0)) // Load counted a miss, but the entry arrived meanwhile
	} else {
		e.insertLocked(s, key, value, now, e.ttl)
		actual = value
	}
	s.mu.Unlock()
	return actual, loaded
}

// LoadAndDelete removes key and returns its live value.
func (e *Engine[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	s := e.shardFor(key)
	s.mu.Lock()
	now := e.maintainLocked(s, 0)
	if n := s.liveLocked(e, key, now); n != nil {
		value, loaded = n.Value, true
		s.removeLocked(n)
	}
	s.mu.Unlock()
	return value, loaded
}

// Swap stores value with the default TTL and returns the previous live
// value.
func (e *Engine[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	s := e.shardFor(key)
	s.mu.Lock()
	now := e.maintainLocked(s, e.ttl)
	if n := s.liveLocked(e, key, now); n != nil {
		previous, loaded = n.Value, true
		e.updateLocked(s, n, value, now, e.ttl)
	} else {
		e.insertLocked(s, key, value, now, e.ttl)
	}
	s.mu.Unlock()
	return previous, loaded
}

// CompareAndSwap replaces the live value for key with new if equal reports
// it equals old. The new value gets the default TTL.
func (e *Engine[K, V]) CompareAndSwap(key K, old, new V, equal func(a, b V) bool) bool {
	s := e.shardFor(key)
	s.mu.Lock()
	defer s.mu.Unlock() // equal may panic on uncomparable dynamic types
	now := e.maintainLocked(s, e.ttl)
	n := s.liveLocked(e, key, now)
	if n == nil || !equal(n.Value, old) {
		return false
	}
	e.updateLocked(s, n, new, now, e.ttl)
	return true
}

// CompareAndDelete removes key if its live value equals old.
func (e *Engine[K, V]) CompareAndDelete(key K, old V, equal func(a, b V) bool) bool {
	s := e.shardFor(key)
	s.mu.Lock()
	defer s.mu.Unlock() // equal may panic on uncomparable dynamic types
	now := e.maintainLocked(s, 0)
	n := s.liveLocked(e, key, now)
	if n == nil || !equal(n.Value, old) {
		return false
	}
	s.removeLocked(n)
	return true
}

// Range calls f for each live entry, shard by shard, with no lock held, so f
// may use the cache. Each shard is copied under its read lock; an entry
// stored or deleted during Range may or may not be seen, as with sync.Map.
func (e *Engine[K, V]) Range(f func(key K, value V) bool) {
	var batch []node.Node[K, V]
	for i := range e.shards {
		s := &e.shards[i]
		batch = batch[:0]
		s.mu.RLock()
		var now int64
		if s.wheel != nil {
			now = e.now()
		}
		for _, n := range s.m {
			if !n.Expired(now) {
				batch = append(batch, node.Node[K, V]{Key: n.Key, Value: n.Value})
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

// Clear removes every entry.
func (e *Engine[K, V]) Clear() {
	for i := range e.shards {
		s := &e.shards[i]
		s.mu.Lock()
		s.drainReadsLocked()
		for _, n := range s.m {
			n.Live = false
		}
		clear(s.m)
		s.policy.Clear()
		if s.wheel != nil {
			s.wheel.Clear()
		}
		s.weight = 0
		s.mu.Unlock()
	}
}

// Len returns the number of live entries. It reclaims expired entries first,
// taking each shard's write lock in turn.
func (e *Engine[K, V]) Len() int {
	total := 0
	for i := range e.shards {
		s := &e.shards[i]
		s.mu.Lock()
		if s.wheel != nil {
			s.wheel.ExpireDue(e.now(), s.expireLocked)
		}
		total += len(s.m)
		s.mu.Unlock()
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
		if !s.mu.TryLock() {
			continue
		}
		if s.wheel != nil {
			s.drainReadsLocked()
			s.wheel.Advance(e.now(), s.expireLocked)
		}
		s.mu.Unlock()
	}
}

// Counters are the engine's statistics.
type Counters struct {
	Hits, Misses, Evictions, Expirations uint64
}

// Counters sums the statistics of every shard.
func (e *Engine[K, V]) Counters() Counters {
	var c Counters
	for i := range e.shards {
		c.Hits += e.shards[i].hits()
		c.Misses += e.shards[i].misses.Load()
		c.Evictions += e.shards[i].evictions.Load()
		c.Expirations += e.shards[i].expirations.Load()
	}
	return c
}

// Ordered calls f for the live entries of each shard in the policy's order
// (for LRU, most recent first), shard by shard, under the shard's write
// lock. f must not use the cache.
func (e *Engine[K, V]) Ordered(f func(key K, value V) bool) {
	for i := range e.shards {
		s := &e.shards[i]
		s.mu.Lock()
		s.drainReadsLocked()
		cont := true
		if o, ok := s.policy.(interface {
			Ordered(func(*node.Node[K, V]) bool)
		}); ok {
			o.Ordered(func(n *node.Node[K, V]) bool {
				cont = f(n.Key, n.Value)
				return cont
			})
		}
		s.mu.Unlock()
		if !cont {
			return
		}
	}
}

// maintainLocked applies recorded hits and, when entries may expire,
// reclaims the expired ones. It returns the engine time when the write needs
// it (ttl > 0 or entries may expire), and 0 otherwise.
func (e *Engine[K, V]) maintainLocked(s *shard[K, V], ttl int64) int64 {
	s.drainReadsLocked()
	if ttl <= 0 && s.wheel == nil {
		return 0
	}
	now := e.now()
	if s.wheel != nil {
		s.wheel.Advance(now, s.expireLocked)
	}
	return now
}

// liveLocked returns the live entry for key, reclaiming it first if it has
// expired.
func (s *shard[K, V]) liveLocked(e *Engine[K, V], key K, now int64) *node.Node[K, V] {
	n := s.m[key]
	if n == nil {
		return nil
	}
	if n.ExpireAt != 0 && now >= n.ExpireAt {
		s.expireLocked(n)
		return nil
	}
	return n
}

func (e *Engine[K, V]) insertLocked(s *shard[K, V], key K, value V, now, ttl int64) {
	n := &node.Node[K, V]{Key: key, Value: value, Weight: 1, Live: true}
	s.m[key] = n
	s.weight += int64(n.Weight)
	s.policy.Add(n)
	e.scheduleLocked(s, n, now, ttl)
	for s.weight > s.cap {
		v := s.policy.Victim()
		if v == nil {
			break
		}
		s.removeLocked(v)
		s.evictions.Add(1)
	}
}

func (e *Engine[K, V]) updateLocked(s *shard[K, V], n *node.Node[K, V], value V, now, ttl int64) {
	n.Value = value
	s.policy.Update(n)
	e.scheduleLocked(s, n, now, ttl)
}

// scheduleLocked sets n's expiry for a write at now with ttl.
func (e *Engine[K, V]) scheduleLocked(s *shard[K, V], n *node.Node[K, V], now, ttl int64) {
	n.ExpireAt = e.expireAt(now, ttl)
	if n.ExpireAt == 0 {
		if s.wheel != nil {
			s.wheel.Cancel(n)
		}
		return
	}
	if s.wheel == nil {
		s.wheel = wheel.New[K, V](now)
		e.expiring.Store(true)
	}
	s.wheel.Schedule(n)
}

// expireLocked removes an expired entry.
func (s *shard[K, V]) expireLocked(n *node.Node[K, V]) {
	s.removeLocked(n)
	s.expirations.Add(1)
}

// removeLocked takes n out of the map, the policy and the wheel.
func (s *shard[K, V]) removeLocked(n *node.Node[K, V]) {
	delete(s.m, n.Key)
	s.policy.Remove(n)
	if s.wheel != nil {
		s.wheel.Cancel(n)
	}
	s.weight -= int64(n.Weight)
	n.Live = false
}
