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

// A word of the free map: the low 32 bits say which of 32 blocks are free
// (bit set: free); the next 6 bits hold the word's peak, the most of its
// blocks ever out at once; the top 26 bits count the Gets served from the
// word. Get takes the lowest free block, so its bit position p is taken only
// while positions 0…p-1 are all out: the peak is one more than the highest
// position ever taken, and Get keeps it, clears the bit and bumps the count
// in one compare-and-swap. Put sets the bit with one compare-and-swap that
// fails, and so detects the double Put, if the bit is already set. Because
// the word holds the whole truth about its blocks, a CAS that sees the value
// it read is correct whatever happened in between: a bitmap has no ABA
// problem.
const (
	wordBlocks = 32
	freeMask   = 1<<wordBlocks - 1
	peakShift  = wordBlocks
	peakMask   = 63 << peakShift
	countShift = peakShift + 6
	getOne     = 1 << countShift
	// lineWords is the number of words in a cache line: each stripe's
	// words start on a line of their own.
	lineWords = pad.CacheLineSize / 8
	// sampleWordsMax bounds the pools whose high-water mark is sampled
	// whenever a Get takes a word to a new peak: the sample reads every
	// word.
	sampleWordsMax = 2048
)

// take computes the word after a Get of its lowest free block from v (which
// must have one): the bit cleared, the count bumped, the peak kept. It
// returns the block's position in the word; peak reports a new peak,
// wrapped a wrapped count.
func take(v uint64) (nv uint64, pos int, peak, wrapped bool) {
	pos = bits.TrailingZeros64(v)
	nv = v&^(1<<pos) + getOne
	wrapped = nv < getOne
	if p := uint64(pos + 1); p > v&peakMask>>peakShift {
		nv = nv&^peakMask | p<<peakShift
		peak = true
	}
	return nv, pos, peak, wrapped
}

// stripe is one stripe's bookkeeping, on a cache line of its own.
type stripe struct {
	_     pad.CacheLinePad // make([]stripe) is not line-aligned: keep a full line before and after
	hint  atomic.Uint32    // word (within the stripe) where a scan last found a block: the next scan starts there
	wraps atomic.Uint64    // times a word's Get count wrapped, for Stats.Gets
	_     [pad.CacheLineSize - 16]byte
}

// freeList is the engine shared by Slab and Fixed: n blocks, identified by
// index, each either out (held by one owner) or free. Block i lives in
// stripe i>>stripeShift, word (i&(stripeBlocks-1))>>5 of that stripe, bit
// i&31.
type freeList struct {
	words       []atomic.Uint64 // the free map, stride words per stripe; written once before use, then only by CAS
	stripes     []stripe
	n           int
	nStripes    uint32
	stripeShift uint8          // log2(blocks per stripe)
	strideShift uint8          // log2(words between stripe starts), >= log2(lineWords)
	wps         int            // words used per stripe
	onGet       func(i int)    // debug or exact mode: called with each block handed out; nil otherwise
	exact       bool           // out counts the blocks out (Options.ExactHighWater or Debug)
	base        unsafe.Pointer // the first block; get returns base + i*elem
	elem        uintptr        // the size of a block

	_         pad.CacheLinePad
	hwm       atomic.Int64  // highest in-use count sampled (exact mode: seen by out)
	out       atomic.Int64  // exact mode: blocks handed out and not returned
	empty     atomic.Uint64 // Gets that found every block out
	waits     atomic.Uint64 // Acquire calls that parked
	waitNanos atomic.Int64
	waiters   wait.Set
}

func (f *freeList) init(n, stripes int, base unsafe.Pointer, elem uintptr) {
	f.n = n
	f.base, f.elem = base, elem
	words := (n + wordBlocks - 1) / wordBlocks
	wps := ceilPow2((words + stripes - 1) / stripes)
	f.wps = wps
	f.stripeShift = uint8(bits.TrailingZeros(uint(wps * wordBlocks)))
	f.nStripes = uint32((n + wps*wordBlocks - 1) / (wps * wordBlocks))
	stride := max(wps, lineWords)
	f.strideShift = uint8(bits.TrailingZeros(uint(stride)))
	// One spare line so the first stripe can start on a line boundary.
	all := make([]atomic.Uint64, int(f.nStripes)*stride+lineWords)
	skip := 0
	if rem := uintptr(unsafe.Pointer(&all[0])) % pad.CacheLineSize; rem != 0 {
		skip = int(pad.CacheLineSize-rem) / 8
	}
	f.words = all[skip : skip+int(f.nStripes)*stride]
	f.stripes = make([]stripe, f.nStripes)
	for i := 0; i < n; i += wordBlocks {
		k := uint64(min(wordBlocks, n-i))
		f.words[f.wordOf(i)].Store(1<<k - 1)
	}
}

