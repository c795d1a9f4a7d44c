package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/hotpath/hotpath/cache"
)

func newLRU(capacity int) *cache.Cache[int, int] {
	return cache.Must(cache.Options[int, int]{Capacity: capacity, Policy: cache.LRU})
}

// TestLoadOrCompute_RunsOneLoadForManyGoroutines: N goroutines ask for the
// same missing key at once; compute runs once and every one gets its value.
func TestLoadOrCompute_RunsOneLoadForManyGoroutines(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		goroutines := rapid.IntRange(2, 16).Draw(t, "goroutines")
		keys := rapid.IntRange(1, min(3, goroutines)).Draw(t, "keys")
		c := newLRU(1024)
		defer c.Close()
		var calls [3]atomic.Int32
		release := make(chan struct{})
		var wg sync.WaitGroup
		var started sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			started.Add(1)
			go func() {
				defer wg.Done()
				k := g % keys
				started.Done()
				v, err := c.LoadOrCompute(context.Background(), k, func(_ context.Context, key int) (int, error) {
					calls[key].Add(1)
					<-release
					return key * 10, nil
				})
				if err != nil || v != k*10 {
					t.Errorf("LoadOrCompute(%d) = %d, %v; want %d, nil", k, v, err, k*10)
				}
			}()
		}
		started.Wait()
		time.Sleep(time.Millisecond) // let most of them reach the load; correctness does not depend on it
		close(release)
		wg.Wait()
		for k := range keys {
			if n := calls[k].Load(); n != 1 {
				t.Fatalf("compute ran %d times for key %d, want once", n, k)
			}
		}
		if st := c.Stats(); st.LoadSuccesses != uint64(keys) {
			t.Fatalf("LoadSuccesses = %d, want %d", st.LoadSuccesses, keys)
		}
	})
}

func TestLoadOrCompute_DoesNotCacheErrors(t *testing.T) {
	c := newLRU(16)
	defer c.Close()
	boom := errors.New("boom")
	calls := 0
	compute := func(context.Context, int) (int, error) {
		calls++
		if calls == 1 {
			return 0, boom
		}
		return 7, nil
	}
	if _, err := c.LoadOrCompute(context.Background(), 1, compute); !errors.Is(err, boom) {
		t.Fatalf("first LoadOrCompute error = %v, want %v", err, boom)
	}
	if _, ok := c.Load(1); ok {
		t.Fatal("a failed load left an entry")
	}
	if v, err := c.LoadOrCompute(context.Background(), 1, compute); v != 7 || err != nil {
		t.Fatalf("second LoadOrCompute = %d, %v; want 7, nil", v, err)
	}
	if st := c.Stats(); st.LoadFailures != 1 || st.LoadSuccesses != 1 {
		t.Fatalf("Stats = %+v, want one load failure and one success", st)
	}
}

// TestLoadOrCompute_PanicReachesRunnerWaitersGetError: the panic goes up the
// stack of the goroutine that ran the loader, waiters get ErrLoaderPanicked,
// and the cache is left usable (no lock held, no load stuck in flight).
func TestLoadOrCompute_PanicReachesRunnerWaitersGetError(t *testing.T) {
	c := newLRU(16)
	defer c.Close()
	inLoad := make(chan struct{})
	release := make(chan struct{})
	recovered := make(chan any, 1)
	go func() {
		defer func() { recovered <- recover() }()
		c.LoadOrCompute(context.Background(), 1, func(context.Context, int) (int, error) {
			close(inLoad)
			<-release
			panic("loader bug")
		})
	}()
	<-inLoad
	const waiters = 4
	errs := make(chan error, waiters)
	for range waiters {
		go func() {
			_, err := c.LoadOrCompute(context.Background(), 1, func(context.Context, int) (int, error) {
				t.Error("a waiter ran its own load while the first was in flight")
				return 0, nil
			})
			errs <- err
		}()
	}
	time.Sleep(10 * time.Millisecond) // let the waiters park
	close(release)
	if r := <-recovered; r != "loader bug" {
		t.Fatalf("the runner recovered %v, want the loader's panic", r)
	}
	for range waiters {
		if err := <-errs; !errors.Is(err, cache.ErrLoaderPanicked) {
			// A waiter that arrived after the load finished ran its own
			// load (and the t.Error above would say so).
			t.Errorf("waiter error = %v, want ErrLoaderPanicked", err)
		}
	}
	if v, err := c.LoadOrCompute(context.Background(), 1, func(context.Context, int) (int, error) { return 3, nil }); v != 3 || err != nil {
		t.Fatalf("LoadOrCompute after a panicking load = %d, %v; want 3, nil", v, err)
	}
	c.Store(2, 2) // the shard lock is free
}

