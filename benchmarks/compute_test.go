package benchmarks

import (
	"sync"
	"testing"

	"github.com/maypok86/otter/v2"
	"github.com/puzpuzpuz/xsync/v3"

	"github.com/hotpath/hotpath/cache"
)

// incrementer is an atomic read-modify-write of one key: add 1 to its
// value, storing 1 if it is absent.
type incrementer interface {
	Increment(k int)
}

type hotpathInc struct{ c *cache.Cache[int, int] }

func (h hotpathInc) Increment(k int) {
	h.c.Compute(k, func(old int, _ bool) (int, cache.ComputeOp) { return old + 1, cache.WriteOp })
}

type otterInc struct{ c *otter.Cache[int, int] }

func (o otterInc) Increment(k int) {
	o.c.Compute(k, func(old int, _ bool) (int, otter.ComputeOp) { return old + 1, otter.WriteOp })
}

type xsyncInc struct{ m *xsync.MapOf[int, int] }

func (x xsyncInc) Increment(k int) {
	x.m.Compute(k, func(old int, _ bool) (int, bool) { return old + 1, false })
}

type mutexMapInc struct {
	mu sync.Mutex
	m  map[int]int
}

func (m *mutexMapInc) Increment(k int) {
	m.mu.Lock()
	m.m[k]++
	m.mu.Unlock()
}

// BenchmarkCompute measures atomic read-modify-writes (a counter per key)
// on the throughput benchmark's Zipf keys, from parallel goroutines, on
// caches of benchCapacity filled first. xsync's MapOf and the mutex map are
// unbounded: they never evict, so they do less work.
func BenchmarkCompute(b *testing.B) {
	impls := []struct {
		name string
		new  func() incrementer
	}{
		{"hotpath", func() incrementer { return hotpathInc{cache.Must(cache.Options[int, int]{Capacity: benchCapacity})} }},
		{"otter", func() incrementer {
			return otterInc{otter.Must(&otter.Options[int, int]{MaximumSize: benchCapacity})}
		}},
		{"xsync", func() incrementer { return xsyncInc{xsync.NewMapOf[int, int](xsync.WithPresize(benchCapacity))} }},
		{"MutexMap", func() incrementer { return &mutexMapInc{m: make(map[int]int, benchCapacity)} }},
	}
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			c := im.new()
			for i := range benchCapacity {
				c.Increment(i)
			}
			zipfParallel(b, func(k, _ int) { c.Increment(k) })
			switch c := c.(type) {
			case hotpathInc:
				c.c.Close()
			case otterInc:
				c.c.StopAllGoroutines()
			}
		})
	}
}
