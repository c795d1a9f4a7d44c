package pool

import (
	"sync/atomic"
	"unsafe"

	"github.com/hotpath/hotpath/internal/pad"
)

// ring is a bounded multi-producer multi-consumer queue of buffer pointers
// (Dmitry Vyukov's array queue): each slot carries a sequence number that
// says whose turn it is, so a producer and a consumer contend only on their
// own position counter. It stores bare pointers, never interfaces, so a Put
// does not allocate. A push may report full, and a pop empty, while another
// goroutine is mid-operation on the slot in question; for a pool that costs
// one dropped buffer or one allocation, never a wrong answer.
type ring struct {
	_     pad.CacheLinePad
	tail  atomic.Uint64 // next position to push
	_     pad.CacheLinePad
	head  atomic.Uint64 // next position to pop
	_     pad.CacheLinePad
	slots []slot // len is a power of two; written once before use
	mask  uint64
}

type slot struct {
	seq atomic.Uint64  // pos: free for the push at pos; pos+1: full for the pop at pos
	p   unsafe.Pointer // written by the push that owns the slot, read by the pop that owns it
}

func (r *ring) init(n int) {
	r.slots = make([]slot, n)
	r.mask = uint64(n - 1)
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
}

// push stores p, or reports false when the ring is full.
func (r *ring) push(p unsafe.Pointer) bool {
	pos := r.tail.Load()
	for {
		s := &r.slots[pos&r.mask]
		seq := s.seq.Load()
		switch d := int64(seq - pos); {
		case d == 0:
			if r.tail.CompareAndSwap(pos, pos+1) {
				s.p = p
				s.seq.Store(pos + 1)
				return true
			}
			pos = r.tail.Load()
		case d < 0:
			return false
		default:
			pos = r.tail.Load()
		}
	}
}

// pop takes a pointer and the position it was taken at, or returns nil when
// the ring is empty.
func (r *ring) pop() (unsafe.Pointer, uint64) {
	pos := r.head.Load()
	for {
		s := &r.slots[pos&r.mask]
		seq := s.seq.Load()
		switch d := int64(seq - (pos + 1)); {
		case d == 0:
			if r.head.CompareAndSwap(pos, pos+1) {
				p := s.p
				s.p = nil
				s.seq.Store(pos + r.mask + 1)
				return p, pos
			}
			pos = r.head.Load()
		case d < 0:
			return nil, 0
		default:
			pos = r.head.Load()
		}
	}
}

// len is the number of stored pointers, approximately under concurrency.
func (r *ring) len() int {
	h := r.head.Load()
	t := r.tail.Load()
	if t < h {
		return 0
	}
	return int(t - h)
}
