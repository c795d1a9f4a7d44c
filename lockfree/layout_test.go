package lockfree

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/hotpath/hotpath/internal/pad"
)

// group is a run of fields that the same goroutines write: it must start on
// a cache line of its own (relative to the start of the struct, which the
// leading pad keeps off the line of whatever precedes it) and fit in that
// line, so that writes to one group never invalidate another group's line.
type group struct {
	name       string
	start, end uintptr // offset of the first field, offset just past the last
}

func checkGroups(t *testing.T, typ string, size uintptr, groups ...group) {
	t.Helper()
	prevEnd := uintptr(pad.CacheLineSize) // the leading CacheLinePad
	for _, g := range groups {
		if g.start%pad.CacheLineSize != 0 {
			t.Errorf("%s.%s starts at offset %d, not on a cache-line boundary", typ, g.name, g.start)
		}
		if g.start < prevEnd {
			t.Errorf("%s.%s starts at offset %d, on the line of the group before it (ends at %d)", typ, g.name, g.start, prevEnd)
		}
		if g.end > g.start+pad.CacheLineSize {
			t.Errorf("%s.%s spans %d bytes, more than one line", typ, g.name, g.end-g.start)
		}
		prevEnd = g.start + pad.CacheLineSize
	}
	if size < prevEnd {
		t.Errorf("%s is %d bytes: its last group is not padded from what follows it (want >= %d)", typ, size, prevEnd)
	}
}

func TestQueue_PaddingKeepsHotFieldsOnSeparateCacheLines(t *testing.T) {
	var q Queue[int]
	checkGroups(t, "Queue", unsafe.Sizeof(q),
		group{"producers (tail, headSeen)", unsafe.Offsetof(q.tail), unsafe.Offsetof(q.headSeen) + unsafe.Sizeof(q.headSeen)},
		group{"consumers (head, tailSeen)", unsafe.Offsetof(q.head), unsafe.Offsetof(q.tailSeen) + unsafe.Sizeof(q.tailSeen)},
		group{"mask+slots", unsafe.Offsetof(q.mask), unsafe.Offsetof(q.slots) + unsafe.Sizeof(q.slots)},
		group{"notEmpty", unsafe.Offsetof(q.notEmpty), unsafe.Offsetof(q.notEmpty) + unsafe.Sizeof(q.notEmpty)},
		group{"notFull", unsafe.Offsetof(q.notFull), unsafe.Offsetof(q.notFull) + unsafe.Sizeof(q.notFull)},
	)
	// A slot holding a one-word value fills exactly one line, so with the
	// slot array aligned, neighbouring tickets never share a line.
	for name, size := range map[string]uintptr{
		"slot[int]":     unsafe.Sizeof(slot[int]{}),
		"slot[*byte]":   unsafe.Sizeof(slot[*byte]{}),
		"slot[uintptr]": unsafe.Sizeof(slot[uintptr]{}),
	} {
		if size != pad.CacheLineSize {
			t.Errorf("unsafe.Sizeof(%s{}) = %d, want %d", name, size, pad.CacheLineSize)
		}
	}
	if size := unsafe.Sizeof(slot[[4]int64]{}); size < pad.CacheLineSize {
		t.Errorf("unsafe.Sizeof(slot[[4]int64]{}) = %d, want >= %d", size, pad.CacheLineSize)
	}
}

func TestSPSCQueue_PaddingKeepsProducerAndConsumerOnSeparateCacheLines(t *testing.T) {
	var q SPSCQueue[int]
	checkGroups(t, "SPSCQueue", unsafe.Sizeof(q),
		group{"producer (tail, ptail, cachedHead)", unsafe.Offsetof(q.tail), unsafe.Offsetof(q.cachedHead) + unsafe.Sizeof(q.cachedHead)},
		group{"consumer (head, chead, cachedTail)", unsafe.Offsetof(q.head), unsafe.Offsetof(q.cachedTail) + unsafe.Sizeof(q.cachedTail)},
		group{"mask+slots", unsafe.Offsetof(q.mask), unsafe.Offsetof(q.slots) + unsafe.Sizeof(q.slots)},
		group{"notEmpty", unsafe.Offsetof(q.notEmpty), unsafe.Offsetof(q.notEmpty) + unsafe.Sizeof(q.notEmpty)},
		group{"notFull", unsafe.Offsetof(q.notFull), unsafe.Offsetof(q.notFull) + unsafe.Sizeof(q.notFull)},
	)
}

