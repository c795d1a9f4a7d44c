package cache_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// TestSetCapacity_LoweredEvictsAtOnce: lowering the capacity evicts down to
// it before SetCapacity returns, with cause Evicted, counted in Stats and
// passed to OnEvict; the entries each policy values most are the ones
// kept.
func TestSetCapacity_LoweredEvictsAtOnce(t *testing.T) {
	for _, p := range []cache.Policy{cache.LRU, cache.LFU, cache.WTinyLFU} {
		t.Run(p.String(), func(t *testing.T) {
			c, causes := countingCauses(1000, p)
			defer c.Close()
			evicted := &causes[cache.Evicted]
			// 100 hot keys, used often and last; 900 cold ones, stored once
			// before them.
			for k := 100; k < 1000; k++ {
				c.Store(k, k)
			}
			for range 10 {
				for k := range 100 {
					if _, ok := c.Load(k); !ok {
						c.Store(k, k)
					}
				}
			}
			// With 4 shards of 250, a shard given more than its share
			// of the keys has evicted some already.
			before, evictedBefore := c.Len(), evicted.Load()
			if err := c.SetCapacity(200); err != nil {
				t.Fatal(err)
			}
			if got := c.Capacity(); got != 200 {
				t.Fatalf("Capacity() = %d after SetCapacity(200)", got)
			}
			n := c.Len()
			if n > 200 {
				t.Fatalf("Len = %d after SetCapacity(200)", n)
			}
			if got, want := evicted.Load()-evictedBefore, uint64(before-n); got != want {
				t.Fatalf("OnEvict called %d times by SetCapacity, want %d (%d entries, %d left)", got, want, before, n)
			}
			if got, want := c.Stats().Evictions, evicted.Load(); got != want {
				t.Fatalf("Stats().Evictions = %d, OnEvict saw %d", got, want)
			}
			for cause := range causes {
				if n := causes[cause].Load(); cache.Cause(cause) != cache.Evicted && n != 0 {
					t.Fatalf("OnEvict saw %d entries leave with cause %v", n, cache.Cause(cause))
				}
			}
			for k := range 100 {
				if _, ok := c.Load(k); !ok {
					t.Fatalf("hot key %d evicted by SetCapacity(200)", k)
				}
			}
			// The new capacity holds for later writes.
			for k := 1000; k < 3000; k++ {
				c.Store(k, k)
			}
			if n := c.Len(); n > 200 {
				t.Fatalf("Len = %d after 2,000 more writes at capacity 200", n)
			}
		})
	}
}

// countingCauses returns a cache of four shards and the given capacity and
// policy, and the number of entries that left it with each cause, as its
// OnEvict saw them.
func countingCauses(capacity int, p cache.Policy) (*cache.Cache[int, int], *[8]atomic.Uint64) {
	var causes [8]atomic.Uint64
	c := cache.Must(cache.Options[int, int]{Capacity: capacity, Shards: 4, Policy: p,
		OnEvict: func(_, _ int, cause cache.Cause) { causes[cause].Add(1) }})
	return c, &causes
}

// TestSetCapacity_ShrinksInBatches: a shard comes down a batch at a time,
// releasing its lock and delivering the batch's evictions in between, so
// that no caller waits for the whole shrink: when the first eviction is
// delivered, only the first batch has been evicted.
func TestSetCapacity_ShrinksInBatches(t *testing.T) {
	var c *cache.Cache[int, int]
	var firstSeen uint64
	c = cache.Must(cache.Options[int, int]{Capacity: 20_000, Shards: 1, Policy: cache.LRU,
		OnEvict: func(k, _ int, _ cache.Cause) {
			if firstSeen == 0 {
				firstSeen = c.Stats().Evictions
				if _, ok := c.Load(19_999); !ok { // the lock is free: this does not deadlock
					t.Errorf("newest key missing during the shrink")
				}
			}
		}})
	defer c.Close()
	for k := range 20_000 {
		c.Store(k, k)
	}
	if err := c.SetCapacity(2000); err != nil {
		t.Fatal(err)
	}
	if firstSeen == 0 || firstSeen > 4096 {
		t.Fatalf("%d evictions done when the first was delivered, want a batch (at most 4,096) of the 18,000", firstSeen)
	}
	if n := c.Len(); n != 2000 {
		t.Fatalf("Len = %d after SetCapacity(2000)", n)
	}
}

