package lockfree

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// tryPairs has each of workers goroutines do, rounds times, one enqueue and
// then one dequeue with the Try operations. No goroutine dequeues before its
// own enqueue has returned, so at every instant the number of dequeues
// begun is at most the number of enqueues done, and the queue never holds
// more than workers items: with Cap() >= workers, a correct TryEnqueue never
// finds the queue full and a correct TryDequeue never finds it empty. This is
// the workload on which xsync's MPMCQueueOf reports ~50,000 false failures
// per 1.6M operations: its Try gives up when it meets a goroutine that was
// preempted between taking a ticket and publishing its slot. More runnable
// goroutines than processors, and more processors than cores, make such
// preemptions frequent.
func tryPairs(t *testing.T, workers, rounds int, enq func(int) bool, deq func() (int, bool)) (falseFull, falseEmpty int) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4 * runtime.NumCPU()))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			full, empty := 0, 0
			for i := range rounds {
				for !enq(w) {
					full++
				}
				for {
					if _, ok := deq(); ok {
						break
					}
					empty++
				}
				if i%64 == 0 {
					runtime.Gosched() // shuffle the interleavings
				}
			}
			mu.Lock()
			falseFull += full
			falseEmpty += empty
			mu.Unlock()
		}()
	}
	wg.Wait()
	return falseFull, falseEmpty
}

func tryPairsRounds() int {
	n := 50000 // 16 workers × 2 operations × 50,000 = 1.6M operations
	if raceEnabled {
		n = 5000
	}
	if testing.Short() {
		n /= 5
	}
	return n
}

// bigValue is a queue item large enough (1 KiB) that copying it into or out
// of a slot takes long enough for the thread to be preempted in the middle
// now and then: it widens the window between claiming a ticket and
// publishing the slot that a Try must not mistake for a full or empty queue.
// (With it, a queue that reports full or empty on meeting an unpublished
// slot, as xsync's does, fails this test hundreds of thousands of times.)
type bigValue [128]int

func TestQueue_TryEnqueueFailsOnlyWhenFullAndTryDequeueOnlyWhenEmpty(t *testing.T) {
	for _, workers := range []int{4, 16} {
		t.Run("value=int/workers="+itoa(workers), func(t *testing.T) {
			q := NewQueue[int](workers)
			full, empty := tryPairs(t, workers, tryPairsRounds(), q.TryEnqueue, q.TryDequeue)
			if full != 0 || empty != 0 {
				t.Errorf("on a queue of capacity %d that never held more than %d items: TryEnqueue reported full %d times, TryDequeue reported empty %d times; want 0 and 0",
					q.Cap(), workers, full, empty)
			}
		})
		t.Run("value=1KiB/workers="+itoa(workers), func(t *testing.T) {
			q := NewQueue[bigValue](workers)
			enq := func(v int) bool { return q.TryEnqueue(bigValue{v}) }
			deq := func() (int, bool) { v, ok := q.TryDequeue(); return v[0], ok }
			full, empty := tryPairs(t, workers, tryPairsRounds()/4, enq, deq)
			if full != 0 || empty != 0 {
				t.Errorf("on a queue of capacity %d that never held more than %d items: TryEnqueue reported full %d times, TryDequeue reported empty %d times; want 0 and 0",
					q.Cap(), workers, full, empty)
			}
		})
	}
}

