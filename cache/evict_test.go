package cache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// TestOnEvict_ReportsEveryCause checks one event of each cause, with its
// value, in the order they happened.
func TestOnEvict_ReportsEveryCause(t *testing.T) {
	clock := newFakeClock()
	var got []string
	c := cache.Must(cache.Options[string, int]{Capacity: 2, Shards: 1, Policy: cache.LRU, Clock: clock,
		Weigher: func(_ string, v int) uint32 { return uint32(max(v, 1)) },
		OnEvict: func(k string, v int, cause cache.Cause) { got = append(got, fmt.Sprintf("%v %s=%d", cause, k, v)) }})
	defer c.Close()
	c.Store("a", 1)
	c.Store("a", 1)          // Replaced a=1
	c.Store("b", 1)          //
	c.Store("c", 1)          // Evicted a=1
	c.Delete("b")            // Deleted b=1
	c.StoreTTL("d", 1, tick) //
	clock.Advance(tick)      //
	c.Store("e", 3)          // Expired d=1, Rejected e=3
	c.Store("c", 5)          // Replaced c=1, Rejected c=5
	c.Store("f", 1)          //
	c.Clear()                // Deleted f=1
	want := []string{"Replaced a=1", "Evicted a=1", "Deleted b=1", "Expired d=1", "Rejected e=3",
		"Replaced c=1", "Rejected c=5", "Deleted f=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("OnEvict calls:\n got %v\nwant %v", got, want)
	}
	if st := c.Stats(); st.Rejections != 2 || st.Evictions != 1 || st.Expirations != 1 {
		t.Fatalf("Stats = %+v, want 2 rejections, 1 eviction, 1 expiration", st)
	}
}

// TestOnEvict_CalledOnceForEveryEntryThatLeaves stores many distinct keys
// from many goroutines into a small cache: every key stored is either still
// there at the end or was reported exactly once.
func TestOnEvict_CalledOnceForEveryEntryThatLeaves(t *testing.T) {
	const workers, each = 8, 2000
	var mu sync.Mutex
	seen := map[int]int{}
	var concurrent, maxConcurrent atomic.Int32
	c := cache.Must(cache.Options[int, int]{Capacity: 64, Shards: 1, Policy: cache.LRU,
		OnEvict: func(k, v int, cause cache.Cause) {
			if n := concurrent.Add(1); n > maxConcurrent.Load() {
				maxConcurrent.Store(n)
			}
			defer concurrent.Add(-1)
			if k >= 0 && (k != v || cause != cache.Evicted) {
				t.Errorf("OnEvict(%d, %d, %v): want an eviction of a key's own value", k, v, cause)
			}
			mu.Lock()
			seen[k]++
			mu.Unlock()
		}})
	defer c.Close()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := w*each + i
				c.Store(k, k)
			}
		}()
	}
	wg.Wait()
	c.Store(-1, -1) // deliver whatever is still queued
	c.Delete(-1)
	for k := range c.Keys() {
		seen[k]++
	}
	for k := range workers * each {
		if seen[k] != 1 {
			t.Fatalf("key %d reported or present %d times, want exactly once", k, seen[k])
		}
	}
	if n := maxConcurrent.Load(); n > 1 {
		t.Fatalf("the listener ran %d times at once for one shard", n)
	}
}

// TestOnEvict_ListenerMayUseTheCache: the listener runs with no lock held,
// so it can call the cache, even to cause more events.
func TestOnEvict_ListenerMayUseTheCache(t *testing.T) {
	var c *cache.Cache[int, int]
	var got []string
	c = cache.Must(cache.Options[int, int]{Capacity: 1, Shards: 1, Policy: cache.LRU,
		OnEvict: func(k, v int, cause cache.Cause) {
			got = append(got, fmt.Sprintf("%v %d", cause, k))
			if k < 100 {
				c.Store(100+k, v) // evicts the entry that caused this event
			}
		}})
	defer c.Close()
	c.Store(1, 1)
	c.Store(2, 2) // evicts 1; the listener stores 101, which evicts 2; its listener stores 102, which evicts 101
	want := []string{"Evicted 1", "Evicted 2", "Evicted 101"}
	if !slices.Equal(got, want) {
		t.Fatalf("OnEvict calls = %v, want %v", got, want)
	}
	if keys := slices.Collect(c.Keys()); !slices.Equal(keys, []int{102}) {
		t.Fatalf("keys = %v, want [102]", keys)
	}
}

