package pool

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/hotpath/hotpath/internal/pad"
)

const (
	// DefaultMinSize and DefaultMaxSize bound the size classes of a
	// [Bytes] pool made with zero options.
	DefaultMinSize = 64
	DefaultMaxSize = 1 << 20
	// DefaultMaxIdleBytes bounds the idle memory of one size class.
	DefaultMaxIdleBytes = 4 << 20

	maxClassCap = 1 << 16 // no class keeps more buffers than this
	minTuneCap  = 1       // the tuned cap never goes below this
	startCap    = 16      // a class's cap before it has seen any demand
	// tuneWindow is the number of Gets of a class between two shrink
	// decisions: long enough that the smallest idle count seen in it is
	// the surplus the class really did not need.
	tuneWindow = 1024
)

// BytesOptions configures a [Bytes] pool. The zero value is the default.
type BytesOptions struct {
	// MinSize and MaxSize are the smallest and largest size classes,
	// powers of two; 0 means DefaultMinSize and DefaultMaxSize. Requests
	// above MaxSize are served by make and never pooled.
	MinSize, MaxSize int

	// MaxIdleBytes bounds the memory one size class keeps idle: a class of
	// size S keeps at most max(1, MaxIdleBytes/S) buffers, rounded down to
	// a power of two. 0 means DefaultMaxIdleBytes. Within that bound the
	// class's cap tunes itself (see [Bytes]).
	MaxIdleBytes int

	// Debug records the stack of every Get until its buffer is Put (see
	// [Bytes.Leaks]), panics on a double Put naming both stacks, and
	// poisons pooled buffers with [PoisonByte]: the next Get of a buffer
	// written after its Put panics. Debug mode takes a lock and allocates.
	Debug bool
}

// Bytes is a pool of byte buffers for variable sizes. A request of n bytes
// is served from the smallest power-of-two size class that holds n, so a
// buffer is never too small and never more than twice the request; above
// the largest class it is served by make and never pooled.
//
// Each class keeps at most a cap of idle buffers, so a burst does not pin
// memory forever, and tunes that cap from its own hit and miss counts: a
// window in which Gets missed while Puts had to drop buffers for lack of
// room doubles the cap, and a window of 1024 Gets without a miss
// lowers the cap by half the smallest idle count seen in it (the buffers
// that were never needed), releasing them. Because a cap that is too small
// always shows as misses together with drops, the cap cannot settle below
// the demand; because surplus is measured, not guessed from sizes, a rare
// large size keeps its own class (bytebufferpool calibrates one default
// size from the most frequent requests and can settle on one that is too
// small). A class that sees no Gets at all does not tune; call
// [Bytes.Trim] to release its idle buffers.
//
// Get and Put are lock-free; a Put never allocates (buffers are kept as
// bare pointers, never boxed into an interface), and a Get allocates only
// on a miss. Each class keeps one buffer per stripe in a hot slot (one per
// GOMAXPROCS, rounded up to a power of two, chosen by the calling
// goroutine's stack address, as [Slab] chooses its stripes): a Get and Put
// that find it are one atomic swap each and reuse the most recently
// returned buffer; the rest go through the class's shared ring. Put accepts any buffer whose capacity is within the classes,
// including one that did not come from Get; it is kept in the largest class
// its capacity covers.
//
// The zero value is not usable; create a Bytes with [NewBytes] or
// [NewBytesWithOptions]. A Bytes must not be copied after first use. A Put
// synchronizes before the Get that hands the same buffer out again.
type Bytes struct {
	_        noCopy
	classes  []class
	nHot     uint32 // hot slots per class
	minShift int    // log2(min size)
	min, max int
	oversize atomic.Uint64 // Gets above max
	foreign  atomic.Uint64 // Puts whose capacity fits no class
	hwm      atomic.Int64
	dbg      *bytesTracker
}

// hotSlot holds one idle buffer of a class for the goroutines whose stack
// hint maps to it, like sync.Pool's per-P private slot: a Get and a Put that
// find it are one atomic swap each, touch a cache line no other stripe
// uses, and hand back the most recently returned buffer, which is the one
// most likely still in the CPU's cache. Only when the slot is empty (Get)
// or full (Put) does the call go on to the class's shared ring.
type hotSlot struct {
	_    pad.CacheLinePad
	p    atomic.Pointer[byte]
	hits atomic.Uint64 // Gets served from this slot
	_    [pad.CacheLineSize - 16]byte
}

