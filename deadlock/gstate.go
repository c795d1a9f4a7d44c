//go:build !nodeadlock

package deadlock

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// maxHeld is how many locks one goroutine's record tracks at once. Deeper
// nesting is legal but the locks past this depth are not checked; real
// programs rarely hold more than a handful (Linux's lockdep stops at 48).
const maxHeld = 32

// gstate is one goroutine's held-lock record.
//
// Only the owning goroutine writes n and the records' plain fields, and
// only it reads them. Other goroutines see a record only through its tag: a
// lock unlocked by another goroutine (legal in Go) is struck out by a
// compare-and-swap of the tag to nil, and the owner trims struck-out records
// from the top later. So a foreign Unlock never corrupts the owner's view.
type gstate struct {
	goid uint64 // written once before the gstate is published

	// evicted is set by a table rebuild that found the gstate idle (every
	// tag nil). The owner publishes a tag and then loads evicted; the
	// rebuild stores evicted and then loads the tags: with both sequentially
	// consistent, one of them sees the other, so a record is never lost with
	// an evicted gstate (see push and rebuildLocked).
	evicted atomic.Bool

	n    int // owner only: records in use, struck-out ones included
	recs [maxHeld]heldRec
}

// heldRec is one held lock.
type heldRec struct {
	// tag is the address of lm.tags[0] for a write hold, of lm.tags[1] for
	// a read hold, 0 when free or struck out: the one field other goroutines
	// read. An integer, not a pointer, so that storing it needs no write
	// barrier; lm keeps the lock alive while the record is in use.
	tag  atomic.Uintptr
	lm   *lockMeta // owner only, valid while tag is not nil
	pc   uintptr   // owner only: the call site of the acquisition
	mode Mode      // owner only
	rw   bool      // owner only: the lock is an RWMutex
	sub  uint8     // owner only: the subclass it was taken as (LockNested)
}

func (r *heldRec) typ() string {
	if r.rw {
		return typeRWMutex
	}
	return typeMutex
}

// trim drops struck-out records from the top, and their lock pointers, so
// that a record never keeps a dead lock alive. Owner only.
func (gs *gstate) trim() {
	for gs.n > 0 && gs.recs[gs.n-1].tag.Load() == 0 {
		gs.n--
		gs.recs[gs.n].lm = nil
	}
}

// gtable maps goroutine ids to gstates: open addressing, lock-free reads,
// inserts under registry.mu, and rebuilt (dropping idle entries) when it
// fills up, so its size follows the number of goroutines that hold locks,
// not the number that ever did.
type gtable struct {
	shift uint8
	slots []atomic.Pointer[gstate]
	count int // entries, under registry.mu
}

var registry struct {
	mu  sync.Mutex // serializes inserts, rebuilds and scans of other goroutines' records
	tab atomic.Pointer[gtable]
}

func newTable(size int) *gtable {
	shift := uint8(64)
	n := 1
	for n < size {
		n <<= 1
		shift--
	}
	return &gtable{shift: shift, slots: make([]atomic.Pointer[gstate], n)}
}

func (t *gtable) index(goid uint64) int {
	return int((goid * 0x9E3779B97F4A7C15) >> t.shift)
}

// lookup returns the live gstate of goid, or nil.
func (t *gtable) lookup(goid uint64) *gstate {
	mask := len(t.slots) - 1
	for i := t.index(goid); ; i = (i + 1) & mask {
		gs := t.slots[i].Load()
		if gs == nil {
			return nil
		}
		if gs.goid == goid && !gs.evicted.Load() {
			return gs
		}
	}
}

// mine returns the calling goroutine's gstate, or nil.
func mine() *gstate {
	var goid uint64
	if identity.fast {
		goid = *(*uint64)(unsafe.Add(getg(), identity.off))
	} else {
		goid = slowGoid()
	}
	if t := registry.tab.Load(); t != nil {
		return t.lookup(goid)
	}
	return nil
}

// current returns the calling goroutine's gstate, creating it if needed.
// (curGoid and the table lookup written out: one call on the fast path.)
func current() *gstate {
	var goid uint64
	if identity.fast {
		goid = *(*uint64)(unsafe.Add(getg(), identity.off))
	} else {
		goid = slowGoid()
	}
	if t := registry.tab.Load(); t != nil {
		if gs := t.lookup(goid); gs != nil {
			return gs
		}
	}
	return currentSlow(goid)
}

// Outlined slow path so that current inlines.
func currentSlow(goid uint64) *gstate {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return currentLocked(goid)
}

func currentLocked(goid uint64) *gstate {
	t := registry.tab.Load()
	if t == nil {
		t = newTable(64)
		registry.tab.Store(t)
	}
	if gs := t.lookup(goid); gs != nil {
		return gs
	}
	if (t.count+1)*4 > len(t.slots)*3 {
		t = rebuildLocked(t)
	}
	gs := &gstate{goid: goid}
	t.insertLocked(gs)
	return gs
}

func (t *gtable) insertLocked(gs *gstate) {
	mask := len(t.slots) - 1
	i := t.index(gs.goid)
	for t.slots[i].Load() != nil {
		i = (i + 1) & mask
	}
	t.slots[i].Store(gs)
	t.count++
}

// rebuildLocked replaces t with a table holding its entries that hold
// locks; idle ones are evicted (a goroutine that holds no locks needs no
// record and gets a fresh one on its next Lock, and a goroutine that has
// exited is forgotten this way).
func rebuildLocked(t *gtable) *gtable {
	var keep []*gstate
	for i := range t.slots {
		gs := t.slots[i].Load()
		if gs == nil || gs.evicted.Load() {
			continue
		}
		gs.evicted.Store(true)
		if busy(gs) {
			gs.evicted.Store(false)
			keep = append(keep, gs)
		}
	}
	nt := newTable(max(64, 4*(len(keep)+1)))
	for _, gs := range keep {
		nt.insertLocked(gs)
	}
	registry.tab.Store(nt)
	return nt
}

func busy(gs *gstate) bool {
	for i := range gs.recs {
		if gs.recs[i].tag.Load() != 0 {
			return true
		}
	}
	return false
}

// tableLen returns how many gstates the table holds (for tests).
func tableLen() int {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if t := registry.tab.Load(); t != nil {
		return t.count
	}
	return 0
}

// forEachLocked calls f for every live gstate. Caller holds registry.mu.
func forEachLocked(f func(gs *gstate)) {
	t := registry.tab.Load()
	if t == nil {
		return
	}
	for i := range t.slots {
		if gs := t.slots[i].Load(); gs != nil && !gs.evicted.Load() {
			f(gs)
		}
	}
}
