package pool

import (
	"context"
	"math/bits"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hotpath/hotpath/internal/pad"
	"github.com/hotpath/hotpath/internal/wait"
)

// The head word of a stripe: the tag, counting every successful push and
// pop on the stripe, above the index of the top block plus one (0: empty).
// 40 bits of tag wrap after 2^40 operations on one stripe, far more than a
// goroutine can be held up between its read of the head and its CAS, so a
// CAS never succeeds on a head that changed (ABA).
const (
	idxMask  = 1<<idxBits - 1
	tagShift = idxBits
	tagOne   = 1 << tagShift
)

// The state word of a block: outBit while the block is out; the block's
// own stripe, which it always returns to; and, while it is free, its depth
// in its stripe's stack (1 at the bottom) above the index of the block below
// it plus one (0: bottom). The depth of the top block is the stripe's free
// count, so Stats reads in-use in O(stripes).
const (
	outBit      = 1 << 63
	depthShift  = idxBits
	stripeShift = 2 * idxBits
	stripeMask  = maxStripes - 1
)

func linkOf(st uint64) uint64  { return st & idxMask }
func depthOf(st uint64) uint64 { return st >> depthShift & idxMask }

func stripeOf(st uint64) uint64 { return st >> stripeShift & stripeMask }

// stripe is one tagged stack of free block indices. Each lives on its own
// cache lines so that goroutines on different stripes do not slow each other.
type stripe struct {
	_       pad.CacheLinePad // make([]stripe) is not line-aligned: keep a full line before and after
	head    atomic.Uint64    // tag << tagShift | (top index + 1)
	wraps   atomic.Uint64    // times the tag wrapped, for Stats.Gets
	low     atomic.Int64     // smallest free count seen; a new low samples the high-water mark
	initial uint64           // blocks placed here by the constructor; written once before use
	_       [pad.CacheLineSize - 3*8 - 8%pad.CacheLineSize]byte
}

// freeList is the engine shared by Slab and Fixed: n blocks, identified by
// index, each either out (held by one owner) or free (on one stripe).
type freeList struct {
	stripes []stripe // len is a power of two; written once before use
	mask    uint32   // len(stripes) - 1
	// hashShift is 32 - log2(len(stripes)); 31 for one stripe, where
	// mask (0) does the work.
	hashShift uint8
	state     []atomic.Uint64 // per block: see outBit
	n         int

	_         pad.CacheLinePad
	hwm       atomic.Int64  // highest in-use count sampled
	empty     atomic.Uint64 // Gets that found every block out
	waits     atomic.Uint64 // Acquire calls that parked
	waitNanos atomic.Int64
	waiters   wait.Set
}

func (f *freeList) init(n, stripes int) {
	f.n = n
	f.state = make([]atomic.Uint64, n)
	f.stripes = make([]stripe, stripes)
	f.mask = uint32(stripes - 1)
	f.hashShift = uint8(32 - bits.TrailingZeros(uint(stripes)))
	if stripes == 1 {
		f.hashShift = 31
		f.mask = 0
	}
	// Contiguous runs of blocks per stripe, lowest index on top, so a
	// goroutine works through neighbouring memory.
	for s := range f.stripes {
		lo, hi := n*s/stripes, n*(s+1)/stripes
		var top uint64 // index+1 of the block below
		for i := hi - 1; i >= lo; i-- {
			depth := uint64(hi - i)
			f.state[i].Store(uint64(s)<<stripeShift | depth<<depthShift | top)
			top = uint64(i) + 1
		}
		f.stripes[s].head.Store(top)
		f.stripes[s].initial = uint64(hi - lo)
		f.stripes[s].low.Store(int64(hi - lo))
	}
}

