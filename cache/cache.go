// Package cache is a bounded, sharded, concurrent cache with the full
// [sync.Map] method set, typed, plus eviction and expiry.
//
// A [Cache] holds at most [Options.Capacity] entries. When a write would
// exceed it, the shard the key hashes to evicts an entry chosen by the
// [Policy]. Entries may expire a fixed time after each write ([Options.TTL])
// or after a per-entry time ([Cache.StoreTTL]); an expired entry is never
// returned, and a hierarchical timer wheel reclaims it in O(1) amortised
// time.
//
// # Concurrency
//
// Every method is safe for concurrent use. Lookups take only their shard's
// read lock and record the hit in a lossy buffer, so readers never wait for
// each other or for the eviction policy; writes take the shard's write lock,
// apply the recorded hits in order, and evict. With one goroutine nothing is
// lost from the buffer, so the policy is applied exactly: with Shards: 1 and
// Policy: LRU a replay reproduces textbook LRU hit counts to the request.
// When goroutines contend for a shard, WTinyLFU and LFU record only a sample
// of its hits (down to one in 128) and of its writes to entries already in
// the cache, and count each recorded one as the uses it stands for (new
// entries always reach the policy); a use that is not recorded marks its
// entry as referenced, and WTinyLFU gives a referenced entry a second
// chance before it would evict it or move it down, so the sample keeps
// recency as well as frequency. LRU, which cannot weigh a use it did not
// see, records every one from any number of goroutines.
//
// # Compared with sync.Map
//
// The methods have sync.Map's semantics, with two differences that follow
// from bounding the cache: an entry may disappear without a Delete (evicted
// or expired), and [Cache.CompareAndSwap] and [Cache.CompareAndDelete]
// compare values with == and panic if the value type is not comparable, as
// sync.Map does.
//
// # Features
//
// Beyond sync.Map, every one optional and free when unused ([Options]):
// loading with one load per key however many goroutines ask
// ([Cache.LoadOrCompute], [Cache.LoadOrComputeAll]); atomic
// read-modify-writes of a key ([Cache.Compute]); refresh-ahead in the
// background ([Options.RefreshAfter]); expiry after write, after access
// ([Options.ExpireAfterAccess]) or per entry ([Options.Expiry],
// [Cache.StoreTTL]); capacity by weight ([Options.Weigher]); an eviction
// listener with the [Cause] ([Options.OnEvict]); statistics ([Cache.Stats],
// [Options.StatsRecorder], [Cache.Expvar]); iteration ([Cache.All],
// [Cache.Keys], [Cache.Values]); snapshots ([Cache.WriteTo],
// [Cache.ReadFrom]); and a capacity changed while the cache is in use
// ([Cache.SetCapacity]).
package cache

import (
	"fmt"
	"iter"
	"reflect"
	"runtime"
	"time"

	"github.com/hotpath/hotpath/cache/internal/engine"
)

// Cache is a bounded concurrent map from K to V. Create one with [New] or
// [Must]; the zero value is not usable.
//
// A Cache must not be copied after first use. It is safe for concurrent use
// by multiple goroutines; a write synchronizes before every read that
// observes it, as with sync.Map.
//
// A cache with a TTL (or an Expiry function), or one that has stored an
// entry with [Cache.StoreTTL], runs one goroutine that reclaims expired
// entries about once a second, and a cache with [Options.Refresh] runs one
// goroutine per refresh in flight. Call [Cache.Close] to stop them; a
// cache dropped without Close stops them when it is garbage collected (no
// goroutine keeps it reachable).
type Cache[K comparable, V any] struct {
	_     noCopy
	eng   *engine.Engine[K, V]
	equal func(a, b V) bool
	bg    *reclaimer // a separate allocation: see reclaimer
}

