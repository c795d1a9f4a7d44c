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
