package cache

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidOptions is wrapped by every error [New] returns for options it
// rejects, so callers can test for it with errors.Is.
var ErrInvalidOptions = errors.New("cache: invalid options")

// Clock tells the cache the time. Inject one to test expiry without
// sleeping; the default is the system's monotonic clock.
type Clock interface {
	Now() time.Time
}

// Options configures a [Cache]. Only Capacity is required.
type Options[K comparable, V any] struct {
	// Capacity is the most entries the cache holds. It must be > 0.
	Capacity int

	// Policy chooses what to evict when the cache is full. The zero value
	// is WTinyLFU.
	Policy Policy

	// Shards is the number of independently locked parts the cache is split
	// into: 0 chooses from Capacity and GOMAXPROCS (four shards per
	// GOMAXPROCS, each holding at least 1024 entries); otherwise a power of
	// two. Each shard evicts on its own, so Shards: 1 makes the policy exact
	// for the whole cache.
	Shards int

	// TTL is how long an entry lives after each write; 0 means entries do
	// not expire unless stored with [Cache.StoreTTL]. An expired entry is
	// never returned, even before it is reclaimed.
	TTL time.Duration

	// Clock is the time source for expiry; nil means the system clock.
	Clock Clock
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
	return o.Policy.validate()
}