// startHeldLoad starts a LoadOrCompute of key whose loader returns v once
// release is closed, and returns when the loader has started; done is
// closed when the load has returned, and the load reports through t unless
// it returned want and no error.
func startHeldLoad(t *testing.T, c *cache.Cache[int, int], key, v, want int) (release, done chan struct{}) {
	t.Helper()
	inLoad := make(chan struct{})
	release, done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		got, err := c.LoadOrCompute(context.Background(), key, func(context.Context, int) (int, error) {
			close(inLoad)
			<-release
			return v, nil
		})
		if got != want || err != nil {
			t.Errorf("the held load of %d returned %d, %v; want %d, nil", key, got, err, want)
		}
	}()
	<-inLoad
	return release, done
}

// TestLoadOrCompute_WaiterReturnsWhenItsOwnContextEnds: a goroutine waiting
// for another's slow load gives up when its ctx ends; the load goes on.
func TestLoadOrCompute_WaiterReturnsWhenItsOwnContextEnds(t *testing.T) {
	c := newLRU(16)
	defer c.Close()
	release, done := startHeldLoad(t, c, 1, 5, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := c.LoadOrCompute(ctx, 1, func(context.Context, int) (int, error) { return 0, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter error = %v, want its ctx's DeadlineExceeded", err)
	}
	close(release)
	<-done
	if v, ok := c.Load(1); v != 5 || !ok {
		t.Fatalf("Load after the load = %d, %v; want 5, true", v, ok)
	}
}

// TestLoadOrCompute_WaiterLoadsItselfWhenRunnersContextEnds: a load that
// fails because its runner's ctx ended does not fail the waiters whose ctx
// is alive: one of them loads in turn.
func TestLoadOrCompute_WaiterLoadsItselfWhenRunnersContextEnds(t *testing.T) {
	c := newLRU(16)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	inLoad := make(chan struct{})
	runnerDone := make(chan error, 1)
	go func() {
		_, err := c.LoadOrCompute(ctx, 1, func(ctx context.Context, _ int) (int, error) {
			close(inLoad)
			<-ctx.Done()
			return 0, ctx.Err()
		})
		runnerDone <- err
	}()
	<-inLoad
	waiterDone := make(chan struct{})
	go func() {
		defer close(waiterDone)
		v, err := c.LoadOrCompute(context.Background(), 1, func(context.Context, int) (int, error) { return 9, nil })
		if v != 9 || err != nil {
			t.Errorf("waiter got %d, %v; want 9, nil from its own load", v, err)
		}
	}()
	time.Sleep(5 * time.Millisecond)
	cancel()
	if err := <-runnerDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("runner error = %v, want Canceled", err)
	}
	<-waiterDone
}

// TestLoadOrCompute_WritesDuringTheLoad: a value written during the load
// wins, and a Delete (or Clear, or Compute's DeleteOp) during the load keeps
// the load's value out of the cache.
func TestLoadOrCompute_WritesDuringTheLoad(t *testing.T) {
	for _, tc := range []struct {
		name      string
		write     func(c *cache.Cache[int, int])
		wantV     int
		wantCache int // -1: absent
	}{
		{"Store wins", func(c *cache.Cache[int, int]) { c.Store(1, 100) }, 100, 100},
		{"LoadOrStore wins", func(c *cache.Cache[int, int]) { c.LoadOrStore(1, 200) }, 200, 200},
		{"Delete cancels", func(c *cache.Cache[int, int]) { c.Delete(1) }, 1, -1},
		{"Clear cancels", func(c *cache.Cache[int, int]) { c.Clear() }, 1, -1},
		{"Store then Delete returns the deleted value", func(c *cache.Cache[int, int]) { c.Store(1, 300); c.Delete(1) }, 300, -1},
		{"Compute's WriteOp wins", func(c *cache.Cache[int, int]) {
			c.Compute(1, func(int, bool) (int, cache.ComputeOp) { return 400, cache.WriteOp })
		}, 400, 400},
		{"Compute's DeleteOp cancels", func(c *cache.Cache[int, int]) {
			c.Compute(1, func(int, bool) (int, cache.ComputeOp) { return 0, cache.DeleteOp })
		}, 1, -1},
		{"Store then Compute's DeleteOp returns the deleted value", func(c *cache.Cache[int, int]) {
			c.Store(1, 500)
			c.Compute(1, func(int, bool) (int, cache.ComputeOp) { return 0, cache.DeleteOp })
		}, 500, -1},
		{"Compute's CancelOp leaves the load alone", func(c *cache.Cache[int, int]) {
			c.Compute(1, func(int, bool) (int, cache.ComputeOp) { return 0, cache.CancelOp })
		}, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newLRU(16)
			defer c.Close()
			v, err := c.LoadOrCompute(context.Background(), 1, func(context.Context, int) (int, error) {
				tc.write(c)
				return 1, nil
			})
			if v != tc.wantV || err != nil {
				t.Fatalf("LoadOrCompute = %d, %v; want %d, nil", v, err, tc.wantV)
			}
			got, ok := c.Load(1)
			if tc.wantCache < 0 && ok || tc.wantCache >= 0 && (got != tc.wantCache || !ok) {
				t.Fatalf("Load after = %d, %v; want %d", got, ok, tc.wantCache)
			}
		})
	}
}