// home is the stripe the calling goroutine starts at, chosen from the
// address of a local variable: goroutines run on distinct stacks, so
// different goroutines tend to different stripes while one goroutine keeps
// coming back to its own. No runtime internals, no allocation, no atomics.
func (f *freeList) home() uint32 {
	var x byte
	p := uint32(uintptr(unsafe.Pointer(&x)) >> 11) // 2 KiB: the smallest goroutine stack
	// Fibonacci hashing: the top bits of the product spread neighbouring
	// stacks over the stripes as evenly as possible.
	return p * 0x9E3779B1 >> f.hashShift & f.mask
}

// get takes a free block, or reports false when every block is out.
// The pop of the home stripe is written out here, not called, so that the
// fast path is one call.
func (f *freeList) get() (int, bool) {
	h := f.home()
	s := &f.stripes[h]
	for {
		head := s.head.Load()
		top := head & idxMask
		if top == 0 {
			break
		}
		st := f.state[top-1].Load()
		abaWindow()
		nh := (head&^idxMask + tagOne) | linkOf(st)
		if s.head.CompareAndSwap(head, nh) {
			f.state[top-1].Store(st | outBit)
			if nh < tagOne || int64(depthOf(st))-1 < s.low.Load() {
				f.popped(s, nh, st)
			}
			return int(top - 1), true
		}
	}
	i, ok := f.getSlow(h)
	if !ok {
		f.empty.Add(1)
	}
	return i, ok
}

// getSlow visits the other stripes. It reports false only after two passes
// saw every stripe empty with an unchanged head, which proves an instant at
// which all of them were empty at once (a double collect).
//
// Outlined slow path so the fast path inlines.
func (f *freeList) getSlow(h uint32) (int, bool) {
	var seen [maxStripes]uint64
	for {
		for k := range uint32(len(f.stripes)) {
			s := &f.stripes[(h+k)&f.mask]
			if i, ok := f.pop(s); ok {
				return i, true
			}
			seen[k] = s.head.Load()
		}
		same := true
		for k := range uint32(len(f.stripes)) {
			if f.stripes[(h+k)&f.mask].head.Load() != seen[k] {
				same = false
				break
			}
		}
		if same {
			f.noteHighWater(int64(f.n))
			return -1, false
		}
	}
}

// pop takes the top block of s.
func (f *freeList) pop(s *stripe) (int, bool) {
	for {
		h := s.head.Load()
		top := h & idxMask
		if top == 0 {
			return -1, false
		}
		i := top - 1
		st := f.state[i].Load()
		abaWindow()
		// A stale st (the block was taken meanwhile) goes with a stale h,
		// and the tag makes that CAS fail.
		nh := (h&^idxMask + tagOne) | linkOf(st)
		if s.head.CompareAndSwap(h, nh) {
			f.state[i].Store(st | outBit)
			if nh < tagOne || int64(depthOf(st))-1 < s.low.Load() {
				f.popped(s, nh, st)
			}
			return int(i), true
		}
	}
}

// popped is the rare bookkeeping after a pop: the tag wrapped, or the
// stripe reached a new low.
//
// Outlined slow path so the fast path stays small.
func (f *freeList) popped(s *stripe, nh, st uint64) {
	if nh < tagOne {
		s.wraps.Add(1)
	}
	if free := int64(depthOf(st)) - 1; free < s.low.Load() {
		f.newLow(s, free)
	}
}

// newLow records a new smallest free count on s and samples the high-water
// mark; with one stripe that makes it exact.
//
// Outlined slow path so the fast path inlines.
func (f *freeList) newLow(s *stripe, free int64) {
	for {
		old := s.low.Load()
		if free >= old || s.low.CompareAndSwap(old, free) {
			break
		}
	}
	f.noteHighWater(int64(f.inUse()))
}

func (f *freeList) noteHighWater(n int64) {
	for {
		old := f.hwm.Load()
		if n <= old || f.hwm.CompareAndSwap(old, n) {
			return
		}
	}
}

// checkOut reports whether block i is out; a false answer means a Put of
// it would be a double Put.
func (f *freeList) checkOut(i int) bool { return f.state[i].Load()&outBit != 0 }

