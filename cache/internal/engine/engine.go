// Package engine is the sharded concurrent cache behind package cache.
//
// Each shard owns a hash table from key to [node.Node] (package table: one
// cache line of node pointers per probe step, given the hash that chose the
// shard), an eviction policy, a timer wheel for entries that expire, and a
// read buffer. The locking design, and why:
//
//   - Lookups take the shard's read lock, or, while the shard is biased to
//     readers, only publish themselves in a per-goroutine slot of the
//     engine's reader table (BRAVO reader bias, rbias.go): the read lock's
//     reader count is one cache line that every reading core writes twice a
//     read, and under Zipf traffic on two cores it was half the cost of a
//     read (see rbias.go). Writers turn the bias off and wait for the
//     published readers; a shard that is written often keeps it off. Hits
//     are recorded in the shard's lossy read buffer instead of touching the
//     policy's lists, and when readers on several cores outpace the
//     goroutine applying them, only a sample is recorded (see recordHit).
//   - The shard's lock (spin.go) spins, then waits for its lock word to
//     change, and parks only behind a slow holder: sync.RWMutex parks at
//     once, and with two goroutines on two cores its parks and wake-ups made
//     the cache slower than with one. It seldom yields: runtime.Gosched
//     takes a process-wide lock, which on 16 cores became the bottleneck.
//   - The policy has a lock of its own. A reader that finds the read buffer
//     full tries only that lock, drains the buffer into the policy, and
//     never waits: TryLock, drain, or drop the record. Readers of the map go
//     on meanwhile. When the drain held the map's write lock, as it first
//     did, every drain stalled every reader of the shard; two goroutines
//     reading hot Zipf keys took 105–150 ns a read then, and 49–54 ns with
//     the locks split (LRU; W-TinyLFU 150–210 against 63–75 ns).
//   - Writes take the map's write lock and then the policy lock, first
//     apply the recorded hits in order, then change the map, the policy and
//     the wheel, and evict. So with one goroutine every hit reaches the
//     policy before the next eviction decision: a replay is exactly the
//     policy's textbook behaviour.
//   - Values are updated in place under the write lock, so an update of an
//     existing key allocates nothing; the read lock, or the writer's wait
//     for biased readers, is what makes that safe (a lock-free map would
//     need a new node, an allocation, per update).
//
// Why this and not Caffeine's full BP-Wrapper with a lock-free table: a
// lock-free reader cannot read a value that writers overwrite in place, so
// every update would need a new node, an allocation; here an update of an
// existing key allocates nothing. With the reader bias a read writes no
// shared cache line but the read buffer's tail (its table slot is its own,
// its skipped hits are counted in that slot), and under contention only one
// read in up to 128 records itself there. On 64 cores a revocation
// scans 256 slots, so a shard written constantly keeps its bias off (the
// holdoff backs off to 5 ms) and uses its read lock; the default
// shard count (four per GOMAXPROCS, see [DefaultShards]) spreads such
// traffic, but not below [MinShardCapacity] entries a shard. Measured on 16
// cores (README): Zipf traffic makes the few shards that hold the hottest
// keys the bottleneck of every write mix; a W-TinyLFU cache of 100,000 in
// 16 shards took 96 ns an operation at 75 % reads and 56 in 64. What would
// remove it at any shard count is the rest of BP-Wrapper: writes handing
// their policy work to a write buffer, so that a write holds the map lock
// only for the map change, as otter does; not done yet.
//
// Striping the read buffer per reader would lose the order of one
// goroutine's hits across stripes, and with it exact replays; that trade is
// not made: sampling under contention cuts the policy's work instead.
//
// # Features that cost nothing unless configured
//
// Weights, eviction listeners, loading, refresh-ahead, expiry after access
// and stats recorders live in side structures: a shard's calls map (loads
// in flight), its event queue (listener calls waiting to be made outside the
// lock) and its aux map (write times and TTLs, only for caches that refresh
// or expire after access). A cache that uses none of them pays a few
// predictable branches and no memory per entry: a node stays 64 bytes for
// int keys and values.
package engine

