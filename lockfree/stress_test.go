package lockfree

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// mpmc is what the three queues offer to a stress test: a way to put an
// item in that waits for room, and a way to take one out that waits for it.
type mpmc interface {
	put(ctx context.Context, v uint64) error
	get(ctx context.Context) (uint64, error)
}

type queueUnderTest struct{ *Queue[uint64] }

func (q queueUnderTest) put(ctx context.Context, v uint64) error { return q.Enqueue(ctx, v) }
func (q queueUnderTest) get(ctx context.Context) (uint64, error) { return q.Dequeue(ctx) }

type spscUnderTest struct{ *SPSCQueue[uint64] }

func (q spscUnderTest) put(ctx context.Context, v uint64) error { return q.Enqueue(ctx, v) }
func (q spscUnderTest) get(ctx context.Context) (uint64, error) { return q.Dequeue(ctx) }

type unboundedUnderTest struct{ *UnboundedQueue[uint64] }

func (q unboundedUnderTest) put(_ context.Context, v uint64) error   { q.Enqueue(v); return nil }
func (q unboundedUnderTest) get(ctx context.Context) (uint64, error) { return q.Dequeue(ctx) }

// spinQueueUnderTest uses only the Try operations, retrying on failure, so
// that the stress test also covers the paths without parking.
type spinQueueUnderTest struct{ *Queue[uint64] }

func (q spinQueueUnderTest) put(_ context.Context, v uint64) error {
	for !q.TryEnqueue(v) {
		runtime.Gosched()
	}
	return nil
}

func (q spinQueueUnderTest) get(context.Context) (uint64, error) {
	for {
		if v, ok := q.TryDequeue(); ok {
			return v, nil
		}
		runtime.Gosched()
	}
}

// stamp makes a value unique across producers: the producer's number in the
// high half, its sequence number in the low half.
func stamp(producer, seq int) uint64 { return uint64(producer)<<32 | uint64(seq) }

// stressUniqueValues runs producers × perProducer stamped values through q
// with the given number of consumers, and checks that every value comes out
// exactly once and that each consumer sees each producer's values in the
// order they were produced (a FIFO queue cannot reorder one producer's
// items, whoever dequeues them).
func stressUniqueValues(t *testing.T, q mpmc, producers, consumers, perProducer int) {
	t.Helper()
	ctx := context.Background()
	total := int64(producers * perProducer)
	var remaining atomic.Int64 // dequeues still to be done, claimed before each
	remaining.Store(total)
	seen := make([][]atomic.Int32, producers) // seen[p][seq]: times dequeued
	for p := range seen {
		seen[p] = make([]atomic.Int32, perProducer)
	}
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perProducer {
				if err := q.put(ctx, stamp(p, i)); err != nil {
					t.Errorf("producer %d: put: %v", p, err)
					return
				}
			}
		}()
	}
	for c := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := make([]int, producers) // last seq seen per producer, -1: none
			for i := range last {
				last[i] = -1
			}
			for remaining.Add(-1) >= 0 {
				v, err := q.get(ctx)
				if err != nil {
					t.Errorf("consumer %d: get: %v", c, err)
					return
				}
				p, seq := int(v>>32), int(uint32(v))
				if p >= producers || seq >= perProducer {
					t.Errorf("consumer %d: got %#x, which no producer made", c, v)
					return
				}
				if seq <= last[p] {
					t.Errorf("consumer %d: producer %d's item %d came after its item %d", c, p, seq, last[p])
				}
				last[p] = seq
				seen[p][seq].Add(1)
			}
		}()
	}
	wg.Wait()
	for p := range seen {
		for seq := range seen[p] {
			if n := seen[p][seq].Load(); n != 1 {
				t.Errorf("producer %d's item %d was dequeued %d times, want exactly once", p, seq, n)
			}
		}
	}
}

// stressSize is the number of items per producer: smaller under -short and
// under the race detector, which slows atomics down by an order of magnitude.
func stressSize() int {
	n := 20000
	if raceEnabled {
		n = 4000
	}
	if testing.Short() {
		n /= 4
	}
	return n
}

