package benchmarks

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	theine "github.com/Yiling-J/theine-go"
	"github.com/maypok86/otter/v2"

	"github.com/hotpath/hotpath/cache"
)

// hitKeys is how many requests of zipfKeys the hits workload prefills and
// then repeats: a power of two, for masking, and fewer distinct keys than
// benchCapacity, so that every request hits.
const hitKeys = 1 << 16

// loadingCache is the loading API of each library: Get returns the cached
// value or loads it with the loader the cache was built with.
type loadingCache interface {
	Get(ctx context.Context, k int) (int, error)
	Close()
}

type loadingImpl struct {
	name string
	// new builds a cache of capacity n whose loader calls load.
	new func(n int, load func(ctx context.Context, k int) (int, error)) loadingCache
}

var loadingImpls = []loadingImpl{
	{"hotpath", func(n int, load func(context.Context, int) (int, error)) loadingCache {
		return &hotpathLoading{c: cache.Must(cache.Options[int, int]{Capacity: n, Policy: cache.LRU}), load: load}
	}},
	{"otter", func(n int, load func(context.Context, int) (int, error)) loadingCache {
		return &otterLoading{c: otter.Must(&otter.Options[int, int]{MaximumSize: n}), load: otter.LoaderFunc[int, int](load)}
	}},
	{"theine", func(n int, load func(context.Context, int) (int, error)) loadingCache {
		c, err := theine.NewBuilder[int, int](int64(n)).BuildWithLoader(func(ctx context.Context, k int) (theine.Loaded[int], error) {
			v, err := load(ctx, k)
			return theine.Loaded[int]{Value: v, Cost: 1}, err
		})
		if err != nil {
			panic(err)
		}
		return theineLoading{c}
	}},
}

type hotpathLoading struct {
	c    *cache.Cache[int, int]
	load func(context.Context, int) (int, error)
}

func (h *hotpathLoading) Get(ctx context.Context, k int) (int, error) {
	return h.c.LoadOrCompute(ctx, k, h.load)
}
func (h *hotpathLoading) Close() { h.c.Close() }

type otterLoading struct {
	c    *otter.Cache[int, int]
	load otter.LoaderFunc[int, int]
}

func (o *otterLoading) Get(ctx context.Context, k int) (int, error) { return o.c.Get(ctx, k, o.load) }
func (o *otterLoading) Close()                                      { o.c.StopAllGoroutines() }

type theineLoading struct {
	c *theine.LoadingCache[int, int]
}

func (t theineLoading) Get(ctx context.Context, k int) (int, error) { return t.c.Get(ctx, k) }
func (t theineLoading) Close()                                      { t.c.Close() }

// BenchmarkLoading measures the load path of each library's loading cache,
// from parallel goroutines on Zipf keys:
//
//   - workload=hits: every key is cached (the loader never runs): the cost
//     of going through the loading API on a hit.
//   - workload=zipf: a cache of benchCapacity entries over ten times as
//     many keys: hits, and loads of a cheap loader that evict.
//   - workload=stampede: every goroutine walks the same sequence of new
//     keys at once through a loader that takes a few microseconds, so many
//     goroutines ask for each missing key together. loads/key reports how
//     many times the loader ran per distinct key: 1 means no duplicated
//     load.
func BenchmarkLoading(b *testing.B) {
	ctx := context.Background()
	for _, workload := range []string{"hits", "zipf", "stampede"} {
		for _, im := range loadingImpls {
			b.Run(fmt.Sprintf("workload=%s/impl=%s", workload, im.name), func(b *testing.B) {
				var loads atomic.Int64
				load := func(_ context.Context, k int) (int, error) {
					loads.Add(1)
					if workload == "stampede" {
						spin(2 * time.Microsecond)
					}
					return k, nil
				}
				capacity := benchCapacity
				if workload == "stampede" {
					capacity = 1 << 22 // nothing is evicted: every load is of a new key
				}
				c := im.new(capacity, load)
				defer c.Close()
				if workload == "hits" {
					for _, k := range zipfKeys[:hitKeys] {
						c.Get(ctx, k)
					}
				}
				var next atomic.Int64
				loads.Store(0)
				zipfParallel(b, func(k, i int) {
					switch workload {
					case "hits":
						k = zipfKeys[i&(hitKeys-1)]
					case "stampede":
						// Every goroutine asks for key j once; the key
						// moves on when the first goroutine asks for the
						// next one.
						k = int(next.Load())
						if i%4 == 0 {
							next.CompareAndSwap(int64(k), int64(k+1))
						}
					}
					if v, err := c.Get(ctx, k); v != k || err != nil {
						b.Errorf("Get(%d) = %d, %v", k, v, err)
					}
				})
				if workload == "stampede" {
					b.ReportMetric(float64(loads.Load())/float64(next.Load()+1), "loads/key")
				}
			})
		}
	}
}

// spin burns about d of CPU without sleeping, so the stampede's loader is
// slow enough for goroutines to meet on a key but does not park.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}
