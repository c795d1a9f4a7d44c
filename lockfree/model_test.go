package lockfree

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// cancelled is a context that is already done, for checking that a blocking
// operation that would have to wait returns ctx.Err() and changes nothing.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// boundedQueue is what Queue and SPSCQueue have in common.
type boundedQueue interface {
	TryEnqueue(int) bool
	TryDequeue() (int, bool)
	Enqueue(context.Context, int) error
	Dequeue(context.Context) (int, error)
	TryDequeueBatch([]int) int
	DequeueBatch(context.Context, []int) (int, error)
	TryEnqueueBatch([]int) int
	EnqueueBatch(context.Context, []int) (int, error)
	Len() int
	Cap() int
	Close()
	Closed() bool
}

// panicsClosed reports whether f panics with a lockfree: message about a
// closed queue.
func panicsClosed(f func()) (ok bool) {
	defer func() {
		msg, _ := recover().(string)
		ok = strings.HasPrefix(msg, "lockfree: ") && strings.Contains(msg, "closed")
	}()
	f()
	return false
}

// checkBoundedAgainstModel drives every public operation of q from one
// goroutine and compares each result with a slice model and a closed flag.
func checkBoundedAgainstModel(t *rapid.T, q boundedQueue, capacity int) {
	var model []int
	next := 0
	closed := false
	t.Repeat(map[string]func(*rapid.T){
		"TryEnqueue": func(t *rapid.T) {
			next++
			if closed {
				if !panicsClosed(func() { q.TryEnqueue(next) }) {
					t.Fatalf("TryEnqueue(%d) on a closed queue did not panic with a message about it", next)
				}
				return
			}
			ok := q.TryEnqueue(next)
			if want := len(model) < capacity; ok != want {
				t.Fatalf("TryEnqueue(%d) = %v with %d of %d items, want %v", next, ok, len(model), capacity, want)
			}
			if ok {
				model = append(model, next)
			}
		},
		"TryDequeue": func(t *rapid.T) {
			v, ok := q.TryDequeue()
			if len(model) == 0 {
				if ok || v != 0 {
					t.Fatalf("TryDequeue() = %d, %v on an empty queue, want 0, false", v, ok)
				}
				return
			}
			if !ok || v != model[0] {
				t.Fatalf("TryDequeue() = %d, %v, want %d, true", v, ok, model[0])
			}
			model = model[1:]
		},
		"Enqueue": func(t *rapid.T) {
			next++
			err := q.Enqueue(cancelled(), next)
			if closed {
				if !errors.Is(err, ErrClosed) {
					t.Fatalf("Enqueue(%d) on a closed queue = %v, want ErrClosed", next, err)
				}
				return
			}
			if len(model) < capacity {
				if err != nil {
					t.Fatalf("Enqueue(%d) with room = %v, want nil even with a done context", next, err)
				}
				model = append(model, next)
			} else if !errors.Is(err, context.Canceled) {
				t.Fatalf("Enqueue(%d) on a full queue with a cancelled context = %v, want context.Canceled", next, err)
			}
		},
		"Dequeue": func(t *rapid.T) { dequeueStep(t, q, &model, closed) },
		"EnqueueBatch": func(t *rapid.T) {
			// Try (or, with a cancelled context, blocking) from a buffer
			// of 0 to Cap()+2 new values: as many as fit, in order.
			src := make([]int, rapid.IntRange(0, capacity+2).Draw(t, "len"))
			for i := range src {
				next++
				src[i] = next
			}
			want := min(len(src), capacity-len(model))
			blocking := rapid.Bool().Draw(t, "blocking")
			var n int
			var err error
			switch {
			case closed && blocking:
				n, err = q.EnqueueBatch(cancelled(), src)
				if n != 0 || (len(src) > 0) != errors.Is(err, ErrClosed) {
					t.Fatalf("EnqueueBatch(%d items) on a closed queue = %d, %v, want 0 and ErrClosed", len(src), n, err)
				}
				return
			case closed:
				if len(src) > 0 && !panicsClosed(func() { q.TryEnqueueBatch(src) }) {
					t.Fatalf("TryEnqueueBatch on a closed queue did not panic with a message about it")
				}
				return
			case blocking:
				n, err = q.EnqueueBatch(cancelled(), src)
				if (want < len(src)) != errors.Is(err, context.Canceled) || (want == len(src)) != (err == nil) {
					t.Fatalf("EnqueueBatch(%d items) with room for %d, cancelled = %d, %v", len(src), capacity-len(model), n, err)
				}
			default:
				n = q.TryEnqueueBatch(src)
			}
			if n != want {
				t.Fatalf("a batch of %d items with room for %d appended %d", len(src), capacity-len(model), n)
			}
			model = append(model, src[:n]...)
		},
		"DequeueBatch": func(t *rapid.T) {
			// Try (or, with a cancelled context, blocking) into a buffer
			// of 0 to Cap()+2: the oldest min(len, items) items, in order.
			buf := make([]int, rapid.IntRange(0, capacity+2).Draw(t, "len"))
			want := min(len(buf), len(model))
			var n int
			var err error
			if rapid.Bool().Draw(t, "blocking") {
				n, err = q.DequeueBatch(cancelled(), buf)
				var wantErr error
				switch {
				case len(buf) == 0 || want > 0:
				case closed:
					wantErr = ErrClosed
				default:
					wantErr = context.Canceled
				}
				if !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) {
					t.Fatalf("DequeueBatch(%d slots) with %d items, closed %v: error %v, want %v", len(buf), len(model), closed, err, wantErr)
				}
			} else {
				n = q.TryDequeueBatch(buf)
			}
			if n != want || !slices.Equal(buf[:n], model[:n]) {
				t.Fatalf("a batch of %d slots took %v, want %v", len(buf), buf[:n], model[:want])
			}
			model = model[n:]
		},
		"Close": func(*rapid.T) { q.Close(); closed = true },
		"": func(t *rapid.T) {
			checkClosed(t, q, closed)
			if q.Len() != len(model) {
				t.Fatalf("Len() = %d, want %d", q.Len(), len(model))
			}
			if q.Cap() != capacity {
				t.Fatalf("Cap() = %d, want %d", q.Cap(), capacity)
			}
		},
	})
}

