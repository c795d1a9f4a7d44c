package pool

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/bits"
	"reflect"
	"unsafe"
)

// Fixed is a pool of size pre-allocated values of type T handed out as *T.
// Get and Put are lock-free and do not allocate; the values live in one
// array allocated by the constructor and are never released while the pool
// is reachable.
//
// The zero value is not usable; create a Fixed with [NewFixed] or
// [NewFixedWithOptions]. A Fixed must not be copied after first use.
//
// A Put of a value, including its reset, synchronizes before the Get (or
// Acquire) that hands that value out next.
//
// Put takes back only pointers that Get handed out: it panics, changing
// nothing, on a nil pointer, a pointer outside the pool's array, a pointer
// into the middle of a value (such as to one of its fields) and a double
// Put.
type Fixed[T any] struct {
	_     noCopy
	fl    freeList
	vals  []T
	base  uintptr // address of vals[0]
	total uintptr // len(vals) * size
	size  uintptr // unsafe.Sizeof(T)
	shift int     // log2(size) when size is a power of two, else -1
	reset func(*T)
	dbg   *tracker
	seed  maphash.Seed // debug checksums
	// shadow, in debug mode for a T without pointers, holds each pooled
	// value's bytes after reset while the value itself is poisoned.
	shadow []byte
}

// NewFixed returns a pool of size values of T, all allocated at once.
// reset, if not nil, is applied to each value as it is Put, so Get returns
// reset values (a fresh pool's values are T's zero value).
func NewFixed[T any](size int, reset func(*T)) (*Fixed[T], error) {
	return NewFixedWithOptions(size, reset, Options{})
}

// NewFixedWithOptions is [NewFixed] with [Options], such as debug mode.
// In debug mode a returned value of a T without pointers is filled with
// [PoisonByte] (its reset contents are kept aside and restored by the next
// Get), and a value of a T with pointers, which cannot be overwritten with
// garbage, is checksummed after its reset; either way the next Get of a
// value written after its Put panics naming the value.
func NewFixedWithOptions[T any](size int, reset func(*T), opts Options) (*Fixed[T], error) {
	if size <= 0 || size > MaxBlocks {
		return nil, fmt.Errorf("pool: NewFixed: size must be between 1 and %d, got %d", MaxBlocks, size)
	}
	var zero T
	sz := unsafe.Sizeof(zero)
	if sz == 0 {
		return nil, fmt.Errorf("pool: NewFixed: %T has size 0, so its values cannot be told apart", zero)
	}
	if err := opts.validate("NewFixed"); err != nil {
		return nil, err
	}
	p := &Fixed[T]{
		vals:  make([]T, size),
		size:  sz,
		shift: -1,
		reset: reset,
	}
	p.base = uintptr(unsafe.Pointer(unsafe.SliceData(p.vals)))
	p.total = uintptr(size) * sz
	if sz&(sz-1) == 0 {
		p.shift = bits.TrailingZeros(uint(sz))
	}
	p.fl.init(size, opts.stripesFor(size), unsafe.Pointer(unsafe.SliceData(p.vals)), sz)
	if opts.Debug {
		p.dbg = newTracker(size)
		p.seed = maphash.MakeSeed()
		if pointerFree(reflect.TypeFor[T]()) {
			p.shadow = make([]byte, p.total)
		}
	}
	p.fl.setMode(opts, p.debugGet)
	return p, nil
}

// Cap returns the number of values.
func (p *Fixed[T]) Cap() int { return p.fl.n }

// Get returns a free value, or false when every value is out.
func (p *Fixed[T]) Get() (*T, bool) {
	if v := p.fl.get(); v != nil {
		return (*T)(v), true
	}
	return nil, false
}

// Acquire is [Fixed.Get] that waits, parked, until a value is returned or
// ctx is done; then it returns ctx.Err(). A free value is handed out even
// if ctx is already done. Waiters are woken in the order they parked.
func (p *Fixed[T]) Acquire(ctx context.Context) (*T, error) {
	v, err := p.fl.acquire(ctx)
	if err != nil {
		return nil, err
	}
	return (*T)(v), nil
}