// put returns block i to its own stripe. It reports false, changing
// nothing, if i is not out (a double Put).
//
// A block always goes back to the stripe it was placed on, not to the
// putter's: a goroutine that takes and returns blocks keeps finding them on
// its own stripe, and blocks handed from a producer goroutine to a consumer
// that returns them flow back to the producer instead of piling up on the
// consumer's stripe.
func (f *freeList) put(i int) bool {
	st := f.state[i].Load()
	if st&outBit == 0 {
		return false
	}
	home := stripeOf(st)
	s := &f.stripes[home]
	claimed := false
	for {
		h := s.head.Load()
		top := h & idxMask
		var depth uint64 = 1
		if top != 0 {
			depth += depthOf(f.state[top-1].Load())
		}
		ns := home<<stripeShift | depth<<depthShift | top
		if !claimed {
			// The CAS from the out state is what makes two racing Puts
			// of one block fail one of them.
			if !f.state[i].CompareAndSwap(st, ns) {
				return false
			}
			claimed = true
		} else {
			f.state[i].Store(ns)
		}
		nh := (h&^idxMask + tagOne) | (uint64(i) + 1)
		if s.head.CompareAndSwap(h, nh) {
			if nh < tagOne {
				s.wraps.Add(1)
			}
			if f.waiters.Waiting() != 0 {
				f.waiters.NotifyOne()
			}
			return true
		}
	}
}

// acquire is get that parks until a block is returned or ctx is done. A
// free block is taken even if ctx is already done.
func (f *freeList) acquire(ctx context.Context) (int, error) {
	h := f.home()
	if i, ok := f.pop(&f.stripes[h]); ok {
		return i, nil
	}
	if i, ok := f.getSlow(h); ok {
		return i, nil
	}
	return f.acquireSlow(ctx)
}

func (f *freeList) acquireSlow(ctx context.Context) (int, error) {
	f.waits.Add(1)
	start := time.Now()
	defer func() { f.waitNanos.Add(int64(time.Since(start))) }()
	for {
		t := f.waiters.Prepare()
		if i, ok := f.getSlow(f.home()); ok {
			f.waiters.Cancel(t)
			return i, nil
		}
		if err := f.waiters.Wait(ctx, t); err != nil {
			return -1, err
		}
		if i, ok := f.getSlow(f.home()); ok {
			return i, nil
		}
	}
}

// freeOn is the number of free blocks on s: the depth of its top block.
func (f *freeList) freeOn(s *stripe) uint64 {
	for {
		h := s.head.Load()
		top := h & idxMask
		if top == 0 {
			return 0
		}
		st := f.state[top-1].Load()
		if s.head.Load() == h {
			return depthOf(st)
		}
	}
}

func (f *freeList) inUse() int {
	free := 0
	for k := range f.stripes {
		free += int(f.freeOn(&f.stripes[k]))
	}
	return max(0, f.n-free)
}

func (f *freeList) stats() Stats {
	var gets uint64
	free := 0
	for k := range f.stripes {
		s := &f.stripes[k]
		var h, fr, w uint64
		for {
			w = s.wraps.Load()
			h = s.head.Load()
			fr = f.freeOn(s)
			if s.head.Load() == h && s.wraps.Load() == w {
				break
			}
		}
		free += int(fr)
		ops := w<<(64-tagShift) + h>>tagShift // pops + pushes
		// pops - pushes = initial - free
		gets += (ops + s.initial - fr) / 2
	}
	inUse := max(0, f.n-free)
	f.noteHighWater(int64(inUse))
	puts := gets - uint64(inUse)
	if gets < uint64(inUse) { // racing reads across stripes
		puts = 0
	}
	return Stats{
		Capacity:  f.n,
		InUse:     inUse,
		HighWater: int(f.hwm.Load()),
		Gets:      gets,
		Puts:      puts,
		EmptyGets: f.empty.Load(),
		Waits:     f.waits.Load(),
		WaitTime:  time.Duration(f.waitNanos.Load()),
	}
}
