package benchmarks

// Queues: hotpath/lockfree against xsync v3's MPMCQueueOf and SPSCQueueOf
// and a buffered channel, in the same run. One op is one item enqueued by a
// producer and dequeued by a consumer; ns/op is ns per item.
//
//	cd benchmarks && go test -run '^$' -bench 'MPMCQueue|SPSCQueue' -benchtime 200ms -cpu 1,2 -count 5 .
//
// mode=try: every implementation is driven through its non-blocking
// TryEnqueue/TryDequeue (a select with default for the channel) by the same
// retry loop, which yields every 16th consecutive failure; this is how
// xsync documents its queues to be used. mode=blocking: hotpath's
// Enqueue/Dequeue (spin, then park), xsync's deprecated Enqueue/Dequeue (a
// runtime.Gosched loop) and plain channel sends and receives.

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hotpath/hotpath/lockfree"
	"github.com/puzpuzpuz/xsync/v3"
)

const lfQueueCapacity = 1024

type lfShape struct{ producers, consumers int }

func (c lfShape) String() string {
	return "producers=" + lfItoa(c.producers) + "/consumers=" + lfItoa(c.consumers)
}

func lfItoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return lfItoa(n/10) + string(rune('0'+n%10))
}

// retry is the caller's loop after the i-th failed Try in a row.
func lfRetry(i int) {
	if i%16 == 15 {
		runtime.Gosched()
	}
}

// lfTryQueue is the non-blocking method set that hotpath and xsync share.
type lfTryQueue interface {
	TryEnqueue(int) bool
	TryDequeue() (int, bool)
}

type lfChanTry chan int

func (c lfChanTry) TryEnqueue(v int) bool {
	select {
	case c <- v:
		return true
	default:
		return false
	}
}

func (c lfChanTry) TryDequeue() (int, bool) {
	select {
	case v := <-c:
		return v, true
	default:
		return 0, false
	}
}