func TestLoadOrCompute_HitAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c := newLRU(16)
	defer c.Close()
	ctx := context.Background()
	compute := func(context.Context, int) (int, error) { return 1, nil }
	c.LoadOrCompute(ctx, 1, compute)
	if n := testing.AllocsPerRun(100, func() { c.LoadOrCompute(ctx, 1, compute) }); n != 0 {
		t.Fatalf("a LoadOrCompute hit allocates %v times, want 0", n)
	}
}

func TestLoadOrComputeAll_ComputesMissingKeysOnce(t *testing.T) {
	c := newLRU(64)
	defer c.Close()
	c.Store(1, 10)
	var asked [][]int
	got, err := c.LoadOrComputeAll(context.Background(), []int{1, 2, 3, 2, 4}, func(_ context.Context, missing []int) (map[int]int, error) {
		asked = append(asked, missing)
		return map[int]int{2: 20, 3: 30, 99: 990}, nil // no value for 4; 99 not asked for
	})
	if err != nil || fmt.Sprint(got) != "map[1:10 2:20 3:30]" {
		t.Fatalf("LoadOrComputeAll = %v, %v; want map[1:10 2:20 3:30]", got, err)
	}
	if fmt.Sprint(asked) != "[[2 3 4]]" {
		t.Fatalf("compute was asked for %v, want once for [2 3 4]", asked)
	}
	if v, ok := c.Load(99); v != 990 || !ok {
		t.Fatalf("Load(99) = %d, %v: an extra value compute returned was not stored", v, ok)
	}
	if _, ok := c.Load(4); ok {
		t.Fatal("a key compute returned no value for is in the cache")
	}
	boom := errors.New("boom")
	got, err = c.LoadOrComputeAll(context.Background(), []int{5, 6}, func(context.Context, []int) (map[int]int, error) {
		return map[int]int{5: 50}, boom
	})
	if got != nil || !errors.Is(err, boom) {
		t.Fatalf("LoadOrComputeAll with a failing compute = %v, %v; want nil, boom", got, err)
	}
	if _, ok := c.Load(5); ok {
		t.Fatal("a failed bulk load stored a value")
	}
}

