package lockfree

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// closable is what the three queues have in common for closing.
type closable interface {
	Close()
	Closed() bool
	Dequeue(context.Context) (int, error)
}

// Consumers parked in Dequeue on an empty queue all wake when it is closed,
// and get ErrClosed.
func TestQueues_CloseWakesEveryParkedConsumer(t *testing.T) {
	for _, tc := range []struct {
		name, fn  string
		q         closable
		consumers int
	}{
		{"Queue", "lockfree.(*Queue[...]).dequeueSlow", NewQueue[int](4), 4},
		{"SPSCQueue", "lockfree.(*SPSCQueue[...]).dequeueSlow", NewSPSCQueue[int](4), 1},
		{"UnboundedQueue", "lockfree.(*UnboundedQueue[...]).dequeueSlow", NewUnboundedQueue[int](), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := make(chan error, tc.consumers)
			for range tc.consumers {
				go func() {
					_, err := tc.q.Dequeue(context.Background())
					errs <- err
				}()
			}
			waitUntil(t, "a consumer is parked", func() bool { return parkedInSelect(tc.fn) })
			tc.q.Close()
			awaitErrClosed(t, errs, tc.consumers, "Dequeue")
			if !tc.q.Closed() {
				t.Fatal("Closed() = false after Close")
			}
		})
	}
}

// awaitErrClosed receives n results of calls to op that were parked when
// the queue was closed, and fails unless each is ErrClosed within 10 s.
func awaitErrClosed(t *testing.T, errs <-chan error, n int, op string) {
	t.Helper()
	for range n {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("%s woken by Close = %v, want ErrClosed", op, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("a goroutine parked in %s did not wake when the queue was closed", op)
		}
	}
}

// Producers parked in Enqueue on a full queue wake when it is closed, get
// ErrClosed, and their items stay out; the items already in the queue are
// still dequeued, in order, before ErrClosed.
func TestQueue_CloseWakesParkedProducersAndKeepsTheQueuedItems(t *testing.T) {
	q := NewQueue[int](2)
	q.TryEnqueue(1)
	q.TryEnqueue(2)
	errs := make(chan error, 3)
	for v := 3; v <= 5; v++ {
		go func() { errs <- q.Enqueue(context.Background(), v) }()
	}
	waitUntil(t, "a producer is parked", func() bool { return parkedInSelect("lockfree.(*Queue[...]).enqueueSlow") })
	q.Close()
	awaitErrClosed(t, errs, 3, "Enqueue")
	for want := 1; want <= 2; want++ {
		if v, err := q.Dequeue(context.Background()); err != nil || v != want {
			t.Fatalf("Dequeue() = %d, %v after Close, want %d, nil", v, err, want)
		}
	}
	if v, err := q.Dequeue(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Dequeue() on the drained, closed queue = %d, %v, want ErrClosed", v, err)
	}
}

// closeRace runs producers that enqueue stamped values until the queue is
// closed under them, a closer that closes it midway, and consumers that
// dequeue until ErrClosed, and checks that exactly the values whose enqueue
// succeeded came out, each once and in its producer's order. It reports
// whether the close cut a producer short.
func closeRace(t *testing.T, producers, consumers, perProducer int, enqueue func(v uint64) bool, close func(), dequeue func() (uint64, error)) (cut bool) {
	t.Helper()
	accepted := make([]int, producers) // how many of each producer's values were enqueued
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range perProducer {
				if !enqueue(stamp(p, i)) {
					return
				}
				accepted[p]++
			}
		})
	}
	wg.Go(func() {
		// Close while the producers are busy, or after they are done on a
		// fast machine: either way nothing may be lost.
		time.Sleep(time.Millisecond)
		close()
	})
	got := make([][]uint64, consumers)
	var cwg sync.WaitGroup
	for c := range consumers {
		cwg.Go(func() {
			for {
				v, err := dequeue()
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Dequeue = %v", err)
					return
				}
				got[c] = append(got[c], v)
			}
		})
	}
	wg.Wait()
	cwg.Wait()
	next := make([]int, producers) // per producer, the next sequence number each consumer may see
	seen := make([]int, producers)
	for _, vs := range got {
		clear(next)
		for _, v := range vs {
			p, i := int(v>>32), int(uint32(v))
			if i < next[p] {
				t.Fatalf("producer %d's value %d came out after its value %d", p, i, next[p]-1)
			}
			next[p] = i + 1
			seen[p]++
		}
	}
	for p := range producers {
		if seen[p] != accepted[p] {
			t.Fatalf("producer %d: %d values accepted before the close, %d dequeued", p, accepted[p], seen[p])
		}
		cut = cut || accepted[p] < perProducer
	}
	return cut
}

