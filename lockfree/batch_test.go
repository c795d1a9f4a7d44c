package lockfree

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// batchQueue is what Queue and SPSCQueue offer for batches.
type batchQueue interface {
	EnqueueBatch(context.Context, []uint64) (int, error)
	DequeueBatch(context.Context, []uint64) (int, error)
	Close()
}

// stressBatches runs producers × perProducer stamped values, put in
// batches of 1 to 13, through q to consumers that take them in batches of
// 1 to 17 until the queue is closed and drained, and checks that every
// value comes out exactly once and in its producer's order within each
// consumer.
func stressBatches(t *testing.T, q batchQueue, producers, consumers, perProducer int) {
	t.Helper()
	ctx := context.Background()
	var pw sync.WaitGroup
	for p := range producers {
		pw.Go(func() {
			src := make([]uint64, 0, 13)
			for i := 0; i < perProducer; {
				src = src[:0]
				for size := i%13 + 1; size > 0 && i < perProducer; size-- {
					src = append(src, stamp(p, i))
					i++
				}
				if n, err := q.EnqueueBatch(ctx, src); err != nil || n != len(src) {
					t.Errorf("producer %d: EnqueueBatch(%d items) = %d, %v", p, len(src), n, err)
					return
				}
			}
		})
	}
	got := make([][]uint64, consumers)
	var cw sync.WaitGroup
	for c := range consumers {
		cw.Go(func() {
			buf := make([]uint64, 17)
			for size := 1; ; size = size%17 + 1 {
				n, err := q.DequeueBatch(ctx, buf[:size])
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil || n < 1 || n > size {
					t.Errorf("consumer %d: DequeueBatch(%d slots) = %d, %v", c, size, n, err)
					return
				}
				got[c] = append(got[c], buf[:n]...)
			}
		})
	}
	pw.Wait()
	q.Close()
	cw.Wait()
	seen := make([][]int, producers)
	for p := range seen {
		seen[p] = make([]int, perProducer)
	}
	for c, vs := range got {
		last := make([]int, producers)
		for i := range last {
			last[i] = -1
		}
		for _, v := range vs {
			p, seq := int(v>>32), int(uint32(v))
			if p >= producers || seq >= perProducer {
				t.Fatalf("consumer %d got %#x, which no producer made", c, v)
			}
			if seq <= last[p] {
				t.Fatalf("consumer %d: producer %d's item %d came after its item %d", c, p, seq, last[p])
			}
			last[p] = seq
			seen[p][seq]++
		}
	}
	for p := range seen {
		for seq, n := range seen[p] {
			if n != 1 {
				t.Fatalf("producer %d's item %d came out %d times, want exactly once", p, seq, n)
			}
		}
	}
}

func TestQueue_BatchConsumersGetEveryValueOnceInProducerOrder(t *testing.T) {
	for _, capacity := range []int{1, 8, 64} {
		stressBatches(t, NewQueue[uint64](capacity), 4, 4, stressSize()/4)
	}
}

func TestSPSCQueue_BatchConsumerGetsEveryValueOnceInOrder(t *testing.T) {
	for _, capacity := range []int{1, 8, 64} {
		stressBatches(t, NewSPSCQueue[uint64](capacity), 1, 1, stressSize())
	}
}

// A batch frees several slots at once: it wakes as many producers parked
// on the full queue, each of which then finds room, with no other dequeue
// to wake them.
func TestQueue_ABatchWakesAProducerForEverySlotItFrees(t *testing.T) {
	q := NewQueue[int](4)
	for i := range 4 {
		q.TryEnqueue(i)
	}
	errs := make(chan error, 3)
	for v := 4; v < 7; v++ {
		go func() { errs <- q.Enqueue(context.Background(), v) }()
	}
	waitUntil(t, "three producers are parked", func() bool { return q.notFull.Waiting() == 3 })
	buf := make([]int, 4)
	if n := q.TryDequeueBatch(buf); n != 4 {
		t.Fatalf("TryDequeueBatch = %d, want 4", n)
	}
	for range 3 {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatalf("a woken Enqueue = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a producer parked on the full queue stayed parked after a batch freed every slot")
		}
	}
	if q.Len() != 3 {
		t.Fatalf("Len = %d after the three producers, want 3", q.Len())
	}
}

// A batch of items fills the slots it claims: it wakes as many consumers
// parked on the empty queue, each of which then finds an item.
func TestQueue_ABatchWakesAConsumerForEveryItemItAdds(t *testing.T) {
	q := NewQueue[int](4)
	got := make(chan int, 3)
	for range 3 {
		go func() {
			v, err := q.Dequeue(context.Background())
			if err != nil {
				v = -1
			}
			got <- v
		}()
	}
	waitUntil(t, "three consumers are parked", func() bool { return q.notEmpty.Waiting() == 3 })
	if n := q.TryEnqueueBatch([]int{1, 2, 3}); n != 3 {
		t.Fatalf("TryEnqueueBatch = %d, want 3", n)
	}
	sum := 0
	for range 3 {
		select {
		case v := <-got:
			sum += v
		case <-time.After(10 * time.Second):
			t.Fatal("a consumer parked on the empty queue stayed parked after a batch filled three slots")
		}
	}
	if sum != 6 {
		t.Fatalf("the consumers got items summing to %d, want 1+2+3", sum)
	}
}
