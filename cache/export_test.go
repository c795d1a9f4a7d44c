package cache

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
