package lockfree

import (
	"runtime"
	"testing"
	"weak"
)

// collected reports whether the object behind w has been freed, after
// giving the garbage collector a few cycles.
func collected[T any](w weak.Pointer[T]) bool {
	for range 5 {
		runtime.GC()
		if w.Value() == nil {
			return true
		}
	}
	return false
}

func TestUnboundedQueue_DrainedSegmentsReturnToTheGC(t *testing.T) {
	q := NewUnboundedQueue[*int]()
	first := weak.Make(q.head.Load())
	n := 3*int(q.segSlots) + 7 // spans four segments
	for i := range n {
		v := i
		q.Enqueue(&v)
	}
	if collected(first) {
		t.Fatal("the first segment was freed while it still held items")
	}
	for i := range n {
		v, ok := q.TryDequeue()
		if !ok || *v != i {
			t.Fatalf("TryDequeue() = %v, %v, want %d", v, ok, i)
		}
	}
	if _, ok := q.TryDequeue(); ok {
		t.Fatal("queue not empty after draining")
	}
	if !collected(first) {
		t.Error("the first segment is still reachable after the queue drained past it")
	}
	runtime.KeepAlive(q)
}

func TestQueues_DequeuedValuesAreNotRetained(t *testing.T) {
	type payload struct{ _ [64]byte }
	q := NewQueue[*payload](4)
	s := NewSPSCQueue[*payload](4)
	u := NewUnboundedQueue[*payload]()
	var st Stack[*payload]
	pq, ps, pu, pst := &payload{}, &payload{}, &payload{}, &payload{}
	wq, ws, wu, wst := weak.Make(pq), weak.Make(ps), weak.Make(pu), weak.Make(pst)
	q.TryEnqueue(pq)
	s.TryEnqueue(ps)
	u.Enqueue(pu)
	st.Push(pst)
	pq, ps, pu, pst = nil, nil, nil, nil
	q.TryDequeue()
	s.TryDequeue()
	u.TryDequeue()
	st.TryPop()
	for name, w := range map[string]weak.Pointer[payload]{"Queue": wq, "SPSCQueue": ws, "UnboundedQueue": wu, "Stack": wst} {
		if !collected(w) {
			t.Errorf("%s still holds a value after it was dequeued", name)
		}
	}
	runtime.KeepAlive(q)
	runtime.KeepAlive(s)
	runtime.KeepAlive(u)
	runtime.KeepAlive(&st)
}
