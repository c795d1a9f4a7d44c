package cache_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// Each op on a present and on an absent key: what the function is given,
// what Compute returns, and what the cache holds afterwards.
func TestCompute_EachOpOnPresentAndAbsentKeys(t *testing.T) {
	for _, tc := range []struct {
		op               cache.ComputeOp
		present          bool
		wantV            int
		wantOK, wantHeld bool
	}{
		{cache.CancelOp, false, 0, false, false},
		{cache.CancelOp, true, 1, true, true},
		{cache.WriteOp, false, 10, true, true},
		{cache.WriteOp, true, 11, true, true},
		{cache.DeleteOp, false, 0, false, false},
		{cache.DeleteOp, true, 0, false, false},
	} {
		t.Run(fmt.Sprintf("%v/present=%v", tc.op, tc.present), func(t *testing.T) {
			c := cache.Must(cache.Options[int, int]{Capacity: 16})
			defer c.Close()
			if tc.present {
				c.Store(7, 1)
			}
			v, ok := c.Compute(7, func(old int, loaded bool) (int, cache.ComputeOp) {
				if loaded != tc.present || (tc.present && old != 1) || (!tc.present && old != 0) {
					t.Errorf("function got (%d, %v), want (1, true) if present, (0, false) if not", old, loaded)
				}
				return old + 10, tc.op
			})
			if v != tc.wantV || ok != tc.wantOK {
				t.Fatalf("Compute = (%d, %v), want (%d, %v)", v, ok, tc.wantV, tc.wantOK)
			}
			held, ok := c.Load(7)
			if ok != tc.wantHeld || (ok && held != tc.wantV) {
				t.Fatalf("Load after Compute = (%d, %v), want (%d, %v)", held, ok, tc.wantV, tc.wantHeld)
			}
		})
	}
}

// An expired entry is absent to Compute's function, as to Load.
func TestCompute_ExpiredEntryIsAbsent(t *testing.T) {
	clk := newFakeClock()
	c := cache.Must(cache.Options[string, int]{Capacity: 16, TTL: tick, Clock: clk})
	defer c.Close()
	c.Store("a", 1)
	clk.Advance(tick)
	v, ok := c.Compute("a", func(old int, loaded bool) (int, cache.ComputeOp) {
		if loaded || old != 0 {
			t.Errorf("function got (%d, %v) for an expired entry, want (0, false)", old, loaded)
		}
		return 2, cache.WriteOp
	})
	if v != 2 || !ok {
		t.Fatalf("Compute = (%d, %v), want (2, true)", v, ok)
	}
	// The written entry has the cache's TTL.
	clk.Advance(tick - 1)
	if v, ok := c.Load("a"); v != 2 || !ok {
		t.Fatalf("Load just before the new TTL ends = (%d, %v), want (2, true)", v, ok)
	}
	clk.Advance(1)
	if _, ok := c.Load("a"); ok {
		t.Fatal("the entry Compute wrote outlived the cache's TTL")
	}
}

// Concurrent read-modify-writes of the same keys lose no update: the point
// of Compute, which Load followed by Store cannot promise.
func TestCompute_ConcurrentIncrementsLoseNoUpdate(t *testing.T) {
	const goroutines, rounds, keys = 8, 2000, 4
	c := cache.Must(cache.Options[int, int]{Capacity: 1024, Shards: 2})
	defer c.Close()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				k := (g + i) % keys
				v, ok := c.Compute(k, func(old int, _ bool) (int, cache.ComputeOp) { return old + 1, cache.WriteOp })
				if !ok || v < 1 {
					t.Errorf("Compute(%d) = (%d, %v), want a count ≥ 1 and true", k, v, ok)
					return
				}
				c.Load(k) // readers meanwhile
			}
		})
	}
	wg.Wait()
	total := 0
	for k := range keys {
		v, _ := c.Load(k)
		total += v
	}
	if total != goroutines*rounds {
		t.Fatalf("the counters add up to %d, want %d: increments were lost", total, goroutines*rounds)
	}
}

// A function that panics, or returns an op that is none of the three,
// reaches the caller, leaves the entry as it was and no lock held.
func TestCompute_PanickingFunctionLeavesEntryAndNoLock(t *testing.T) {
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Shards: 1})
	defer c.Close()
	c.Store(1, 1)
	mustPanicWith(t, "compute bug", "Compute", func() {
		c.Compute(1, func(int, bool) (int, cache.ComputeOp) { panic("compute bug") })
	})
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "ComputeOp(7)") {
				t.Fatalf("Compute with op 7 recovered %v, want a panic naming ComputeOp(7)", r)
			}
		}()
		c.Compute(1, func(old int, _ bool) (int, cache.ComputeOp) { return 99, cache.ComputeOp(7) })
	}()
	withinDeadline(t, "Store after Compute panicked", func() { c.Store(2, 2) })
	if v, ok := c.Load(1); v != 1 || !ok {
		t.Fatalf("Load(1) after the panics = (%d, %v), want (1, true)", v, ok)
	}
	func() {
		defer func() {
			if r := recover(); r != "cache: Compute with a nil function" {
				t.Fatalf("Compute(nil) recovered %v", r)
			}
		}()
		c.Compute(1, nil)
	}()
}