// TestOnEvict_PanickingListenerLosesNoEvent: a panic in the listener reaches
// the caller and leaves no lock held; the events queued after the one that
// panicked are delivered by the next operation, each exactly once.
func TestOnEvict_PanickingListenerLosesNoEvent(t *testing.T) {
	seen := map[int]int{}
	c := cache.Must(cache.Options[int, int]{Capacity: 8, Shards: 1, Policy: cache.LRU,
		OnEvict: func(k, _ int, _ cache.Cause) {
			seen[k]++
			if k == 2 {
				panic("listener bug")
			}
		}})
	defer c.Close()
	for k := range 5 {
		c.Store(k, k)
	}
	func() {
		defer func() {
			if r := recover(); r != "listener bug" {
				t.Fatalf("recovered %v, want the listener's panic", r)
			}
		}()
		c.Clear()
	}()
	c.Store(9, 9) // the lock is free; the rest of the batch is delivered
	for k := range 5 {
		if seen[k] != 1 {
			t.Fatalf("key %d reported %d times, want once (all: %v)", k, seen[k], seen)
		}
	}
}

// An entry that weighs 0 takes no capacity and is never evicted to make
// room, whatever the policy (as in otter and Caffeine, where a weight of 0
// pins an entry): it leaves only by Delete, expiry or Clear, or when a
// write gives it a weight. It still answers reads and appears in Range and
// in snapshots.
func TestWeigher_ZeroWeightEntriesAreNeverEvictedForSize(t *testing.T) {
	for _, p := range []cache.Policy{cache.LRU, cache.LFU, cache.WTinyLFU} {
		t.Run(p.String(), func(t *testing.T) {
			evicted := map[int]int{}
			c := cache.Must(cache.Options[int, int]{Capacity: 4, Shards: 1, Policy: p,
				Weigher: func(k, v int) uint32 {
					if v < 0 {
						return 0 // pinned
					}
					return 1
				},
				OnEvict: func(k, _ int, cause cache.Cause) {
					if cause == cache.Evicted {
						evicted[k]++
					}
				}})
			defer c.Close()
			for k := range 50 {
				c.Store(k, -1)
			}
			for k := 100; k < 200; k++ {
				c.Store(k, k)
				c.Load(k)
			}
			for k := range 50 {
				if v, ok := c.Load(k); !ok || v != -1 {
					t.Fatalf("pinned key %d: Load = %d, %v; want -1, true", k, v, ok)
				}
				if evicted[k] != 0 {
					t.Fatalf("pinned key %d was evicted", k)
				}
			}
			if w, n := c.Weight(), c.Len(); w != 4 || n != 54 {
				t.Fatalf("Weight, Len = %d, %d; want 4, 54 (four weighted entries and the 50 pinned)", w, n)
			}
			var buf bytes.Buffer
			if _, err := c.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			d := cache.Must(cache.Options[int, int]{Capacity: 4, Shards: 1, Policy: p,
				Weigher: func(_, v int) uint32 { return uint32(max(0, min(v+1, 1))) }})
			defer d.Close()
			if _, err := d.ReadFrom(&buf); err != nil {
				t.Fatal(err)
			}
			if n := d.Len(); n != 54 {
				t.Fatalf("a snapshot restored %d entries, want 54", n)
			}
			// A pinned entry given a weight becomes evictable, and one given
			// no weight again stops being evictable.
			for k := range 50 {
				c.Store(k, k)
			}
			if w, n := c.Weight(), c.Len(); w != 4 || n != 4 {
				t.Fatalf("after unpinning: Weight, Len = %d, %d; want 4, 4", w, n)
			}
			c.Store(7, -1)
			for k := 300; k < 310; k++ {
				c.Store(k, k)
			}
			if _, ok := c.Load(7); !ok {
				t.Fatal("a key pinned again by a write was evicted")
			}
		})
	}
}