import (
	"context"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpath/hotpath/cache/internal/node"
	"github.com/hotpath/hotpath/cache/internal/table"
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
//
// The frequency policies learn from one shard's traffic (W-TinyLFU's
// sketch, window choice and shadow LRU; LFU's counts), and kept four
// times as many entries a shard until W-TinyLFU passed over stale
// victims: at 1250 entries a shard it had lost 2.2 points on cloudPhysics
// at 10,000 entries (8 shards), and 0.40 once it did (hash seeds 1 to 3).
// Over every reference row of 2,048 entries and more, at up to 8 and up
// to 64 shards, 1024 entries a shard lost at most 0.41 points more than
// 4096 (W-TinyLFU: scarab at 5,000, mean 0.02; LFU: P3 at 32,768, mean
// 0.01), and W-TinyLFU's largest loss, P3 at 300,000 in 64 shards, was the
// same at either size (1.13 points; 0.77 since its shards choose one
// window size together, see wtinylfu.Group). On 16 cores a cache of
// 100,000 then has 64 shards instead of 16, four times as many locks for
// its writes (README: 75 % reads 96 → 56 ns an operation, 0 % 149 → 80).
const MinShardCapacity = 1024

// Policy is an eviction policy for one shard. All methods are called with
// the shard's write lock held.
type Policy[K comparable, V any] interface {
	Add(n *node.Node[K, V]) // a new entry
	// Access is a hit on a live entry that stands for w hits: 1, except
	// under contention, when the shard records one hit in w (see
	// recordHit) and the policy counts the recorded one w times, so that
	// sampled hits keep their weight against new entries.
	Access(n *node.Node[K, V], w uint32)
	// Update is a write to a live entry that stands for w writes, sampled
	// and weighed as Access's hits are (see updatePolicyLocked).
	Update(n *node.Node[K, V], w uint32)
	// Reweigh sets a live entry's Weight to w, after Update, for a write
	// whose value weighs differently; the engine evicts after it.
	Reweigh(n *node.Node[K, V], w uint32)
	Remove(n *node.Node[K, V]) // an entry leaves the cache
	Victim() *node.Node[K, V]  // the entry to evict next; nil if empty
	Clear()                    // forget every entry
	// Resize sets the shard's capacity; the engine evicts down to it
	// after.
	Resize(capacity int)

	// Ordered calls f for each entry, most valuable first, until f returns
	// false (snapshots save in this order).
	Ordered(f func(*node.Node[K, V]) bool)
	// Coldest calls f for each entry in the reverse of Ordered's order.
	Coldest(f func(*node.Node[K, V]) bool)
}

// Cause is why an entry left the cache (or, for Rejected, never entered it).
type Cause int

// The causes, in the facade's order.
const (
	Evicted  Cause = iota + 1 // removed to keep the shard within its capacity
	Expired                   // its time to live ran out
	Deleted                   // removed by a delete or Clear
	Replaced                  // its value was overwritten by a write
	Rejected                  // heavier than its shard's whole capacity: never stored

	// recordEviction marks an event for the Recorder's RecordEviction,
	// not for the listener (see eventQueue).
	recordEviction Cause = -1
)

// Recorder receives the cache's statistics as they happen. Its methods are
// called on the goroutine that caused the event (or, for RecordEviction,
// that delivers the shard's events, see eventQueue), with no lock held.
type Recorder interface {
	RecordHits(count int)
	RecordMisses(count int)
	RecordEviction(weight uint32)
	RecordLoadSuccess(loadTime time.Duration)
	RecordLoadFailure(loadTime time.Duration)
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
	// Hash, if set, replaces the randomly seeded maphash of keys (for
	// reproducible replays).
	Hash func(K) uint64
	// Sample lets a shard record only a sample of its hits under
	// contention (see recordHit). Frequency policies weigh a sampled hit as
	// the hits it stands for; a recency policy cannot, and loses the order
	// of the hits it does not see (sampled LRU replaying OLTP at 1,000
	// entries from two goroutines hit 29.8 % against exact LRU's 32.8 %),
	// while its hit costs one list move: LRU does not sample.
	Sample bool

	// The optional features; the zero value of each turns it off.
	Weigh             func(K, V) uint32 // nil: every entry weighs 1
	TTLFor            func(K, V) int64  // nil: TTL for every default write
	ExpireAfterAccess bool              // a hit restarts the entry's TTL
	OnEvict           func(K, V, Cause) // called outside locks
	Recorder          Recorder
	RefreshAfter      int64 // nanoseconds; with Refresh
	Refresh           func(ctx context.Context, key K, old V) (V, error)
}

// Engine is the sharded cache.
type Engine[K comparable, V any] struct {
	shards []shard[K, V]
	shift  uint // 64 - log2(len(shards)): shardFor takes the hash's top bits

	// readers is the reader table of the shards' reader bias (rbias.go);
	// its length is a power of two.
	readers []readerSlot[K, V]

	keys  keyHash[K]
	fixed func(K) uint64 // Config.Hash; nil: keys.sum
	ttl   int64
	now   func() int64 // engine time in nanoseconds, always ≥ 1

	// expiring becomes true when the first entry with an expiry time is
	// stored; until then writes skip the clock and the wheel entirely.
	expiring atomic.Bool

	// Optional features, written once by New.
	extras       bool // any of eaa, refreshAfter, rec: Load takes its slow hit path
	eaa          bool
	needNow      bool // writes need the time even without a TTL (aux records it)
	weigh        func(K, V) uint32
	ttlFor       func(K, V) int64
	rec          Recorder
	refreshAfter int64
	refresh      func(ctx context.Context, key K, old V) (V, error)
	bg           background

	resizing sync.Mutex   // serialises SetCapacity
	capacity atomic.Int64 // the capacity of the last SetCapacity, or New's
}

// aux is what a cache that refreshes or expires after access keeps for each
// entry beside its node, so that caches that do neither pay nothing for it.
type aux struct {
	born int64 // engine time of the entry's last write
	ttl  int64 // the TTL of that write, restarted by each hit with eaa
}

type shard[K comparable, V any] struct {
	mu shardLock         // protects m, wheel, weight, aux, calls and every node's fields but the policy's
	m  table.Table[K, V] // the entries, expired ones included until reclaimed

	// Reader bias (rbias.go): while bias is on, readers may read instead
	// by publishing the shard in a slot of readers, the engine's table,
	// and writers turn it off before they write. bias is written only by
	// holders of mu; biasAfter is when a slow reader may turn it back on.
	// biasSince is when it was last turned on, biasHold the current
	// holdoff (written under mu).
	bias      atomic.Bool
	biasAfter atomic.Int64
	biasSince atomic.Int64
	biasHold  int64
	readers   []readerSlot[K, V]

	// Read sampling (see recordHit): record one hit in 2^skip. Every hit
	// reads skip, so it sits with the fields above, which lookups read and
	// only writers write, and not on a line with the counters below, which
	// lookups and drains write (it shared one with the miss count, which
	// the Zipf benchmark at 100 % reads writes on 15 % of lookups). On
	// this 2-core VM the move measured within noise: 62.0 against 57.0 ns
	// a read, p = 0.35 over 16 interleaved runs.
	skip   atomic.Uint32
	sample bool // Config.Sample; written once by New
	_      pad.CacheLinePad

	pmu    sync.Mutex // protects policy and the nodes' policy fields; taken after mu, or alone to drain the read buffer
	policy Policy[K, V]
	wheel  *wheel.Wheel[K, V] // nil until the shard stores an entry that expires
	weight int64              // total Weight of the entries in m
	cap    int64

	aux   map[*node.Node[K, V]]aux // nil unless the cache refreshes or expires after access
	calls map[K]*call[V]           // loads and refreshes in flight; nil until the first

	clock   func() int64 // the engine's clock; written once by New
	listen  bool         // onEvict != nil; written once by New
	queued  bool         // listen, or rec != nil: writes queue calls for deliver; written once by New
	onEvict func(K, V, Cause)
	rec     Recorder // written once by New
	events  eventQueue[K, V]

	evictions     atomic.Uint64 // written under mu, read by Stats
	evictedWeight atomic.Uint64 // written under mu, read by Stats
	expirations   atomic.Uint64 // written under mu, read by Stats
	rejections    atomic.Uint64 // written under mu, read by Stats
	directHits    atomic.Uint64 // hits that bypassed the read buffer

	// timed is set when the shard gets its wheel, its first entry that
	// expires, so that timeBefore can tell without the lock.
	timed atomic.Bool

	// contended is set when a reader found the policy lock busy since the
	// last drain (see recordHit).
	contended     atomic.Bool
	calmWrites    int           // writes since the last that found the lock held; under mu
	misses        atomic.Uint64 // misses of lookups that hold no reader slot (see countMiss)
	loadSuccesses atomic.Uint64
	loadFailures  atomic.Uint64
	loadNanos     atomic.Int64

	reads readBuffer[K, V]
	_     pad.CacheLinePad
}

// DefaultShards is the shard count for a capacity: four per GOMAXPROCS,
// rounded up to a power of two, but never so many that a shard holds fewer
// than minShard entries (MinShardCapacity for LRU; frequency policies need
// more, see cache.Policy).
func DefaultShards(capacity, minShard int) int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) {
		n <<= 1
	}
	for n > 1 && capacity/n < minShard {
		n >>= 1
	}
	return n
}

