package pool

import (
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The standard library's answer: a sync.Pool of pointers to fixed arrays
// (pointers, so Put does not allocate).
func BenchmarkGetPut(b *testing.B) {
	const blocks = 1024
	for _, size := range []int{64, 4096} {
		for _, par := range []bool{false, true} {
			mode := "single"
			if par {
				mode = "parallel"
			}
			name := func(impl string) string {
				return "impl=" + impl + "/size=" + strconv.Itoa(size) + "/mode=" + mode
			}
			b.Run(name("sync.Pool"), func(b *testing.B) {
				var p sync.Pool
				switch size {
				case 64:
					p.New = func() any { return new([64]byte) }
				default:
					p.New = func() any { return new([4096]byte) }
				}
				run(b, par, func() {
					switch size {
					case 64:
						v := p.Get().(*[64]byte)
						v[0]++
						p.Put(v)
					default:
						v := p.Get().(*[4096]byte)
						v[0]++
						p.Put(v)
					}
				})
			})
			for _, exact := range []bool{false, true} {
				impl := "Slab"
				if exact {
					// What Options.ExactHighWater's shared counter costs.
					impl = "Slab,exact"
				}
				b.Run(name(impl), func(b *testing.B) {
					s, err := NewSlabWithOptions(size, blocks, Options{ExactHighWater: exact})
					if err != nil {
						b.Fatal(err)
					}
					run(b, par, func() {
						v, ok := s.Get()
						if !ok {
							panic("empty")
						}
						v[0]++
						s.Put(v)
					})
				})
			}
			b.Run(name("Fixed"), func(b *testing.B) {
				switch size {
				case 64:
					p := mustFixed[[64]byte](b, blocks)
					run(b, par, func() {
						v, ok := p.Get()
						if !ok {
							panic("empty")
						}
						v[0]++
						p.Put(v)
					})
				default:
					p := mustFixed[[4096]byte](b, blocks)
					run(b, par, func() {
						v, ok := p.Get()
						if !ok {
							panic("empty")
						}
						v[0]++
						p.Put(v)
					})
				}
			})
		}
	}
}

func mustFixed[T any](b *testing.B, n int) *Fixed[T] {
	p, err := NewFixed[T](n, nil)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func run(b *testing.B, par bool, op func()) {
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	if par {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				op()
			}
		})
	} else {
		for range b.N {
			op()
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

// BenchmarkGetPutThreadCPU is BenchmarkGetPut in one goroutine, measured in
// CPU time of the benchmark's OS thread (cpu-ns/op) as well as wall time: on
// a machine shared with other work, wall time also counts the time the
// benchmark was descheduled, and swings by several times between runs.
func BenchmarkGetPutThreadCPU(b *testing.B) {
	const blocks = 1024
	measure := func(b *testing.B, op func()) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b.ReportAllocs()
		runtime.GC()
		b.ResetTimer()
		t0, ok := threadCPU()
		if !ok {
			b.Skip("no per-thread CPU clock on this system")
		}
		for range b.N {
			op()
		}
		t1, _ := threadCPU()
		b.ReportMetric(float64(t1-t0)/float64(b.N), "cpu-ns/op")
	}
	b.Run("impl=sync.Pool/size=64", func(b *testing.B) {
		p := sync.Pool{New: func() any { return new([64]byte) }}
		measure(b, func() {
			v := p.Get().(*[64]byte)
			v[0]++
			p.Put(v)
		})
	})
	b.Run("impl=Slab/size=64", func(b *testing.B) {
		s, err := NewSlab(64, blocks)
		if err != nil {
			b.Fatal(err)
		}
		measure(b, func() {
			v, _ := s.Get()
			v[0]++
			s.Put(v)
		})
	})
	b.Run("impl=Fixed/size=64", func(b *testing.B) {
		p := mustFixed[[64]byte](b, blocks)
		measure(b, func() {
			v, _ := p.Get()
			v[0]++
			p.Put(v)
		})
	})
	b.Run("impl=Bytes/size=64", func(b *testing.B) {
		p, err := NewBytes(64, 1<<16)
		if err != nil {
			b.Fatal(err)
		}
		measure(b, func() {
			v := p.Get(64)
			v[0]++
			p.Put(v)
		})
	})
}
