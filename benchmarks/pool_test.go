package benchmarks

// Buffer pools: hotpath/pool against valyala/bytebufferpool, libp2p's
// go-buffer-pool and sync.Pool, in the same run. One op is one Get of a
// buffer of the given size, one write to it, and one Put.
//
//	cd benchmarks && go test -run '^$' -bench 'BenchmarkPool' -benchtime 200ms -cpu 1,2 -count 5 .
//
// BenchmarkPoolFixedSize: one block size, the job of hotpath's Slab and
// Fixed (sync.Pool holds *[N]byte pointers so its Put does not allocate;
// libp2p is asked for exactly N bytes). BenchmarkPoolVarSize: sizes drawn
// from a fixed sequence between 16 B and 32 KiB, the job of hotpath's Bytes;
// bytebufferpool's buffer is grown to the size with append, as its users do.

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hotpath/hotpath/pool"
	bpool "github.com/libp2p/go-buffer-pool"
	"github.com/valyala/bytebufferpool"
)

func poolRun(b *testing.B, parallel bool, body func(pb func() bool)) {
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	if parallel {
		b.RunParallel(func(pb *testing.PB) { body(pb.Next) })
	} else {
		n := 0
		body(func() bool { n++; return n <= b.N })
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

func poolModes() []struct {
	name     string
	parallel bool
} {
	return []struct {
		name     string
		parallel bool
	}{{"single", false}, {"parallel", true}}
}

func BenchmarkPoolFixedSize(b *testing.B) {
	const size, blocks = 4096, 1024
	for _, m := range poolModes() {
		b.Run("impl=hotpath.Slab/size=4096/mode="+m.name, func(b *testing.B) {
			s, err := pool.NewSlab(size, blocks)
			if err != nil {
				b.Fatal(err)
			}
			poolRun(b, m.parallel, func(next func() bool) {
				for next() {
					buf, ok := s.Get()
					if !ok {
						panic("slab empty")
					}
					buf[0]++
					s.Put(buf)
				}
			})
		})
		b.Run("impl=hotpath.Fixed/size=4096/mode="+m.name, func(b *testing.B) {
			p, err := pool.NewFixed[[size]byte](blocks, nil)
			if err != nil {
				b.Fatal(err)
			}
			poolRun(b, m.parallel, func(next func() bool) {
				for next() {
					v, ok := p.Get()
					if !ok {
						panic("pool empty")
					}
					v[0]++
					p.Put(v)
				}
			})
		})
		b.Run("impl=hotpath.Bytes/size=4096/mode="+m.name, func(b *testing.B) {
			p, err := pool.NewBytes(64, 1<<16)
			if err != nil {
				b.Fatal(err)
			}
			poolRun(b, m.parallel, func(next func() bool) {
				for next() {
					buf := p.Get(size)
					buf[0]++
					p.Put(buf)
				}
			})
		})
		b.Run("impl=sync.Pool/size=4096/mode="+m.name, func(b *testing.B) {
			p := sync.Pool{New: func() any { return new([size]byte) }}
			poolRun(b, m.parallel, func(next func() bool) {
				for next() {
					v := p.Get().(*[size]byte)
					v[0]++
					p.Put(v)
				}
			})
		})
		b.Run("impl=libp2p/size=4096/mode="+m.name, func(b *testing.B) {
			var p bpool.BufferPool
			poolRun(b, m.parallel, func(next func() bool) {
				for next() {
					buf := p.Get(size)
					buf[0]++
					p.Put(buf)
				}
			})
		})
		b.Run("impl=bytebufferpool/size=4096/mode="+m.name, func(b *testing.B) {
			var p bytebufferpool.Pool
			poolRun(b, m.parallel, func(next func() bool) {
				for next() {
					bb := p.Get()
					bb.B = poolGrow(bb.B, size)
					bb.B[0]++
					p.Put(bb)
				}
			})
		})
	}
}

// poolGrow returns b with length n, reusing its capacity when it can.
func poolGrow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return append(b[:cap(b)], make([]byte, n-cap(b))...)
}

// poolSizes is a fixed mix: mostly small buffers, some medium, a few large.
var poolSizes = func() []int {
	r := rand.New(rand.NewPCG(7, 11))
	s := make([]int, 1024)
	for i := range s {
		switch x := r.IntN(100); {
		case x < 70:
			s[i] = 16 + r.IntN(496) // 16 B - 512 B
		case x < 95:
			s[i] = 512 + r.IntN(3584) // up to 4 KiB
		default:
			s[i] = 4096 + r.IntN(28672) // up to 32 KiB
		}
	}
	return s
}()

func BenchmarkPoolVarSize(b *testing.B) {
	for _, m := range poolModes() {
		b.Run("impl=hotpath.Bytes/sizes=16B-32KiB/mode="+m.name, func(b *testing.B) {
			p, err := pool.NewBytes(16, 1<<16)
			if err != nil {
				b.Fatal(err)
			}
			poolRun(b, m.parallel, func(next func() bool) {
				i := rand.IntN(len(poolSizes))
				for next() {
					buf := p.Get(poolSizes[i%len(poolSizes)])
					buf[len(buf)-1]++
					p.Put(buf)
					i++
				}
			})
		})
		b.Run("impl=libp2p/sizes=16B-32KiB/mode="+m.name, func(b *testing.B) {
			var p bpool.BufferPool
			poolRun(b, m.parallel, func(next func() bool) {
				i := rand.IntN(len(poolSizes))
				for next() {
					buf := p.Get(poolSizes[i%len(poolSizes)])
					buf[len(buf)-1]++
					p.Put(buf)
					i++
				}
			})
		})
		b.Run("impl=bytebufferpool/sizes=16B-32KiB/mode="+m.name, func(b *testing.B) {
			var p bytebufferpool.Pool
			poolRun(b, m.parallel, func(next func() bool) {
				i := rand.IntN(len(poolSizes))
				for next() {
					bb := p.Get()
					bb.B = poolGrow(bb.B, poolSizes[i%len(poolSizes)])
					bb.B[len(bb.B)-1]++
					p.Put(bb)
					i++
				}
			})
		})
	}
}
