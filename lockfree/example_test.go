package lockfree_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hotpath/hotpath/lockfree"
)

func ExampleQueue() {
	q := lockfree.NewQueue[string](3) // rounded up to 4
	fmt.Println("capacity", q.Cap())
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		fmt.Println("enqueue", s, q.TryEnqueue(s)) // false only when full
	}
	for {
		s, ok := q.TryDequeue() // false only when empty
		if !ok {
			break
		}
		fmt.Println("dequeue", s)
	}
	// Output:
	// capacity 4
	// enqueue a true
	// enqueue b true
	// enqueue c true
	// enqueue d true
	// enqueue e false
	// dequeue a
	// dequeue b
	// dequeue c
	// dequeue d
}

// A worker pool fed through a bounded queue: producers wait (parked) while
// the workers are behind, workers wait (parked) while there is no work, and
// cancelling the context stops everyone.
func ExampleQueue_Dequeue() {
	ctx, cancel := context.WithCancel(context.Background())
	q := lockfree.NewQueue[int](8)
	results := lockfree.NewQueue[int](128)

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := q.Dequeue(ctx) // parks while idle: no CPU used
				if err != nil {
					return // ctx cancelled
				}
				results.TryEnqueue(n * n)
			}
		}()
	}
	for i := 1; i <= 10; i++ {
		if err := q.Enqueue(ctx, i); err != nil { // waits while full
			panic(err)
		}
	}
	sum := 0
	for range 10 {
		sq, _ := results.Dequeue(ctx)
		sum += sq
	}
	cancel()
	wg.Wait()
	fmt.Println("sum of squares:", sum)
	// Output: sum of squares: 385
}

// Closing a queue ends its consumers as closing a channel ends a range over
// it: each takes what is left and then gets ErrClosed.
func ExampleQueue_Close() {
	q := lockfree.NewQueue[int](16)
	var total sync.WaitGroup
	sums := make([]int, 3)
	for w := range sums {
		total.Go(func() {
			for {
				n, err := q.Dequeue(context.Background())
				if errors.Is(err, lockfree.ErrClosed) {
					return // closed and drained
				}
				sums[w] += n
			}
		})
	}
	for i := 1; i <= 100; i++ {
		q.Enqueue(context.Background(), i)
	}
	q.Close()
	total.Wait()
	fmt.Println("sum:", sums[0]+sums[1]+sums[2])
	fmt.Println("enqueue after close:", q.Enqueue(context.Background(), 101))
	// Output:
	// sum: 5050
	// enqueue after close: lockfree: queue closed
}

func ExampleQueue_Enqueue_timeout() {
	q := lockfree.NewQueue[int](1)
	q.TryEnqueue(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	err := q.Enqueue(ctx, 2) // the queue stays full: gives up when ctx ends
	fmt.Println(err, q.Len())
	// Output: context deadline exceeded 1
}

func ExampleSPSCQueue() {
	q := lockfree.NewSPSCQueue[int](64)
	done := make(chan int)
	go func() { // the one consumer
		sum := 0
		for {
			v, err := q.Dequeue(context.Background())
			if err != nil || v < 0 {
				done <- sum
				return
			}
			sum += v
		}
	}()
	for i := 1; i <= 100; i++ { // the one producer
		_ = q.Enqueue(context.Background(), i)
	}
	_ = q.Enqueue(context.Background(), -1)
	fmt.Println(<-done)
	// Output: 5050
}

func ExampleUnboundedQueue() {
	q := lockfree.NewUnboundedQueue[string]()
	q.Enqueue("first")
	q.Enqueue("second")
	a, _ := q.TryDequeue()
	b, _ := q.Dequeue(context.Background())
	_, ok := q.TryDequeue()
	fmt.Println(a, b, ok)
	// Output: first second false
}

func ExampleStack() {
	var s lockfree.Stack[int] // the zero value is ready to use
	s.Push(1)
	s.Push(2)
	s.Push(3)
	for {
		v, ok := s.TryPop()
		if !ok {
			break
		}
		fmt.Print(v, " ")
	}
	fmt.Println()
	// Output: 3 2 1
}

// All is the queue's form of ranging over a channel: the loop takes each
// item as it comes and ends when the queue is closed and drained.
func ExampleQueue_All() {
	q := lockfree.NewQueue[string](4)
	go func() {
		for _, job := range []string{"resize", "encode", "upload", "notify", "clean up"} {
			q.Enqueue(context.Background(), job) // waits while the queue is full
		}
		q.Close()
	}()
	for job := range q.All(context.Background()) {
		fmt.Println(job)
	}
	// Output:
	// resize
	// encode
	// upload
	// notify
	// clean up
}

// A consumer that ships items in groups (a log shipper, a bulk insert)
// takes whatever has queued up, up to its buffer's size, in one call.
func ExampleQueue_DequeueBatch() {
	q := lockfree.NewQueue[string](64)
	for _, line := range []string{"GET /", "GET /about", "POST /login", "GET /"} {
		q.Enqueue(context.Background(), line)
	}
	buf := make([]string, 3)
	for range 2 {
		n, err := q.DequeueBatch(context.Background(), buf) // waits only while the queue is empty
		if err != nil {
			return
		}
		fmt.Println(n, "lines:", buf[:n])
	}
	// Output:
	// 3 lines: [GET / GET /about POST /login]
	// 1 lines: [GET /]
}