func TestQueue_EveryValueDequeuedExactlyOnceInProducerOrder(t *testing.T) {
	for _, tc := range []struct {
		name                string
		capacity            int
		producers, consumer int
		try                 bool
	}{
		{"capacity=1/1P1C", 1, 1, 1, false},
		{"capacity=2/4P4C", 2, 4, 4, false},
		{"capacity=8/8P2C", 8, 8, 2, false},
		{"capacity=64/2P8C", 64, 2, 8, false},
		{"capacity=4/4P4C/try", 4, 4, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q mpmc = queueUnderTest{NewQueue[uint64](tc.capacity)}
			if tc.try {
				q = spinQueueUnderTest{NewQueue[uint64](tc.capacity)}
			}
			stressUniqueValues(t, q, tc.producers, tc.consumer, stressSize())
		})
	}
}

func TestSPSCQueue_EveryValueDequeuedExactlyOnceInOrder(t *testing.T) {
	for _, capacity := range []int{1, 4, 1024} {
		t.Run("capacity="+itoa(capacity), func(t *testing.T) {
			stressUniqueValues(t, spscUnderTest{NewSPSCQueue[uint64](capacity)}, 1, 1, 5*stressSize())
		})
	}
}

func TestUnboundedQueue_EveryValueDequeuedExactlyOnceInProducerOrder(t *testing.T) {
	for _, pc := range [][2]int{{1, 1}, {4, 4}, {8, 2}, {2, 8}} {
		t.Run(itoa(pc[0])+"P"+itoa(pc[1])+"C", func(t *testing.T) {
			stressUniqueValues(t, unboundedUnderTest{NewUnboundedQueue[uint64]()}, pc[0], pc[1], stressSize())
		})
	}
}

func TestStack_EveryValuePoppedExactlyOnce(t *testing.T) {
	var s Stack[uint64]
	const workers = 8
	n := stressSize()
	seen := make([]atomic.Int32, workers*n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			popped := 0
			for i := range n {
				s.Push(uint64(w*n + i))
				if i%2 == 1 { // pop half as often as we push, then drain below
					if v, ok := s.TryPop(); ok {
						seen[v].Add(1)
						popped++
					} else {
						t.Errorf("worker %d: TryPop found the stack empty right after its own Push", w)
					}
				}
			}
		}()
	}
	wg.Wait()
	for {
		v, ok := s.TryPop()
		if !ok {
			break
		}
		seen[v].Add(1)
	}
	for i := range seen {
		if c := seen[i].Load(); c != 1 {
			t.Errorf("value %d popped %d times, want exactly once", i, c)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

// UnboundedQueue.Len under concurrency: while producers and polling
// consumers run (consumers that poll an empty queue give slots up before
// their producers fill them, the case Len's counting must cancel out), a
// monitor's Len stays between 0 and the enqueues begun less the dequeues
// done; once everything has returned it is exact.
func TestUnboundedQueue_LenIsExactWhenQuiescent(t *testing.T) {
	const producers, consumers, each, taken = 4, 4, 20_000, 60_000
	q := NewUnboundedQueue[int]()
	q.segSlots = 8 // many segment boundaries
	s := q.newSegment()
	q.head.Store(s)
	q.tail.Store(s)
	var started, dequeued atomic.Int64
	done := make(chan struct{})
	var monitor sync.WaitGroup
	monitor.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			taken := dequeued.Load()
			n := q.Len()
			if begun := started.Load(); n < 0 || int64(n) > begun-taken {
				t.Errorf("Len() = %d with at most %d enqueues begun and at least %d dequeues done", n, begun, taken)
				return
			}
		}
	})
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for i := range each {
				started.Add(1)
				q.Enqueue(i)
			}
		})
	}
	var left atomic.Int64
	left.Store(taken)
	for range consumers {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				for {
					if _, ok := q.TryDequeue(); ok {
						dequeued.Add(1)
						break
					}
				}
			}
		})
	}
	wg.Wait()
	close(done)
	monitor.Wait()
	if got, want := q.Len(), producers*each-taken; got != want {
		t.Fatalf("Len() = %d after %d enqueues and %d dequeues, want %d", got, producers*each, taken, want)
	}
	for range 5 {
		q.TryDequeue()
	}
	q.Close()
	if got, want := q.Len(), producers*each-taken-5; got != want {
		t.Fatalf("Len() after Close = %d, want %d", got, want)
	}
}
