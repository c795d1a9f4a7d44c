package cache_test

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// armedClock is a Clock that panics while armed.
type armedClock struct {
	armed atomic.Bool
	now   atomic.Int64
}

func (c *armedClock) Now() time.Time {
	if c.armed.Load() {
		panic("clock bug")
	}
	return time.Unix(0, c.now.Load())
}

// mustPanicWith runs f and fails unless it panics with want.
func mustPanicWith(t *testing.T, want any, what string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if r := recover(); r != want {
			t.Fatalf("%s: recovered %v, want the callback's panic %v", what, r, want)
		}
	}()
	f()
}

// withinDeadline runs f on another goroutine and fails if it has not
// returned in time: a lock left held (by a panic, or by a callback that
// runs under it and uses the cache) would block it forever.
func withinDeadline(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return in 10 s: a lock was left held", what)
	}
}

// A Clock that panics reaches the caller of the method that read it, and
// leaves no lock held: every method, for every key, works afterwards, and
// the entries that were there are still there. Each method runs on a
// cache with a TTL, an entry that expires, and ExpireAfterAccess or a
// refresh, so that every path that reads the clock is taken.
func TestClock_PanickingClockLeavesNoLockHeld(t *testing.T) {
	for _, eaa := range []bool{false, true} {
		t.Run(fmt.Sprintf("ExpireAfterAccess=%v", eaa), func(t *testing.T) {
			clk := &armedClock{}
			opts := cache.Options[int, int]{Capacity: 64, Shards: 1, TTL: time.Hour, Clock: clk, ExpireAfterAccess: eaa}
			if !eaa {
				opts.RefreshAfter = time.Minute
				opts.Refresh = func(_ context.Context, k, old int) (int, error) { return old, nil }
			}
			c := cache.Must(opts)
			defer c.Close()
			for k := range 8 {
				c.Store(k, k)
			}
			methods := map[string]func(){
				"Load":             func() { c.Load(1) },
				"Store":            func() { c.Store(2, 2) },
				"StoreTTL":         func() { c.StoreTTL(3, 3, time.Minute) },
				"LoadOrStore":      func() { c.LoadOrStore(4, 4) },
				"LoadAndDelete":    func() { c.LoadAndDelete(100) },
				"Delete":           func() { c.Delete(100) },
				"Swap":             func() { c.Swap(5, 5) },
				"CompareAndSwap":   func() { c.CompareAndSwap(6, 6, 6) },
				"CompareAndDelete": func() { c.CompareAndDelete(100, 1) },
				"Compute": func() {
					c.Compute(5, func(old int, _ bool) (int, cache.ComputeOp) { return old, cache.WriteOp })
				},
				"Range": func() { c.Range(func(int, int) bool { return true }) },
				"Len":   func() { c.Len() },
				"LoadOrCompute": func() {
					c.LoadOrCompute(t.Context(), 7, func(context.Context, int) (int, error) { return 7, nil })
				},
				"LoadOrComputeAll": func() {
					c.LoadOrComputeAll(t.Context(), []int{1, 7}, func(_ context.Context, ks []int) (map[int]int, error) {
						m := map[int]int{}
						for _, k := range ks {
							m[k] = k
						}
						return m, nil
					})
				},
				"All": func() {
					for range c.All() {
					}
				},
				"WriteTo": func() { c.WriteTo(io.Discard) },
			}
			for name, f := range methods {
				clk.armed.Store(true)
				mustPanicWith(t, "clock bug", name, f)
				clk.armed.Store(false)
				for other, g := range methods {
					withinDeadline(t, other+" after "+name+" panicked", g)
				}
				for k := range 8 {
					if v, ok := c.Load(k); !ok || v != k {
						t.Fatalf("after %s panicked: Load(%d) = %d, %v; want %d, true", name, k, v, ok, k)
					}
				}
			}
			clk.armed.Store(true)
			mustPanicWith(t, "clock bug", "Clear", c.Clear)
			clk.armed.Store(false)
			withinDeadline(t, "Store after Clear panicked", func() { c.Store(1, 1) })
		})
	}
}

// evictionPanicRecorder counts every RecordEviction call, and panics in
// the first one after it is armed.
type evictionPanicRecorder struct {
	recorder
	armed atomic.Bool
}

func (r *evictionPanicRecorder) RecordEviction(w uint32) {
	r.recorder.RecordEviction(w)
	if r.armed.Swap(false) {
		panic("recorder bug")
	}
}