func TestWeigher_CapacityBoundsTotalWeight(t *testing.T) {
	c := cache.Must(cache.Options[string, string]{Capacity: 10, Shards: 1, Policy: cache.LRU,
		Weigher: func(_, v string) uint32 { return uint32(len(v)) }})
	defer c.Close()
	c.Store("a", "12345")
	c.Store("b", "1234")
	if w := c.Weight(); w != 9 {
		t.Fatalf("Weight = %d, want 9", w)
	}
	c.Store("c", "123") // 12 > 10: a, the least recent, goes
	if _, ok := c.Load("a"); ok || c.Weight() != 7 {
		t.Fatalf("after exceeding the weight: a present %v, Weight %d; want false, 7", ok, c.Weight())
	}
	c.Store("b", "1234567") // an update that grows evicts too: 3+7 = 10 fits
	if c.Weight() != 10 || c.Len() != 2 {
		t.Fatalf("Weight %d, Len %d; want 10, 2", c.Weight(), c.Len())
	}
	c.Store("huge", "12345678901") // heavier than the whole cache: rejected
	if _, ok := c.Load("huge"); ok {
		t.Fatal("an entry heavier than the capacity was stored")
	}
	if st := c.Stats(); st.Rejections != 1 || st.EvictedWeight != 5 {
		t.Fatalf("Stats = %+v, want 1 rejection and evicted weight 5", st)
	}
}

// recorder is a StatsRecorder that counts.
type recorder struct {
	hits, misses, evictions, evictedWeight, successes, failures atomic.Int64
}

func (r *recorder) RecordHits(n int)                { r.hits.Add(int64(n)) }
func (r *recorder) RecordMisses(n int)              { r.misses.Add(int64(n)) }
func (r *recorder) RecordEviction(w uint32)         { r.evictions.Add(1); r.evictedWeight.Add(int64(w)) }
func (r *recorder) RecordLoadSuccess(time.Duration) { r.successes.Add(1) }
func (r *recorder) RecordLoadFailure(time.Duration) { r.failures.Add(1) }
func (r *recorder) String() string {
	return fmt.Sprint(r.hits.Load(), r.misses.Load(), r.evictions.Load(), r.evictedWeight.Load(), r.successes.Load(), r.failures.Load())
}

func TestStatsRecorder_SeesWhatStatsCounts(t *testing.T) {
	rec := &recorder{}
	c := cache.Must(cache.Options[int, int]{Capacity: 2, Shards: 1, Policy: cache.LRU, StatsRecorder: rec})
	defer c.Close()
	c.Store(1, 1)
	c.Load(1)
	c.Load(2)
	c.Store(2, 2)
	c.Store(3, 3)
	c.LoadOrCompute(t.Context(), 4, func(_ context.Context, k int) (int, error) { return k, nil })
	st := c.Stats()
	if got, want := rec.String(), fmt.Sprint(st.Hits, st.Misses, st.Evictions, st.EvictedWeight, st.LoadSuccesses, st.LoadFailures); got != want {
		t.Fatalf("recorder saw %s, Stats say %s", got, want)
	}
}

// panickingRecorder is a StatsRecorder whose load callbacks panic.
type panickingRecorder struct{ recorder }

func (*panickingRecorder) RecordLoadSuccess(time.Duration) { panic("recorder") }
func (*panickingRecorder) RecordLoadFailure(time.Duration) { panic("recorder") }