// New builds an engine from a validated Config.
func New[K comparable, V any](cfg Config[K, V]) *Engine[K, V] {
	e := &Engine[K, V]{
		shards:       make([]shard[K, V], cfg.Shards),
		shift:        uint(64 - bits.TrailingZeros(uint(cfg.Shards))),
		keys:         newKeyHash[K](),
		fixed:        cfg.Hash,
		readers:      newReaderTable[K, V](),
		ttl:          cfg.TTL,
		now:          cfg.Now,
		eaa:          cfg.ExpireAfterAccess,
		weigh:        cfg.Weigh,
		ttlFor:       cfg.TTLFor,
		rec:          cfg.Recorder,
		refreshAfter: cfg.RefreshAfter,
		refresh:      cfg.Refresh,
	}
	if e.refresh == nil {
		e.refreshAfter = 0
	}
	e.needNow = e.eaa || e.refreshAfter > 0
	e.extras = e.needNow || e.rec != nil
	e.bg.init()
	e.capacity.Store(int64(cfg.Capacity))
	for i := range e.shards {
		s := &e.shards[i]
		s.cap = shareOf(cfg.Capacity, len(e.shards), i)
		// The table is sized for one entry over the capacity: a write
		// inserts before it evicts.
		s.m.Init(int(min(s.cap, 1024)), int(s.cap)+1, e.hash)
		s.policy = cfg.NewPolicy(int(s.cap), e.hash)
		s.clock = cfg.Now
		s.sample = cfg.Sample
		s.readers = e.readers
		s.onEvict = cfg.OnEvict
		s.listen = cfg.OnEvict != nil
		s.queued = s.listen || cfg.Recorder != nil
		s.rec = cfg.Recorder
		if e.needNow {
			s.aux = make(map[*node.Node[K, V]]aux)
		}
	}
	if cfg.TTL > 0 || cfg.TTLFor != nil {
		e.expiring.Store(true)
	}
	return e
}

// shareOf is shard i's share of a capacity over n shards: an equal part,
// and one more for the first capacity%n shards.
func shareOf(capacity, n, i int) int64 {
	share := int64(capacity / n)
	if i < capacity%n {
		share++
	}
	return share
}

// Expiring reports whether any entry may expire (a default TTL, or an entry
// stored with one), so the facade knows when to start reclaiming in the
// background.
func (e *Engine[K, V]) Expiring() bool { return e.expiring.Load() }

