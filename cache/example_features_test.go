package cache_test

import (
	"bytes"
	"context"
	"errors"
	"expvar"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpath/hotpath/cache"
)

func ExampleCache_LoadOrCompute() {
	c := cache.Must(cache.Options[int, string]{Capacity: 100, Policy: cache.LRU})
	defer c.Close()
	var loads atomic.Int32
	fetch := func(ctx context.Context, id int) (string, error) {
		loads.Add(1)
		time.Sleep(10 * time.Millisecond) // a slow backend
		return fmt.Sprintf("user-%d", id), nil
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.LoadOrCompute(context.Background(), 42, fetch) // ten callers, one load
		}()
	}
	wg.Wait()
	v, err := c.LoadOrCompute(context.Background(), 42, fetch) // a hit
	fmt.Println(v, err, "loads:", loads.Load())
	// Output: user-42 <nil> loads: 1
}

func ExampleCache_LoadOrCompute_errorsAreNotCached() {
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU})
	defer c.Close()
	attempt := 0
	flaky := func(context.Context, string) (int, error) {
		attempt++
		if attempt == 1 {
			return 0, errors.New("timeout")
		}
		return 7, nil
	}
	_, err := c.LoadOrCompute(context.Background(), "k", flaky)
	fmt.Println(err)
	v, err := c.LoadOrCompute(context.Background(), "k", flaky)
	fmt.Println(v, err)
	// Output:
	// timeout
	// 7 <nil>
}

func ExampleCache_LoadOrComputeAll() {
	c := cache.Must(cache.Options[int, string]{Capacity: 100, Policy: cache.LRU})
	defer c.Close()
	c.Store(1, "one")
	got, err := c.LoadOrComputeAll(context.Background(), []int{1, 2, 3},
		func(_ context.Context, missing []int) (map[int]string, error) {
			fmt.Println("fetching", missing) // one round trip for all the missing keys
			m := map[int]string{}
			for _, k := range missing {
				m[k] = strings.Repeat("*", k)
			}
			return m, nil
		})
	fmt.Println(got, err)
	// Output:
	// fetching [2 3]
	// map[1:one 2:** 3:***] <nil>
}

func ExampleOptions_refresh() {
	clock := &manualClock{now: time.Unix(0, 0)}
	version := 0
	var mu sync.Mutex
	c := cache.Must(cache.Options[string, string]{
		Capacity: 100, Policy: cache.LRU, Clock: clock,
		TTL:          time.Hour,   // entries expire after an hour…
		RefreshAfter: time.Minute, // …but are reloaded in the background after a minute
		Refresh: func(ctx context.Context, key, old string) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			version++
			return fmt.Sprintf("%s v%d", key, version), nil
		},
	})
	defer c.Close()
	c.Store("config", "config v0")
	clock.Add(2 * time.Minute)
	v, _ := c.Load("config") // returns the old value at once and starts a refresh
	fmt.Println(v)
	for v == "config v0" { // wait for the background refresh to land
		time.Sleep(time.Millisecond)
		v, _ = c.Load("config")
	}
	fmt.Println(v)
	// Output:
	// config v0
	// config v1
}

func ExampleOptions_onEvict() {
	c := cache.Must(cache.Options[string, int]{
		Capacity: 2, Shards: 1, Policy: cache.LRU,
		OnEvict: func(key string, value int, cause cache.Cause) {
			fmt.Println(cause, key, value) // runs with no lock held
		},
	})
	defer c.Close()
	c.Store("a", 1)
	c.Store("a", 2) // Replaced a 1
	c.Store("b", 3)
	c.Store("c", 4) // Evicted a 2
	c.Delete("b")   // Deleted b 3
	// Output:
	// Replaced a 1
	// Evicted a 2
	// Deleted b 3
}

func ExampleOptions_weigher() {
	c := cache.Must(cache.Options[string, []byte]{
		Capacity: 1 << 10, Shards: 1, Policy: cache.LRU, // 1 KiB in all
		Weigher: func(_ string, v []byte) uint32 { return uint32(len(v)) },
		OnEvict: func(key string, _ []byte, cause cache.Cause) { fmt.Println(cause, key) },
	})
	defer c.Close()
	c.Store("small", make([]byte, 100))
	c.Store("medium", make([]byte, 900)) // 1000 bytes: fits
	c.Store("more", make([]byte, 100))   // 1100 bytes: small goes
	c.Store("huge", make([]byte, 2000))  // heavier than the cache: rejected
	fmt.Println(c.Weight(), c.Stats().Rejections)
	// Output:
	// Evicted small
	// Rejected huge
	// 1000 1
}

