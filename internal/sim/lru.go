package sim

// lru is an exact LRU cache of dense key ids: one recency list whose nodes
// are the ids themselves, so a lookup is an index, not a hash.
type lru struct {
	capacity int
	l        lists // list 0, most recent first
}

func newLRU(capacity, ids int) lru {
	checkCapacity(capacity)
	return lru{capacity: capacity, l: newLists(1, ids)}
}

// access looks id up, reporting a hit; on a miss it inserts id, evicting
// the least recently used id if the cache is full.
func (c *lru) access(id int32) bool {
	n := id + 1
	if c.l.list[n] == 0 {
		c.l.moveToFront(0, n)
		return true
	}
	if c.l.size[0] == c.capacity {
		c.l.unlink(c.l.back(0))
	}
	c.l.pushFront(0, n)
	return false
}

// LRUCache is an exact least-recently-used cache of keys, fed one request
// at a time: the reference that the cache engine's LRU replay is compared
// with, request by request where a count differs. Its memory grows with the
// distinct keys it has seen (ids are never freed), not with its capacity.
type LRUCache struct {
	ids      keyIDs
	c        lru
	hits     int64
	requests int64
}

// NewLRU returns an empty LRU cache of capacity entries. It panics if
// capacity < 1.
func NewLRU(capacity int) *LRUCache {
	return &LRUCache{ids: make(keyIDs), c: newLRU(capacity, 0)}
}

// Access looks key up, reporting a hit; on a miss it inserts key, evicting
// the least recently used key if the cache is full.
func (c *LRUCache) Access(key uint64) bool {
	c.requests++
	id, isNew := c.ids.id(key)
	if isNew {
		c.c.l.grow(int(id) + 2)
	}
	hit := c.c.access(id)
	if hit {
		c.hits++
	}
	return hit
}

// Contains reports whether key is cached, without touching its recency.
func (c *LRUCache) Contains(key uint64) bool {
	id, ok := c.ids[key]
	return ok && c.c.l.list[id+1] == 0
}

// Len returns the number of cached keys.
func (c *LRUCache) Len() int { return c.c.l.size[0] }

// Hits returns the hits counted so far.
func (c *LRUCache) Hits() int64 { return c.hits }

// Requests returns the accesses counted so far.
func (c *LRUCache) Requests() int64 { return c.requests }