// New returns an empty cache, or an error wrapping [ErrInvalidOptions] that
// names the first invalid option.
func New[K comparable, V any](opts Options[K, V]) (*Cache[K, V], error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	shards := opts.Shards
	if shards == 0 {
		shards = engine.DefaultShards(opts.Capacity, engine.MinShardCapacity)
	}
	c := &Cache[K, V]{
		equal: equalFunc[V](),
		bg:    &reclaimer{},
	}
	cfg := engine.Config[K, V]{
		Capacity:          opts.Capacity,
		Shards:            shards,
		TTL:               int64(opts.TTL),
		Now:               engineClock(opts.Clock),
		NewPolicy:         newPolicy[K, V](opts.Policy, shards),
		Sample:            opts.Policy != LRU,
		Weigh:             opts.Weigher,
		ExpireAfterAccess: opts.ExpireAfterAccess,
		RefreshAfter:      int64(opts.RefreshAfter),
		Refresh:           opts.Refresh,
	}
	if opts.HashSeed != 0 {
		h, err := fixedHash[K](opts.HashSeed)
		if err != nil {
			return nil, err
		}
		cfg.Hash = h
	}
	if opts.StatsRecorder != nil {
		cfg.Recorder = opts.StatsRecorder
	}
	if f := opts.OnEvict; f != nil {
		cfg.OnEvict = func(k K, v V, cause engine.Cause) { f(k, v, Cause(cause)) }
	}
	if f := opts.Expiry; f != nil {
		cfg.TTLFor = func(k K, v V) int64 { return max(int64(f(k, v)), 0) }
	}
	c.eng = engine.New(cfg)
	if opts.TTL > 0 || opts.Expiry != nil {
		startReclaimer(c)
	}
	if opts.Refresh != nil {
		// The refresh goroutines hold the engine, never the Cache, so a
		// dropped Cache is collected and this cancels them.
		runtime.AddCleanup(c, func(e *engine.Engine[K, V]) { e.Cancel() }, c.eng)
	}
	return c, nil
}

// Must is like [New] but panics if the options are invalid. It is for
// caches built from constant options, such as package-level variables.
func Must[K comparable, V any](opts Options[K, V]) *Cache[K, V] {
	c, err := New(opts)
	if err != nil {
		panic(err)
	}
	return c
}

// Load returns the value stored for key, if it is present and has not
// expired. With [Options.ExpireAfterAccess] a hit restarts the entry's time
// to live; with [Options.RefreshAfter] a hit on an entry due for a refresh
// starts one in the background and returns the current value.
func (c *Cache[K, V]) Load(key K) (value V, ok bool) { return c.eng.Load(key) }

// Peek is [Cache.Load] without the use: it returns the value stored for
// key if it is present and has not expired, and records nothing, so that
// monitoring, debugging or a second look at a key does not change what the
// cache keeps. No hit or miss is counted in [Cache.Stats] or passed to
// [Options.StatsRecorder]; the eviction policy does not see the read, so
// the entry's recency and frequency stay as they were; an entry that
// expires after access ([Options.ExpireAfterAccess]) keeps its expiry
// time; and no refresh starts ([Options.RefreshAfter]). golang-lru calls
// it Peek, otter GetEntryQuietly.
func (c *Cache[K, V]) Peek(key K) (value V, ok bool) { return c.eng.Peek(key) }

// Entry is what [Cache.PeekEntry], [Cache.Hottest] and [Cache.Coldest]
// tell of an entry.
type Entry[K comparable, V any] struct {
	Key   K
	Value V
	// Weight is the entry's weight: what [Options.Weigher] gave it, or 1
	// without a Weigher.
	Weight uint32
	// ExpiresIn is the time the entry had left to live when it was looked
	// at: after it the entry expires, unless a write (or, with
	// [Options.ExpireAfterAccess], a read) gives it a new time to live.
	// It is 0 for an entry that does not expire; an entry with no time
	// left is not returned at all.
	ExpiresIn time.Duration
}

