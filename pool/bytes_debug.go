package pool

import (
	"fmt"
	"sort"
	"sync"
	"unsafe"
)

// bytesTracker is the debug-mode bookkeeping of a Bytes pool, keyed by
// buffer address. Addresses are kept as integers so that the tracker does
// not keep dropped buffers alive.
type bytesTracker struct {
	mu   sync.Mutex // protects bufs
	bufs map[uintptr]*bufRecord
}

type bufRecord struct {
	pooled bool // in the pool (poisoned), not out
	size   int  // class size
	get    []uintptr
	put    []uintptr
}

func newBytesTracker() *bytesTracker {
	return &bytesTracker{bufs: make(map[uintptr]*bufRecord)}
}

// get checks the poison of a buffer leaving the pool (b spans its whole
// class) and records the Get's stack.
func (t *bytesTracker) get(b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	r := t.bufs[key]
	if r != nil && r.pooled {
		if at := firstNot(b, PoisonByte); at >= 0 {
			panic(fmt.Sprintf("pool: Bytes buffer %#x (class %d) was written after it was Put "+
				"(byte %d is %#02x, poison is %#02x): use after Put; the Put was at:\n%s",
				key, len(b), at, b[at], PoisonByte, formatStack(r.put)))
		}
	}
	if r == nil {
		r = &bufRecord{}
		t.bufs[key] = r
	}
	r.pooled = false
	r.size = len(b)
	r.get = callers()
}

// put checks for a double Put, poisons b (its whole class) and pushes it.
func (t *bytesTracker) put(b []byte, c *class, p *Bytes) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	r := t.bufs[key]
	if r != nil && r.pooled {
		panic(fmt.Sprintf("pool: double Put of Bytes buffer %#x (class %d): it is already in the pool; "+
			"it was returned at:\n%sand handed out before that at:\n%s",
			key, c.size, formatStack(r.put), formatStack(r.get)))
	}
	if int64(c.r.len()) >= c.cap.Load() {
		c.drops.Add(1)
		delete(t.bufs, key)
		return
	}
	if r == nil {
		r = &bufRecord{}
		t.bufs[key] = r
	}
	for k := range b {
		b[k] = PoisonByte
	}
	r.pooled = true
	r.size = len(b)
	r.put = callers()
	if !c.r.push(unsafe.Pointer(unsafe.SliceData(b))) {
		c.drops.Add(1)
		delete(t.bufs, key)
	}
}

// forget drops the record of a buffer the pool released.
func (t *bytesTracker) forget(ptr unsafe.Pointer) {
	t.mu.Lock()
	delete(t.bufs, uintptr(ptr))
	t.mu.Unlock()
}

// BytesLeak is one buffer a debug-mode [Bytes] pool handed out and has not
// had back.
type BytesLeak struct {
	Addr  uintptr // the buffer's address
	Size  int     // its class size
	Stack string  // the stack of the Get that handed it out
}

func (l BytesLeak) String() string {
	return fmt.Sprintf("buffer %#x (class %d) was never returned; it was handed out at:\n%s", l.Addr, l.Size, l.Stack)
}

// Leaks lists, in debug mode, the pooled-size buffers handed out by Get and
// not yet Put, with the stack of each Get; outside debug mode it returns
// nil. A buffer Put into a full class counts as returned.
func (p *Bytes) Leaks() []BytesLeak {
	t := p.dbg
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []BytesLeak
	for addr, r := range t.bufs {
		if !r.pooled {
			out = append(out, BytesLeak{Addr: addr, Size: r.size, Stack: formatStack(r.get)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}