// class is one size class: its hot slots, a ring of idle buffers and its
// tuning state.
type class struct {
	hot     []hotSlot // len is nHot; written once before use
	r       ring
	size    int
	maxCap  int64
	cap     atomic.Int64  // idle buffers kept at most (tuned)
	misses  atomic.Uint64 // Gets that found no idle buffer
	drops   atomic.Uint64 // Puts that found the class at its cap
	trimmed atomic.Uint64 // idle buffers released from the ring by tuning and Trim
	hotGone atomic.Uint64 // idle buffers released from hot slots by Trim
	minIdle atomic.Int64  // smallest idle count seen in this window
	tuning  atomic.Bool   // held by the goroutine that tunes; guards the window fields
	// The window's starting counters, guarded by tuning.
	winGets, winMisses, winDrops uint64
	_                            pad.CacheLinePad
}

// NewBytes returns a Bytes pool with size classes from minSize to maxSize,
// both powers of two.
func NewBytes(minSize, maxSize int) (*Bytes, error) {
	return NewBytesWithOptions(BytesOptions{MinSize: minSize, MaxSize: maxSize})
}

// NewBytesWithOptions returns a Bytes pool configured by opts.
func NewBytesWithOptions(opts BytesOptions) (*Bytes, error) {
	lo, hi, idle := opts.MinSize, opts.MaxSize, opts.MaxIdleBytes
	if lo == 0 {
		lo = DefaultMinSize
	}
	if hi == 0 {
		hi = DefaultMaxSize
	}
	if idle == 0 {
		idle = DefaultMaxIdleBytes
	}
	switch {
	case lo < 0 || lo&(lo-1) != 0:
		return nil, fmt.Errorf("pool: NewBytes: MinSize must be a power of two, got %d", lo)
	case hi < 0 || hi&(hi-1) != 0:
		return nil, fmt.Errorf("pool: NewBytes: MaxSize must be a power of two, got %d", hi)
	case hi < lo:
		return nil, fmt.Errorf("pool: NewBytes: MaxSize %d is below MinSize %d", hi, lo)
	case idle < 0:
		return nil, fmt.Errorf("pool: NewBytes: MaxIdleBytes must be >= 0, got %d", idle)
	}
	p := &Bytes{min: lo, max: hi, minShift: bits.TrailingZeros(uint(lo))}
	n := bits.TrailingZeros(uint(hi)) - p.minShift + 1
	p.classes = make([]class, n)
	p.nHot = uint32(min(maxStripes, ceilPow2(runtime.GOMAXPROCS(0))))
	for k := range p.classes {
		c := &p.classes[k]
		c.hot = make([]hotSlot, p.nHot)
		c.size = lo << k
		c.maxCap = int64(min(maxClassCap, floorPow2(max(1, idle/c.size))))
		c.r.init(int(c.maxCap))
		c.cap.Store(min(c.maxCap, startCap))
		c.minIdle.Store(1<<62 - 1)
	}
	if opts.Debug {
		p.dbg = newBytesTracker()
	}
	return p, nil
}

// MinSize returns the smallest size class; smaller Gets are served from it.
func (p *Bytes) MinSize() int { return p.min }

// MaxSize returns the largest size class; larger Gets are not pooled.
func (p *Bytes) MaxSize() int { return p.max }

// Get returns a buffer of length n. Its capacity is n rounded up to a
// power of two (at least MinSize) when n <= MaxSize, and exactly n above
// that. Its contents are unspecified (in debug mode, [PoisonByte]). It
// panics if n is negative.
func (p *Bytes) Get(n int) []byte {
	if uint(n) > uint(p.max) {
		return p.getOversize(n)
	}
	c := &p.classes[p.classIndex(n)]
	if p.dbg == nil {
		hs := &c.hot[pad.Stripe(p.nHot)]
		if hs.p.Load() != nil {
			if ptr := hs.p.Swap(nil); ptr != nil {
				if hs.hits.Add(1)%tuneWindow == 0 {
					p.tick(c)
				}
				return unsafe.Slice(ptr, c.size)[:n]
			}
		}
	}
	ptr, pos := c.r.pop()
	if ptr == nil {
		return p.miss(c, n)
	}
	if pos%tuneWindow == tuneWindow-1 {
		p.tick(c)
	} else if idle := int64(c.r.tail.Load() - pos - 1); idle < c.minIdle.Load() {
		c.noteIdle(idle)
	}
	b := unsafe.Slice((*byte)(ptr), c.size)
	if p.dbg != nil {
		p.dbg.get(b)
	}
	return b[:n]
}