func ExampleOptions_expireAfterAccess() {
	clock := &manualClock{now: time.Unix(0, 0)}
	c := cache.Must(cache.Options[string, int]{
		Capacity: 100, Policy: cache.LRU, Clock: clock,
		TTL: time.Minute, ExpireAfterAccess: true,
	})
	defer c.Close()
	c.Store("read often", 1)
	c.Store("left alone", 2)
	for range 3 {
		clock.Add(40 * time.Second)
		c.Load("read often") // each read restarts its minute
	}
	_, often := c.Load("read often")
	_, alone := c.Load("left alone")
	fmt.Println(often, alone)
	// Output: true false
}

func ExampleOptions_expiry() {
	clock := &manualClock{now: time.Unix(0, 0)}
	c := cache.Must(cache.Options[string, string]{
		Capacity: 100, Policy: cache.LRU, Clock: clock,
		Expiry: func(key, _ string) time.Duration { // per entry: errors live briefly
			if strings.HasPrefix(key, "err:") {
				return time.Second
			}
			return time.Hour
		},
	})
	defer c.Close()
	c.Store("err:lookup", "not found")
	c.Store("user:1", "Ada")
	clock.Add(time.Minute)
	_, errOK := c.Load("err:lookup")
	_, userOK := c.Load("user:1")
	fmt.Println(errOK, userOK)
	// Output: false true
}

func ExampleCache_Keys() {
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU})
	defer c.Close()
	c.Store("b", 2)
	c.Store("a", 1)
	keys := slices.Sorted(c.Keys())
	values := slices.Sorted(c.Values())
	fmt.Println(keys, values)
	// Output: [a b] [1 2]
}

func ExampleCache_WriteTo() {
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Shards: 1, Policy: cache.LRU})
	defer c.Close()
	c.Store("cold", 1)
	c.Store("hot", 2)
	var snapshot bytes.Buffer
	if _, err := c.WriteTo(&snapshot); err != nil { // e.g. to a file on shutdown
		panic(err)
	}
	warm := cache.Must(cache.Options[string, int]{Capacity: 100, Shards: 1, Policy: cache.LRU})
	defer warm.Close()
	if _, err := warm.ReadFrom(&snapshot); err != nil { // and back on start-up
		panic(err)
	}
	v, ok := warm.Load("hot")
	fmt.Println(v, ok, warm.Len())

	_, err := warm.ReadFrom(strings.NewReader("not a snapshot"))
	fmt.Println(errors.Is(err, cache.ErrBadSnapshot))
	// Output:
	// 2 true 2
	// true
}

func ExampleCache_Expvar() {
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU})
	defer c.Close()
	expvar.Publish("example_cache", c.Expvar()) // served on /debug/vars
	c.Store("a", 1)
	c.Load("a")
	c.Load("b")
	fmt.Println(expvar.Get("example_cache"))
	// Output: {"hits":1,"misses":1,"evictions":0,"evicted_weight":0,"expirations":0,"rejections":0,"load_successes":0,"load_failures":0,"load_time_ns":0,"hit_ratio":0.5,"capacity":100,"weight":1}
}

// countingRecorder is a minimal StatsRecorder; an adapter for Prometheus or
// OpenTelemetry has the same shape.
type countingRecorder struct{ hits, misses atomic.Int64 }

func (r *countingRecorder) RecordHits(n int)                { r.hits.Add(int64(n)) }
func (r *countingRecorder) RecordMisses(n int)              { r.misses.Add(int64(n)) }
func (r *countingRecorder) RecordEviction(uint32)           {}
func (r *countingRecorder) RecordLoadSuccess(time.Duration) {}
func (r *countingRecorder) RecordLoadFailure(time.Duration) {}

func ExampleStatsRecorder() {
	rec := &countingRecorder{}
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU, StatsRecorder: rec})
	defer c.Close()
	c.Store("a", 1)
	c.Load("a")
	c.Load("a")
	c.Load("b")
	fmt.Println(rec.hits.Load(), rec.misses.Load())
	// Output: 2 1
}

func ExampleCache_Compute() {
	c := cache.Must(cache.Options[string, int]{Capacity: 100})
	defer c.Close()
	// Count requests per client from many goroutines: each increment reads
	// and writes the count in one step, so none is lost.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.Compute("client-1", func(n int, _ bool) (int, cache.ComputeOp) { return n + 1, cache.WriteOp })
			}
		})
	}
	wg.Wait()
	n, _ := c.Load("client-1")
	fmt.Println("requests:", n)

	// Delete the entry once it reaches a limit, or leave it alone.
	_, ok := c.Compute("client-1", func(n int, _ bool) (int, cache.ComputeOp) {
		if n >= 8000 {
			return 0, cache.DeleteOp
		}
		return n, cache.CancelOp
	})
	fmt.Println("still there:", ok)
	// Output:
	// requests: 8000
	// still there: false
}

