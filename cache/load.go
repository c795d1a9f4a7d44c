package cache

import (
	"context"

	"github.com/hotpath/hotpath/cache/internal/engine"
)

// ErrLoaderPanicked is the error that [Cache.LoadOrCompute] and
// [Cache.LoadOrComputeAll] return to goroutines that were waiting for a load
// whose function panicked, or whose Weigher or Expiry panicked on the value
// it returned; the goroutine that ran the function gets the panic itself.
// Test for it with errors.Is.
var ErrLoaderPanicked = engine.ErrLoaderPanicked

// LoadOrCompute returns the value for key, computing it with compute if the
// cache has no live entry for it, and storing it (with the default TTL, or
// Expiry's). However many goroutines ask for a missing key at once, compute
// runs once: the others wait for its result, or until their own ctx ends
// (then they return ctx.Err()). Errors are returned, not cached: the next
// call computes again.
//
// compute runs on the calling goroutine with its ctx and no lock held. If
// it fails because that ctx ended, goroutines waiting for it with a live ctx
// compute in turn instead of failing. If it panics (or the Weigher or Expiry
// panics on its value), the panic goes on up this goroutine's stack,
// waiting goroutines get an error wrapping [ErrLoaderPanicked], and the
// cache stays as it was.
//
// Every call is linearizable with the other methods. If key gets a value
// while compute runs (Store, LoadOrStore, Swap, …), that value wins: the
// callers get it, and the computed value is dropped. A Delete or Clear while
// compute runs cancels the load: the callers get the computed value (or the
// value the delete removed) and nothing is stored, so an invalidation is
// never undone by a load that started before it. A computed value heavier
// than its shard's capacity is returned and [Rejected]. compute must not call LoadOrCompute for the key
// it is computing (it would wait for itself until ctx ends).
//
// A hit costs what [Cache.Load] costs, and allocates nothing.
func (c *Cache[K, V]) LoadOrCompute(ctx context.Context, key K,
	compute func(ctx context.Context, key K) (V, error)) (V, error) {
	if v, ok := c.eng.Load(key); ok {
		return v, nil
	}
	// Outlined slow path so the hit inlines.
	return c.eng.ComputeMissing(ctx, key, compute)
}

// LoadOrComputeAll returns the values for keys, computing those the cache
// lacks with one call of compute, with the missing keys (each once, in the
// order of keys). Keys that another goroutine is loading at the same time
// are waited for, not computed again, so each key still has at most one load
// at a time. Keys for which compute returns no value are left out of the
// result; values it returns for keys it was not asked for are stored too.
//
// If compute returns an error, LoadOrComputeAll returns it and a nil map
// (nothing is cached); a panic is handled as in [Cache.LoadOrCompute].
// compute must not load the keys it is computing.
func (c *Cache[K, V]) LoadOrComputeAll(ctx context.Context, keys []K,
	compute func(ctx context.Context, missing []K) (map[K]V, error)) (map[K]V, error) {
	return c.eng.LoadOrComputeAll(ctx, keys, compute)
}