// Put returns b to the class its capacity covers. A buffer whose capacity
// is below MinSize or above MaxSize is left to the garbage collector, as is
// one that finds its class at its cap. b must not be used after Put.
//
// A second Put of a buffer that is still in the pool panics when Put can
// see it for free: always in debug mode, which tracks every buffer, and
// otherwise when the buffer is the one the hot slot Put looks at holds.
// That is where a buffer Put twice in a row by one goroutine, from about
// the same stack depth, is found (the common double Put: an explicit Put
// before a deferred one); the slot is chosen by stack address, in bands of
// 2 KiB, so two Puts from frames far apart may look in different slots.
// Outside debug mode a double Put that Put does not see is not caught:
// catching every one would take a lookup per Put.
func (p *Bytes) Put(b []byte) {
	n := cap(b)
	if n < p.min || n > p.max {
		p.foreign.Add(1)
		return
	}
	c := &p.classes[bits.Len(uint(n))-1-p.minShift]
	ptr := unsafe.Pointer(unsafe.SliceData(b))
	if p.dbg != nil {
		p.dbg.put(b[:c.size], c, p)
		return
	}
	hs := &c.hot[pad.Stripe(p.nHot)]
	switch cur := hs.p.Load(); {
	case cur == nil:
		if hs.p.CompareAndSwap(nil, (*byte)(ptr)) {
			return
		}
	case cur == (*byte)(ptr):
		panicBytesDoublePut(uintptr(ptr), c.size)
	}
	if int64(c.r.len()) >= c.cap.Load() || !c.r.push(ptr) {
		c.drops.Add(1)
	}
}

// Trim releases every idle buffer to the garbage collector and lowers each
// class's cap to its starting value; the caps grow again with demand.
func (p *Bytes) Trim() {
	for k := range p.classes {
		c := &p.classes[k]
		c.cap.Store(min(c.maxCap, startCap))
		p.release(c, 0)
		for h := range c.hot {
			if c.hot[h].p.Swap(nil) != nil {
				c.hotGone.Add(1)
			}
		}
	}
}

// Outlined, with the address as an integer, so that Put stays small and
// its argument does not escape.
//
//go:noinline
func panicBytesDoublePut(p uintptr, size int) {
	panic(fmt.Sprintf("pool: double Put of Bytes buffer %#x (class %d): it is already in the pool; "+
		"enable BytesOptions.Debug to see where it was returned and handed out", p, size))
}

// classIndex is the class that serves a request of n <= max bytes.
func (p *Bytes) classIndex(n int) int {
	if n <= p.min {
		return 0
	}
	return bits.Len(uint(n-1)) - p.minShift
}

func (p *Bytes) getOversize(n int) []byte {
	if n < 0 {
		panic(fmt.Sprintf("pool: Bytes.Get of a negative size %d", n))
	}
	p.oversize.Add(1)
	return make([]byte, n)
}

// miss allocates for an empty class and grows its cap when the class has
// been dropping buffers: demand is above the cap.
//
// Outlined slow path so the fast path inlines.
func (p *Bytes) miss(c *class, n int) []byte {
	c.misses.Add(1)
	if c.tuning.CompareAndSwap(false, true) {
		if drops := c.drops.Load(); drops != c.winDrops {
			if cp := c.cap.Load(); cp < c.maxCap {
				c.cap.Store(min(c.maxCap, 2*cp))
			}
			c.resetWindowLocked()
		}
		c.tuning.Store(false)
	}
	p.noteHighWater()
	b := make([]byte, n, c.size)
	if p.dbg != nil {
		p.dbg.get(b[:c.size])
	}
	return b
}