func TestUnboundedQueue_TryDequeueFailsOnlyWhenEmpty(t *testing.T) {
	t.Run("value=int", func(t *testing.T) {
		q := NewUnboundedQueue[int]()
		enq := func(v int) bool { q.Enqueue(v); return true }
		_, empty := tryPairs(t, 16, tryPairsRounds(), enq, q.TryDequeue)
		if empty != 0 {
			t.Errorf("TryDequeue reported empty %d times on a queue that was never empty when it was called; want 0", empty)
		}
	})
	t.Run("value=1KiB", func(t *testing.T) {
		// Slow copies make consumers overtake producers between claiming a
		// slot and filling it, so slots are given up and re-claimed often.
		q := NewUnboundedQueue[bigValue]()
		enq := func(v int) bool { q.Enqueue(bigValue{v}); return true }
		deq := func() (int, bool) { v, ok := q.TryDequeue(); return v[0], ok }
		_, empty := tryPairs(t, 16, tryPairsRounds()/4, enq, deq)
		if empty != 0 {
			t.Errorf("TryDequeue reported empty %d times on a queue that was never empty when it was called; want 0", empty)
		}
	})
}

func TestStack_TryPopFailsOnlyWhenEmpty(t *testing.T) {
	var s Stack[int]
	push := func(v int) bool { s.Push(v); return true }
	_, empty := tryPairs(t, 16, tryPairsRounds(), push, s.TryPop)
	if empty != 0 {
		t.Errorf("TryPop reported empty %d times on a stack that was never empty when it was called; want 0", empty)
	}
}

// waitUntil polls cond for up to 10 s; the conditions it is used for hold
// within microseconds unless the code is broken.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		runtime.Gosched()
	}
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// parkedInSelect reports whether some goroutine is blocked in a select
// inside fn (a function name such as "lockfree.(*Queue[...]).dequeueSlow").
func parkedInSelect(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "[select") && strings.Contains(g, fn) {
			return true
		}
	}
	return false
}

func TestQueue_IdleDequeueParksInSelect(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fn      string
		waiting func() int
		dequeue func(context.Context) error
		enqueue func()
	}{
		func() (tc struct {
			name    string
			fn      string
			waiting func() int
			dequeue func(context.Context) error
			enqueue func()
		}) {
			q := NewQueue[int](4)
			tc.name, tc.fn, tc.waiting = "Queue", "(*Queue[...]).dequeueSlow", q.notEmpty.Waiting
			tc.dequeue = func(ctx context.Context) error { _, err := q.Dequeue(ctx); return err }
			tc.enqueue = func() { q.TryEnqueue(1) }
			return tc
		}(),
		func() (tc struct {
			name    string
			fn      string
			waiting func() int
			dequeue func(context.Context) error
			enqueue func()
		}) {
			q := NewSPSCQueue[int](4)
			tc.name, tc.fn, tc.waiting = "SPSCQueue", "(*SPSCQueue[...]).dequeueSlow", q.notEmpty.Waiting
			tc.dequeue = func(ctx context.Context) error { _, err := q.Dequeue(ctx); return err }
			tc.enqueue = func() { q.TryEnqueue(1) }
			return tc
		}(),
		func() (tc struct {
			name    string
			fn      string
			waiting func() int
			dequeue func(context.Context) error
			enqueue func()
		}) {
			q := NewUnboundedQueue[int]()
			tc.name, tc.fn, tc.waiting = "UnboundedQueue", "(*UnboundedQueue[...]).dequeueSlow", q.notEmpty.Waiting
			tc.dequeue = func(ctx context.Context) error { _, err := q.Dequeue(ctx); return err }
			tc.enqueue = func() { q.Enqueue(1) }
			return tc
		}(),
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error)
			go func() { done <- tc.dequeue(context.Background()) }()
			waitUntil(t, "Dequeue registers as a waiter", func() bool { return tc.waiting() == 1 })
			waitUntil(t, "Dequeue is parked in a select", func() bool { return parkedInSelect(tc.fn) })
			tc.enqueue()
			if err := <-done; err != nil {
				t.Fatalf("Dequeue = %v after an enqueue, want nil", err)
			}
		})
	}
}

