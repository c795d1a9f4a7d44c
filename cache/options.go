package cache

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrInvalidOptions is wrapped by every error [New] returns for options it
// rejects, so callers can test for it with errors.Is.
var ErrInvalidOptions = errors.New("cache: invalid options")

// Clock tells the cache the time. Inject one to test expiry without
// sleeping; the default is the system's monotonic clock. The cache calls
// Now with no lock held, so a Now that panics reaches the caller and
// leaves the cache usable (in the background reclaimer, which has no
// caller, a panic ends the program, as in any goroutine).
type Clock interface {
	Now() time.Time
}

// Options configures a [Cache]. Only Capacity is required; every other
// field's zero value turns its feature off, and a feature that is off costs
// the cache nothing per entry.
//
// The callbacks (Weigher, Expiry, OnEvict, Refresh, StatsRecorder's
// methods and Clock) are called by whichever goroutine uses the cache, with
// no lock held: Weigher and Expiry before the shard's lock is taken, OnEvict
// and RecordEviction after it is released. So they may use the cache, and
// one that panics leaves no lock held and nothing half done: the panic
// reaches the caller, and the calls still due (OnEvict's, RecordEviction's)
// are made by the next operation on the shard. The one exception is
// [Cache.Compute]: it calls Weigher and Expiry for the value its function
// writes while it holds the lock, so with Compute they must not use the
// cache (a panic still leaves no lock held).
type Options[K comparable, V any] struct {
	// Capacity is the most entries the cache holds; with a Weigher, the
	// most total weight. It must be > 0.
	Capacity int

	// Policy chooses what to evict when the cache is full. The zero value
	// is WTinyLFU.
	Policy Policy

	// Shards is the number of independently locked parts the cache is split
	// into: 0 chooses from Capacity and GOMAXPROCS (four shards per
	// GOMAXPROCS, each holding at least 1,024 entries, so that each shard's
	// policy learns enough); otherwise a power of two. Each shard evicts on
	// its own, so Shards: 1 makes the policy exact for the whole cache. Each
	// shard holds Capacity/Shards of the capacity.
	//
	// More shards spread the writes to hot keys over more locks: on 16
	// cores, a W-TinyLFU cache of 100,000 under Zipf traffic with 25 %
	// writes took 56 ns an operation with 64 shards (its default there)
	// against 96 with 16 (see the README). Fewer, larger shards keep more
	// of the policy's knowledge together: with the default count, no
	// reference trace from 1,000 entries up loses more than a point against
	// one shard (TestWTinyLFU_HitRatioTargets).
	Shards int

	// TTL is how long an entry lives after each write (or, with
	// ExpireAfterAccess, after each read or write); 0 means entries do not
	// expire unless stored with [Cache.StoreTTL] or given a TTL by Expiry.
	// An expired entry is never returned, even before it is reclaimed.
	TTL time.Duration

	// Expiry, if set, gives each entry its own time to live, computed at
	// every write that does not name one ([Cache.StoreTTL] does). It
	// replaces TTL; a result ≤ 0 means the entry does not expire. It must be
	// fast.
	Expiry func(key K, value V) time.Duration

	// ExpireAfterAccess makes an entry's time to live (TTL, Expiry's or
	// StoreTTL's) count from its last read or write instead of its last
	// write. It costs a map lookup per hit and a little memory per entry.
	ExpireAfterAccess bool

	// Weigher, if set, gives each entry a weight, and Capacity bounds the
	// total weight instead of the count. It is called once per write, with
	// no lock held (but see [Cache.Compute]), and must be fast and pure. An entry heavier than its
	// shard's share of the capacity (Capacity/Shards) is not stored: the
	// write removes the key's old value (cause Replaced), OnEvict gets the
	// new value with cause [Rejected], and [Stats].Rejections counts it. An
	// entry that weighs 0 takes no capacity and is never evicted to make
	// room (it pins the entry, as in otter and Caffeine); it leaves by a
	// delete, expiry or Clear, or becomes evictable when a write gives it a
	// weight.
	Weigher func(key K, value V) uint32

	// OnEvict, if set, is called once for every entry that leaves the
	// cache, and for every write that [Rejected], with the cause. It runs
	// with no lock held, so it may use the cache. See [Cause] for the
	// ordering guarantees.
	OnEvict func(key K, value V, cause Cause)

	// RefreshAfter, with Refresh, reloads an entry in the background once it
	// is older than this (since its last write) and is read: the read
	// returns the old value at once, and Refresh's result replaces it when it
	// comes. One refresh per key runs at a time; a failed refresh keeps the
	// old value (the next read after it tries again). It must be less than
	// TTL to be of use.
	RefreshAfter time.Duration

	// Refresh computes a new value for a key whose entry is due for a
	// refresh (see RefreshAfter), or that [Cache.Refresh] names, given the
	// old value. Without RefreshAfter, entries are refreshed only when
	// Cache.Refresh asks. It runs on a goroutine of its own, with
	// a context that [Cache.Close] cancels; Close waits for it to return. A
	// Refresh that panics, or whose value the Weigher or Expiry panics on,
	// counts as a failed refresh.
	Refresh func(ctx context.Context, key K, old V) (V, error)

	// StatsRecorder, if set, is told of every hit, miss, eviction and load
	// as it happens, in addition to the built-in counters behind
	// [Cache.Stats]; it is the hook for Prometheus or OpenTelemetry.
	StatsRecorder StatsRecorder

	// Clock is the time source for expiry, refresh and load times; nil
	// means the system clock.
	Clock Clock

	// HashSeed, if not 0, makes the key hash a fixed function of this seed
	// and the key, the same in every run, so that a replay through a cache
	// used by one goroutine gives the same hits every time (the simulator
	// and the hit-ratio tests set it). The default, 0, seeds each cache at
	// random, so that keys crafted to collide cannot be chosen in advance:
	// keep it for caches that hold keys from untrusted input. It needs
	// integer or string keys (named types included).
	HashSeed uint64
}

// validate returns the first problem with o, or nil.
func (o *Options[K, V]) validate() error {
	if o.Capacity <= 0 {
		return fmt.Errorf("%w: capacity must be > 0, got %d", ErrInvalidOptions, o.Capacity)
	}
	if o.Shards < 0 || o.Shards&(o.Shards-1) != 0 {
		return fmt.Errorf("%w: shards must be 0 or a power of two, got %d", ErrInvalidOptions, o.Shards)
	}
	if o.Shards > o.Capacity {
		return fmt.Errorf("%w: shards (%d) must not exceed capacity (%d): every shard needs room for an entry",
			ErrInvalidOptions, o.Shards, o.Capacity)
	}
	if o.TTL < 0 {
		return fmt.Errorf("%w: TTL must be >= 0, got %v", ErrInvalidOptions, o.TTL)
	}
	if o.RefreshAfter < 0 {
		return fmt.Errorf("%w: RefreshAfter must be >= 0, got %v", ErrInvalidOptions, o.RefreshAfter)
	}
	if o.RefreshAfter > 0 && o.Refresh == nil {
		return fmt.Errorf("%w: RefreshAfter is %v but Refresh is nil", ErrInvalidOptions, o.RefreshAfter)
	}
	return o.Policy.validate()
}