func (e *Engine[K, V]) shardFor(key K) (*shard[K, V], uint64) {
	h := e.hash(key)
	// The top bits: the policies' frequency sketches pick a block from the
	// low bits of the same hash, and a shard chosen by the low bits would
	// have every key of a shard in one block of every 2^k (P3 at 100,000
	// entries in 8 shards lost 4.3 points of hit ratio to one shard that
	// way; sharded LRU, which has no sketch, lost nothing). The shard's
	// table takes the same hash, and uses its low and middle bits.
	if len(e.shards) == 1 {
		return &e.shards[0], h // a shift by 64 would keep h
	}
	return &e.shards[h>>e.shift], h
}

// hash is the engine's hash of a key: seeded at random (see keyHash), so
// that keys crafted to collide cannot be chosen in advance, unless the
// cache asked for a fixed hash (Config.Hash) to make replays reproducible.
func (e *Engine[K, V]) hash(key K) uint64 {
	if e.fixed != nil {
		return e.fixed(key)
	}
	return e.keys.sum(key)
}

// TTLOf is the time to live of a write of value for key that names none:
// the expiry function's answer, or the default TTL.
func (e *Engine[K, V]) TTLOf(key K, value V) int64 {
	if e.ttlFor == nil {
		return e.ttl
	}
	return e.ttlFor(key, value)
}

// weightOf is the weight of an entry; called before the shard lock is taken.
func (e *Engine[K, V]) weightOf(key K, value V) uint32 {
	if e.weigh == nil {
		return 1
	}
	return e.weigh(key, value)
}

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
//
// The clock, which may be the user's, is read with no lock held (see
// timeBefore): before the lock when the cache keeps access or write times,
// and otherwise after it, to check an entry that expires.
func (e *Engine[K, V]) Load(key K) (value V, ok bool) {
	s, h := e.shardFor(key)
	var now, at int64
	var zero V
	if e.needNow {
		now = e.now()
	}
	r := e.rlock(s)
	n := s.m.Get(key, h)
	due := false
	if n != nil {
		value, ok = n.Value, true
		at = n.ExpireAt.Load()
		if e.needNow {
			if at != 0 && now >= at {
				value, ok = zero, false
			} else {
				due = e.hitRLocked(s, n, now)
			}
		}
	}
	out := ok && s.sampledOut(r) // while r is held: its generator is r's own
	s.runlock(r)
	if ok && at != 0 && !e.needNow && e.now() >= at {
		value, ok = zero, false // expired: never returned, even before it is reclaimed
	}
	if ok {
		s.recordHit(n, r, out) // also counts the hit
		if e.extras {
			e.afterHit(s, key, value, due)
		}
	} else {
		s.countMiss(r)
		if e.rec != nil {
			e.rec.RecordMisses(1)
		}
	}
	return value, ok
}

// Peek returns the live value for key, as Load does, without recording a
// use: no hit or miss is counted, the policy does not see it, an entry
// that expires after access keeps its expiry time, and no refresh starts.
func (e *Engine[K, V]) Peek(key K) (value V, ok bool) {
	en, ok := e.PeekEntry(key)
	return en.Value, ok
}

// PeekEntry is Peek that also returns the entry's weight and the time it
// has left to live (TTL, 0 if it does not expire).
func (e *Engine[K, V]) PeekEntry(key K) (en Entry[K, V], ok bool) {
	s, h := e.shardFor(key)
	r := e.rlock(s)
	var at int64
	if n := s.m.Get(key, h); n != nil {
		en, ok, at = Entry[K, V]{Key: key, Value: n.Value, Weight: n.Weight}, true, n.ExpireAt.Load()
	}
	s.runlock(r)
	if ok && at != 0 {
		if en.TTL = at - e.now(); en.TTL <= 0 {
			return Entry[K, V]{}, false // expired: never returned, even before it is reclaimed
		}
	}
	return en, ok
}

// hitRLocked restarts a hit entry's TTL when entries expire after access,
// and reports whether it is due for a refresh, at now. The caller holds the
// shard's read lock, so only ExpireAt, which is atomic, is written.
func (e *Engine[K, V]) hitRLocked(s *shard[K, V], n *node.Node[K, V], now int64) (refreshDue bool) {
	a := s.aux[n]
	if e.eaa && a.ttl > 0 {
		want := e.expireAt(now, a.ttl)
		if old := n.ExpireAt.Load(); want > old {
			n.ExpireAt.CompareAndSwap(old, want) // a racing hit stored a time as recent
		}
	}
	// A refresh in flight is seen here, under the read lock, so that reads
	// of a hot key do not queue on the write lock while it runs.
	return e.refreshAfter > 0 && now-a.born >= e.refreshAfter && s.calls[n.Key] == nil && !e.bg.done.Load()
}

// afterHit is the work of a hit that is done with no lock held.
func (e *Engine[K, V]) afterHit(s *shard[K, V], key K, old V, refreshDue bool) {
	if e.rec != nil {
		e.rec.RecordHits(1)
	}
	if refreshDue {
		e.startRefresh(s, key)
	}
}

// hits is the number of lookups that found a live entry in this shard and
// were counted here: every hit is offered to the read buffer, which counts
// what it takes and what it drops, and the rest are counted on their slower
// paths. Hits skipped by sampling are counted in the reader table instead
// (see Engine.Counters).
func (s *shard[K, V]) hits() uint64 { return s.reads.recorded() + s.directHits.Load() }

