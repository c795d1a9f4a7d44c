package pool

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"
	"unsafe"
)

// Slab is a pool of fixed-size byte blocks cut from one pre-allocated
// region. Get and Put are lock-free and do not allocate; the region is the
// only memory the blocks ever use, and it is never released to the garbage
// collector while the Slab is reachable, however long the blocks sit idle.
//
// The zero value is not usable; create a Slab with [NewSlab] or
// [NewSlabWithOptions]. A Slab must not be copied after first use.
//
// In the terminology of the Go memory model, a Put of a block synchronizes
// before the Get (or Acquire) that hands that block out next, so whatever
// the previous owner wrote is visible to the next one.
//
// Put takes back exactly the slices Get hands out: b[:n] of a block is the
// same block, but a block re-sliced from the front (b[k:]) or with a
// smaller capacity (b[:n:m]) is refused, because such a slice means the
// caller lost track of the block it got. Put panics on a double Put, a
// foreign slice and a wrongly sized one; a panicking Put changes nothing.
//
// Use a Slab where a hot path needs buffers of one size and their number
// must be bounded; use [Bytes] for buffers of varying size.
type Slab struct {
	_     noCopy
	fl    freeList
	mem   []byte         // the region; keeps it alive
	ptr   unsafe.Pointer // &mem[0]
	base  uintptr        // address of mem[0]
	total uintptr        // len(mem)
	size  int            // block size
	shift int            // log2(size) when size is a power of two, else -1
	dbg   *tracker
}

// NewSlab returns a Slab of blocks blocks of blockSize bytes each, all
// allocated at once.
func NewSlab(blockSize, blocks int) (*Slab, error) {
	return NewSlabWithOptions(blockSize, blocks, Options{})
}

// NewSlabWithOptions is [NewSlab] with [Options], such as debug mode.
func NewSlabWithOptions(blockSize, blocks int, opts Options) (*Slab, error) {
	if blockSize <= 0 {
		return nil, fmt.Errorf("pool: NewSlab: blockSize must be > 0, got %d", blockSize)
	}
	if blocks <= 0 || blocks > MaxBlocks {
		return nil, fmt.Errorf("pool: NewSlab: blocks must be between 1 and %d, got %d", MaxBlocks, blocks)
	}
	if blockSize > maxInt/blocks {
		return nil, fmt.Errorf("pool: NewSlab: %d blocks of %d bytes overflow int", blocks, blockSize)
	}
	if err := opts.validate("NewSlab"); err != nil {
		return nil, err
	}
	s := &Slab{
		mem:   make([]byte, blockSize*blocks),
		size:  blockSize,
		shift: -1,
	}
	s.ptr = unsafe.Pointer(unsafe.SliceData(s.mem))
	s.base = uintptr(s.ptr)
	s.total = uintptr(len(s.mem))
	if blockSize&(blockSize-1) == 0 {
		s.shift = bits.TrailingZeros(uint(blockSize))
	}
	s.fl.init(blocks, opts.stripesFor(blocks), s.ptr, uintptr(blockSize))
	if opts.Debug {
		s.dbg = newTracker(blocks)
	}
	s.fl.setMode(opts, s.debugGet)
	return s, nil
}

const maxInt = int(^uint(0) >> 1)

// BlockSize returns the length of every block.
func (s *Slab) BlockSize() int { return s.size }

// Cap returns the number of blocks.
func (s *Slab) Cap() int { return s.fl.n }

// Get returns a free block of length and capacity [Slab.BlockSize], or
// false when every block is out. Its contents are whatever the previous
// owner left (in debug mode: [PoisonByte]).
func (s *Slab) Get() ([]byte, bool) {
	if p := s.fl.get(); p != nil {
		return unsafe.Slice((*byte)(p), s.size), true
	}
	return nil, false
}

// Acquire is [Slab.Get] that waits, parked, until a block is returned or
// ctx is done; then it returns ctx.Err(). A free block is handed out even
// if ctx is already done. Waiters are woken in the order they parked.
func (s *Slab) Acquire(ctx context.Context) ([]byte, error) {
	p, err := s.fl.acquire(ctx)
	if err != nil {
		return nil, err
	}
	return unsafe.Slice((*byte)(p), s.size), nil
}