// PeekEntry is [Cache.Peek] that also returns the entry's weight and the
// time it has left to live, for a caller that passes the remaining TTL on
// (an HTTP cache's max-age, say). Like Peek it records nothing: no hit or
// miss, no use in the policy, no restarted expiry, no refresh. otter calls
// it GetEntryQuietly.
func (c *Cache[K, V]) PeekEntry(key K) (Entry[K, V], bool) {
	en, ok := c.eng.PeekEntry(key)
	return entryOf(en), ok
}

// entryOf is the Entry that tells of the engine's en.
func entryOf[K comparable, V any](en engine.Entry[K, V]) Entry[K, V] {
	return Entry[K, V]{Key: en.Key, Value: en.Value, Weight: en.Weight, ExpiresIn: time.Duration(en.TTL)}
}

// Refresh reloads key's entry in the background with [Options.Refresh],
// now, whether or not it is due ([Options.RefreshAfter]), and reports
// whether it started a reload. Until the new value comes, reads return
// the old one, so a caller who learns that the source changed can renew
// an entry without the misses, and the burst of loads, that a Delete
// would cause. The new value replaces the old only if no write or delete
// of the key came in between, and a failed reload keeps the old value, as
// with automatic refreshes. Refresh returns false, and starts nothing, if
// key has no live entry, if a load or refresh of it is already in flight
// (that one brings a value as new), or once the cache is closed. It
// panics if Options.Refresh is nil. otter calls it Refresh.
func (c *Cache[K, V]) Refresh(key K) bool {
	if !c.eng.Refreshes() {
		panic("cache: Refresh without Options.Refresh")
	}
	return c.eng.Refresh(key)
}

// Hottest returns up to n live entries, those the eviction policy would
// keep longest first: for LRU the most recently used, for LFU the most
// used, for W-TinyLFU the protected entries, then probation, then the
// admission window, each most recent first; entries that weigh 0 (pinned,
// never evicted) come before all of them. Use it to warm another cache or
// node with what this one values most, or to see what a cache holds.
//
// With several shards each ranks its own entries and the result takes one
// from each shard in turn, so the order across shards is by rank within
// each. Each shard is copied under its lock, one at a time, and gives at
// most n entries; the slice is the caller's, so unlike otter's Hottest no
// lock is held while the caller goes through it, and it may use the cache.
// Like [Cache.Peek] it records no use. Hottest panics if n is negative.
func (c *Cache[K, V]) Hottest(n int) []Entry[K, V] { return c.ranked("Hottest", false, n) }

// Coldest is [Cache.Hottest] in reverse: up to n live entries, those the
// eviction policy would give up first (the next victims, for LRU and LFU)
// first, and entries that weigh 0 last.
func (c *Cache[K, V]) Coldest(n int) []Entry[K, V] { return c.ranked("Coldest", true, n) }

func (c *Cache[K, V]) ranked(name string, coldest bool, n int) []Entry[K, V] {
	if n < 0 {
		panic(fmt.Sprintf("cache: %s with a negative count (%d)", name, n))
	}
	entries := c.eng.Ranked(coldest, n)
	out := make([]Entry[K, V], len(entries))
	for i, en := range entries {
		out[i] = entryOf(en)
	}
	return out
}

// Store sets the value for key. It expires after [Options.TTL], or the time
// [Options.Expiry] gives, if either is set.
func (c *Cache[K, V]) Store(key K, value V) { c.eng.Store(key, value, c.eng.TTLOf(key, value)) }

// StoreTTL sets the value for key with its own time to live: the entry
// expires ttl after this write. A ttl of 0 stores an entry that never
// expires, whatever [Options.TTL] says. StoreTTL panics if ttl is negative.
func (c *Cache[K, V]) StoreTTL(key K, value V, ttl time.Duration) {
	if ttl < 0 {
		panic(fmt.Sprintf("cache: StoreTTL with a negative ttl (%v)", ttl))
	}
	c.eng.Store(key, value, int64(ttl))
	if ttl > 0 {
		startReclaimer(c)
	}
}

