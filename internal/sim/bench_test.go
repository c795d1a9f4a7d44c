package sim

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

// zipfKeys returns n keys drawn from a zipf distribution over a million
// keys (s = 1.01): a skewed workload that keeps every policy evicting.
func zipfKeys(n int) []uint64 {
	z := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.01, 1, 1<<20)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = z.Uint64()
	}
	return keys
}

// BenchmarkReplay measures each reference policy's replay speed over a
// prepared 1M-request zipf trace, in requests per second.
func BenchmarkReplay(b *testing.B) {
	keys := zipfKeys(1 << 20)
	tr := NewTrace(keys)
	for _, capacity := range []int{1000, 100_000} {
		for _, p := range []struct {
			name string
			run  func(int)
		}{
			{"lru", func(c int) { tr.LRU(c) }},
			{"lru-stack", func(c int) { tr.LRUHitsAt([]int{c}) }},
			{"arc", func(c int) { tr.ARC(c) }},
			{"opt", func(c int) { tr.OPT(c) }},
			{"lru-streaming", func(c int) {
				l := NewLRU(c)
				for _, k := range keys {
					l.Access(k)
				}
			}},
		} {
			b.Run("policy="+p.name+"/capacity="+strconv.Itoa(capacity), func(b *testing.B) {
				b.ReportAllocs()
				runtime.GC()
				b.ResetTimer()
				for b.Loop() {
					p.run(capacity)
				}
				b.ReportMetric(float64(b.N)*float64(len(keys))/b.Elapsed().Seconds(), "requests/s")
			})
		}
	}
	b.Run("prepare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			NewTrace(keys)
		}
		b.ReportMetric(float64(b.N)*float64(len(keys))/b.Elapsed().Seconds(), "requests/s")
	})
}