// maxSkip bounds read sampling: at most one hit in 2^maxSkip is recorded.
//
// One in 128. A recorded hit costs far more than its share of the policy's
// CPU time: the drain moves the node to the front of its list and clears
// its reference bit, which writes the lines of the hottest nodes (a hot
// node's list neighbours are hot too), and the next read of each of them on
// another core misses. At 100 % reads on two goroutines, with one in 32 a
// shard recorded 6.5 % of its hits (the skip falls a step after each drain
// that met no contention); recording none at all (a measurement, not a safe
// change) took the throughput benchmark's row from about 55 to about 31
// ns/op over 8 runs. One in 128 against one in 32, 30 interleaved pairs of
// runs of the two builds: 58.6 → 53.6 ns/op (benchstat p = 0.007; faster in
// 21 of the 30 pairs); 75 % reads did not move, nor did the concurrent
// replays of benchmarks/ (three runs each, every row's mean within 0.31
// points): readers raise the skip only while they outpace the drain, and a
// replay's misses are writes that drain the buffer. Earlier, one in 32
// against one in 8 had taken the row from 59.7 to 51.8 ns/op.
const maxSkip = 7

// maxWriteSkip bounds the sampling that contended writes raise.
const maxWriteSkip = 2

// calmWriteRun is how many writes in a row must find the shard's lock free
// before read sampling is lowered a step.
const calmWriteRun = 256

// recordHit hands a hit to the policy through the read buffer. r is the
// reader-table slot the lookup used, nil if it took the read lock.
//
// Under sustained concurrent reads the shard records only a sample of its
// hits (one in 2^skip): a hit costs the policy a sketch increment and a move
// in its lists, several cache misses, and when readers on other cores keep
// the read buffer full faster than one goroutine can apply it, the drain
// becomes the read path's cost. Hot entries are hit often, so a sample keeps
// their order and their relative frequencies (the argument of Caffeine's
// lossy read buffers, which drop reads when the buffer is full). The skip
// grows when a reader finds the buffer full while another goroutine is
// draining it, and when a writer finds the shard's lock held (writes drain
// the buffer, so with writes in the mix it seldom fills: at 75 % reads on
// two goroutines, no reader ever found it full and every hit reached the
// policy, inside the writes' critical sections). One goroutine alone
// never samples: replays stay exact. A recorded hit is applied with the
// weight of the hits it stands for (Policy.Access), so sampled hits keep
// their weight in the frequency sketch against new entries, which are
// never sampled. A hit that is not recorded sets the node's reference bit
// (node.Touch), and W-TinyLFU gives a referenced entry a second chance
// where it would leave a list, so sampled hits keep their recency too
// (CLOCK's approximation of LRU): without it, P3 at 100,000 entries
// replayed from two goroutines hit 29.0–29.8 % against 34.1–35.6 from one
// (three runs); with it, 33.7–36.1 against 32.9–35.5 (five runs).
//
// out is sampledOut's verdict on the hit, taken while the reader held r.
func (s *shard[K, V]) recordHit(n *node.Node[K, V], r *readerSlot[K, V], out bool) {
	if out {
		s.countHit(r)
		n.Touch() // the recency the policy does not see (see node.Touch)
		return
	}
	if s.reads.add(n) {
		return
	}
	// Outlined slow path: the buffer is full. Drain it if the policy lock
	// is free; otherwise another goroutine is draining or writing.
	s.drainFull(n, r)
}

// sampledOut reports whether a hit is left out of the sample, which is one
// hit in 2^skip. A reader that holds a reader-table slot draws from the
// slot's generator, which no other goroutine touches meanwhile;
// math/rand/v2's runtime generator was 4 % of a read's CPU time at 100 %
// reads in the throughput benchmark. A reader under the read lock, the
// slower path, and a writer (r nil) use that.
func (s *shard[K, V]) sampledOut(r *readerSlot[K, V]) bool {
	sk := s.skip.Load()
	if sk == 0 {
		return false
	}
	var x uint32
	if r != nil {
		x = uint32(r.next() >> 32)
	} else {
		x = rand.Uint32()
	}
	return x&(1<<sk-1) != 0
}

// countHit counts a hit that the read buffer did not see: in the reader's
// stripe of the engine's hit count if it has one, else in the shard's.
func (s *shard[K, V]) countHit(r *readerSlot[K, V]) {
	if r != nil {
		r.hits.Add(1)
		return
	}
	s.directHits.Add(1)
}

// countMiss counts a lookup that found no live entry, in the reader's
// stripe if it has one, as countHit does: a count per shard is a line that
// every core's misses write.
func (s *shard[K, V]) countMiss(r *readerSlot[K, V]) {
	if r != nil {
		r.misses.Add(1)
		return
	}
	s.misses.Add(1)
}

func (s *shard[K, V]) drainFull(n *node.Node[K, V], r *readerSlot[K, V]) {
	s.countHit(r)
	// The policy lock only: readers of the map go on meanwhile.
	if !s.pmu.TryLock() {
		// Another goroutine holds the policy: readers are outpacing it.
		// Sample more, once per drain.
		if s.sample && s.contended.CompareAndSwap(false, true) {
			s.raiseSkip(maxSkip)
		}
		return
	}
	s.drainReadsLocked()
	s.accessLocked(n)
	// No reader found the policy busy since the last drain: sample less.
	if !s.contended.Swap(false) {
		s.lowerSkip()
	}
	s.pmu.Unlock()
}

// raiseSkip samples one step more, up to one hit in 2^limit; lowerSkip one
// step less. A racing step by another goroutine may make either a no-op.
func (s *shard[K, V]) raiseSkip(limit uint32) {
	if sk := s.skip.Load(); sk < limit {
		s.skip.CompareAndSwap(sk, sk+1)
	}
}

