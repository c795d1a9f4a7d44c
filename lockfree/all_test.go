package lockfree

import (
	"context"
	"iter"
	"slices"
	"testing"
	"time"
)

// rangeable is what the three queues offer for ranging over them.
type rangeable interface {
	All(context.Context) iter.Seq[int]
	Close()
	TryDequeue() (int, bool)
}

// eachQueue calls f with a fresh queue of every type and a function that
// enqueues into it.
func eachQueue(t *testing.T, f func(t *testing.T, q rangeable, enqueue func(int))) {
	bg := context.Background()
	q, s, u := NewQueue[int](8), NewSPSCQueue[int](8), NewUnboundedQueue[int]()
	t.Run("Queue", func(t *testing.T) { f(t, q, func(v int) { q.Enqueue(bg, v) }) })
	t.Run("SPSCQueue", func(t *testing.T) { f(t, s, func(v int) { s.Enqueue(bg, v) }) })
	t.Run("UnboundedQueue", func(t *testing.T) { f(t, u, u.Enqueue) })
}

// A range over All receives every item in order, waiting for the producer
// (the queues hold 8, the producer sends 1,000), and ends once the queue
// is closed and drained, as a range over a channel ends when it is closed.
func TestQueues_AllEndsWhenClosedAndDrained(t *testing.T) {
	eachQueue(t, func(t *testing.T, q rangeable, enqueue func(int)) {
		go func() {
			for v := range 1000 {
				enqueue(v)
			}
			q.Close()
		}()
		var got []int
		for v := range q.All(context.Background()) {
			got = append(got, v)
		}
		if len(got) != 1000 || !slices.IsSorted(got) || got[0] != 0 || got[999] != 999 {
			t.Fatalf("the range received %d items (first %v): want 0 to 999 in order", len(got), got[:min(len(got), 5)])
		}
	})
}

// A loop that breaks takes nothing more: the next item stays in the queue.
func TestQueues_AllLeavesTheRestWhenTheLoopBreaks(t *testing.T) {
	eachQueue(t, func(t *testing.T, q rangeable, enqueue func(int)) {
		for v := range 5 {
			enqueue(v)
		}
		for v := range q.All(context.Background()) {
			if v == 2 {
				break
			}
		}
		if v, ok := q.TryDequeue(); !ok || v != 3 {
			t.Fatalf("after a loop that broke at 2, TryDequeue = (%d, %v), want (3, true)", v, ok)
		}
	})
}

// A range over an open, empty queue ends when its context does, and takes
// nothing: an item enqueued after is still there.
func TestQueues_AllEndsWhenTheContextEnds(t *testing.T) {
	eachQueue(t, func(t *testing.T, q rangeable, enqueue func(int)) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		done := make(chan int)
		go func() {
			n := 0
			for range q.All(ctx) {
				n++
			}
			done <- n
		}()
		select {
		case n := <-done:
			if n != 0 || ctx.Err() == nil {
				t.Fatalf("the range ended with %d items and ctx.Err() = %v: want 0 and the deadline", n, ctx.Err())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a range over an empty queue did not end when its context did")
		}
		enqueue(7)
		if v, ok := q.TryDequeue(); !ok || v != 7 {
			t.Fatalf("TryDequeue = (%d, %v) after the range ended, want (7, true)", v, ok)
		}
	})
}
