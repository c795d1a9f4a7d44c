//go:build !nodeadlock

package deadlock

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

var stderr = os.Stderr

// site returns the call site of the exported lock method that calls it.
// It must be called directly from that method, which is go:noinline.
//
// (Written out in every method rather than as a helper: callerPC reads the
// caller's frame, so it must be called from the method itself.)

// enter returns the calling goroutine's state, after the order check when
// it already holds locks. Runs before the lock is acquired.
func enter(lm *lockMeta, typ string, m Mode, pc uintptr) *gstate {
	gs := current(curGoid())
	if gs.n > 0 {
		checkOrder(gs, lm, typ, m, pc)
	}
	return gs
}

// push records an acquired lock on gs, the caller's state, and returns the
// state it used (a fresh one if gs was evicted while it held nothing).
func push(gs *gstate, lm *lockMeta, rw bool, m Mode, pc uintptr) *gstate {
	if gs.n > 0 {
		gs.trim()
	}
	if gs.n == 0 && gs.active.Load() != 1 {
		for !gs.active.CompareAndSwap(0, 1) {
			gs = currentSlow(gs.goid) // evicted while idle
		}
	}
	if gs.n < maxHeld {
		r := &gs.recs[gs.n]
		r.pc, r.mode, r.rw = pc, m, rw
		r.lock.Store(lm)
		gs.n++
	}
	return gs
}

// pop removes the topmost record of lm from gs, the caller's own state.
func pop(gs *gstate, lm *lockMeta) bool {
	for i := gs.n - 1; i >= 0; i-- {
		if gs.recs[i].lock.Load() == lm {
			gs.recs[i].lock.Store(nil)
			gs.trim()
			if gs.n == 0 {
				gs.active.Store(0)
			}
			return true
		}
	}
	return false
}

// strike removes a record of lm from another goroutine's state. The owner
// trims it later; nothing but the record's lock field is touched.
func strike(gs *gstate, lm *lockMeta) bool {
	for i := range gs.recs {
		if gs.recs[i].lock.CompareAndSwap(lm, nil) {
			return true
		}
	}
	return false
}

// releaseWrite clears the write holder's record of lm, whoever unlocks.
// It reports false when lm was not write-held.
func releaseWrite(lm *lockMeta) bool {
	gs := lm.holder.Load()
	if gs == nil {
		return false
	}
	lm.holder.Store(nil)
	if gs.goid == curGoid() {
		pop(gs, lm)
	} else {
		strike(gs, lm)
	}
	return true
}

// releaseRead clears one read record of lm: the caller's own if it has one,
// else (a legal RUnlock by another goroutine) any reader's.
func releaseRead(lm *lockMeta) {
	if t := registry.tab.Load(); t != nil {
		if gs := t.lookup(curGoid()); gs != nil && pop(gs, lm) {
			return
		}
	}
	releaseReadForeign(lm)
}

// Outlined slow path: a foreign RUnlock.
func releaseReadForeign(lm *lockMeta) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	done := false
	forEachLocked(func(gs *gstate) {
		if !done {
			done = strike(gs, lm)
		}
	})
}

// heldBy reports whether the goroutine of gs holds lm, and how.
func heldBy(gs *gstate, lm *lockMeta) (Mode, bool) {
	if gs == nil {
		return 0, false
	}
	for i := range gs.recs {
		if gs.recs[i].lock.Load() == lm {
			if lm.holder.Load() == gs {
				return Write, true
			}
			return Read, true
		}
	}
	return 0, false
}

// holdsMe reports how the calling goroutine holds lm.
func holdsMe(lm *lockMeta) (Mode, bool) {
	initIdentity()
	goid := curGoid()
	if gs := lm.holder.Load(); gs != nil && gs.goid == goid {
		return Write, true
	}
	if t := registry.tab.Load(); t != nil {
		return heldBy(t.lookup(goid), lm)
	}
	return 0, false
}

// waitArmed returns a timer that reports the wait if it lasts longer than
// Options.WaitTimeout, or nil when that is off. Called only on contention.
func waitArmed(lm *lockMeta, typ string, m Mode, goid uint64, pc uintptr) *time.Timer {
	d := loadOptions().WaitTimeout
	if d <= 0 {
		return nil
	}
	return time.AfterFunc(d, func() { reportWait(lm, typ, m, goid, pc, d) })
}

// reportWait builds a WaitTimeout report: who holds lm, with stacks.
func reportWait(lm *lockMeta, typ string, m Mode, goid uint64, pc uintptr, waited time.Duration) {
	r := &Report{Kind: WaitTimeout, Waited: waited}
	r.Lock = LockInfo{Addr: uintptr(unsafe.Pointer(lm)), Type: typ}
	if c := lm.class.Load(); c != nil {
		r.Lock.Class = c.name
	}
	r.Waiter.ID = goid
	r.Waiter.Mode = m
	if gs := lm.holder.Load(); gs != nil {
		r.Holders = append(r.Holders, Goroutine{ID: gs.goid, Mode: Write})
	} else {
		registry.mu.Lock()
		forEachLocked(func(gs *gstate) {
			for i := range gs.recs {
				if gs.recs[i].lock.Load() == lm {
					r.Holders = append(r.Holders, Goroutine{ID: gs.goid, Mode: Read})
					break
				}
			}
		})
		registry.mu.Unlock()
	}
	stacks := allStacks()
	r.Waiter.Stack = stacks[goid]
	key := uint64(WaitTimeout)*31 + siteHash(uintptr(unsafe.Pointer(lm)), pc)
	for i := range r.Holders {
		r.Holders[i].Stack = stacks[r.Holders[i].ID]
		key = chainMix(key, r.Holders[i].ID, 0)
	}
	deliver(r, key)
}

// allStacks returns every goroutine's stack keyed by id.
func allStacks() map[uint64]string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[uint64]string)
	for _, block := range strings.Split(string(buf), "\n\n") {
		rest, ok := strings.CutPrefix(block, "goroutine ")
		if !ok {
			continue
		}
		end := strings.IndexByte(rest, ' ')
		if end < 0 {
			continue
		}
		id, err := strconv.ParseUint(rest[:end], 10, 64)
		if err == nil {
			out[id] = block
		}
	}
	return out
}