func (s *shard[K, V]) lowerSkip() {
	if sk := s.skip.Load(); sk > 0 {
		s.skip.CompareAndSwap(sk, sk-1)
	}
}

// lock takes the shard for a write: the map lock, then the policy lock.
// A write that finds the map lock held raises the read sampling (see
// recordHit); calmWriteRun writes in a row that find it free lower it.
func (s *shard[K, V]) lock() {
	if !s.sample {
		s.mu.Lock()
	} else if !s.mu.TryLock() {
		s.mu.Lock()
		s.calmWrites = 0
		s.raiseSkip(maxWriteSkip)
	} else if s.calmWrites++; s.calmWrites >= calmWriteRun {
		s.calmWrites = 0
		s.lowerSkip()
	}
	if s.bias.Load() {
		s.revokeLocked()
	}
	s.pmu.Lock()
}

// unlock releases what lock took.
func (s *shard[K, V]) unlock() {
	s.pmu.Unlock()
	s.mu.Unlock()
}

// tryLock is lock if the map lock is free; it then waits for the policy
// lock, which is only ever held for a drain.
func (s *shard[K, V]) tryLock() bool {
	if !s.mu.TryLock() {
		return false
	}
	if s.bias.Load() {
		s.revokeLocked()
	}
	s.pmu.Lock()
	return true
}

func (s *shard[K, V]) drainReadsLocked() {
	s.reads.drainLocked(s.accessLocked)
}

// accessLocked applies a recorded hit, weighed as the hits it stands for
// while the shard samples one in 2^skip: the current skip's weight, not
// the one the hit was recorded under; skip moves one step at a time,
// seldom.
func (s *shard[K, V]) accessLocked(n *node.Node[K, V]) {
	if n.Live() && !pinned(n) {
		s.policy.Access(n, 1<<s.skip.Load())
	}
}

// pinned reports whether n weighs 0. Such an entry takes no capacity and
// is kept out of the policy, so that it is never evicted to make room (as
// in otter and Caffeine, where a weight of 0 pins an entry: evicting one
// frees nothing); it leaves by a delete, expiry or Clear, or becomes
// evictable when a write gives it a weight. The caller holds the policy
// lock, under which Weight is written.
func pinned[K comparable, V any](n *node.Node[K, V]) bool { return n.Weight == 0 }

// hitLocked counts a hit found under the write lock by a method whose
// lookup through Load already counted a miss, and restarts the entry's TTL
// when entries expire after access.
func (e *Engine[K, V]) hitLocked(s *shard[K, V], n *node.Node[K, V], now int64) {
	if !pinned(n) {
		s.policy.Access(n, 1)
	}
	s.directHits.Add(1)
	s.misses.Add(^uint64(0)) // Load counted a miss, but the entry arrived meanwhile (maybe in a reader's stripe: only the total is read)
	if e.eaa {
		if a := s.aux[n]; a.ttl > 0 {
			n.ExpireAt.Store(e.expireAt(now, a.ttl))
			s.wheel.Schedule(n)
		}
	}
}

// Store sets the value for key with the given time to live (0: never
// expires; the facade passes TTLOf for plain stores).
func (e *Engine[K, V]) Store(key K, value V, ttl int64) {
	w := e.weightOf(key, value)
	s, h := e.shardFor(key)
	now := e.lockAt(s, ttl > 0)
	s.invalidateLocked(key, false)
	if n := s.liveLocked(key, h, now); n != nil {
		e.updateLocked(s, n, value, w, now, ttl)
	} else {
		e.insertLocked(s, key, h, value, w, now, ttl)
	}
	s.unlock()
	s.deliver()
}