// A StatsRecorder that panics reaches the caller whose load it was counting,
// but leaves no load unfinished: the value loaded is stored, later calls
// for the same keys return it without waiting, and Stats counted the load
// before anyone could see its value.
func TestStatsRecorder_PanickingRecorderLeavesNoLoadUnfinished(t *testing.T) {
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Shards: 1, Policy: cache.LRU, StatsRecorder: &panickingRecorder{}})
	defer c.Close()
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Fatalf("%s: the recorder's panic did not reach the caller", what)
			}
		}()
		f()
	}
	mustPanic("LoadOrCompute", func() {
		c.LoadOrCompute(t.Context(), 1, func(context.Context, int) (int, error) { return 10, nil })
	})
	mustPanic("LoadOrComputeAll", func() {
		c.LoadOrComputeAll(t.Context(), []int{2, 3}, func(_ context.Context, keys []int) (map[int]int, error) {
			m := map[int]int{}
			for _, k := range keys {
				m[k] = 10 * k
			}
			return m, nil
		})
	})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	never := func(context.Context, int) (int, error) { t.Error("a stored key was loaded again"); return 0, nil }
	for k, want := range map[int]int{1: 10, 2: 20, 3: 30} {
		if v, err := c.LoadOrCompute(ctx, k, never); err != nil || v != want {
			t.Fatalf("LoadOrCompute(%d) after the recorder panicked = %d, %v; want %d, nil", k, v, err, want)
		}
	}
	if st := c.Stats(); st.LoadSuccesses != 2 {
		t.Fatalf("LoadSuccesses = %d, want 2 (one per call to a loader)", st.LoadSuccesses)
	}
}

func TestExpvar_PublishesStatsAsJSON(t *testing.T) {
	c := cache.Must(cache.Options[int, int]{Capacity: 2, Policy: cache.LRU})
	defer c.Close()
	c.Store(1, 1)
	c.Load(1)
	c.Load(2)
	var got map[string]any
	if err := json.Unmarshal([]byte(c.Expvar().String()), &got); err != nil {
		t.Fatalf("Expvar is not JSON: %v", err)
	}
	if got["hits"] != 1.0 || got["misses"] != 1.0 || got["hit_ratio"] != 0.5 || got["capacity"] != 2.0 || got["weight"] != 1.0 {
		t.Fatalf("Expvar = %v, want hits 1, misses 1, hit_ratio 0.5, capacity 2, weight 1", got)
	}
	if err := c.SetCapacity(5); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(c.Expvar().String()), &got); err != nil || got["capacity"] != 5.0 {
		t.Fatalf("Expvar after SetCapacity(5) = %v, %v; want capacity 5", got, err)
	}
}

// TestCache_NaNKeysAreEvicted stores NaN, a key equal to nothing, many
// times: as in a Go map each Store adds an entry that no Load finds, and
// those entries must still be evicted, counted and cleared. (The shard's
// table hashes NaN at random, as maphash does, so it finds such a node by
// identity when removing it; when shards kept a Go map, the delete of a NaN
// key did nothing and the map held every NaN ever stored.)
func TestCache_NaNKeysAreEvicted(t *testing.T) {
	for _, p := range []cache.Policy{cache.LRU, cache.LFU, cache.WTinyLFU} {
		var evicted int
		c := cache.Must(cache.Options[float64, int]{Capacity: 8, Shards: 1, Policy: p,
			OnEvict: func(float64, int, cache.Cause) { evicted++ }})
		for i := range 100 {
			c.Store(math.NaN(), i)
		}
		if n := c.Len(); n > 8 {
			t.Fatalf("%v: Len = %d after 100 NaN stores into capacity 8", p, n)
		}
		if _, ok := c.Load(math.NaN()); ok {
			t.Fatalf("%v: Load(NaN) found an entry", p)
		}
		c.Clear()
		if n := c.Len(); n != 0 {
			t.Fatalf("%v: Len = %d after Clear", p, n)
		}
		c.Close()
		if evicted != 100 {
			t.Fatalf("%v: OnEvict called %d times for 100 stored entries (evicted, rejected or cleared), want 100", p, evicted)
		}
	}
}
