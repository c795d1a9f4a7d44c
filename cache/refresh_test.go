package cache_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hotpath/hotpath/cache"
)

// refresher is a Refresh function the test controls: each refresh reports
// itself on started and waits for a result on results.
type refresher struct {
	started chan int
	results chan refreshResult
	calls   atomic.Int32
}

type refreshResult struct {
	v   int
	err error
}

func newRefresher() *refresher {
	return &refresher{started: make(chan int, 16), results: make(chan refreshResult, 16)}
}

func (r *refresher) refresh(ctx context.Context, key, old int) (int, error) {
	r.calls.Add(1)
	r.started <- key
	select {
	case res := <-r.results:
		return res.v, res.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRefresh_ServesOldValueAndReloadsOncePerKey: a read of an entry older
// than RefreshAfter returns the old value at once and starts one background
// refresh, however many reads follow while it runs; its result then
// replaces the value.
func TestRefresh_ServesOldValueAndReloadsOncePerKey(t *testing.T) {
	clock := newFakeClock()
	r := newRefresher()
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Policy: cache.LRU, Clock: clock,
		RefreshAfter: time.Minute, Refresh: r.refresh})
	defer c.Close()
	c.Store(1, 1)
	if v, _ := c.Load(1); v != 1 || r.calls.Load() != 0 {
		t.Fatalf("a fresh entry was refreshed")
	}
	clock.Advance(time.Minute)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, ok := c.Load(1); v != 1 || !ok {
				t.Errorf("Load during a refresh = %d, %v; want the old value 1", v, ok)
			}
		}()
	}
	wg.Wait()
	<-r.started
	if n := r.calls.Load(); n != 1 {
		t.Fatalf("%d refreshes of one key at once, want 1", n)
	}
	r.results <- refreshResult{v: 2}
	waitFor(t, "the refreshed value is stored", func() bool { v, _ := c.Load(1); return v == 2 })
	if st := c.Stats(); st.LoadSuccesses != 1 {
		t.Fatalf("LoadSuccesses = %d, want 1", st.LoadSuccesses)
	}
	// The refreshed entry is fresh again.
	c.Load(1)
	if n := r.calls.Load(); n != 1 {
		t.Fatalf("a just-refreshed entry was refreshed again")
	}
}

func TestRefresh_FailureKeepsTheOldValue(t *testing.T) {
	clock := newFakeClock()
	r := newRefresher()
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Policy: cache.LRU, Clock: clock,
		RefreshAfter: time.Minute, Refresh: r.refresh})
	defer c.Close()
	c.Store(1, 1)
	clock.Advance(time.Minute)
	c.Load(1)
	<-r.started
	r.results <- refreshResult{err: errors.New("backend down")}
	waitFor(t, "the failure is counted", func() bool { return c.Stats().LoadFailures == 1 })
	if v, ok := c.Load(1); v != 1 || !ok {
		t.Fatalf("Load after a failed refresh = %d, %v; want the old value", v, ok)
	}
	<-r.started // that Load tried again
	r.results <- refreshResult{v: 5}
	waitFor(t, "the second refresh lands", func() bool { v, _ := c.Load(1); return v == 5 })
}

// TestRefresh_WriteDuringRefreshWins: a value written while a refresh runs
// is not overwritten by the refresh's older result.
func TestRefresh_WriteDuringRefreshWins(t *testing.T) {
	clock := newFakeClock()
	r := newRefresher()
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Policy: cache.LRU, Clock: clock,
		RefreshAfter: time.Minute, Refresh: r.refresh})
	defer c.Close()
	c.Store(1, 1)
	clock.Advance(time.Minute)
	c.Load(1)
	<-r.started
	c.Store(1, 100)
	r.results <- refreshResult{v: 2}
	waitFor(t, "the refresh finishes", func() bool { return c.Stats().LoadSuccesses == 1 })
	if v, _ := c.Load(1); v != 100 {
		t.Fatalf("Load = %d; the refresh overwrote the newer write 100", v)
	}
}

// TestRefresh_CloseCancelsAndWaits: Close cancels a running refresh's
// context and returns only after it has returned; afterwards no refresh
// starts.
func TestRefresh_CloseCancelsAndWaits(t *testing.T) {
	clock := newFakeClock()
	r := newRefresher()
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Policy: cache.LRU, Clock: clock,
		RefreshAfter: time.Minute, Refresh: r.refresh})
	c.Store(1, 1)
	clock.Advance(time.Minute)
	c.Load(1)
	<-r.started
	c.Close()
	if err := goleak.Find(); err != nil {
		t.Fatalf("a refresh goroutine outlived Close: %v", err)
	}
	c.Load(1)
	if n := r.calls.Load(); n != 1 {
		t.Fatalf("a closed cache started a refresh")
	}
	if v, ok := c.Load(1); v != 1 || !ok {
		t.Fatalf("a closed cache lost its value: %d, %v", v, ok)
	}
}