// LoadOrStore returns the live value for key if there is one; otherwise it
// stores value with the default TTL.
func (e *Engine[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	if v, ok := e.Load(key); ok {
		return v, true
	}
	w, ttl := e.weightOf(key, value), e.TTLOf(key, value)
	s, h := e.shardFor(key)
	now := e.lockAt(s, ttl > 0)
	if n := s.liveLocked(key, h, now); n != nil {
		actual, loaded = n.Value, true
		e.hitLocked(s, n, now)
	} else {
		s.invalidateLocked(key, false)
		e.insertLocked(s, key, h, value, w, now, ttl)
		actual = value
	}
	s.unlock()
	s.deliver()
	return actual, loaded
}

// LoadAndDelete removes key and returns its live value.
func (e *Engine[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	s, h := e.shardFor(key)
	now := e.lockAt(s, false)
	s.invalidateLocked(key, false)
	if n := s.liveLocked(key, h, now); n != nil {
		value, loaded = n.Value, true
		s.removeLocked(n, Deleted)
	}
	s.unlock()
	s.deliver()
	return value, loaded
}

// Delete removes key, and cancels a load of it in flight.
func (e *Engine[K, V]) Delete(key K) {
	s, h := e.shardFor(key)
	now := e.lockAt(s, false)
	s.invalidateLocked(key, true)
	if n := s.liveLocked(key, h, now); n != nil {
		s.removeLocked(n, Deleted)
	}
	s.unlock()
	s.deliver()
}

// Swap stores value with the default TTL and returns the previous live
// value.
func (e *Engine[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	w, ttl := e.weightOf(key, value), e.TTLOf(key, value)
	s, h := e.shardFor(key)
	now := e.lockAt(s, ttl > 0)
	s.invalidateLocked(key, false)
	if n := s.liveLocked(key, h, now); n != nil {
		previous, loaded = n.Value, true
		e.updateLocked(s, n, value, w, now, ttl)
	} else {
		e.insertLocked(s, key, h, value, w, now, ttl)
	}
	s.unlock()
	s.deliver()
	return previous, loaded
}

// CompareAndSwap replaces the live value for key with new if equal reports
// it equals old. The new value gets the default TTL.
func (e *Engine[K, V]) CompareAndSwap(key K, old, new V, equal func(a, b V) bool) bool {
	w, ttl := e.weightOf(key, new), e.TTLOf(key, new)
	s, h := e.shardFor(key)
	defer s.deliver()
	now := e.lockAt(s, ttl > 0)
	defer s.unlock() // equal may panic on uncomparable dynamic types
	n := s.liveLocked(key, h, now)
	if n == nil || !equal(n.Value, old) {
		return false
	}
	s.invalidateLocked(key, false)
	e.updateLocked(s, n, new, w, now, ttl)
	return true
}

// CompareAndDelete removes key if its live value equals old.
func (e *Engine[K, V]) CompareAndDelete(key K, old V, equal func(a, b V) bool) bool {
	s, h := e.shardFor(key)
	defer s.deliver()
	now := e.lockAt(s, false)
	defer s.unlock() // equal may panic on uncomparable dynamic types
	n := s.liveLocked(key, h, now)
	if n == nil || !equal(n.Value, old) {
		return false
	}
	s.invalidateLocked(key, false)
	s.removeLocked(n, Deleted)
	return true
}

// timeBefore reads the engine's clock for an operation on s, before the
// operation takes s's lock, if it needs the time: a write with a time to
// live (timed), a cache that keeps write or access times, or a shard that
// holds entries that expire. It returns 0 otherwise. The clock may be the
// user's (Options.Clock), and one that panics must not leave a lock held,
// so no lock is held while it is read.
func (e *Engine[K, V]) timeBefore(s *shard[K, V], timed bool) int64 {
	if timed || e.needNow || s.timed.Load() {
		return e.now()
	}
	return 0
}

// lockAt takes s's write lock for an operation, timed if it may write an
// entry with a time to live, and brings the shard up to date
// (maintainLocked). It returns the time of the operation: the engine time
// when it needs one, and 0 otherwise.
func (e *Engine[K, V]) lockAt(s *shard[K, V], timed bool) int64 {
	now := e.timeBefore(s, timed)
	s.lock()
	return e.maintainLocked(s, now)
}

// maintainLocked applies recorded hits and reclaims the entries expired by
// now, the time timeBefore read, which it returns (see timeLocked).
func (e *Engine[K, V]) maintainLocked(s *shard[K, V], now int64) int64 {
	s.drainReadsLocked()
	if s.wheel != nil {
		now = s.timeLocked(now)
		s.wheel.Advance(now, s.expireLocked)
	}
	return now
}

// timeLocked returns now, the time timeBefore read, or, if it read none
// because the shard's first expiring entry arrived after it looked, the
// wheel's time: that of the write that scheduled the entry, before which
// no entry is due.
func (s *shard[K, V]) timeLocked(now int64) int64 {
	if now == 0 && s.wheel != nil {
		return s.wheel.Now()
	}
	return now
}

// liveLocked returns the live entry for key, reclaiming it first if it has
// expired.
func (s *shard[K, V]) liveLocked(key K, h uint64, now int64) *node.Node[K, V] {
	n := s.m.Get(key, h)
	if n == nil {
		return nil
	}
	if at := n.ExpireAt.Load(); at != 0 && now >= at {
		s.expireLocked(n)
		return nil
	}
	return n
}

// invalidateLocked tells a load or refresh of key in flight that the key was
// written. A refresh is then dropped: its value is older than the write. A
// load is cancelled only by a blind delete (Delete, Clear): it then returns
// what the key held just before the delete, its own value if nothing, and
// stores nothing, as if it had completed just before the delete. Other
// writes leave a load alone; it finds their value when it completes and
// returns that instead of its own (see finish). Either way every load is
// linearizable, and a Delete during a load keeps the load's (possibly
// outdated) value out of the cache.
func (s *shard[K, V]) invalidateLocked(key K, blind bool) {
	if len(s.calls) != 0 { // inlined: most writes find no load in flight
		s.invalidateSlow(key, blind)
	}
}

func (s *shard[K, V]) invalidateSlow(key K, blind bool) {
	c := s.calls[key]
	if c == nil || (!blind && !c.refresh) {
		return
	}
	// The call stays registered until it finishes, so that a load started
	// after this invalidation waits for it instead of overlapping it (one
	// load of a key at a time); goroutines that join it from now on load
	// again when it is done (see claim).
	c.stale = true
	if n := s.m.Get(key, s.m.Hash(key)); !c.refresh && n != nil && n.Live() && !n.Expired(s.clock()) {
		c.seen, c.hasSeen = n.Value, true
	}
}

// insertLocked adds a new entry of weight w, or rejects it if it is heavier
// than the whole shard, and evicts to make room.
func (e *Engine[K, V]) insertLocked(s *shard[K, V], key K, h uint64, value V, w uint32, now, ttl int64) {
	if int64(w) > s.cap {
		s.rejectLocked(key, value)
		return
	}
	n := &node.Node[K, V]{Key: key, Value: value, Weight: w}
	n.SetLive(true)
	s.m.Insert(n, h)
	s.weight += int64(w)
	if !pinned(n) {
		s.policy.Add(n)
	}
	e.scheduleLocked(s, n, now, ttl)
	s.evictLocked()
}

// updateLocked overwrites a live entry in place.
func (e *Engine[K, V]) updateLocked(s *shard[K, V], n *node.Node[K, V], value V, w uint32, now, ttl int64) {
	if int64(w) > s.cap {
		s.removeLocked(n, Replaced)
		s.rejectLocked(n.Key, value)
		return
	}
	old := n.Value
	n.Value = value
	s.updatePolicyLocked(n)
	e.scheduleLocked(s, n, now, ttl)
	if s.listen {
		s.events.push(n.Key, old, Replaced)
	}
	if w != n.Weight {
		s.weight += int64(w) - int64(n.Weight)
		switch {
		case pinned(n): // unpinned: it enters the policy as a new entry
			n.Weight = w
			s.policy.Add(n)
		case w == 0: // pinned: it leaves the policy
			s.policy.Remove(n)
			n.Weight = 0
		default:
			s.policy.Reweigh(n, w)
		}
		s.evictLocked()
	}
}

// updatePolicyLocked hands a write to a live entry to the policy, sampled
// as recordHit samples hits: while the shard records one hit in 2^skip, a
// write to an entry already in the cache is a use of it like a hit, and is
// recorded, weighed as the writes it stands for, once in 2^skip; the others
// set the node's reference bit. Writes hold the shard's write lock, which
// readers and other writers wait for, and the policy's part of an update
// (a sketch increment and a move in its lists, several cache misses) was a
// quarter of the write-only benchmark's time. New entries are never
// sampled: every one reaches the policy. One goroutine never samples, so
// replays stay exact.
func (s *shard[K, V]) updatePolicyLocked(n *node.Node[K, V]) {
	if pinned(n) {
		return
	}
	if s.sampledOut(nil) {
		n.Touch()
		return
	}
	s.policy.Update(n, 1<<s.skip.Load()) // the current skip's weight, as accessLocked
}

// evictLocked evicts the policy's victims until the shard is within its
// capacity.
func (s *shard[K, V]) evictLocked() {
	for s.weight > s.cap {
		v := s.policy.Victim()
		if v == nil {
			break
		}
		w := v.Weight
		s.removeLocked(v, Evicted)
		s.evictions.Add(1)
		s.evictedWeight.Add(uint64(w))
		if s.rec != nil {
			s.events.pushEviction(w) // for RecordEviction, after the lock is released
		}
	}
}

// rejectLocked reports an entry too heavy to store.
func (s *shard[K, V]) rejectLocked(key K, value V) {
	s.rejections.Add(1)
	if s.listen {
		s.events.push(key, value, Rejected)
	}
}

// SetTTL gives key's live entry a time to live of ttl from now (0: it
// never expires), and reports whether there was one. It writes neither
// the value nor the write time, and records no use.
func (e *Engine[K, V]) SetTTL(key K, ttl int64) bool {
	s, h := e.shardFor(key)
	now := e.lockAt(s, ttl > 0)
	n := s.liveLocked(key, h, now)
	if n != nil {
		if s.aux != nil {
			a := s.aux[n]
			a.ttl = ttl // what a hit restarts the entry with, under ExpireAfterAccess
			s.aux[n] = a
		}
		e.setExpiryLocked(s, n, now, ttl)
	}
	s.unlock()
	s.deliver()
	return n != nil
}

// scheduleLocked sets n's expiry (and write time) for a write at now with
// ttl.
func (e *Engine[K, V]) scheduleLocked(s *shard[K, V], n *node.Node[K, V], now, ttl int64) {
	if s.aux != nil {
		s.aux[n] = aux{born: now, ttl: ttl}
	}
	e.setExpiryLocked(s, n, now, ttl)
}

// setExpiryLocked sets n to expire ttl after now (never if ttl is 0), on the
// shard's wheel.
func (e *Engine[K, V]) setExpiryLocked(s *shard[K, V], n *node.Node[K, V], now, ttl int64) {
	at := e.expireAt(now, ttl)
	if n.ExpireAt.Load() != at { // an atomic store costs a locked instruction; skip it when nothing changes
		n.ExpireAt.Store(at)
	}
	if at == 0 {
		if s.wheel != nil {
			s.wheel.Cancel(n)
		}
		return
	}
	if s.wheel == nil {
		s.wheel = wheel.New[K, V](now)
		s.timed.Store(true)
		e.expiring.Store(true)
	}
	s.wheel.Schedule(n)
}

// expireLocked removes an expired entry.
func (s *shard[K, V]) expireLocked(n *node.Node[K, V]) {
	s.removeLocked(n, Expired)
	s.expirations.Add(1)
}

// removeLocked takes n out of the map, the policy and the wheel, and queues
// the listener's call.
func (s *shard[K, V]) removeLocked(n *node.Node[K, V], cause Cause) {
	s.m.Remove(n)
	if !pinned(n) {
		s.policy.Remove(n)
	}
	if s.wheel != nil {
		s.wheel.Cancel(n)
	}
	if s.aux != nil {
		delete(s.aux, n)
	}
	s.weight -= int64(n.Weight)
	n.SetLive(false)
	if s.listen {
		s.events.push(n.Key, n.Value, cause)
	}
}