// SetTTL gives the entry for key a new time to live, counted from now,
// without writing its value, and reports whether there was one (present
// and not expired). A ttl of 0 makes the entry never expire, whatever
// [Options.TTL] says. Use it to extend a session on activity, or to make
// an entry that has been found out of date go soon without removing it at
// once. Like [Cache.Peek] it records no use: no hit or miss is counted,
// the policy does not see it, and it does not start or postpone a refresh
// ([Options.RefreshAfter] counts from the last write). With
// [Options.ExpireAfterAccess], ttl is the entry's time to live from then
// on, restarted by each read, until the next write gives it another.
// SetTTL panics if ttl is negative. otter calls it SetExpiresAfter.
func (c *Cache[K, V]) SetTTL(key K, ttl time.Duration) bool {
	if ttl < 0 {
		panic(fmt.Sprintf("cache: SetTTL with a negative ttl (%v)", ttl))
	}
	ok := c.eng.SetTTL(key, int64(ttl))
	if ok && ttl > 0 {
		startReclaimer(c)
	}
	return ok
}

// LoadOrStore returns the existing value for key if present. Otherwise it
// stores and returns value. loaded reports whether the value was loaded.
func (c *Cache[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	return c.eng.LoadOrStore(key, value)
}

// LoadAndDelete deletes the value for key, returning the previous value if
// any. loaded reports whether the key was present.
func (c *Cache[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	return c.eng.LoadAndDelete(key)
}

// Delete deletes the value for key.
// A Delete made while [Cache.LoadOrCompute] loads key keeps the loaded
// value out of the cache.
func (c *Cache[K, V]) Delete(key K) { c.eng.Delete(key) }

// Swap stores value for key and returns the previous value if any. loaded
// reports whether the key was present.
func (c *Cache[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	return c.eng.Swap(key, value)
}

// CompareAndSwap stores new for key if the value stored for key equals old.
// It panics if V is not a comparable type, and, as ==, if V is an interface
// type holding an uncomparable value.
func (c *Cache[K, V]) CompareAndSwap(key K, old, new V) (swapped bool) {
	return c.eng.CompareAndSwap(key, old, new, c.equal)
}

// CompareAndDelete deletes the entry for key if its value equals old. It
// panics as [Cache.CompareAndSwap] does.
func (c *Cache[K, V]) CompareAndDelete(key K, old V) (deleted bool) {
	return c.eng.CompareAndDelete(key, old, c.equal)
}

// Range calls f for each entry until f returns false. As with sync.Map, it
// sees no entry twice, and an entry stored or deleted during Range may or
// may not be seen. f runs with no lock held and may use the cache. Range
// does not count as use for eviction.
func (c *Cache[K, V]) Range(f func(key K, value V) bool) { c.eng.Range(f) }

// All returns an iterator over the entries, with Range's guarantees: weakly
// consistent, safe during concurrent writes, no lock held while the loop
// body runs.
func (c *Cache[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) { c.eng.Range(yield) }
}

// Keys returns an iterator over the keys, with Range's guarantees.
func (c *Cache[K, V]) Keys() iter.Seq[K] {
	return func(yield func(K) bool) {
		c.eng.Range(func(k K, _ V) bool { return yield(k) })
	}
}

// Values returns an iterator over the values, with Range's guarantees.
func (c *Cache[K, V]) Values() iter.Seq[V] {
	return func(yield func(V) bool) {
		c.eng.Range(func(_ K, v V) bool { return yield(v) })
	}
}

// Clear deletes every entry.
func (c *Cache[K, V]) Clear() { c.eng.Clear() }

// Len returns the number of entries that have not expired. It reclaims
// expired entries as it counts, taking each shard's lock in turn, so it is
// for monitoring and tests, not for hot paths.
func (c *Cache[K, V]) Len() int { return c.eng.Len() }

// Weight returns the total weight of the entries (their number without a
// Weigher), counting expired entries not yet reclaimed.
func (c *Cache[K, V]) Weight() int64 { return c.eng.Weight() }

// SetCapacity changes the most entries the cache holds (with a Weigher,
// their most total weight), as [Options.Capacity] set it, while the cache
// is in use. Lowering it evicts at once, down to the new capacity: expired
// entries first, then the policy's least valuable ones, with [Evicted] as
// the cause, counted in [Stats] and passed to [Options.OnEvict] as any
// eviction is. Raising it makes room for more at once. Memory the smaller
// cache no longer needs is returned.
//
// The shard count stays what [New] chose, and each shard takes its share
// of the new capacity, so the capacity must be at least [Cache.Shards]
// (otherwise SetCapacity returns an error wrapping [ErrInvalidOptions] and
// changes nothing). Like [Cache.Clear], it takes each shard's lock in turn,
// and a shard over its new share comes down 4,096 entries (or units of
// weight) at a time, with the lock released in between, so the shard's
// other callers wait for at most one batch (about 1.6 ms on a 2-core
// machine). A write made during the call may meet its shard at the old
// capacity, the new one or one between. Concurrent calls are serialised,
// and when the last returns, the cache has its capacity.
//
// W-TinyLFU keeps its frequency counts (halved once when the cache grows,
// as at the end of a period) and its window's share of the capacity; the
// samples it sizes its window by start again at the new size.
func (c *Cache[K, V]) SetCapacity(capacity int) error {
	if capacity <= 0 {
		return fmt.Errorf("%w: capacity must be > 0, got %d", ErrInvalidOptions, capacity)
	}
	if n := c.eng.Shards(); capacity < n {
		return fmt.Errorf("%w: capacity (%d) must not be below the cache's %d shards: every shard needs room for an entry",
			ErrInvalidOptions, capacity, n)
	}
	c.eng.SetCapacity(capacity)
	return nil
}

// Capacity returns the cache's capacity: [Options.Capacity], or what the
// last [Cache.SetCapacity] set.
func (c *Cache[K, V]) Capacity() int { return c.eng.Capacity() }

// Shards returns the number of shards the cache is split into: [Options.Shards],
// or the count [New] chose.
func (c *Cache[K, V]) Shards() int { return c.eng.Shards() }

// Stats returns the cache's counters since it was created.
func (c *Cache[K, V]) Stats() Stats {
	n := c.eng.Counters()
	return Stats{
		Hits: n.Hits, Misses: n.Misses,
		Evictions: n.Evictions, EvictedWeight: n.EvictedWeight,
		Expirations: n.Expirations, Rejections: n.Rejections,
		LoadSuccesses: n.LoadSuccesses, LoadFailures: n.LoadFailures, LoadTime: n.LoadTime,
	}
}

// Close stops the goroutine that reclaims expired entries, if one runs,
// cancels the context of running refreshes and waits for them to return. It
// is idempotent. A closed cache still answers every method, but starts no
// refresh; expired entries are then reclaimed by writes and by [Cache.Len]
// only. Close must not be called from OnEvict or Refresh.
func (c *Cache[K, V]) Close() {
	c.bg.close()
	c.eng.Close()
}

// equalFunc returns == for V, or a function that panics naming the type if
// V is not comparable.
func equalFunc[V any]() func(a, b V) bool {
	t := reflect.TypeFor[V]()
	if !t.Comparable() {
		return func(a, b V) bool {
			panic(fmt.Sprintf("cache: CompareAndSwap or CompareAndDelete on a Cache whose value type %v is not comparable", t))
		}
	}
	return func(a, b V) bool { return any(a) == any(b) }
}

// engineClock converts a Clock to the engine's time: nanoseconds since the
// cache was created, plus one, so that 0 can mean "never expires".
func engineClock(clk Clock) func() int64 {
	if clk == nil {
		base := time.Now()
		return func() int64 { return int64(time.Since(base)) + 1 }
	}
	base := clk.Now()
	return func() int64 { return int64(clk.Now().Sub(base)) + 1 }
}

// noCopy lets go vet's copylocks check catch a copied Cache.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
