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
			b.Run(name("Slab"), func(b *testing.B) {
				s, err := NewSlab(size, blocks)
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
