package engine

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkLoad_Sampled measures one goroutine's reads through a shard that
// samples its hits at the highest rate, as a shard read from several cores
// does (the throughput benchmark in benchmarks/ measures that, but its rows
// move ±30 % on a shared 2-core machine; this isolates the read path's
// CPU cost): Zipf keys over the 4,096 hottest entries of a W-TinyLFU cache
// of 100,000, so that the lookups stay in the core's caches and what is
// measured is the work of a hit, not the wait for memory.
//
//	go test -run '^$' -bench Load_Sampled -count 10 ./cache/internal/engine/
func BenchmarkLoad_Sampled(b *testing.B) {
	const capacity = 100_000
	e := newTinyLFUEngine(capacity)
	for k := range capacity {
		e.Store(k, k, 0)
	}
	z := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.01, 1, 1<<12-1)
	keys := make([]int, 1<<16)
	for i := range keys {
		keys[i] = int(z.Uint64())
	}
	s := &e.shards[0]
	for i := 0; b.Loop(); i++ {
		if i&63 == 0 {
			s.skip.Store(maxSkip) // a drain that met no contention lowers it
			s.bias.Store(true)
		}
		e.Load(keys[i&(len(keys)-1)])
	}
}
