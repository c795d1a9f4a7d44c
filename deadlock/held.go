//go:build !nodeadlock

package deadlock

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

var stderr = os.Stderr

// enter returns the calling goroutine's state, after the order check when
// it already holds locks. Runs before the lock is acquired.
func enter(lm *lockMeta, typ string, m Mode, pc uintptr, sub uint8) *gstate {
	gs := current()
	if gs.n > 0 {
		checkOrder(gs, lm, typ, m, pc, sub)
	}
	return gs
}

// push records an acquired lock on gs, the caller's state.
func push(gs *gstate, lm *lockMeta, rw bool, m Mode, pc uintptr, sub uint8) {
	if gs.n > 0 {
		gs.trim()
	}
	if gs.n == maxHeld {
		return // past the tracked depth
	}
	r := &gs.recs[gs.n]
	r.lm, r.pc, r.mode, r.rw, r.sub = lm, pc, m, rw, sub
	r.tag.Store(lm.tag(m))
	gs.n++
	if gs.evicted.Load() {
		pushEvicted(gs)
	}
}

// pushEvicted handles a push into a gstate that a table rebuild was
// evicting. Outlined slow path.
func pushEvicted(gs *gstate) {
	registry.mu.Lock()
	if !gs.evicted.Load() {
		// The rebuild saw the new record and kept gs.
		registry.mu.Unlock()
		return
	}
	// gs was dropped, which means its every tag was nil when the rebuild
	// looked: the record just pushed is its only one. Move it to a fresh
	// gstate. Nobody else can see gs any more.
	r := &gs.recs[gs.n-1]
	ngs := currentLocked(gs.goid)
	registry.mu.Unlock()
	nr := &ngs.recs[ngs.n]
	nr.lm, nr.pc, nr.mode, nr.rw, nr.sub = r.lm, r.pc, r.mode, r.rw, r.sub
	tag := r.tag.Swap(0)
	gs.n = 0
	nr.tag.Store(tag)
	ngs.n++
	if ngs.evicted.Load() {
		pushEvicted(ngs)
	}
}

// pop removes the caller's topmost record of lm in a mode matching read,
// and reports whether it found one.
func pop(gs *gstate, lm *lockMeta, read bool) bool {
	for i := gs.n - 1; i >= 0; i-- {
		r := &gs.recs[i]
		if r.lm == lm && r.mode.IsRead() == read && r.tag.Load() != 0 {
			r.tag.Store(0)
			gs.trim()
			return true
		}
	}
	return false
}

// release removes the record of lm held in mode read: the caller's own,
// or, when another goroutine locked it (legal in Go), that goroutine's.
// It reports false when no record exists.
func release(lm *lockMeta, read bool) bool {
	if gs := mine(); gs != nil && pop(gs, lm, read) {
		return true
	}
	return releaseForeign(lm.tag(mode(read)))
}

func mode(read bool) Mode {
	if read {
		return Read
	}
	return Write
}

// Outlined slow path: an unlock by another goroutine than the locker.
// Only the record's tag is touched; its owner trims it later.
func releaseForeign(tag uintptr) bool {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	done := false
	forEachLocked(func(gs *gstate) {
		for i := range gs.recs {
			if !done && gs.recs[i].tag.CompareAndSwap(tag, 0) {
				done = true
			}
		}
	})
	return done
}

// holdsMe reports whether the calling goroutine holds lm in mode read or,
// with either, in any mode.
func holdsMe(lm *lockMeta) bool {
	initIdentity()
	gs := mine()
	if gs == nil {
		return false
	}
	for i := 0; i < gs.n; i++ {
		if r := &gs.recs[i]; r.lm == lm && r.tag.Load() != 0 {
			return true
		}
	}
	return false
}

// waitArmed returns a timer that reports the wait if it lasts longer than
// Options.WaitTimeout, or nil when that is off. Called only on contention.
func waitArmed(lm *lockMeta, typ string, m Mode, goid uint64, pc uintptr) *time.Timer {
	d := loadOptions().WaitTimeout
	if d <= 0 {
		return nil
	}
	return time.AfterFunc(d, func() {
		// A panic here would end the process from a goroutine the user
		// never started; print it instead.
		defer func() {
			if p := recover(); p != nil {
				fmt.Fprintf(stderr, "deadlock: OnReport panicked on a WaitTimeout report: %v\n", p)
			}
		}()
		reportWait(lm, typ, m, goid, pc, d)
	})
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
	w, rd := lm.tag(Write), lm.tag(Read)
	registry.mu.Lock()
	forEachLocked(func(gs *gstate) {
		for i := range gs.recs {
			switch gs.recs[i].tag.Load() {
			case w:
				r.Holders = append(r.Holders, Goroutine{ID: gs.goid, Mode: Write})
				return
			case rd:
				r.Holders = append(r.Holders, Goroutine{ID: gs.goid, Mode: Read})
				return
			}
		}
	})
	registry.mu.Unlock()
	stacks := allStacks()
	r.Waiter.Stack = stacks[goid]
	for i := range r.Holders {
		r.Holders[i].Stack = stacks[r.Holders[i].ID]
	}
	// One report per lock and waiting call site: chronic contention on a
	// lock is reported once, not once per episode.
	deliver(r, uint64(WaitTimeout)*31+siteHash(uintptr(unsafe.Pointer(lm)), pc))
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