func ExampleCache_SetCapacity() {
	c := cache.Must(cache.Options[int, int]{Capacity: 1000, Shards: 1, Policy: cache.LRU,
		OnEvict: func(k, _ int, cause cache.Cause) {
			if k == 0 {
				fmt.Println("first out:", k, cause)
			}
		}})
	defer c.Close()
	for k := range 1000 {
		c.Store(k, k)
	}
	if err := c.SetCapacity(100); err != nil { // evicts down to 100 before it returns
		panic(err)
	}
	fmt.Println(c.Capacity(), c.Len(), c.Stats().Evictions)
	_, ok := c.Load(999) // the most recently used stay
	fmt.Println(ok)
	fmt.Println(c.SetCapacity(0))
	// Output:
	// first out: 0 Evicted
	// 100 100 900
	// true
	// cache: invalid options: capacity must be > 0, got 0
}

// An HTTP cache that passes an entry's remaining time to live on as its
// max-age, without the look counting as a use.
func ExampleCache_PeekEntry() {
	c := cache.Must(cache.Options[string, []byte]{Capacity: 1000, TTL: time.Hour})
	defer c.Close()
	c.Store("/index.html", []byte("<html>…</html>"))
	if e, ok := c.PeekEntry("/index.html"); ok {
		fmt.Printf("Cache-Control: max-age=%d\n", int(e.ExpiresIn.Round(time.Minute).Seconds()))
	}
	fmt.Println("hits:", c.Stats().Hits)
	// Output:
	// Cache-Control: max-age=3600
	// hits: 0
}

// A session lives 15 minutes from login. SetTTL changes that without
// rewriting the session: an hour for "keep me signed in", and a minute at
// logout instead of a delete, so that requests still in flight find it.
func ExampleCache_SetTTL() {
	sessions := cache.Must(cache.Options[string, string]{Capacity: 10_000, TTL: 15 * time.Minute})
	defer sessions.Close()
	sessions.Store("token-1", "alice")
	sessions.SetTTL("token-1", time.Hour) // "keep me signed in"
	e, _ := sessions.PeekEntry("token-1")
	fmt.Println(e.Value, "for", e.ExpiresIn.Round(time.Minute))
	sessions.SetTTL("token-1", time.Minute) // logged out
	e, _ = sessions.PeekEntry("token-1")
	fmt.Println(e.Value, "for", e.ExpiresIn.Round(time.Minute))
	fmt.Println("renewed an absent session:", sessions.SetTTL("token-2", time.Hour))
	// Output:
	// alice for 1h0m0s
	// alice for 1m0s
	// renewed an absent session: false
}

// Hottest warms a new cache (on another node, say) with what an old one
// values most; Coldest shows what it would give up first.
func ExampleCache_Hottest() {
	old := cache.Must(cache.Options[string, int]{Capacity: 100, Shards: 1, Policy: cache.LRU})
	defer old.Close()
	for i, page := range []string{"/", "/about", "/pricing", "/blog"} {
		old.Store(page, i)
	}
	old.Load("/") // the most recently used
	fresh := cache.Must(cache.Options[string, int]{Capacity: 100})
	defer fresh.Close()
	for _, e := range old.Hottest(2) {
		fmt.Println("warm", e.Key)
		fresh.Store(e.Key, e.Value)
	}
	for _, e := range old.Coldest(1) {
		fmt.Println("coldest", e.Key)
	}
	// Output:
	// warm /
	// warm /blog
	// coldest /about
}

// A feature flag service pushes "flags changed": Refresh reloads the entry
// in the background while readers keep getting the old value, instead of
// a Delete that would send every reader to the source at once.
func ExampleCache_Refresh() {
	c := cache.Must(cache.Options[string, string]{
		Capacity: 100,
		Refresh: func(ctx context.Context, key, old string) (string, error) {
			return "dark-mode=on", nil // fetch from the flag service
		},
	})
	defer c.Close()
	c.Store("flags", "dark-mode=off")
	fmt.Println("started:", c.Refresh("flags"))
	v, _ := c.Load("flags")
	for v == "dark-mode=off" { // the old value until the reload lands
		time.Sleep(time.Millisecond)
		v, _ = c.Load("flags")
	}
	fmt.Println(v)
	// Output:
	// started: true
	// dark-mode=on
}
