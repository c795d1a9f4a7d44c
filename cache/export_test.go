package cache

// OrderedForTest calls f for the entries of each shard in eviction-policy
// order (for LRU, most recent first).
func OrderedForTest[K comparable, V any](c *Cache[K, V], f func(K, V) bool) { c.eng.Ordered(f) }
