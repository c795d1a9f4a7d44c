package cache_test

import (
	"fmt"
	"sync"
	"time"

	"github.com/hotpath/hotpath/cache"
)

func ExampleNew() {
	c, err := cache.New(cache.Options[string, int]{Capacity: -1, Policy: cache.LRU})
	fmt.Println(c, err)
	// Output: <nil> cache: invalid options: capacity must be > 0, got -1
}

func ExampleCache_Load() {
	c := cache.Must(cache.Options[string, int]{Capacity: 2, Shards: 1, Policy: cache.LRU})
	defer c.Close()
	c.Store("a", 1)
	c.Store("b", 2)
	c.Load("a")     // a is now the most recently used
	c.Store("c", 3) // the cache is full: b, the least recently used, goes
	for _, k := range []string{"a", "b", "c"} {
		v, ok := c.Load(k)
		fmt.Println(k, v, ok)
	}
	// Output:
	// a 1 true
	// b 0 false
	// c 3 true
}

// A clock the example controls, so that it need not sleep.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *manualClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func ExampleCache_StoreTTL() {
	clock := &manualClock{now: time.Unix(0, 0)}
	c := cache.Must(cache.Options[string, string]{
		Capacity: 100, Policy: cache.LRU, TTL: time.Hour, Clock: clock,
	})
	defer c.Close()
	c.Store("session", "default TTL: an hour")
	c.StoreTTL("token", "expires in a minute", time.Minute)
	clock.Add(2 * time.Minute)
	_, tokenOK := c.Load("token")
	_, sessionOK := c.Load("session")
	fmt.Println("token:", tokenOK, "session:", sessionOK)
	// Output: token: false session: true
}

func ExampleCache_LoadOrStore() {
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU})
	defer c.Close()
	v, loaded := c.LoadOrStore("k", 1)
	fmt.Println(v, loaded)
	v, loaded = c.LoadOrStore("k", 2)
	fmt.Println(v, loaded)
	// Output:
	// 1 false
	// 1 true
}

func ExampleCache_CompareAndSwap() {
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU})
	defer c.Close()
	c.Store("counter", 1)
	fmt.Println(c.CompareAndSwap("counter", 1, 2))
	fmt.Println(c.CompareAndSwap("counter", 1, 3))
	v, _ := c.Load("counter")
	fmt.Println(v)
	// Output:
	// true
	// false
	// 2
}

func ExampleCache_Stats() {
	c := cache.Must(cache.Options[int, int]{Capacity: 100, Policy: cache.LRU})
	defer c.Close()
	c.Store(1, 1)
	c.Load(1)
	c.Load(2)
	s := c.Stats()
	fmt.Printf("hits %d, misses %d, hit ratio %.2f\n", s.Hits, s.Misses, s.HitRatio())
	// Output: hits 1, misses 1, hit ratio 0.50
}
