//go:build !nodeadlock

package deadlock

import (
	"strconv"
	"sync"
)

// A Mutex is a mutual exclusion lock that also learns the order in which
// goroutines take locks and reports, through [Options.OnReport], a cycle in
// that order the first time it appears, before it can deadlock. It has the
// method set and the semantics of [sync.Mutex], which it wraps.
//
// The zero value is an unlocked mutex.
//
// A Mutex must not be copied after first use.
//
// In the terminology of the Go memory model, the n'th call to Unlock
// synchronizes before the m'th call to Lock for any n < m, as for
// sync.Mutex. A successful TryLock is a Lock that adds no order edge into
// the mutex (it cannot block, so it cannot deadlock).
//
// An uncontended Lock+Unlock costs a few tens of nanoseconds more than
// sync.Mutex's. Where that matters, build production binaries with
// -tags nodeadlock, which makes Mutex sync.Mutex itself, and keep detection
// on in tests.
type Mutex struct {
	meta lockMeta // first: its address is the mutex's
	mu   sync.Mutex
}

// Lock locks m, first adding to the order graph an edge from every lock
// the goroutine holds to m and reporting any cycle that closes.
//
//go:noinline
func (m *Mutex) Lock() {
	initIdentity()
	var pc uintptr
	if identity.pcFast {
		pc = callerPC()
	} else {
		pc = portableCallerPC()
	}
	m.lock(pc, 0)
}

func (m *Mutex) lock(pc uintptr, sub uint8) {
	gs := enter(&m.meta, typeMutex, Write, pc, sub)
	if !m.mu.TryLock() {
		m.lockSlow(gs.goid, pc)
	}
	push(gs, &m.meta, false, Write, pc, sub)
}

// Outlined slow path so that the uncontended path arms no timer.
func (m *Mutex) lockSlow(goid uint64, pc uintptr) {
	t := waitArmed(&m.meta, typeMutex, Write, goid, pc)
	m.mu.Lock()
	if t != nil {
		t.Stop()
	}
}

// TryLock tries to lock m and reports whether it succeeded. It adds no
// order edge: a TryLock never blocks, so it cannot take part in a deadlock.
// Locks taken while m is held do get edges from m.
//
//go:noinline
func (m *Mutex) TryLock() bool {
	initIdentity()
	var pc uintptr
	if identity.pcFast {
		pc = callerPC()
	} else {
		pc = portableCallerPC()
	}
	if !m.mu.TryLock() {
		return false
	}
	push(current(), &m.meta, false, TryWrite, pc, 0)
	return true
}

// Unlock unlocks m. As with sync.Mutex, a locked Mutex is not associated
// with a goroutine: one goroutine may lock it and another unlock it; the
// locker's held-lock record is then updated without disturbing it.
// Unlock of an unlocked Mutex panics.
func (m *Mutex) Unlock() {
	initIdentity()
	if !release(&m.meta, false) && m.mu.TryLock() {
		m.mu.Unlock()
		panic("deadlock: Unlock of unlocked Mutex")
	}
	m.mu.Unlock()
}

// A RWMutex is a reader/writer mutual exclusion lock with the method set and
// the semantics of [sync.RWMutex], which it wraps, that also checks lock
// order like [Mutex]. Read acquisitions are edges of their own mode:
// a cycle whose blocking steps are all reads of read-held locks is reported
// with [Report.NeedsWriter] set, since Go's RWMutex blocks RLock behind a
// waiting writer and such a cycle deadlocks as soon as a writer arrives.
//
// The zero value is an unlocked mutex.
//
// A RWMutex must not be copied after first use. Recursive read locking is
// reported (it deadlocks behind a waiting writer, as sync.RWMutex documents).
//
// Built with -tags nodeadlock, RWMutex is sync.RWMutex itself.
type RWMutex struct {
	meta lockMeta // first: its address is the mutex's
	rw   sync.RWMutex
}

// Lock locks rw for writing, after the order check.
//
//go:noinline
func (rw *RWMutex) Lock() {
	initIdentity()
	var pc uintptr
	if identity.pcFast {
		pc = callerPC()
	} else {
		pc = portableCallerPC()
	}
	rw.lock(pc, 0)
}

func (rw *RWMutex) lock(pc uintptr, sub uint8) {
	gs := enter(&rw.meta, typeRWMutex, Write, pc, sub)
	if !rw.rw.TryLock() {
		rw.lockSlow(gs.goid, pc)
	}
	push(gs, &rw.meta, true, Write, pc, sub)
}

func (rw *RWMutex) lockSlow(goid uint64, pc uintptr) {
	t := waitArmed(&rw.meta, typeRWMutex, Write, goid, pc)
	rw.rw.Lock()
	if t != nil {
		t.Stop()
	}
}

// TryLock tries to lock rw for writing; it adds no order edge.
//
//go:noinline
func (rw *RWMutex) TryLock() bool {
	initIdentity()
	var pc uintptr
	if identity.pcFast {
		pc = callerPC()
	} else {
		pc = portableCallerPC()
	}
	if !rw.rw.TryLock() {
		return false
	}
	push(current(), &rw.meta, true, TryWrite, pc, 0)
	return true
}

// Unlock unlocks rw for writing. Unlock of a RWMutex not locked for
// writing panics.
func (rw *RWMutex) Unlock() {
	initIdentity()
	if !release(&rw.meta, false) && rw.rw.TryLock() {
		rw.rw.Unlock()
		panic("deadlock: Unlock of unlocked RWMutex")
	}
	rw.rw.Unlock()
}