// TestSetCapacity_RaisedMakesRoom: after raising the capacity, the cache
// holds as many entries as the new capacity without evicting.
func TestSetCapacity_RaisedMakesRoom(t *testing.T) {
	for _, p := range []cache.Policy{cache.LRU, cache.LFU, cache.WTinyLFU} {
		t.Run(p.String(), func(t *testing.T) {
			c := cache.Must(cache.Options[int, int]{Capacity: 100, Shards: 1, Policy: p})
			defer c.Close()
			for k := range 100 {
				c.Store(k, k)
			}
			if err := c.SetCapacity(5000); err != nil {
				t.Fatal(err)
			}
			for k := 100; k < 5000; k++ {
				c.Store(k, k)
			}
			if n, ev := c.Len(), c.Stats().Evictions; n != 5000 || ev != 0 {
				t.Fatalf("Len = %d, %d evictions after 5,000 writes at capacity 5,000; want 5,000 and 0", n, ev)
			}
		})
	}
}

// TestSetCapacity_ExpiredEntriesGoFirst: entries that have expired are
// reclaimed (cause Expired) before any live entry is evicted.
func TestSetCapacity_ExpiredEntriesGoFirst(t *testing.T) {
	clock := newFakeClock()
	causes := map[cache.Cause]int{}
	c := cache.Must(cache.Options[int, int]{Capacity: 100, Shards: 1, Clock: clock,
		OnEvict: func(_, _ int, cause cache.Cause) { causes[cause]++ }})
	defer c.Close()
	for k := range 50 {
		c.StoreTTL(k, k, tick)
	}
	for k := 50; k < 100; k++ {
		c.Store(k, k)
	}
	clock.Advance(2 * tick)
	if err := c.SetCapacity(50); err != nil {
		t.Fatal(err)
	}
	if causes[cache.Expired] != 50 || causes[cache.Evicted] != 0 {
		t.Fatalf("causes %v after SetCapacity(50) with 50 expired and 50 live entries; want 50 Expired, no Evicted", causes)
	}
	for k := 50; k < 100; k++ {
		if _, ok := c.Load(k); !ok {
			t.Fatalf("live key %d evicted while expired entries were there to reclaim", k)
		}
	}
}

// TestSetCapacity_WeighsWithTheWeigher: with a Weigher, the capacity is a
// total weight.
func TestSetCapacity_WeighsWithTheWeigher(t *testing.T) {
	c := cache.Must(cache.Options[int, string]{Capacity: 1000, Shards: 1,
		Weigher: func(_ int, v string) uint32 { return uint32(len(v)) }})
	defer c.Close()
	for k := range 100 {
		c.Store(k, strings.Repeat("x", 10))
	}
	if err := c.SetCapacity(250); err != nil {
		t.Fatal(err)
	}
	if w, n := c.Weight(), c.Len(); w > 250 || n != 25 {
		t.Fatalf("weight %d in %d entries after SetCapacity(250) with entries of weight 10; want at most 250 in 25", w, n)
	}
}

// TestSetCapacity_RejectsACapacityItCannotShare: a capacity below 1 or
// below the shard count is an error, and changes nothing.
func TestSetCapacity_RejectsACapacityItCannotShare(t *testing.T) {
	c := cache.Must(cache.Options[int, int]{Capacity: 100, Shards: 8})
	defer c.Close()
	for _, tc := range []struct {
		capacity int
		want     string
	}{
		{0, "capacity must be > 0, got 0"},
		{-1, "capacity must be > 0, got -1"},
		{7, "capacity (7) must not be below the cache's 8 shards"},
	} {
		err := c.SetCapacity(tc.capacity)
		if !errors.Is(err, cache.ErrInvalidOptions) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SetCapacity(%d) = %v, want an ErrInvalidOptions saying %q", tc.capacity, err, tc.want)
		}
	}
	if got := c.Capacity(); got != 100 {
		t.Fatalf("Capacity() = %d after rejected calls, want 100", got)
	}
	if err := c.SetCapacity(8); err != nil {
		t.Fatalf("SetCapacity(8) with 8 shards: %v", err)
	}
}

// TestSetCapacity_WTinyLFUHitsAsABuiltCacheDoes: a W-TinyLFU cache shrunk
// from 10,000 to 1,000 entries after a quarter of a skewed workload hits
// within a point of one built at 1,000 on the rest, and one grown from
// 1,000 to 10,000 hits at least as much as one built at 10,000 that starts
// there (it lacks what a cache of 10,000 would have kept of the first
// quarter, so it cannot match one that saw it): its window, sketch and
// samples follow the new size. (With a Resize that does nothing, the
// shrunk cache hit 5.6 points less.)
func TestSetCapacity_WTinyLFUHitsAsABuiltCacheDoes(t *testing.T) {
	keys := make([]uint64, 200_000)
	z := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.01, 1, 100_000)
	for i := range keys {
		keys[i] = z.Uint64()
	}
	pct := func(hits int64) float64 { return 100 * float64(hits) / 150_000 }
	for _, tc := range []struct {
		from, to int
		warm     bool // the cache built at the new size sees the first quarter too
		margin   float64
	}{{10_000, 1000, true, 1}, {1000, 10_000, false, 0}} {
		built := cache.Must(cache.Options[uint64, struct{}]{Capacity: tc.to, Shards: 1, HashSeed: 1})
		resized := cache.Must(cache.Options[uint64, struct{}]{Capacity: tc.from, Shards: 1, HashSeed: 1})
		replay(resized, keys[:50_000])
		if err := resized.SetCapacity(tc.to); err != nil {
			t.Fatal(err)
		}
		if tc.warm {
			replay(built, keys[:50_000])
		}
		b, r := pct(replay(built, keys[50_000:])), pct(replay(resized, keys[50_000:]))
		built.Close()
		resized.Close()
		t.Logf("%d to %d: built %.2f %%, resized %.2f %%", tc.from, tc.to, b, r)
		if r < b-tc.margin {
			t.Errorf("resized from %d to %d the cache hit %.2f %%, one built at %d %.2f %%", tc.from, tc.to, r, tc.to, b)
		}
	}
}