// moveItems splits b.N items among the producers and the same b.N among the
// consumers, runs them and reports the rate.
func lfMoveItems(b *testing.B, c lfShape, put func(int), get func()) {
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	share := func(n, parts, k int) int {
		if k < n%parts {
			return n/parts + 1
		}
		return n / parts
	}
	for p := range c.producers {
		n := share(b.N, c.producers, p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				put(i)
			}
		}()
	}
	for k := range c.consumers {
		n := share(b.N, c.consumers, k)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				get()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

func lfMoveItemsTry(b *testing.B, c lfShape, q lfTryQueue) {
	lfMoveItems(b, c,
		func(v int) {
			for i := 0; !q.TryEnqueue(v); i++ {
				lfRetry(i)
			}
		},
		func() {
			for i := 0; ; i++ {
				if _, ok := q.TryDequeue(); ok {
					return
				}
				lfRetry(i)
			}
		})
}

func BenchmarkMPMCQueue(b *testing.B) {
	ctx := context.Background()
	for _, c := range []lfShape{{1, 1}, {2, 2}, {4, 4}} {
		b.Run("mode=try/impl=hotpath/"+c.String(), func(b *testing.B) {
			lfMoveItemsTry(b, c, lockfree.NewQueue[int](lfQueueCapacity))
		})
		b.Run("mode=try/impl=xsync/"+c.String(), func(b *testing.B) {
			lfMoveItemsTry(b, c, xsync.NewMPMCQueueOf[int](lfQueueCapacity))
		})
		b.Run("mode=try/impl=channel/"+c.String(), func(b *testing.B) {
			lfMoveItemsTry(b, c, make(lfChanTry, lfQueueCapacity))
		})
	}
	for _, c := range []lfShape{{1, 1}, {2, 2}, {4, 4}, {16, 16}} {
		b.Run("mode=blocking/impl=hotpath/"+c.String(), func(b *testing.B) {
			q := lockfree.NewQueue[int](lfQueueCapacity)
			lfMoveItems(b, c, func(v int) { _ = q.Enqueue(ctx, v) }, func() { _, _ = q.Dequeue(ctx) })
		})
		b.Run("mode=blocking/impl=xsync/"+c.String(), func(b *testing.B) {
			q := xsync.NewMPMCQueueOf[int](lfQueueCapacity)
			lfMoveItems(b, c, func(v int) { q.Enqueue(v) }, func() { q.Dequeue() })
		})
		b.Run("mode=blocking/impl=channel/"+c.String(), func(b *testing.B) {
			ch := make(chan int, lfQueueCapacity)
			lfMoveItems(b, c, func(v int) { ch <- v }, func() { <-ch })
		})
	}
}

func BenchmarkSPSCQueue(b *testing.B) {
	ctx := context.Background()
	one := lfShape{1, 1}
	b.Run("mode=try/impl=hotpath/"+one.String(), func(b *testing.B) {
		lfMoveItemsTry(b, one, lockfree.NewSPSCQueue[int](lfQueueCapacity))
	})
	b.Run("mode=try/impl=xsync/"+one.String(), func(b *testing.B) {
		lfMoveItemsTry(b, one, xsync.NewSPSCQueueOf[int](lfQueueCapacity))
	})
	b.Run("mode=try/impl=channel/"+one.String(), func(b *testing.B) {
		lfMoveItemsTry(b, one, make(lfChanTry, lfQueueCapacity))
	})
	b.Run("mode=blocking/impl=hotpath/"+one.String(), func(b *testing.B) {
		q := lockfree.NewSPSCQueue[int](lfQueueCapacity)
		lfMoveItems(b, one, func(v int) { _ = q.Enqueue(ctx, v) }, func() { _, _ = q.Dequeue(ctx) })
	})
	b.Run("mode=blocking/impl=channel/"+one.String(), func(b *testing.B) {
		ch := make(chan int, lfQueueCapacity)
		lfMoveItems(b, one, func(v int) { ch <- v }, func() { <-ch })
	})
}

// lfBigItem is large enough (1 KiB) that copying it in or out of a slot gives
// the thread a fair chance of being preempted between taking a ticket and
// publishing the slot: the window in which xsync's Try gives up.
type lfBigItem [128]int

// lfFalseFailures has workers goroutines each do rounds of "TryEnqueue, then
// TryDequeue" with more threads than cores. The queue never holds more than
// workers items and no goroutine dequeues before its own enqueue returned,
// so with capacity >= workers a Try that keeps its promise never fails.
func lfFalseFailures(workers, rounds int, enq func(int) bool, deq func() bool) (full, empty int) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4 * runtime.NumCPU()))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, e := 0, 0
			for range rounds {
				for !enq(w) {
					f++
				}
				for !deq() {
					e++
				}
			}
			mu.Lock()
			full += f
			empty += e
			mu.Unlock()
		}()
	}
	wg.Wait()
	return full, empty
}

// TestMPMCQueue_FalseFullAndEmpty reproduces the complaint about xsync's
// MPMCQueueOf (Try reporting full or empty on a queue that was neither)
// and shows that hotpath's Queue does not have it. It fails only if
// hotpath's queue reports a false failure; xsync's count is logged.
func TestMPMCQueue_FalseFullAndEmpty(t *testing.T) {
	const workers = 16
	rounds := 20000
	if testing.Short() {
		rounds = 2000
	}
	hq := lockfree.NewQueue[lfBigItem](workers)
	hf, he := lfFalseFailures(workers, rounds,
		func(v int) bool { return hq.TryEnqueue(lfBigItem{v}) },
		func() bool { _, ok := hq.TryDequeue(); return ok })
	xq := xsync.NewMPMCQueueOf[lfBigItem](workers)
	xf, xe := lfFalseFailures(workers, rounds,
		func(v int) bool { return xq.TryEnqueue(lfBigItem{v}) },
		func() bool { _, ok := xq.TryDequeue(); return ok })
	ops := 2 * workers * rounds
	t.Logf("%d Try operations, queue never holding more than its capacity %d:", ops, workers)
	t.Logf("  hotpath Queue:     TryEnqueue false %d times, TryDequeue false %d times", hf, he)
	t.Logf("  xsync MPMCQueueOf: TryEnqueue false %d times, TryDequeue false %d times", xf, xe)
	if hf != 0 || he != 0 {
		t.Errorf("hotpath Queue reported full %d and empty %d times on a queue that was neither", hf, he)
	}
}
