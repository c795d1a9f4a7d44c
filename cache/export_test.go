package cache

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"

	"github.com/hotpath/hotpath/cache/internal/engine"
)

// OrderedForTest calls f for the entries of each shard in eviction-policy
// order (for LRU, most recent first).
func OrderedForTest[K comparable, V any](c *Cache[K, V], f func(K, V) bool) { c.eng.Ordered(f) }

// ExpireForTest runs one pass of the background reclaimer.
func ExpireForTest[K comparable, V any](c *Cache[K, V]) { c.eng.Expire() }

// ReclaimerRunning reports whether c started its background goroutine and
// has not been closed.
func ReclaimerRunning[K comparable, V any](c *Cache[K, V]) bool {
	c.bg.mu.Lock()
	defer c.bg.mu.Unlock()
	return c.bg.started && !c.bg.closed
}

// WrapSnapshotForTest frames payload as a version-1 snapshot with a valid
// checksum, so fuzzers reach the decoder.
func WrapSnapshotForTest(payload []byte) []byte {
	buf := append([]byte(snapshotMagic), 0, snapshotVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(payload)))
	buf = append(buf, payload...)
	return binary.BigEndian.AppendUint64(buf, xxhash.Sum64(buf))
}

// DefaultShardsForTest is the shard count New chooses for a capacity.
func DefaultShardsForTest(capacity int) int {
	return engine.DefaultShards(capacity, engine.MinShardCapacity)
}