// Put returns a block that Get or Acquire handed out. It panics, changing
// nothing, if b is nil, does not start at a block of this Slab, has a
// capacity other than [Slab.BlockSize], or is already in the pool.
func (s *Slab) Put(b []byte) {
	// The address check is written out here, not called, so that Put is
	// one call into the free list.
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := p - s.base
	if off >= s.total {
		panicForeignSlice(p)
	}
	var i uintptr
	if s.shift >= 0 {
		i = off >> s.shift
	} else {
		i = off / uintptr(s.size)
	}
	if off != i*uintptr(s.size) || cap(b) != s.size {
		s.panicShape(cap(b), int(i), int(off-i*uintptr(s.size)))
	}
	if s.fl.exact {
		s.putExact(int(i))
		return
	}
	w, bit := s.fl.slot(int(i))
	v := w.Load()
	for v&bit == 0 {
		if w.CompareAndSwap(v, v|bit) {
			s.fl.notify()
			return
		}
		v = w.Load()
	}
	panicDoublePut("Slab", int(i))
}

// Stats returns the pool's counters. It costs O(stripes).
func (s *Slab) Stats() Stats { return s.fl.stats() }

// Leaks lists the blocks that are out, with the stack of the Get that
// handed each out when the Slab is in debug mode. Call it when every block
// should have been returned, such as at the end of a test.
func (s *Slab) Leaks() []Leak { return leaks(&s.fl, s.dbg) }

func (s *Slab) block(i int) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(s.ptr, i*s.size)), s.size)
}

// The panics are outlined, and take addresses as integers, so that Put
// stays small and its argument does not escape.
//
//go:noinline
func panicForeignSlice(p uintptr) {
	if p == 0 {
		panic("pool: Slab.Put of a nil slice")
	}
	panic(fmt.Sprintf("pool: Slab.Put of a foreign slice: %#x is not in this Slab's region", p))
}

//go:noinline
func (s *Slab) panicShape(capacity, i, into int) {
	if into != 0 {
		panic(fmt.Sprintf("pool: Slab.Put of a slice that starts %d bytes into block %d: "+
			"a block re-sliced from the front cannot be returned; Put the slice Get returned", into, i))
	}
	panic(fmt.Sprintf("pool: Slab.Put of a wrongly sized slice: cap %d, block size %d (block %d); "+
		"Put the slice Get returned, re-sliced only as b[:n]", capacity, s.size, i))
}

// putExact is Put in exact or debug mode.
func (s *Slab) putExact(i int) {
	if s.dbg != nil {
		s.debugPut(i)
	} else if !s.fl.putCounted(i) {
		panicDoublePut("Slab", i)
	}
}

func (s *Slab) debugGet(i int) {
	s.fl.countOut(i)
	t := s.dbg
	t.mu.Lock()
	defer t.mu.Unlock()
	b := s.block(i)
	if t.poisoned[i] {
		if at := firstNot(b, PoisonByte); at >= 0 {
			panic(fmt.Sprintf("pool: Slab block %d was written after it was Put (byte %d is %#02x, poison is %#02x): "+
				"use after Put; the Put was at:\n%s", i, at, b[at], PoisonByte, formatStack(t.puts[i])))
		}
	}
	t.poisoned[i] = false
	t.gets[i] = callers()
}

func (s *Slab) debugPut(i int) {
	t := s.dbg
	t.mu.Lock()
	defer t.mu.Unlock()
	if !s.fl.checkOut(i) {
		panic(doublePutMessage("Slab", i, t))
	}
	t.puts[i] = callers()
	b := s.block(i)
	for k := range b {
		b[k] = PoisonByte
	}
	t.poisoned[i] = true
	if !s.fl.putCounted(i) {
		panic(doublePutMessage("Slab", i, t))
	}
}

// firstNot returns the index of the first byte of b that is not c, or -1.
func firstNot(b []byte, c byte) int {
	var chunk [256]byte
	for k := range chunk {
		chunk[k] = c
	}
	for off := 0; off < len(b); off += len(chunk) {
		part := b[off:min(len(b), off+len(chunk))]
		if !bytes.Equal(part, chunk[:len(part)]) {
			for k, v := range part {
				if v != c {
					return off + k
				}
			}
		}
	}
	return -1
}

// noCopy lets go vet's copylocks check catch a copied pool.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