// tick ends a window of tuneWindow Gets of c: with no miss in it, the
// smallest idle count seen was surplus; release half of it.
func (p *Bytes) tick(c *class) {
	if !c.tuning.CompareAndSwap(false, true) {
		return
	}
	defer c.tuning.Store(false)
	p.noteHighWater()
	if c.misses.Load() == c.winMisses {
		if surplus := c.minIdle.Load(); surplus > 0 && surplus < 1<<62-1 {
			cp := max(minTuneCap, c.cap.Load()-max(1, surplus/2))
			c.cap.Store(cp)
			p.release(c, int(cp))
		}
	}
	c.resetWindowLocked()
}

func (c *class) resetWindowLocked() {
	c.winMisses = c.misses.Load()
	c.winDrops = c.drops.Load()
	c.minIdle.Store(int64(c.r.len()))
}

func (c *class) noteIdle(n int64) {
	for {
		old := c.minIdle.Load()
		if n >= old || c.minIdle.CompareAndSwap(old, n) {
			return
		}
	}
}

// release pops idle buffers of c until at most keep remain.
func (p *Bytes) release(c *class, keep int) {
	for c.r.len() > keep {
		ptr, _ := c.r.pop()
		if ptr == nil {
			return
		}
		c.trimmed.Add(1)
		if p.dbg != nil {
			p.dbg.forget(ptr)
		}
	}
}

func (p *Bytes) inUse() int64 {
	var n int64
	for k := range p.classes {
		c := &p.classes[k]
		cs := c.counts()
		n += int64(cs.Gets) - int64(cs.Puts)
	}
	return max(0, n)
}

func (p *Bytes) noteHighWater() {
	n := p.inUse()
	for {
		old := p.hwm.Load()
		if n <= old || p.hwm.CompareAndSwap(old, n) {
			return
		}
	}
}

// ClassStats are the counters of one size class of a [Bytes] pool.
type ClassStats struct {
	Size   int    // capacity of the class's buffers
	Gets   uint64 // Gets served by this class
	Hits   uint64 // Gets served from an idle buffer
	Misses uint64 // Gets that allocated (the empty gets of this class)
	Puts   uint64 // Puts to this class, kept or dropped
	Drops  uint64 // Puts that found the class at its cap, left to the GC
	Idle   int    // buffers kept now, in the ring and the hot slots
	Cap    int    // the tuned cap on the ring's buffers; each hot slot keeps one more
	MaxCap int    // the bound on Cap from MaxIdleBytes
}

// BytesStats is a snapshot of a [Bytes] pool's counters. A Bytes pool never
// waits, so it has no wait counters.
type BytesStats struct {
	// InUse is Gets minus Puts over the classes: buffers handed out and
	// not returned (a Put of a buffer that did not come from Get counts
	// as a return).
	InUse int
	// HighWater is the largest InUse seen, sampled at each miss, at the
	// end of each tuning window and at each Stats call.
	HighWater    int
	OversizeGets uint64 // Gets above MaxSize, served by make
	ForeignPuts  uint64 // Puts whose capacity fits no class, left to the GC
	Classes      []ClassStats
}

// Stats returns the pool's counters. It allocates the Classes slice.
func (p *Bytes) Stats() BytesStats {
	p.noteHighWater()
	st := BytesStats{
		InUse:        int(p.inUse()),
		HighWater:    int(p.hwm.Load()),
		OversizeGets: p.oversize.Load(),
		ForeignPuts:  p.foreign.Load(),
		Classes:      make([]ClassStats, len(p.classes)),
	}
	for k := range p.classes {
		st.Classes[k] = p.classes[k].counts()
	}
	return st
}

// counts reads a class's counters. Hits are the ring's pops (less those
// that released buffers) plus the hot slots' hits; Puts are the ring's
// pushes, the drops, and every buffer that went through a hot slot.
func (c *class) counts() ClassStats {
	var hotHits, hotHeld uint64
	for h := range c.hot {
		hotHits += c.hot[h].hits.Load()
		if c.hot[h].p.Load() != nil {
			hotHeld++
		}
	}
	cs := ClassStats{
		Size:   c.size,
		Hits:   c.r.head.Load() - c.trimmed.Load() + hotHits,
		Misses: c.misses.Load(),
		Drops:  c.drops.Load(),
		Idle:   c.r.len() + int(hotHeld),
		Cap:    int(c.cap.Load()),
		MaxCap: int(c.maxCap),
	}
	cs.Gets = cs.Hits + cs.Misses
	cs.Puts = c.r.tail.Load() + cs.Drops + hotHits + hotHeld + c.hotGone.Load()
	return cs
}