// TestLoadOrComputeAll_WaitsForLoadsInFlight: keys another goroutine is
// loading are waited for, not computed again.
func TestLoadOrComputeAll_WaitsForLoadsInFlight(t *testing.T) {
	c := newLRU(64)
	defer c.Close()
	inLoad, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		c.LoadOrCompute(context.Background(), 1, func(context.Context, int) (int, error) {
			close(inLoad)
			<-release
			return 11, nil
		})
	}()
	<-inLoad
	go func() { time.Sleep(5 * time.Millisecond); close(release) }()
	got, err := c.LoadOrComputeAll(context.Background(), []int{1, 2}, func(_ context.Context, missing []int) (map[int]int, error) {
		if fmt.Sprint(missing) != "[2]" {
			t.Errorf("compute asked for %v, want [2]: key 1 is being loaded", missing)
		}
		return map[int]int{2: 22}, nil
	})
	<-done
	if err != nil || fmt.Sprint(got) != "map[1:11 2:22]" {
		t.Fatalf("LoadOrComputeAll = %v, %v; want map[1:11 2:22]", got, err)
	}
}

// TestLoadOrCompute_StressManyKeysOneLoadEach hammers a small cache with
// loads, writes and deletes from many goroutines, and checks that no two
// loads of one key ever overlap and every returned value belongs to its key.
func TestLoadOrCompute_StressManyKeysOneLoadEach(t *testing.T) {
	const keys, workers = 32, 8
	iters := 3000
	if testing.Short() || raceEnabled {
		iters = 600
	}
	c := cache.Must(cache.Options[int, int]{Capacity: 16, Shards: 4, Policy: cache.LRU})
	defer c.Close()
	var inFlight [keys]atomic.Int32
	var loads atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range iters {
				k := (i*31 + w*17) % keys
				switch i % 8 {
				case 0:
					c.Delete(k)
				case 1:
					c.Store(k, k*1000+w)
				case 2:
					got, err := c.LoadOrComputeAll(context.Background(), []int{k, (k + 1) % keys}, func(_ context.Context, missing []int) (map[int]int, error) {
						m := map[int]int{}
						for _, key := range missing {
							if inFlight[key].Add(1) != 1 {
								t.Errorf("two loads of key %d at once", key)
							}
							m[key] = key*1000 + 999
						}
						loads.Add(1)
						for _, key := range missing {
							inFlight[key].Add(-1)
						}
						return m, nil
					})
					for key, v := range got {
						if v/1000 != key || err != nil {
							t.Errorf("LoadOrComputeAll gave %d=%d, %v", key, v, err)
						}
					}
				default:
					v, err := c.LoadOrCompute(context.Background(), k, func(_ context.Context, key int) (int, error) {
						if inFlight[key].Add(1) != 1 {
							t.Errorf("two loads of key %d at once", key)
						}
						defer inFlight[key].Add(-1)
						loads.Add(1)
						if i%5 == 0 {
							return 0, errors.New("transient")
						}
						return key*1000 + 999, nil
					})
					if err == nil && v/1000 != k {
						t.Errorf("LoadOrCompute(%d) = %d, a value of key %d", k, v, v/1000)
					}
				}
			}
		}()
	}
	wg.Wait()
	if loads.Load() == 0 {
		t.Fatal("no load ran")
	}
}

// TestCache_AllocationsOnTheHotPath: a hit allocates nothing, an update of
// an existing key nothing, a new entry one node, with the features off and
// with a listener and a stats recorder on.
func TestCache_AllocationsOnTheHotPath(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, tc := range []struct {
		name string
		opts cache.Options[int, int]
	}{
		{"plain", cache.Options[int, int]{Capacity: 1024, Shards: 1, Policy: cache.LRU}},
		{"listener and recorder", cache.Options[int, int]{Capacity: 1024, Shards: 1, Policy: cache.LRU,
			OnEvict: func(int, int, cache.Cause) {}, StatsRecorder: &recorder{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cache.Must(tc.opts)
			defer c.Close()
			for k := range 1024 {
				c.Store(k, k)
			}
			k := 0
			if n := testing.AllocsPerRun(1000, func() { c.Load(k % 1024); k++ }); n != 0 {
				t.Errorf("Load hit: %v allocations, want 0", n)
			}
			if n := testing.AllocsPerRun(1000, func() { c.Store(k%1024, k); k++ }); n != 0 {
				t.Errorf("Store of an existing key: %v allocations, want 0", n)
			}
			k = 1 << 20
			if n := testing.AllocsPerRun(1000, func() { c.Store(k, k); k++ }); n > 1 {
				t.Errorf("Store of a new key (evicting): %v allocations, want at most 1", n)
			}
		})
	}
}