// OnEvict sees Replaced for the value a write overwrites, Deleted for the
// entry a delete removes, and Rejected for a value too heavy to store, in
// which case Compute reports the key absent.
func TestCompute_ListenerSeesEachCause(t *testing.T) {
	var mu sync.Mutex
	var got []string
	c := cache.Must(cache.Options[string, int]{Capacity: 8, Shards: 1,
		Weigher: func(_ string, v int) uint32 { return uint32(v) },
		OnEvict: func(k string, v int, cause cache.Cause) {
			mu.Lock()
			got = append(got, fmt.Sprintf("%v %s=%d", cause, k, v))
			mu.Unlock()
		}})
	defer c.Close()
	write := func(v int) func(int, bool) (int, cache.ComputeOp) {
		return func(int, bool) (int, cache.ComputeOp) { return v, cache.WriteOp }
	}
	c.Compute("a", write(1))
	c.Compute("a", write(2))
	c.Compute("a", func(old int, _ bool) (int, cache.ComputeOp) { return old, cache.DeleteOp })
	c.Compute("b", write(1))
	if v, ok := c.Compute("b", write(9)); ok || v != 0 {
		t.Fatalf("Compute of a value heavier than the cache = (%d, %v), want (0, false)", v, ok)
	}
	want := []string{"Replaced a=1", "Deleted a=2", "Replaced b=1", "Rejected b=9"}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("OnEvict calls = %v, want %v", got, want)
	}
	if _, ok := c.Load("b"); ok {
		t.Fatal("the key whose write was rejected is still present")
	}
}

// Compute counts no hit or miss: it is a write.
func TestCompute_CountsNoHitOrMiss(t *testing.T) {
	c := cache.Must(cache.Options[int, int]{Capacity: 16})
	defer c.Close()
	c.Compute(1, func(int, bool) (int, cache.ComputeOp) { return 1, cache.WriteOp })
	c.Compute(1, func(old int, _ bool) (int, cache.ComputeOp) { return old, cache.CancelOp })
	c.Compute(2, func(int, bool) (int, cache.ComputeOp) { return 0, cache.CancelOp })
	if st := c.Stats(); st.Hits != 0 || st.Misses != 0 {
		t.Fatalf("Stats after three Computes: %d hits, %d misses; want none", st.Hits, st.Misses)
	}
}

// A write by Compute while LoadOrCompute loads the key wins, as a Store
// does: the load returns Compute's value and leaves it in the cache.
func TestCompute_WriteDuringLoadWins(t *testing.T) {
	c := cache.Must(cache.Options[int, int]{Capacity: 16})
	defer c.Close()
	release, done := startHeldLoad(t, c, 1, 5, 42) // returns Compute's 42
	if v, ok := c.Compute(1, func(_ int, loaded bool) (int, cache.ComputeOp) {
		if loaded {
			t.Errorf("function saw a value for a key still loading")
		}
		return 42, cache.WriteOp
	}); v != 42 || !ok {
		t.Fatalf("Compute = (%d, %v), want (42, true)", v, ok)
	}
	close(release)
	<-done
	if v, ok := c.Load(1); v != 42 || !ok {
		t.Fatalf("Load after the load = (%d, %v), want (42, true)", v, ok)
	}
}

// The function runs under the shard lock, so no other write of the key can
// come between its read and Compute's write; a slow function holds up only
// writers of that shard.
func TestCompute_WriteWaitsForRunningFunction(t *testing.T) {
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Shards: 1})
	defer c.Close()
	inF, release := make(chan struct{}), make(chan struct{})
	go func() {
		c.Compute(1, func(int, bool) (int, cache.ComputeOp) {
			close(inF)
			<-release
			return 1, cache.WriteOp
		})
	}()
	<-inF
	stored := make(chan struct{})
	go func() {
		c.Store(1, 2)
		close(stored)
	}()
	select {
	case <-stored:
		t.Fatal("Store of the key returned while Compute's function was running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-stored
	if v, _ := c.Load(1); v != 2 {
		t.Fatalf("Load = %d, want the Store's 2, which came after Compute's write", v)
	}
}

// A Weigher or Expiry that panics on the value a WriteOp stores reaches
// the caller and leaves the entry as it was and no lock held: Compute calls
// them before it changes anything.
func TestCompute_PanickingWeigherOrExpiryLeavesEntry(t *testing.T) {
	for _, which := range []string{"Weigher", "Expiry"} {
		t.Run(which, func(t *testing.T) {
			c := cache.Must(panickyCallbackOptions(which))
			defer c.Close()
			c.Store(1, 1)
			mustPanicWith(t, which+" bug", "Compute", func() {
				c.Compute(1, func(int, bool) (int, cache.ComputeOp) { return -1, cache.WriteOp })
			})
			withinDeadline(t, "Store after the "+which+" panicked", func() { c.Store(2, 2) })
			if v, ok := c.Load(1); v != 1 || !ok {
				t.Fatalf("Load(1) = (%d, %v), want the value before the Compute (1, true)", v, ok)
			}
		})
	}
}
