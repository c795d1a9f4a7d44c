package cache

import (
	"fmt"

	"github.com/hotpath/hotpath/cache/internal/engine"
	"github.com/hotpath/hotpath/cache/internal/lfu"
	"github.com/hotpath/hotpath/cache/internal/lru"
	"github.com/hotpath/hotpath/cache/internal/wtinylfu"
)

// Policy chooses which entry a full cache evicts.
type Policy int

const (
	// WTinyLFU is adaptive window TinyLFU, the policy with the best hit
	// ratio on real traces. It is the default.
	WTinyLFU Policy = iota
	// LRU evicts the least recently used entry of the key's shard, exactly.
	LRU
	// LFU evicts the least frequently used entry of the key's shard, with
	// aging.
	LFU
)

// String returns the policy's name.
func (p Policy) String() string {
	switch p {
	case WTinyLFU:
		return "WTinyLFU"
	case LRU:
		return "LRU"
	case LFU:
		return "LFU"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// validate reports a policy New cannot build.
func (p Policy) validate() error {
	switch p {
	case LRU, WTinyLFU, LFU:
		return nil
	}
	return fmt.Errorf("%w: unknown policy %v", ErrInvalidOptions, p)
}

// minShardCapacity is the smallest shard the default shard count makes for
// p. LRU loses under half a point at 1024 entries a shard (see
// engine.MinShardCapacity). W-TinyLFU's sketch, climber and shadow LRU each
// learn from one shard's traffic, and it once kept four times as many: at
// 1250 entries a shard it lost 2.2 points against one shard (cloudPhysics
// at 10,000 entries, 8 shards). Since stale victims are passed over it
// loses 0.40 there (hash seeds 1 to 3), and over every reference row of
// 2,048 entries and more, at up to 8 and up to 64 shards, 1024 entries a
// shard lost at most 0.41 points more than 4096 did (scarab at 5,000;
// mean 0.02); the largest loss, P3 at 300,000 in 64 shards, is the same at
// either size. On 16 cores a cache of 100,000 then has 64 shards instead
// of 16, and writes to its hot keys meet half as often (README: 75 %
// reads 96 → 56 ns an operation, 0 % 149 → 80). LFU, not measured at
// smaller shards, keeps 4096.
func (p Policy) minShardCapacity() int {
	if p == LFU {
		return 4 * engine.MinShardCapacity
	}
	return engine.MinShardCapacity
}

// newPolicy returns a constructor of p for the engine's shards.
func newPolicy[K comparable, V any](p Policy) func(capacity int, hash func(K) uint64) engine.Policy[K, V] {
	switch p {
	case WTinyLFU:
		return func(capacity int, hash func(K) uint64) engine.Policy[K, V] { return wtinylfu.New[K, V](capacity, hash) }
	case LFU:
		return func(capacity int, _ func(K) uint64) engine.Policy[K, V] { return lfu.New[K, V](capacity) }
	}
	return func(int, func(K) uint64) engine.Policy[K, V] { return lru.New[K, V]() }
}