// TestSetCapacity_WhileInUse races SetCapacity with writes and reads from
// several goroutines (run it with -race); once the last call returns, the
// cache is within its capacity and every eviction was counted once.
func TestSetCapacity_WhileInUse(t *testing.T) {
	for _, p := range []cache.Policy{cache.LRU, cache.LFU, cache.WTinyLFU} {
		t.Run(p.String(), func(t *testing.T) {
			c, causes := countingCauses(4096, p)
			defer c.Close()
			evicted := &causes[cache.Evicted] // two goroutines may store one key: Replaced is no error here
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for g := range 4 {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(g), 7))
					for {
						select {
						case <-stop:
							return
						default:
						}
						k := r.IntN(20_000)
						if _, ok := c.Load(k); !ok {
							c.Store(k, k)
						}
					}
				})
			}
			for _, n := range []int{64, 8192, 4, 1000, 30_000, 16, 512} {
				if err := c.SetCapacity(n); err != nil {
					t.Error(err)
				}
				time.Sleep(time.Millisecond)
			}
			close(stop)
			wg.Wait()
			if n, w := c.Len(), c.Weight(); n > 512 || w > 512 {
				t.Fatalf("Len %d, Weight %d at capacity 512", n, w)
			}
			if got, want := evicted.Load(), c.Stats().Evictions; got != want {
				t.Fatalf("OnEvict saw %d evictions, Stats counts %d", got, want)
			}
		})
	}
}

// BenchmarkSetCapacity measures halving a full W-TinyLFU cache of 1,000,000
// entries (the default shard count; each shard's lock is held for its part
// of the time), the refill to 1,000,000 untimed.
func BenchmarkSetCapacity(b *testing.B) {
	const full = 1_000_000
	c := cache.Must(cache.Options[int, int]{Capacity: full})
	defer c.Close()
	next := 0
	fill := func() {
		for c.Len() < full {
			for range full - c.Len() {
				c.Store(next, next)
				next++
			}
		}
	}
	fill()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := c.SetCapacity(full / 2); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := c.SetCapacity(full); err != nil {
			b.Fatal(err)
		}
		fill()
		b.StartTimer()
	}
	b.ReportMetric(float64(c.Shards()), "shards")
}

// TestSetCapacity_ConcurrentCallsAreSerialised: a call made while another
// is part way through its shards waits for it, so that when both are done
// every shard has its share of the later call's capacity, the one
// Capacity reports: filled, the cache holds exactly that many. The second
// call starts from the first call's OnEvict, which runs between the first
// shard's batches; it is given 100 ms, which is plenty to finish if it did
// not wait.
func TestSetCapacity_ConcurrentCallsAreSerialised(t *testing.T) {
	var once sync.Once
	var armed atomic.Bool // set once the fill's own evictions are done
	second := make(chan struct{})
	var c *cache.Cache[int, int]
	c = cache.Must(cache.Options[int, int]{Capacity: 8000, Shards: 8, Policy: cache.LRU,
		OnEvict: func(int, int, cache.Cause) {
			if !armed.Load() {
				return
			}
			once.Do(func() {
				go func() {
					defer close(second)
					if err := c.SetCapacity(1600); err != nil {
						t.Error(err)
					}
				}()
				select {
				case <-second:
				case <-time.After(100 * time.Millisecond):
				}
			})
		}})
	defer c.Close()
	for k := range 100_000 {
		c.Store(k, k)
	}
	armed.Store(true)
	if err := c.SetCapacity(800); err != nil {
		t.Fatal(err)
	}
	<-second
	for k := -1; k > -100_000; k-- { // enough new keys that every shard fills its share
		c.Store(k, k)
	}
	if n, capacity := c.Len(), c.Capacity(); n != 1600 || capacity != 1600 {
		t.Fatalf("Len = %d when filled, Capacity() = %d; want 1,600 and 1,600 (the later call's)", n, capacity)
	}
}
