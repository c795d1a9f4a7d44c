package lockfree

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// The fuzz targets decode a sequence of operations from bytes (the low bits
// of each byte choose the operation, the rest its argument: two bits, or
// three for the bounded queues, which have batches) and run it against a
// container and a slice model in one goroutine, failing on the first
// difference.

func fuzzSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{4, 8, 12, 1, 5, 2, 6, 3, 7, 0, 0, 2, 2, 3, 3})
	f.Add([]byte("the quick brown fox jumps over the lazy dog"))
}

func FuzzQueueOps(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 {
			return
		}
		q := NewQueue[int](int(ops[0]%9) + 1)
		s := NewSPSCQueue[int](int(ops[0]%9) + 1)
		fuzzBounded(t, "Queue", q, ops[1:])
		fuzzBounded(t, "SPSCQueue", s, ops[1:])
	})
}

func fuzzBounded(t *testing.T, name string, q boundedQueue, ops []byte) {
	var model []int
	for i, b := range ops {
		v := int(b >> 3)
		switch b & 7 {
		case 4, 5:
			// A batch of v%5 items, Try or (5) blocking with a cancelled
			// context: as many as fit, in order; the context's error if
			// not all did.
			src := make([]int, v%5)
			for j := range src {
				src[j] = v + j
			}
			want := min(len(src), q.Cap()-len(model))
			var n int
			if b&7 == 4 {
				n = q.TryEnqueueBatch(src)
			} else {
				var err error
				n, err = q.EnqueueBatch(cancelled(), src)
				if (want < len(src)) != errors.Is(err, context.Canceled) {
					t.Fatalf("%s op %d: EnqueueBatch of %d with room for %d = %d, %v", name, i, len(src), q.Cap()-len(model), n, err)
				}
			}
			if n != want {
				t.Fatalf("%s op %d: a batch of %d with room for %d appended %d", name, i, len(src), q.Cap()-len(model), n)
			}
			model = append(model, src[:n]...)
		case 6, 7:
			// A batch into v%5 slots, Try or (7) blocking with a
			// cancelled context: the oldest items, as many as are there.
			dst := make([]int, v%5)
			want := min(len(dst), len(model))
			var n int
			if b&7 == 6 {
				n = q.TryDequeueBatch(dst)
			} else {
				var err error
				n, err = q.DequeueBatch(cancelled(), dst)
				if (want == 0 && len(dst) > 0) != errors.Is(err, context.Canceled) {
					t.Fatalf("%s op %d: DequeueBatch into %d with %d items = %d, %v", name, i, len(dst), len(model), n, err)
				}
			}
			if n != want || !slices.Equal(dst[:n], model[:n]) {
				t.Fatalf("%s op %d: a batch into %d took %v, want %v", name, i, len(dst), dst[:n], model[:want])
			}
			model = model[n:]
		case 0:
			ok := q.TryEnqueue(v)
			if ok != (len(model) < q.Cap()) {
				t.Fatalf("%s op %d: TryEnqueue(%d) = %v with %d of %d items", name, i, v, ok, len(model), q.Cap())
			}
			if ok {
				model = append(model, v)
			}
		case 1:
			got, ok := q.TryDequeue()
			if len(model) == 0 {
				if ok {
					t.Fatalf("%s op %d: TryDequeue() = %d, true on an empty queue", name, i, got)
				}
				continue
			}
			if !ok || got != model[0] {
				t.Fatalf("%s op %d: TryDequeue() = %d, %v, want %d, true", name, i, got, ok, model[0])
			}
			model = model[1:]
		case 2:
			err := q.Enqueue(cancelled(), v)
			if len(model) < q.Cap() {
				if err != nil {
					t.Fatalf("%s op %d: Enqueue with room = %v", name, i, err)
				}
				model = append(model, v)
			} else if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s op %d: Enqueue on a full queue, cancelled = %v", name, i, err)
			}
		case 3:
			got, err := q.Dequeue(cancelled())
			if len(model) == 0 {
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("%s op %d: Dequeue on an empty queue, cancelled = %d, %v", name, i, got, err)
				}
				continue
			}
			if err != nil || got != model[0] {
				t.Fatalf("%s op %d: Dequeue() = %d, %v, want %d", name, i, got, err, model[0])
			}
			model = model[1:]
		}
		if q.Len() != len(model) {
			t.Fatalf("%s op %d: Len() = %d, want %d", name, i, q.Len(), len(model))
		}
	}
}

func FuzzUnboundedQueueOps(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, ops []byte) {
		q := NewUnboundedQueue[int]()
		var model []int
		for i, b := range ops {
			v := int(b >> 2)
			n := 1
			if b&3 >= 2 {
				n = int(q.segSlots)/2 + v // long runs cross segment boundaries
			}
			for range n {
				if b&1 == 0 {
					q.Enqueue(v)
					model = append(model, v)
					continue
				}
				got, ok := q.TryDequeue()
				if len(model) == 0 {
					if ok {
						t.Fatalf("op %d: TryDequeue() = %d, true on an empty queue", i, got)
					}
					continue
				}
				if !ok || got != model[0] {
					t.Fatalf("op %d: TryDequeue() = %d, %v, want %d, true", i, got, ok, model[0])
				}
				model = model[1:]
			}
			if q.Len() != len(model) {
				t.Fatalf("op %d: Len() = %d, want %d", i, q.Len(), len(model))
			}
		}
	})
}

func FuzzStackOps(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, ops []byte) {
		var s Stack[int]
		var model []int
		for i, b := range ops {
			v := int(b >> 2)
			switch b & 3 {
			case 0, 2:
				s.Push(v)
				model = append(model, v)
			case 1:
				got, ok := s.TryPop()
				if len(model) == 0 {
					if ok {
						t.Fatalf("op %d: TryPop() = %d, true on an empty stack", i, got)
					}
					continue
				}
				if want := model[len(model)-1]; !ok || got != want {
					t.Fatalf("op %d: TryPop() = %d, %v, want %d, true", i, got, ok, want)
				}
				model = model[:len(model)-1]
			case 3:
				got, ok := s.Peek()
				if ok != (len(model) > 0) || ok && got != model[len(model)-1] {
					t.Fatalf("op %d: Peek() = %d, %v with model %v", i, got, ok, model)
				}
			}
		}
	})
}