// RLock locks rw for reading, after the order check.
//
//go:noinline
func (rw *RWMutex) RLock() {
	initIdentity()
	var pc uintptr
	if identity.pcFast {
		pc = callerPC()
	} else {
		pc = portableCallerPC()
	}
	rw.rlock(pc)
}

func (rw *RWMutex) rlock(pc uintptr) {
	gs := enter(&rw.meta, typeRWMutex, Read, pc, 0)
	if !rw.rw.TryRLock() {
		rw.rlockSlow(gs.goid, pc)
	}
	push(gs, &rw.meta, true, Read, pc, 0)
}

func (rw *RWMutex) rlockSlow(goid uint64, pc uintptr) {
	t := waitArmed(&rw.meta, typeRWMutex, Read, goid, pc)
	rw.rw.RLock()
	if t != nil {
		t.Stop()
	}
}

// TryRLock tries to lock rw for reading; it adds no order edge.
//
//go:noinline
func (rw *RWMutex) TryRLock() bool {
	initIdentity()
	var pc uintptr
	if identity.pcFast {
		pc = callerPC()
	} else {
		pc = portableCallerPC()
	}
	if !rw.rw.TryRLock() {
		return false
	}
	push(current(), &rw.meta, true, TryRead, pc, 0)
	return true
}

// RUnlock undoes one RLock. Another goroutine than the reader may call it,
// as with sync.RWMutex.
func (rw *RWMutex) RUnlock() {
	initIdentity()
	release(&rw.meta, true)
	rw.rw.RUnlock()
}

// RLocker returns a [sync.Locker] whose Lock and Unlock call rw.RLock and
// rw.RUnlock, with the same checks.
func (rw *RWMutex) RLocker() sync.Locker { return (*rlocker)(rw) }

type rlocker RWMutex

//go:noinline
func (r *rlocker) Lock() {
	initIdentity()
	var pc uintptr
	if identity.pcFast {
		pc = callerPC()
	} else {
		pc = portableCallerPC()
	}
	(*RWMutex)(r).rlock(pc)
}

func (r *rlocker) Unlock() { (*RWMutex)(r).RUnlock() }

// metaOf returns the detector state of a lock of this package.
func metaOf(l sync.Locker) (*lockMeta, bool) {
	switch l := l.(type) {
	case *Mutex:
		return &l.meta, true
	case *RWMutex:
		return &l.meta, true
	case *rlocker:
		return &l.meta, true
	}
	return nil, false
}

// SetClass puts l, a *Mutex, *RWMutex or RLocker of this package, in class c
// (see [Class]); nil puts it back on its own. Call it before l's first use,
// for example in the constructor of the struct that holds it. It panics for
// other Lockers.
func SetClass(l sync.Locker, c *Class) {
	lm, ok := metaOf(l)
	if !ok {
		panic("deadlock: SetClass of a sync.Locker that is not a deadlock.Mutex or RWMutex")
	}
	lm.class.Store(c)
	lm.node.Store(nil)
}

// LockNested locks l, a *Mutex or an *RWMutex (for writing), as subclass
// sub of its class, like Linux's mutex_lock_nested. With a [Class], any two
// locks of the class held together are reported as [Recursive]; code that
// takes several locks of one class in an order of its own (by address, by
// id) says so by taking the second as subclass 1, the third as 2, and so on:
// each subclass is a node of the order graph, ordered like any other.
// Subclass 0 is plain Lock; sub must be in [0, 8). Without a class, sub is
// ignored. With -tags nodeadlock it is l.Lock().
//
//go:noinline
func LockNested(l sync.Locker, sub int) {
	initIdentity()
	var pc uintptr
	if identity.pcFast {
		pc = callerPC()
	} else {
		pc = portableCallerPC()
	}
	if sub < 0 || sub >= maxSubclass+1 {
		panic("deadlock: LockNested subclass " + strconv.Itoa(sub) + " out of range [0, 8)")
	}
	switch l := l.(type) {
	case *Mutex:
		l.lock(pc, uint8(sub))
	case *RWMutex:
		l.lock(pc, uint8(sub))
	default:
		panic("deadlock: LockNested of a sync.Locker that is not a deadlock.Mutex or RWMutex")
	}
}

// AssertHeld panics unless the calling goroutine holds l (for an RWMutex,
// for reading or writing; for an RLocker, for reading or writing). It
// documents and checks a function's lock contract; with -tags nodeadlock it
// does nothing.
func AssertHeld(l sync.Locker) {
	lm, ok := metaOf(l)
	if !ok {
		panic("deadlock: AssertHeld of a sync.Locker that is not a deadlock.Mutex or RWMutex")
	}
	if !holdsMe(lm) {
		panic("deadlock: AssertHeld: the lock is not held by this goroutine")
	}
}

// AssertNotHeld panics if the calling goroutine holds l in any mode. With
// -tags nodeadlock it does nothing.
func AssertNotHeld(l sync.Locker) {
	lm, ok := metaOf(l)
	if !ok {
		panic("deadlock: AssertNotHeld of a sync.Locker that is not a deadlock.Mutex or RWMutex")
	}
	if holdsMe(lm) {
		panic("deadlock: AssertNotHeld: the lock is held by this goroutine")
	}
}

// Enabled reports whether detection is compiled in: false with -tags
// nodeadlock.
const Enabled = true