// A StatsRecorder whose RecordEviction panics reaches the caller whose
// write evicted, leaves no lock held and the cache consistent, and loses
// no eviction: those not yet reported when it panicked are reported by the
// next operation, and every eviction is reported once (the call that
// panicked was its report).
func TestStatsRecorder_PanickingRecordEvictionLosesNothing(t *testing.T) {
	rec := &evictionPanicRecorder{}
	c := cache.Must(cache.Options[int, int]{Capacity: 4, Shards: 1, Policy: cache.LRU, StatsRecorder: rec,
		Weigher: func(k, _ int) uint32 { return uint32(max(1, k/10*3)) }})
	defer c.Close()
	for k := range 4 {
		c.Store(k, k)
	}
	rec.armed.Store(true)
	// An entry of weight 3 evicts three at once: the first report panics,
	// and the other two wait for the next operation.
	mustPanicWith(t, "recorder bug", "Store that evicts", func() { c.Store(10, 10) })
	if got := rec.evictions.Load(); got != 1 {
		t.Fatalf("RecordEviction called %d times before the panic reached the caller, want 1", got)
	}
	withinDeadline(t, "Store after RecordEviction panicked", func() {
		for k := range 4 {
			c.Store(k, k)
		}
	})
	if n, w := c.Len(), c.Weight(); n != 4 || w != 4 {
		t.Fatalf("Len, Weight = %d, %d; want 4, 4", n, w)
	}
	st := c.Stats()
	if got := rec.evictions.Load(); got != int64(st.Evictions) {
		t.Fatalf("recorder saw %d evictions, Stats counted %d", got, st.Evictions)
	}
}

// panickyCallbackOptions returns the options of a one-shard cache of 16
// whose Weigher (which is "Weigher") or Expiry (which is "Expiry") panics
// with which+" bug" on a negative value.
func panickyCallbackOptions(which string) cache.Options[int, int] {
	opts := cache.Options[int, int]{Capacity: 16, Shards: 1}
	bad := func(v int) {
		if v < 0 {
			panic(which + " bug")
		}
	}
	if which == "Weigher" {
		opts.Weigher = func(_, v int) uint32 { bad(v); return 1 }
	} else {
		opts.Expiry = func(_, v int) time.Duration { bad(v); return time.Hour }
	}
	return opts
}

// A Weigher or an Expiry that panics reaches the caller, on a Store as on
// a load, and leaves the cache usable: no lock held, and no load left
// unfinished, so a later call for the key loads again instead of waiting
// for the one that panicked.
func TestLoadOrCompute_PanickingWeigherOrExpiryLeavesNoLoadUnfinished(t *testing.T) {
	for _, which := range []string{"Weigher", "Expiry"} {
		t.Run(which, func(t *testing.T) {
			c := cache.Must(panickyCallbackOptions(which))
			defer c.Close()
			mustPanicWith(t, which+" bug", "Store", func() { c.Store(3, -3) })
			mustPanicWith(t, which+" bug", "LoadOrCompute", func() {
				c.LoadOrCompute(t.Context(), 1, func(context.Context, int) (int, error) { return -1, nil })
			})
			mustPanicWith(t, which+" bug", "LoadOrComputeAll", func() {
				c.LoadOrComputeAll(t.Context(), []int{2}, func(context.Context, []int) (map[int]int, error) {
					return map[int]int{2: -2}, nil
				})
			})
			// A load left registered would make these wait until ctx ends.
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			for _, k := range []int{1, 2, 3} {
				v, err := c.LoadOrCompute(ctx, k, func(context.Context, int) (int, error) { return 10 * k, nil })
				if err != nil || v != 10*k {
					t.Fatalf("LoadOrCompute(%d) after the %s panicked = %d, %v; want %d, nil", k, which, v, err, 10*k)
				}
			}
		})
	}
}

// reentrantRecorder uses the cache from RecordEviction.
type reentrantRecorder struct {
	recorder
	c    *cache.Cache[int, int]
	lens []int
}

func (r *reentrantRecorder) RecordEviction(w uint32) {
	r.recorder.RecordEviction(w)
	r.lens = append(r.lens, r.c.Len()) // takes every shard's lock
}

// RecordEviction runs with no lock held, so it may use the cache, as the
// Options doc says: a recorder that calls Len from it must not deadlock.
func TestStatsRecorder_RecordEvictionMayUseTheCache(t *testing.T) {
	rec := &reentrantRecorder{}
	c := cache.Must(cache.Options[int, int]{Capacity: 4, Shards: 1, Policy: cache.LRU, StatsRecorder: rec})
	defer c.Close()
	rec.c = c
	withinDeadline(t, "writes that evict with a recorder that calls Len", func() {
		for k := range 10 {
			c.Store(k, k)
		}
	})
	if got := rec.evictions.Load(); got != 6 || len(rec.lens) != 6 {
		t.Fatalf("RecordEviction called %d times (Len %d times), want 6", got, len(rec.lens))
	}
	for _, n := range rec.lens {
		if n != 4 {
			t.Fatalf("Len from RecordEviction = %v, want 4 each time", rec.lens)
		}
	}
}
