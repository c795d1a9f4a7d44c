package lockfree

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/internal/pad"
)

// The benchmarks move b.N items from producers to consumers through each
// queue and a buffered channel of the same capacity, in the same run, and
// report ns per item (ns/op, one op = one item enqueued and dequeued) and
// items per second. Run them with several -cpu values: with 2P2C and up on
// a 2-core machine, goroutines outnumber cores.
//
//	go test -run '^$' -bench . -benchtime 200ms -cpu 1,2 -count 5 ./lockfree/

const benchCapacity = 1024

// pcCase is one producers×consumers shape.
type pcCase struct{ producers, consumers int }

func (c pcCase) String() string {
	return "producers=" + itoa(c.producers) + "/consumers=" + itoa(c.consumers)
}

var benchShapes = []pcCase{{1, 1}, {2, 2}, {4, 4}}

// benchBlockingShapes adds a shape with many more goroutines than cores.
var benchBlockingShapes = []pcCase{{1, 1}, {2, 2}, {4, 4}, {16, 16}}

// runProducersConsumers splits b.N items among the producers and the same
// b.N among the consumers, so every put is matched by exactly one get and
// nobody needs a shared counter, runs them all and reports the rate.
func runProducersConsumers(b *testing.B, c pcCase, put func(v int), get func()) {
	runBatches(b, c,
		func(n int) {
			for i := range n {
				put(i)
			}
		},
		func(n int) {
			for range n {
				get()
			}
		})
}