// Put applies reset to v and returns it to the pool. It panics, changing
// nothing, if v is nil, not a value of this pool, or already in the pool.
// If reset panics, the panic propagates and v stays out, still owned by
// the caller.
func (p *Fixed[T]) Put(v *T) {
	// The address check is written out here, not called, so that Put
	// makes no call on its common path.
	addr := uintptr(unsafe.Pointer(v))
	off := addr - p.base
	if off >= p.total {
		panicForeignPointer(addr)
	}
	var u uintptr
	if p.shift >= 0 {
		u = off >> p.shift
	} else {
		u = off / p.size
	}
	if off != u*p.size {
		panicInterior(int(off-u*p.size), int(u))
	}
	i := int(u)
	if p.fl.exact {
		p.putExact(i, v)
		return
	}
	w, bit := p.fl.slot(i)
	x := w.Load()
	if x&bit != 0 { // checked before reset, which must not touch a pooled value
		panicDoublePut("Fixed", i)
	}
	if p.reset != nil {
		p.reset(v)
		x = w.Load()
	}
	for !w.CompareAndSwap(x, x|bit) {
		if x = w.Load(); x&bit != 0 {
			panicDoublePut("Fixed", i)
		}
	}
	p.fl.notify()
}

// Stats returns the pool's counters. It costs O(stripes).
func (p *Fixed[T]) Stats() Stats { return p.fl.stats() }

// Leaks lists the values that are out, with the stack of the Get that
// handed each out when the pool is in debug mode.
func (p *Fixed[T]) Leaks() []Leak { return leaks(&p.fl, p.dbg) }

//go:noinline
func panicForeignPointer(addr uintptr) {
	if addr == 0 {
		panic("pool: Fixed.Put of a nil pointer")
	}
	panic(fmt.Sprintf("pool: Fixed.Put of a foreign pointer: %#x is not a value of this pool", addr))
}

//go:noinline
func panicInterior(into, i int) {
	panic(fmt.Sprintf("pool: Fixed.Put of a pointer %d bytes into value %d (a pointer to a field?); "+
		"Put the pointer Get returned", into, i))
}

func (p *Fixed[T]) bytesOf(i int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&p.vals[i])), p.size)
}

// putExact is Put in exact or debug mode.
func (p *Fixed[T]) putExact(i int, v *T) {
	if p.dbg != nil {
		p.debugPut(i, v)
		return
	}
	if !p.fl.checkOut(i) { // checked before reset, which must not touch a pooled value
		panicDoublePut("Fixed", i)
	}
	if p.reset != nil {
		p.reset(v)
	}
	if !p.fl.putCounted(i) {
		panicDoublePut("Fixed", i)
	}
}

func (p *Fixed[T]) debugGet(i int) {
	p.fl.countOut(i)
	t := p.dbg
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.poisoned[i] {
		b := p.bytesOf(i)
		if p.shadow != nil {
			if at := firstNot(b, PoisonByte); at >= 0 {
				panic(fmt.Sprintf("pool: Fixed value %d was written after it was Put (byte %d is %#02x, poison is %#02x): "+
					"use after Put; the Put was at:\n%s", i, at, b[at], PoisonByte, formatStack(t.puts[i])))
			}
			copy(b, p.shadow[uintptr(i)*p.size:])
		} else if maphash.Bytes(p.seed, b) != t.sums[i] {
			panic(fmt.Sprintf("pool: Fixed value %d was written after it was Put (its checksum changed): "+
				"use after Put; the Put was at:\n%s", i, formatStack(t.puts[i])))
		}
	}
	t.poisoned[i] = false
	t.gets[i] = callers()
}

func (p *Fixed[T]) debugPut(i int, v *T) {
	t := p.dbg
	t.mu.Lock()
	out := p.fl.checkOut(i)
	t.mu.Unlock()
	if !out {
		t.mu.Lock()
		defer t.mu.Unlock()
		panic(doublePutMessage("Fixed", i, t))
	}
	if p.reset != nil {
		p.reset(v) // outside the lock, as in the normal path; a panic leaves v out
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !p.fl.checkOut(i) {
		panic(doublePutMessage("Fixed", i, t))
	}
	t.puts[i] = callers()
	if b := p.bytesOf(i); p.shadow != nil {
		copy(p.shadow[uintptr(i)*p.size:], b)
		for k := range b {
			b[k] = PoisonByte
		}
	} else {
		t.sums[i] = maphash.Bytes(p.seed, b)
	}
	t.poisoned[i] = true
	if !p.fl.putCounted(i) {
		panic(doublePutMessage("Fixed", i, t))
	}
}

// pointerFree reports whether a value of type t holds no pointers, so that
// its memory may be filled with a byte pattern without misleading the
// garbage collector.
func pointerFree(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return t.Len() == 0 || pointerFree(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !pointerFree(t.Field(i).Type) {
				return false
			}
		}
		return true
	default:
		return false
	}
}