func TestQueue_MatchesSliceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		requested := rapid.IntRange(1, 9).Draw(t, "capacity")
		q := NewQueue[int](requested)
		checkBoundedAgainstModel(t, q, ceilPow2(requested))
	})
}

func TestSPSCQueue_MatchesSliceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		requested := rapid.IntRange(1, 9).Draw(t, "capacity")
		q := NewSPSCQueue[int](requested)
		checkBoundedAgainstModel(t, q, ceilPow2(requested))
	})
}

func TestUnboundedQueue_MatchesSliceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := NewUnboundedQueue[int]()
		var model []int
		next := 0
		closed := false
		t.Repeat(map[string]func(*rapid.T){
			"Enqueue": func(t *rapid.T) {
				// Sometimes many at once, to cross segment boundaries.
				n := rapid.SampledFrom([]int{1, 1, 1, 3, int(q.segSlots) + 1}).Draw(t, "n")
				if closed {
					if !panicsClosed(func() { q.Enqueue(next + 1) }) {
						t.Fatalf("Enqueue on a closed queue did not panic with a message about it")
					}
					return
				}
				for range n {
					next++
					q.Enqueue(next)
					model = append(model, next)
				}
			},
			"TryDequeue": func(t *rapid.T) {
				n := rapid.SampledFrom([]int{1, 1, 1, 3, int(q.segSlots) + 1}).Draw(t, "n")
				for range n {
					v, ok := q.TryDequeue()
					if len(model) == 0 {
						if ok || v != 0 {
							t.Fatalf("TryDequeue() = %d, %v on an empty queue, want 0, false", v, ok)
						}
						continue
					}
					if !ok || v != model[0] {
						t.Fatalf("TryDequeue() = %d, %v, want %d, true", v, ok, model[0])
					}
					model = model[1:]
				}
			},
			"Dequeue": func(t *rapid.T) { dequeueStep(t, q, &model, closed) },
			"Close":   func(*rapid.T) { q.Close(); closed = true },
			"": func(t *rapid.T) {
				checkClosed(t, q, closed)
				if q.Len() != len(model) {
					t.Fatalf("Len() = %d, want %d", q.Len(), len(model))
				}
			},
		})
	})
}

func TestStack_MatchesSliceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s Stack[int] // the zero value is ready to use
		var model []int
		next := 0
		t.Repeat(map[string]func(*rapid.T){
			"Push": func(t *rapid.T) {
				next++
				s.Push(next)
				model = append(model, next)
			},
			"TryPop": func(t *rapid.T) {
				v, ok := s.TryPop()
				if len(model) == 0 {
					if ok || v != 0 {
						t.Fatalf("TryPop() = %d, %v on an empty stack, want 0, false", v, ok)
					}
					return
				}
				if want := model[len(model)-1]; !ok || v != want {
					t.Fatalf("TryPop() = %d, %v, want %d, true", v, ok, want)
				}
				model = model[:len(model)-1]
			},
			"Peek": func(t *rapid.T) {
				v, ok := s.Peek()
				if len(model) == 0 {
					if ok || v != 0 {
						t.Fatalf("Peek() = %d, %v on an empty stack, want 0, false", v, ok)
					}
					return
				}
				if want := model[len(model)-1]; !ok || v != want {
					t.Fatalf("Peek() = %d, %v, want %d, true", v, ok, want)
				}
			},
			"": func(t *rapid.T) {
				if s.Empty() != (len(model) == 0) {
					t.Fatalf("Empty() = %v with %d items", s.Empty(), len(model))
				}
			},
		})
	})
}

// dequeueStep does a Dequeue with a cancelled context and checks it
// against the model, from which it takes the oldest item: the result must
// be that item if there is one, else ErrClosed on a closed queue and
// context.Canceled on an open one.
func dequeueStep(t *rapid.T, q closable, model *[]int, closed bool) {
	t.Helper()
	v, err := q.Dequeue(cancelled())
	switch m := *model; {
	case len(m) > 0:
		if err != nil || v != m[0] {
			t.Fatalf("Dequeue() = %d, %v, want %d, nil", v, err, m[0])
		}
		*model = m[1:]
	case closed:
		if !errors.Is(err, ErrClosed) || v != 0 {
			t.Fatalf("Dequeue() on a closed, drained queue = %d, %v, want 0, ErrClosed", v, err)
		}
	default:
		if !errors.Is(err, context.Canceled) || v != 0 {
			t.Fatalf("Dequeue() on an empty queue with a cancelled context = %d, %v, want 0, context.Canceled", v, err)
		}
	}
}

func checkClosed(t *rapid.T, q closable, closed bool) {
	t.Helper()
	if q.Closed() != closed {
		t.Fatalf("Closed() = %v, want %v", q.Closed(), closed)
	}
}
