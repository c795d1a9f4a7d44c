//go:build !nodeadlock

package deadlock

import (
	"fmt"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// Each lock of the schedule test is taken at its own call site per method,
// as it would be in a program, so that reports are deduplicated by site
// exactly as by lock.
const nMutex, nRW = 4, 4

type locks struct {
	m  [nMutex]Mutex
	rw [nRW]RWMutex
}

func (l *locks) lock(i int) {
	switch i {
	case 0:
		l.m[0].Lock()
	case 1:
		l.m[1].Lock()
	case 2:
		l.m[2].Lock()
	case 3:
		l.m[3].Lock()
	case 4:
		l.rw[0].Lock()
	case 5:
		l.rw[1].Lock()
	case 6:
		l.rw[2].Lock()
	case 7:
		l.rw[3].Lock()
	}
}

func (l *locks) rlock(i int) {
	switch i {
	case 4:
		l.rw[0].RLock()
	case 5:
		l.rw[1].RLock()
	case 6:
		l.rw[2].RLock()
	case 7:
		l.rw[3].RLock()
	}
}

func (l *locks) tryLock(i int) bool {
	switch i {
	case 0:
		return l.m[0].TryLock()
	case 1:
		return l.m[1].TryLock()
	case 2:
		return l.m[2].TryLock()
	case 3:
		return l.m[3].TryLock()
	case 4:
		return l.rw[0].TryLock()
	case 5:
		return l.rw[1].TryLock()
	case 6:
		return l.rw[2].TryLock()
	case 7:
		return l.rw[3].TryLock()
	}
	return false
}

func (l *locks) tryRLock(i int) bool {
	switch i {
	case 4:
		return l.rw[0].TryRLock()
	case 5:
		return l.rw[1].TryRLock()
	case 6:
		return l.rw[2].TryRLock()
	case 7:
		return l.rw[3].TryRLock()
	}
	return false
}

func (l *locks) unlock(i int, m Mode) {
	switch {
	case i < nMutex:
		l.m[i].Unlock()
	case m.IsRead():
		l.rw[i-nMutex].RUnlock()
	default:
		l.rw[i-nMutex].Unlock()
	}
}

type heldModel struct {
	lock int
	mode Mode
}

// worker runs closures one at a time on its own goroutine, so that a
// schedule can interleave several goroutines deterministically.
type worker struct {
	ops  chan func()
	done chan struct{}
}

func newWorker(wg *sync.WaitGroup) *worker {
	w := &worker{ops: make(chan func()), done: make(chan struct{})}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for f := range w.ops {
			f()
			w.done <- struct{}{}
		}
	}()
	return w
}

func (w *worker) do(f func()) {
	w.ops <- f
	<-w.done
}

// TestSchedule_ReportsIffOrderGraphHasCycle runs random lock schedules over
// several goroutines (Lock, RLock, TryLock, TryRLock, out-of-order unlocks,
// unlocks by another goroutine) and checks, at every acquisition, that the
// detector reports exactly as many cycles as a brute-force search of the
// order graph finds new edges closing one.
var totalReports int

func TestSchedule_ReportsIffOrderGraphHasCycle(t *testing.T) {
	defer func() { t.Logf("%d cycle reports checked", totalReports) }()
	rapid.Check(t, func(t *rapid.T) {
		var reports []*Report
		prev := SetOptions(Options{OnReport: func(r *Report) { reports = append(reports, r) }})
		defer SetOptions(prev)

		var l locks
		var wg sync.WaitGroup
		nw := rapid.IntRange(1, 3).Draw(t, "goroutines")
		workers := make([]*worker, nw)
		for i := range workers {
			workers[i] = newWorker(&wg)
		}
		held := make([][]heldModel, nw)
		edges := map[[2]int32]bool{}
		holder := func(x int) int {
			for w := range held {
				for _, h := range held[w] {
					if h.lock == x {
						return w
					}
				}
			}
			return -1
		}
		defer func() {
			for w := range held {
				for _, h := range held[w] {
					workers[w].do(func() { l.unlock(h.lock, h.mode) })
				}
				close(workers[w].ops)
			}
			wg.Wait()
		}()

		steps := rapid.IntRange(1, 60).Draw(t, "steps")
		for range steps {
			w := rapid.IntRange(0, nw-1).Draw(t, "w")
			if len(held[w]) > 0 && rapid.IntRange(0, 2).Draw(t, "unlock?") == 0 {
				i := rapid.IntRange(0, len(held[w])-1).Draw(t, "which")
				h := held[w][i]
				by := rapid.IntRange(0, nw-1).Draw(t, "by") // maybe another goroutine
				workers[by].do(func() { l.unlock(h.lock, h.mode) })
				held[w] = append(held[w][:i], held[w][i+1:]...)
				continue
			}
			x := rapid.IntRange(0, nMutex+nRW-1).Draw(t, "lock")
			if holder(x) >= 0 {
				continue // would block or recurse
			}
			modes := []Mode{Write, TryWrite}
			if x >= nMutex {
				modes = append(modes, Read, TryRead)
			}
			m := rapid.SampledFrom(modes).Draw(t, "mode")
			want := 0
			if m == Write || m == Read {
				for _, h := range held[w] {
					e := [2]int32{int32(h.lock), int32(x)}
					if edges[e] {
						continue
					}
					if reach(edges, int32(x), int32(h.lock)) {
						want++
					}
					edges[e] = true
				}
			}
			before := len(reports)
			workers[w].do(func() {
				switch m {
				case Write:
					l.lock(x)
				case Read:
					l.rlock(x)
				case TryWrite:
					if !l.tryLock(x) {
						panic("TryLock of a free lock failed")
					}
				case TryRead:
					if !l.tryRLock(x) {
						panic("TryRLock of a free lock failed")
					}
				}
			})
			held[w] = append(held[w], heldModel{x, m})
			got := reports[before:]
			totalReports += len(got)
			if len(got) != want {
				var s string
				for _, r := range got {
					s += r.String()
				}
				t.Fatalf("goroutine %d %v lock %d holding %v: %d reports, want %d\n%s", w, m, x, held[w], len(got), want, s)
			}
			for _, r := range got {
				if r.Kind != LockOrder || len(r.Cycle) < 2 {
					t.Fatalf("unexpected report %v with %d edges", r.Kind, len(r.Cycle))
				}
				checkCycleShape(t, r)
			}
		}
	})
}

// checkCycleShape checks that each edge's To is the next edge's From.
func checkCycleShape(t interface{ Fatalf(string, ...any) }, r *Report) {
	for i, e := range r.Cycle {
		next := r.Cycle[(i+1)%len(r.Cycle)]
		if e.To.Addr != next.From.Addr {
			t.Fatalf("edge %d ends at %#x but edge %d starts at %#x", i, e.To.Addr, i+1, next.From.Addr)
		}
		if len(e.ToStack) == 0 || len(e.FromStack) == 0 {
			t.Fatalf("edge %d lacks a stack", i)
		}
	}
	_ = fmt.Sprint
}
