package cache_test

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// TestCache_EveryFeatureUnderConcurrency runs every method from many
// goroutines on a cache with every option on: weights, a listener, expiry
// after access with a real clock, refresh-ahead, a stats recorder. Every
// value encodes its key, so a value returned for the wrong key is caught;
// the race detector, goleak (after Close) and the listener's count check
// the rest.
func TestCache_EveryFeatureUnderConcurrency(t *testing.T) {
	const keys, workers = 128, 8
	iters := 4000
	if testing.Short() || raceEnabled {
		iters = 1000
	}
	var events, refreshes atomic.Int64
	check := func(op string, k, v int) {
		if v/1000 != k {
			t.Errorf("%s(%d) returned %d, a value of key %d", op, k, v, v/1000)
		}
	}
	opts := cache.Options[int, int]{
		Capacity: 256, Shards: 4,
		Weigher:           func(_, v int) uint32 { return uint32(v%4 + 1) },
		TTL:               2 * time.Millisecond,
		ExpireAfterAccess: true,
		RefreshAfter:      time.Millisecond,
		Refresh: func(_ context.Context, k, old int) (int, error) {
			refreshes.Add(1)
			return k*1000 + (old+1)%1000, nil
		},
		OnEvict: func(k, v int, cause cache.Cause) {
			events.Add(1)
			check("OnEvict "+cause.String(), k, v)
		},
		StatsRecorder: &recorder{},
	}
	for _, policy := range []cache.Policy{cache.LRU, cache.WTinyLFU, cache.LFU} {
		opts.Policy = policy
		c := cache.Must(opts)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				load := func(_ context.Context, k int) (int, error) { return k*1000 + w, nil }
				for i := range iters {
					k := (i*7919 + w*104729) % keys
					switch i % 10 {
					case 0, 1, 2:
						if v, ok := c.Load(k); ok {
							check("Load", k, v)
						}
					case 3:
						c.Store(k, k*1000+i%1000)
					case 4:
						v, err := c.LoadOrCompute(ctx, k, load)
						if err != nil {
							t.Errorf("LoadOrCompute: %v", err)
						}
						check("LoadOrCompute", k, v)
					case 5:
						m, err := c.LoadOrComputeAll(ctx, []int{k, (k + 1) % keys}, func(_ context.Context, missing []int) (map[int]int, error) {
							r := map[int]int{}
							for _, key := range missing {
								r[key] = key*1000 + w
							}
							return r, nil
						})
						if err != nil {
							t.Errorf("LoadOrComputeAll: %v", err)
						}
						for key, v := range m {
							check("LoadOrComputeAll", key, v)
						}
					case 6:
						switch i % 40 {
						case 6:
							c.Refresh(k)
						case 16:
							c.SetTTL(k, time.Duration(i%3)*time.Millisecond)
						default:
							c.Delete(k)
						}
					case 7:
						if v, ok := c.Swap(k, k*1000+w); ok {
							check("Swap", k, v)
						}
					case 8:
						if i%200 == 8 {
							var buf bytes.Buffer
							if _, err := c.WriteTo(&buf); err != nil {
								t.Errorf("WriteTo: %v", err)
							}
							if _, err := c.ReadFrom(&buf); err != nil {
								t.Errorf("ReadFrom: %v", err)
							}
						} else {
							for key, v := range c.All() {
								check("All", key, v)
								break
							}
						}
					case 9:
						if i%500 == 9 {
							c.Clear()
						} else {
							c.CompareAndDelete(k, k*1000+w)
						}
					}
				}
			}()
		}
		wg.Wait()
		if w := c.Weight(); w > int64(opts.Capacity) {
			t.Errorf("%v: weight %d over the capacity %d", policy, w, opts.Capacity)
		}
		c.Close()
	}
	if events.Load() == 0 {
		t.Error("the listener was never called")
	}
}
