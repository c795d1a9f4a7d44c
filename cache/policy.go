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

// newPolicy returns a constructor of p for the engine's shards, of which
// there are shards. Several W-TinyLFU shards choose their window size
// together (see wtinylfu.Group).
func newPolicy[K comparable, V any](p Policy, shards int) func(capacity int, hash func(K) uint64) engine.Policy[K, V] {
	switch p {
	case WTinyLFU:
		var g *wtinylfu.Group
		if shards > 1 {
			g = wtinylfu.NewGroup(shards)
		}
		return func(capacity int, hash func(K) uint64) engine.Policy[K, V] {
			w := wtinylfu.New[K, V](capacity, hash)
			if g != nil {
				w.Join(g)
			}
			return w
		}
	case LFU:
		return func(capacity int, _ func(K) uint64) engine.Policy[K, V] { return lfu.New[K, V](capacity) }
	}
	return func(int, func(K) uint64) engine.Policy[K, V] { return lru.New[K, V]() }
}