// runBatches is runProducersConsumers with producers and consumers that
// each move their n items however they like: give(n) returns once it has
// put n in, take(n) once it has taken n out.
func runBatches(b *testing.B, c pcCase, give, take func(n int)) {
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for p := range c.producers {
		n := b.N/c.producers + boolInt(p < b.N%c.producers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			give(n)
		}()
	}
	for k := range c.consumers {
		n := b.N/c.consumers + boolInt(k < b.N%c.consumers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			take(n)
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

// backoff is what a caller of the Try operations does after its i-th
// failure in a row: retry at once, yielding the processor every 16th time so
// that the other side can run when goroutines outnumber processors. The same
// loop drives every implementation.
func backoff(i int) {
	if i%16 == 15 {
		runtime.Gosched()
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func BenchmarkQueue(b *testing.B) {
	ctx := context.Background()
	for _, c := range benchShapes {
		b.Run("mode=try/impl=hotpath/"+c.String(), func(b *testing.B) {
			q := NewQueue[int](benchCapacity)
			runProducersConsumers(b, c,
				func(v int) {
					for i := 0; !q.TryEnqueue(v); i++ {
						backoff(i)
					}
				},
				func() {
					for i := 0; ; i++ {
						if _, ok := q.TryDequeue(); ok {
							return
						}
						backoff(i)
					}
				})
		})
		b.Run("mode=try/impl=channel/"+c.String(), func(b *testing.B) {
			ch := make(chan int, benchCapacity)
			runProducersConsumers(b, c,
				func(v int) {
					for i := 0; ; i++ {
						select {
						case ch <- v:
							return
						default:
							backoff(i)
						}
					}
				},
				func() {
					for i := 0; ; i++ {
						select {
						case <-ch:
							return
						default:
							backoff(i)
						}
					}
				})
		})
	}
	for _, c := range benchBlockingShapes {
		b.Run("mode=blocking/impl=hotpath/"+c.String(), func(b *testing.B) {
			q := NewQueue[int](benchCapacity)
			runProducersConsumers(b, c,
				func(v int) { _ = q.Enqueue(ctx, v) },
				func() { _, _ = q.Dequeue(ctx) })
		})
		b.Run("mode=blocking/impl=channel/"+c.String(), func(b *testing.B) {
			ch := make(chan int, benchCapacity)
			runProducersConsumers(b, c,
				func(v int) { ch <- v },
				func() { <-ch })
		})
	}
	// Producers and consumers that move up to 32 items a call with
	// EnqueueBatch and DequeueBatch; a channel has neither, so the blocking
	// channel rows above are its counterpart.
	for _, c := range benchBlockingShapes {
		b.Run("mode=batch32/impl=hotpath/"+c.String(), func(b *testing.B) {
			q := NewQueue[int](benchCapacity)
			runBatches(b, c,
				func(n int) {
					var buf [32]int
					for n > 0 {
						k, _ := q.EnqueueBatch(ctx, buf[:min(n, len(buf))])
						n -= k
					}
				},
				func(n int) {
					var buf [32]int
					for n > 0 {
						k, _ := q.DequeueBatch(ctx, buf[:min(n, len(buf))])
						n -= k
					}
				})
		})
	}
}

func BenchmarkSPSCQueue(b *testing.B) {
	ctx := context.Background()
	one := pcCase{1, 1}
	b.Run("mode=try/impl=hotpath/"+one.String(), func(b *testing.B) {
		q := NewSPSCQueue[int](benchCapacity)
		runProducersConsumers(b, one,
			func(v int) {
				for i := 0; !q.TryEnqueue(v); i++ {
					backoff(i)
				}
			},
			func() {
				for i := 0; ; i++ {
					if _, ok := q.TryDequeue(); ok {
						return
					}
					backoff(i)
				}
			})
	})
	b.Run("mode=blocking/impl=hotpath/"+one.String(), func(b *testing.B) {
		q := NewSPSCQueue[int](benchCapacity)
		runProducersConsumers(b, one,
			func(v int) { _ = q.Enqueue(ctx, v) },
			func() { _, _ = q.Dequeue(ctx) })
	})
	b.Run("mode=try/impl=channel/"+one.String(), func(b *testing.B) {
		ch := make(chan int, benchCapacity)
		runProducersConsumers(b, one,
			func(v int) {
				for i := 0; ; i++ {
					select {
					case ch <- v:
						return
					default:
						backoff(i)
					}
				}
			},
			func() {
				for i := 0; ; i++ {
					select {
					case <-ch:
						return
					default:
						backoff(i)
					}
				}
			})
	})
	b.Run("mode=blocking/impl=channel/"+one.String(), func(b *testing.B) {
		ch := make(chan int, benchCapacity)
		runProducersConsumers(b, one,
			func(v int) { ch <- v },
			func() { <-ch })
	})
}

func BenchmarkUnboundedQueue(b *testing.B) {
	ctx := context.Background()
	for _, c := range benchBlockingShapes {
		b.Run("mode=blocking/impl=hotpath/"+c.String(), func(b *testing.B) {
			q := NewUnboundedQueue[int]()
			runProducersConsumers(b, c,
				func(v int) { q.Enqueue(v) },
				func() { _, _ = q.Dequeue(ctx) })
		})
		b.Run("mode=blocking/impl=channel/"+c.String(), func(b *testing.B) {
			ch := make(chan int, benchCapacity)
			runProducersConsumers(b, c,
				func(v int) { ch <- v },
				func() { <-ch })
		})
	}
}

// BenchmarkStack pushes and pops in pairs from every goroutine, against a
// slice behind a mutex.
func BenchmarkStack(b *testing.B) {
	b.Run("impl=hotpath", func(b *testing.B) {
		var s Stack[int]
		benchParallelPairs(b, func(v int) { s.Push(v) }, func() { s.TryPop() })
	})
	b.Run("impl=mutex+slice", func(b *testing.B) {
		var mu sync.Mutex
		var s []int
		benchParallelPairs(b,
			func(v int) { mu.Lock(); s = append(s, v); mu.Unlock() },
			func() {
				mu.Lock()
				if len(s) > 0 {
					s = s[:len(s)-1]
				}
				mu.Unlock()
			})
	})
}

func benchParallelPairs(b *testing.B, put func(int), take func()) {
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			put(i)
			take()
			i++
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

// BenchmarkCacheLineRoundTrip measures the machine, not a queue: two
// goroutines take turns incrementing one word on a cache line of its own,
// each waiting (spinning) for the other's increment, so an op is one round
// trip of the line between the two goroutines' cores. Every queue's -cpu 2
// rows pay this for each line an item moves across, so run it beside them
// to see which kind of machine the rows came from: on this project's 2-core
// VM it measured 53–60 ns in some minutes and 254–343 ns in others, as the
// host placed the two virtual cores near or far. With -cpu 1 the two
// goroutines share a processor: each spins a while and then yields to the
// other, and the figure says nothing about the machine.
//
//	go test -run '^$' -bench CacheLineRoundTrip -cpu 2 -count 5 ./lockfree/
func BenchmarkCacheLineRoundTrip(b *testing.B) {
	var line struct {
		_ pad.CacheLinePad
		n atomic.Int64
		_ pad.CacheLinePad
	}
	done := make(chan struct{})
	n := int64(b.N)
	b.ResetTimer()
	go func() {
		defer close(done)
		for i := int64(1); i < 2*n; i += 2 {
			awaitTurn(&line.n, i)
			line.n.Store(i + 1)
		}
	}()
	for i := int64(0); i < 2*n; i += 2 {
		awaitTurn(&line.n, i)
		line.n.Store(i + 1)
	}
	<-done
}

// awaitTurn spins until *n == want, yielding the processor after a while:
// with two processors the other goroutine answers within a round trip, far
// sooner; with one it cannot answer until this one yields.
func awaitTurn(n *atomic.Int64, want int64) {
	for spins := 0; n.Load() != want; spins++ {
		if spins >= 1000 {
			runtime.Gosched()
		}
	}
}
