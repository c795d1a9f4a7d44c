//go:build !nodeadlock

package deadlock

import (
	"sync"
	"testing"
)

// FuzzSchedule decodes a lock schedule for two goroutines from bytes (per
// byte: goroutine, operation, lock) and checks every acquisition's reports
// against a brute-force cycle search, as the rapid schedule test does.
func FuzzSchedule(f *testing.F) {
	f.Add([]byte{0x00, 0x04, 0x20, 0x24, 0x04, 0x00})
	f.Add([]byte{0x10, 0x14, 0x18, 0x1c, 0x03, 0x07, 0x0b})
	f.Add([]byte{0x00, 0x04, 0x08, 0x0c, 0x08, 0x04, 0x00, 0x43, 0x47})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 200 {
			data = data[:200]
		}
		var reports []*Report
		prev := SetOptions(Options{OnReport: func(r *Report) { reports = append(reports, r) }})
		defer SetOptions(prev)
		var l locks
		var wg sync.WaitGroup
		workers := [2]*worker{newWorker(&wg), newWorker(&wg)}
		var held [2][]heldModel
		edges := map[[2]int32]bool{}
		holder := func(x int) bool {
			for w := range held {
				for _, h := range held[w] {
					if h.lock == x {
						return true
					}
				}
			}
			return false
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
		for _, b := range data {
			w := int(b >> 7)
			op := int(b>>5) & 3
			x := int(b) & 7
			if op == 3 { // unlock the x-th held lock (mod), maybe by the other goroutine
				if len(held[w]) == 0 {
					continue
				}
				i := x % len(held[w])
				h := held[w][i]
				by := w ^ int(b>>4)&1
				workers[by].do(func() { l.unlock(h.lock, h.mode) })
				held[w] = append(held[w][:i], held[w][i+1:]...)
				continue
			}
			if holder(x) {
				continue
			}
			m := [...]Mode{Write, Read, TryWrite}[op]
			if m == Read && x < nMutex {
				m = Write
			}
			if b&0x10 != 0 && m == TryWrite && x >= nMutex {
				m = TryRead
			}
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
					l.tryLock(x)
				case TryRead:
					l.tryRLock(x)
				}
			})
			held[w] = append(held[w], heldModel{x, m})
			if got := len(reports) - before; got != want {
				t.Fatalf("goroutine %d %v lock %d: %d reports, want %d", w, m, x, got, want)
			}
		}
	})
}