func TestUnboundedQueue_PaddingKeepsHeadTailAndIndicesApart(t *testing.T) {
	var q UnboundedQueue[int]
	checkGroups(t, "UnboundedQueue", unsafe.Sizeof(q),
		group{"head", unsafe.Offsetof(q.head), unsafe.Offsetof(q.head) + unsafe.Sizeof(q.head)},
		group{"tail", unsafe.Offsetof(q.tail), unsafe.Offsetof(q.tail) + unsafe.Sizeof(q.tail)},
		group{"segSlots+notEmpty", unsafe.Offsetof(q.segSlots), unsafe.Offsetof(q.notEmpty) + unsafe.Sizeof(q.notEmpty)},
	)
	var s segment[int]
	if d := unsafe.Offsetof(s.deq) - unsafe.Offsetof(s.enq); d < pad.CacheLineSize {
		t.Errorf("segment enq and deq are %d bytes apart, want >= %d", d, pad.CacheLineSize)
	}
	if d := unsafe.Offsetof(s.next) - unsafe.Offsetof(s.deq); d < pad.CacheLineSize {
		t.Errorf("segment deq and next are %d bytes apart, want >= %d", d, pad.CacheLineSize)
	}
}

func TestNewQueue_RoundsCapacityUpToPowerOfTwo(t *testing.T) {
	for _, c := range [][2]int{{1, 1}, {2, 2}, {3, 4}, {5, 8}, {1000, 1024}, {1024, 1024}} {
		if got := NewQueue[int](c[0]).Cap(); got != c[1] {
			t.Errorf("NewQueue(%d).Cap() = %d, want %d", c[0], got, c[1])
		}
		if got := NewSPSCQueue[int](c[0]).Cap(); got != c[1] {
			t.Errorf("NewSPSCQueue(%d).Cap() = %d, want %d", c[0], got, c[1])
		}
	}
}

func TestNewQueue_PanicsOnCapacityBelowOne(t *testing.T) {
	for _, c := range []int{0, -1} {
		for name, f := range map[string]func(){
			"NewQueue":     func() { NewQueue[int](c) },
			"NewSPSCQueue": func() { NewSPSCQueue[int](c) },
		} {
			func() {
				defer func() {
					r := recover()
					msg, _ := r.(string)
					if r == nil || len(msg) < 10 || msg[:9] != "lockfree:" {
						t.Errorf("%s(%d) panicked with %v, want a panic message starting with lockfree:", name, c, r)
					}
				}()
				f()
			}()
		}
	}
}

func TestQueues_ZeroValuePanicsNamingTheConstructor(t *testing.T) {
	for name, f := range map[string]func(){
		"Queue.TryEnqueue":          func() { var q Queue[int]; q.TryEnqueue(1) },
		"Queue.TryDequeue":          func() { var q Queue[int]; q.TryDequeue() },
		"SPSCQueue.TryEnqueue":      func() { var q SPSCQueue[int]; q.TryEnqueue(1) },
		"SPSCQueue.TryDequeue":      func() { var q SPSCQueue[int]; q.TryDequeue() },
		"UnboundedQueue.Enqueue":    func() { var q UnboundedQueue[int]; q.Enqueue(1) },
		"UnboundedQueue.TryDequeue": func() { var q UnboundedQueue[int]; q.TryDequeue() },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "lockfree: ") || !strings.Contains(msg, "without New") {
					t.Errorf("%s on a zero value panicked with %q, want a lockfree: message naming the constructor", name, msg)
				}
			}()
			f()
		}()
	}
}