// wordOf is the index in words of block i's word.
func (f *freeList) wordOf(i int) int {
	u := uint(i)
	return int(u>>f.stripeShift<<f.strideShift + (u&(1<<f.stripeShift-1))>>5)
}

// home is the stripe the calling goroutine starts at (see [pad.Stripe]).
func (f *freeList) home() uint32 { return pad.Stripe(f.nStripes) }

// get takes a free block and returns its address, or nil when every block
// is out. Returning the address, not the index, keeps Slab.Get and
// Fixed.Get small enough to inline.
//
// The first try, at the first word of the home stripe, is written out here
// rather than called, so that the common Get is one call deep and reads no
// other shared memory than the word: blocks are taken lowest first, so a
// stripe's first word is the one in use unless more than 32 of its blocks
// are out.
func (f *freeList) get() unsafe.Pointer {
	h := f.home()
	w := &f.words[int(h)<<f.strideShift]
	for {
		v := w.Load()
		if v&freeMask == 0 {
			break
		}
		nv, pos, peak, wrapped := take(v)
		abaWindow()
		if w.CompareAndSwap(v, nv) {
			if peak || wrapped {
				f.tookLast(h, wrapped)
			}
			i := int(h)<<f.stripeShift + pos
			if f.onGet != nil {
				f.onGet(i)
			}
			return unsafe.Add(f.base, uintptr(i)*f.elem)
		}
	}
	return f.getRest(h)
}

// getRest is get after the first word of the home stripe had nothing.
//
// Outlined slow path so the fast path stays small.
func (f *freeList) getRest(h uint32) unsafe.Pointer {
	i, ok := f.takeFrom(h)
	if !ok {
		i, ok = f.getSlow(h)
	}
	if !ok {
		f.empty.Add(1)
		return nil
	}
	if f.onGet != nil {
		f.onGet(i)
	}
	return unsafe.Add(f.base, uintptr(i)*f.elem)
}

// takeFrom takes a free block of stripe s, scanning its words from the
// hint and wrapping around.
func (f *freeList) takeFrom(s uint32) (int, bool) {
	st := &f.stripes[s]
	base := int(s) << f.strideShift
	start := int(st.hint.Load())
	for k := range f.wps {
		j := start + k
		if j >= f.wps {
			j -= f.wps
		}
		w := &f.words[base+j]
		for {
			v := w.Load()
			if v&freeMask == 0 {
				break
			}
			nv, pos, peak, wrapped := take(v)
			abaWindow()
			if w.CompareAndSwap(v, nv) {
				if j != start {
					st.hint.Store(uint32(j))
				}
				if peak || wrapped {
					f.tookLast(s, wrapped)
				}
				return int(s)<<f.stripeShift + j*wordBlocks + pos, true
			}
		}
	}
	return -1, false
}

// tookLast is the rare bookkeeping after a Get: the word's count wrapped,
// or the word reached a new peak, which samples the high-water mark (in
// pools small enough for a sample to be cheap). A pool whose in-use count
// rises to a new peak usually takes some word to a new peak; one of at
// most 32 blocks always does.
//
// Outlined slow path so the fast path stays small.
func (f *freeList) tookLast(s uint32, wrapped bool) {
	if wrapped {
		f.stripes[s].wraps.Add(1)
	}
	if len(f.words) <= sampleWordsMax {
		f.noteHighWater(int64(f.inUse()))
	}
}

// getSlow visits the other stripes, then, if they look empty, reads every
// word twice: it reports false only if both passes saw every word without a
// free block and unchanged, which proves an instant at which all of them
// were empty at once (a double collect). A Get on an exhausted pool costs
// O(blocks/32).
//
// Outlined slow path so the fast path inlines.
func (f *freeList) getSlow(h uint32) (int, bool) {
	for k := uint32(1); k < f.nStripes; k++ {
		s := h + k
		if s >= f.nStripes {
			s -= f.nStripes
		}
		if i, ok := f.takeFrom(s); ok {
			return i, true
		}
	}
	for {
		// Get counts only grow, so equal sums over two passes in which
		// every word was empty mean no word changed between its two reads.
		var first uint64
		found := false
		for k := range f.words {
			v := f.words[k].Load()
			if v&freeMask != 0 {
				if i, ok := f.takeFrom(uint32(k >> f.strideShift)); ok {
					return i, true
				}
				found = true
				break
			}
			first += v >> countShift
		}
		if found {
			continue
		}
		var second uint64
		for k := range f.words {
			v := f.words[k].Load()
			if v&freeMask != 0 {
				found = true
				break
			}
			second += v >> countShift
		}
		if !found && first == second {
			f.noteHighWater(int64(f.n))
			return -1, false
		}
	}
}