func TestQueue_DequeueReturnsPromptlyWhenContextIsCancelled(t *testing.T) {
	q := NewQueue[int](4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := q.Dequeue(ctx); done <- err }()
	waitUntil(t, "Dequeue registers as a waiter", func() bool { return q.notEmpty.Waiting() == 1 })
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Dequeue = %v after cancel, want context.Canceled", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Dequeue took %v to notice the cancellation", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Dequeue did not return after its context was cancelled")
	}
	if n := q.notEmpty.Waiting(); n != 0 {
		t.Fatalf("a cancelled Dequeue left %d waiters registered", n)
	}
}

func TestQueue_EnqueueWaitsWhileFullAndHonoursDeadline(t *testing.T) {
	q := NewQueue[int](2)
	q.TryEnqueue(1)
	q.TryEnqueue(2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := q.Enqueue(ctx, 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Enqueue on a full queue = %v, want context.DeadlineExceeded", err)
	}
	if q.Len() != 2 {
		t.Fatalf("a timed-out Enqueue changed Len to %d", q.Len())
	}
	done := make(chan error)
	go func() { done <- q.Enqueue(context.Background(), 3) }()
	waitUntil(t, "Enqueue registers as a waiter", func() bool { return q.notFull.Waiting() == 1 })
	if v, _ := q.TryDequeue(); v != 1 {
		t.Fatalf("TryDequeue = %d, want 1", v)
	}
	if err := <-done; err != nil {
		t.Fatalf("Enqueue = %v after room was made, want nil", err)
	}
	for _, want := range []int{2, 3} {
		if v, ok := q.TryDequeue(); !ok || v != want {
			t.Fatalf("TryDequeue = %d, %v, want %d, true", v, ok, want)
		}
	}
}

// TestQueue_CancelledDequeueNeverLosesOrDuplicatesAnItem races a Dequeue
// whose context is about to end with the enqueue of one item, many times.
// Either the Dequeue returns the item, or it returns ctx.Err() and the item
// is still in the queue: never both, never neither.
func TestQueue_CancelledDequeueNeverLosesOrDuplicatesAnItem(t *testing.T) {
	rounds := 2000
	if raceEnabled || testing.Short() {
		rounds = 300
	}
	type queue struct {
		name    string
		enqueue func(int)
		try     func() (int, bool)
		dequeue func(context.Context) (int, error)
		waiting func() int
	}
	q := NewQueue[int](4)
	s := NewSPSCQueue[int](4)
	u := NewUnboundedQueue[int]()
	for _, qq := range []queue{
		{"Queue", func(v int) { q.TryEnqueue(v) }, q.TryDequeue, q.Dequeue, q.notEmpty.Waiting},
		{"SPSCQueue", func(v int) { s.TryEnqueue(v) }, s.TryDequeue, s.Dequeue, s.notEmpty.Waiting},
		{"UnboundedQueue", u.Enqueue, u.TryDequeue, u.Dequeue, u.notEmpty.Waiting},
	} {
		t.Run(qq.name, func(t *testing.T) {
			got, left := 0, 0
			for i := range rounds {
				ctx, cancel := context.WithCancel(context.Background())
				type result struct {
					v   int
					err error
				}
				done := make(chan result)
				go func() { v, err := qq.dequeue(ctx); done <- result{v, err} }()
				if i%2 == 0 {
					// Race the cancellation with the wake-up of a
					// parked waiter; odd rounds race it with the spin.
					waitUntil(t, "Dequeue parks", func() bool { return qq.waiting() == 1 })
				}
				go cancel()
				if i%3 == 0 {
					runtime.Gosched()
				}
				qq.enqueue(i + 1)
				r := <-done
				cancel()
				v, ok := qq.try()
				switch {
				case r.err == nil && r.v == i+1 && !ok:
					got++
				case errors.Is(r.err, context.Canceled) && ok && v == i+1:
					left++
				default:
					t.Fatalf("round %d: Dequeue = %d, %v; then TryDequeue = %d, %v: the item was lost or duplicated", i, r.v, r.err, v, ok)
				}
			}
			t.Logf("%d rounds: Dequeue got the item %d times, gave up and left it %d times", rounds, got, left)
		})
	}
}
