package hotpath_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// The cross-package benchmarks measure each hotpath structure against the
// standard library's answer to the same job, in the same run. The peer
// libraries are measured in the benchmarks module.

const benchCapacity = 100_000

// zipfKeys is a fixed Zipf (s = 1.01) stream over ten times benchCapacity
// distinct keys.
var zipfKeys = func() []int {
	z := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.01, 1, 10*benchCapacity-1)
	keys := make([]int, 1<<20)
	for i := range keys {
		keys[i] = int(z.Uint64())
	}
	return keys
}()

type rwMap struct {
	mu sync.RWMutex
	m  map[int]int
}

// BenchmarkCache compares the cache (bounded, LRU) with sync.Map and a map
// behind a sync.RWMutex (both unbounded: they never evict) on Zipf keys.
func BenchmarkCache(b *testing.B) {
	type ops struct {
		load  func(int) (int, bool)
		store func(int, int)
	}
	impls := []struct {
		name string
		new  func() ops
	}{
		{"hotpath", func() ops {
			c := cache.Must(cache.Options[int, int]{Capacity: benchCapacity, Policy: cache.LRU})
			return ops{c.Load, c.Store}
		}},
		{"sync.Map", func() ops {
			var m sync.Map
			return ops{
				func(k int) (int, bool) {
					v, ok := m.Load(k)
					if !ok {
						return 0, false
					}
					return v.(int), true
				},
				func(k, v int) { m.Store(k, v) },
			}
		}},
		{"RWMutexMap", func() ops {
			m := &rwMap{m: make(map[int]int, benchCapacity)}
			return ops{
				func(k int) (int, bool) {
					m.mu.RLock()
					v, ok := m.m[k]
					m.mu.RUnlock()
					return v, ok
				},
				func(k, v int) {
					m.mu.Lock()
					m.m[k] = v
					m.mu.Unlock()
				},
			}
		}},
	}
	for _, reads := range []int{100, 75, 50, 0} {
		for _, im := range impls {
			b.Run(fmt.Sprintf("reads=%d%%/impl=%s", reads, im.name), func(b *testing.B) {
				c := im.new()
				for i := range benchCapacity {
					c.store(zipfKeys[i], i)
				}
				runtime.GC()
				var seed atomic.Uint64
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					i := int(seed.Add(0x9E3779B9))
					for pb.Next() {
						k := zipfKeys[i&(len(zipfKeys)-1)]
						if i%100 < reads {
							c.load(k)
						} else {
							c.store(k, i)
						}
						i++
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
			})
		}
	}
}