func (f *freeList) noteHighWater(n int64) {
	for {
		old := f.hwm.Load()
		if n <= old || f.hwm.CompareAndSwap(old, n) {
			return
		}
	}
}

// setMode installs debug mode (with its Get hook) or exact mode as opts
// asks; debug mode counts exactly too.
func (f *freeList) setMode(opts Options, debugGet func(int)) {
	switch {
	case opts.Debug:
		f.onGet, f.exact = debugGet, true
	case opts.ExactHighWater:
		f.onGet, f.exact = f.countOut, true
	}
}

// countOut is onGet's bookkeeping in exact mode: it counts block i out
// once Get has taken it, so the block is counted from then until its Put
// starts.
func (f *freeList) countOut(int) { f.noteHighWater(f.out.Add(1)) }

// putCounted is put in exact mode. The count drops before the block is
// free, so no block is ever counted twice (by its Put still to come and by
// the next Get that takes it); a refused double Put restores the count.
func (f *freeList) putCounted(i int) bool {
	f.out.Add(-1)
	if f.put(i) {
		return true
	}
	f.out.Add(1)
	return false
}

// checkOut reports whether block i is out; a false answer means a Put of
// it would be a double Put.
func (f *freeList) checkOut(i int) bool {
	return f.words[f.wordOf(i)].Load()&(1<<(i%wordBlocks)) == 0
}

// slot is block i's word and bit.
func (f *freeList) slot(i int) (*atomic.Uint64, uint64) {
	return &f.words[f.wordOf(i)], 1 << (uint(i) % wordBlocks)
}

// put returns block i. It reports false, changing nothing, if i is not out
// (a double Put): the CAS that sets the bit is what makes two racing Puts
// of one block fail one of them. Slab.Put and Fixed.Put write this out
// themselves, to be one call deep.
//
// A block always goes back to its own stripe, not to the putter's: a
// goroutine that takes and returns blocks keeps finding them on its own
// stripe, and blocks handed from a producer goroutine to a consumer that
// returns them flow back to the producer.
func (f *freeList) put(i int) bool {
	w, bit := f.slot(i)
	for {
		v := w.Load()
		if v&bit != 0 {
			return false
		}
		if w.CompareAndSwap(v, v|bit) {
			break
		}
	}
	f.notify()
	return true
}

// notify wakes a parked Acquire after a Put; one atomic load when none is
// parked.
func (f *freeList) notify() {
	if f.waiters.Waiting() != 0 {
		f.waiters.NotifyOne()
	}
}

// acquire is get that parks until a block is returned or ctx is done. A
// free block is taken even if ctx is already done.
func (f *freeList) acquire(ctx context.Context) (unsafe.Pointer, error) {
	if p := f.get(); p != nil {
		return p, nil
	}
	f.empty.Add(^uint64(0)) // get counted an empty Get; this call waits instead
	i, err := f.acquireSlow(ctx)
	if err != nil {
		return nil, err
	}
	if f.onGet != nil {
		f.onGet(i)
	}
	return unsafe.Add(f.base, uintptr(i)*f.elem), nil
}

func (f *freeList) acquireSlow(ctx context.Context) (int, error) {
	f.waits.Add(1)
	start := time.Now()
	defer func() { f.waitNanos.Add(int64(time.Since(start))) }()
	return wait.Until(ctx, &f.waiters, 0, func() (int, bool) { return f.getSlow(f.home()) })
}

func (f *freeList) inUse() int {
	free := 0
	for k := range f.words {
		free += bits.OnesCount64(f.words[k].Load() & freeMask)
	}
	return max(0, f.n-free)
}

func (f *freeList) stats() Stats {
	var gets uint64
	free := 0
	for k := range f.words {
		v := f.words[k].Load()
		gets += v >> countShift
		free += bits.OnesCount64(v & freeMask)
	}
	for k := range f.stripes {
		gets += f.stripes[k].wraps.Load() << (64 - countShift)
	}
	inUse := max(0, f.n-free)
	f.noteHighWater(int64(inUse))
	puts := uint64(0)
	if gets >= uint64(inUse) { // not so under racing reads
		puts = gets - uint64(inUse)
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