// closeRaces runs closeRace rounds times and fails if no round's close
// came while producers were still enqueueing, which would have tested
// nothing about the race.
func closeRaces(t *testing.T, rounds int, round func() bool) {
	t.Helper()
	cut := 0
	for range rounds {
		if round() {
			cut++
		}
	}
	if cut == 0 {
		t.Fatalf("in none of %d rounds did the close come while producers were enqueueing", rounds)
	}
}

func TestQueue_CloseRacingProducersLosesNothing(t *testing.T) {
	closeRaces(t, 20, func() bool {
		q := NewQueue[uint64](64)
		return closeRace(t, 4, 3, 100_000,
			func(v uint64) bool { return q.Enqueue(context.Background(), v) == nil },
			q.Close,
			func() (uint64, error) { return q.Dequeue(context.Background()) })
	})
}

// The same with consumers that never block, and stop as Queue.Closed's doc
// says they may: when a TryDequeue made after Closed reported true still
// finds the queue empty.
func TestQueue_TryConsumersStopWhenClosedAndEmptyLoseNothing(t *testing.T) {
	closeRaces(t, 20, func() bool {
		q := NewQueue[uint64](64)
		return closeRace(t, 4, 3, 100_000,
			func(v uint64) bool { return q.Enqueue(context.Background(), v) == nil },
			q.Close,
			func() (uint64, error) {
				for {
					if v, ok := q.TryDequeue(); ok {
						return v, nil
					}
					if q.Closed() {
						if v, ok := q.TryDequeue(); ok {
							return v, nil
						}
						return 0, ErrClosed
					}
					runtime.Gosched()
				}
			})
	})
}

func TestUnboundedQueue_CloseRacingProducersLosesNothing(t *testing.T) {
	closeRaces(t, 20, func() bool {
		q := NewUnboundedQueue[uint64]()
		q.segSlots = 4 // many segment boundaries for Close to meet
		s := q.newSegment()
		q.head.Store(s)
		q.tail.Store(s)
		enqueue := func(v uint64) (ok bool) {
			defer func() {
				if r := recover(); r != nil {
					if msg, _ := r.(string); msg != "lockfree: Enqueue on a closed UnboundedQueue" {
						panic(r)
					}
					ok = false
				}
			}()
			q.Enqueue(v)
			return true
		}
		return closeRace(t, 4, 3, 100_000, enqueue, q.Close,
			func() (uint64, error) { return q.Dequeue(context.Background()) })
	})
}

// The producer of an SPSCQueue enqueues and then closes it; the consumer
// gets every value in order and then ErrClosed.
func TestSPSCQueue_ConsumerDrainsWhatTheProducerEnqueuedBeforeClosing(t *testing.T) {
	const n = 200_000
	q := NewSPSCQueue[int](16)
	go func() {
		for i := range n {
			if err := q.Enqueue(context.Background(), i); err != nil {
				t.Errorf("Enqueue(%d) = %v", i, err)
				return
			}
		}
		q.Close()
	}()
	for want := 0; ; want++ {
		v, err := q.Dequeue(context.Background())
		if errors.Is(err, ErrClosed) {
			if want != n {
				t.Fatalf("ErrClosed after %d values, want %d", want, n)
			}
			return
		}
		if err != nil || v != want {
			t.Fatalf("Dequeue() = %d, %v, want %d, nil", v, err, want)
		}
	}
}

func TestQueues_CloseTwiceIsANoOp(t *testing.T) {
	q := NewQueue[int](2)
	s := NewSPSCQueue[int](2)
	u := NewUnboundedQueue[int]()
	for _, c := range []closable{q, s, u} {
		c.Close()
		c.Close()
		if !c.Closed() {
			t.Fatalf("%T: Closed() = false after Close", c)
		}
		if _, err := c.Dequeue(context.Background()); !errors.Is(err, ErrClosed) {
			t.Fatalf("%T: Dequeue on a closed empty queue = %v, want ErrClosed", c, err)
		}
	}
	if q.Len() != 0 || s.Len() != 0 {
		t.Fatalf("Len() = %d, %d on closed empty queues, want 0", q.Len(), s.Len())
	}
}