// TestRefresh_DroppedCacheStopsItsRefreshes: a cache dropped without Close
// while a refresh blocks is still collected, and the refresh's context is
// cancelled, so its goroutine ends.
func TestRefresh_DroppedCacheStopsItsRefreshes(t *testing.T) {
	r := newRefresher()
	func() {
		clock := newFakeClock()
		c := cache.Must(cache.Options[int, int]{Capacity: 16, Policy: cache.LRU, Clock: clock,
			RefreshAfter: time.Minute, Refresh: r.refresh})
		c.Store(1, 1)
		clock.Advance(time.Minute)
		c.Load(1)
		<-r.started
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		if goleak.Find() == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refresh of a dropped cache still runs: %v", goleak.Find())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A Refresh that panics, or a Weigher that panics on the refreshed value,
// fails the refresh: it does not crash the program from the refresh's
// goroutine, and the old value stays.
func TestRefresh_PanicCountsAsFailure(t *testing.T) {
	for _, which := range []string{"Refresh", "Weigher"} {
		t.Run(which, func(t *testing.T) {
			clock := newFakeClock()
			opts := cache.Options[int, int]{Capacity: 16, Policy: cache.LRU, Clock: clock, RefreshAfter: time.Minute,
				Refresh: func(context.Context, int, int) (int, error) { panic("refresh bug") }}
			if which == "Weigher" {
				opts.Refresh = func(context.Context, int, int) (int, error) { return -1, nil }
				opts.Weigher = func(_, v int) uint32 {
					if v < 0 {
						panic("weigher bug")
					}
					return 1
				}
			}
			c := cache.Must(opts)
			defer c.Close()
			c.Store(1, 1)
			clock.Advance(time.Minute)
			c.Load(1)
			waitFor(t, "the failure is counted", func() bool { return c.Stats().LoadFailures == 1 })
			if v, ok := c.Load(1); v != 1 || !ok {
				t.Fatalf("Load after the %s panicked in a refresh = %d, %v; want the old value", which, v, ok)
			}
		})
	}
}

// TestExpireAfterAccess_ReadsKeepAnEntryAlive: with ExpireAfterAccess an
// entry read more often than its TTL lives on; one left alone expires.
func TestExpireAfterAccess_ReadsKeepAnEntryAlive(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Policy: cache.LRU, Clock: clock,
		TTL: 2 * tick, ExpireAfterAccess: true})
	defer c.Close()
	c.Store(1, 1)
	c.Store(2, 2)
	for range 5 {
		clock.Advance(tick)
		if _, ok := c.Load(1); !ok {
			t.Fatal("an entry read every tick expired")
		}
	}
	if _, ok := c.Load(2); ok {
		t.Fatal("an entry not read for 5 ticks with a 2-tick TTL is still there")
	}
	c.StoreTTL(3, 3, 3*tick) // a per-entry TTL restarts with its own length
	clock.Advance(2 * tick)
	c.Load(3)
	clock.Advance(2 * tick)
	if _, ok := c.Load(3); !ok {
		t.Fatal("an entry with a 3-tick TTL read 2 ticks ago expired")
	}
}

func TestExpiry_GivesEachEntryItsOwnTTL(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[string, int]{Capacity: 16, Policy: cache.LRU, Clock: clock,
		Expiry: func(_ string, v int) time.Duration { return time.Duration(v) * tick }})
	defer c.Close()
	c.Store("never", 0)
	c.Store("one", 1)
	c.Store("three", 3)
	clock.Advance(2 * tick)
	_, never := c.Load("never")
	_, one := c.Load("one")
	_, three := c.Load("three")
	if !never || one || !three {
		t.Fatalf("after 2 ticks: never %v, one %v, three %v; want true, false, true", never, one, three)
	}
}

// TestRefresh_OnDemand: Cache.Refresh reloads an entry now, though no
// RefreshAfter is set (Refresh alone is valid options: refreshes on demand
// only); reads return the old value until the new one comes; a second
// Refresh while one runs, a Refresh of an absent or expired key, and one
// after Close start nothing; and it panics without Options.Refresh.
func TestRefresh_OnDemand(t *testing.T) {
	clock := newFakeClock()
	r := newRefresher()
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Clock: clock, Refresh: r.refresh})
	defer c.Close()
	c.Store(1, 10)
	clock.Advance(time.Hour)
	if v, _ := c.Load(1); v != 10 || r.calls.Load() != 0 {
		t.Fatal("a read refreshed an entry without RefreshAfter")
	}
	if !c.Refresh(1) {
		t.Fatal("Refresh(1) = false for a live entry")
	}
	if k := <-r.started; k != 1 {
		t.Fatalf("refresh started for key %d, want 1", k)
	}
	if c.Refresh(1) {
		t.Fatal("a second Refresh(1) started while the first ran")
	}
	if v, ok := c.Load(1); !ok || v != 10 {
		t.Fatalf("Load(1) during the refresh = (%d, %v), want the old value", v, ok)
	}
	r.results <- refreshResult{v: 11}
	waitFor(t, "the refreshed value is stored", func() bool { v, _ := c.Load(1); return v == 11 })
	if c.Refresh(2) {
		t.Fatal("Refresh of a key never stored = true")
	}
	c.StoreTTL(3, 30, tick)
	clock.Advance(tick)
	if c.Refresh(3) {
		t.Fatal("Refresh of an expired entry = true")
	}
	if s := c.Stats(); s.LoadSuccesses != 1 {
		t.Fatalf("LoadSuccesses = %d, want the one refresh", s.LoadSuccesses)
	}
	c.Close()
	if c.Refresh(1) {
		t.Fatal("Refresh after Close = true")
	}
	if n := r.calls.Load(); n != 1 {
		t.Fatalf("%d refreshes ran, want 1", n)
	}

	plain := cache.Must(cache.Options[int, int]{Capacity: 16})
	defer plain.Close()
	plain.Store(1, 1)
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Refresh without Options.Refresh did not panic")
		}
	}()
	plain.Refresh(1)
}
