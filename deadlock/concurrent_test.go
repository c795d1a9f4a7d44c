//go:build !nodeadlock

package deadlock

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// TestConcurrent_ReportedCyclesAreRealAndNoneIsMissed runs goroutines that
// each take random nested sequences of their own locks, all at once, so
// the detector's graph, chain cache and goroutine table are used
// concurrently (run with -race). Every reported cycle must be made of
// edges some goroutine really took, and a report must come iff some
// goroutine's order graph has a cycle.
func TestConcurrent_ReportedCyclesAreRealAndNoneIsMissed(t *testing.T) {
	const goroutines, seqs = 4, 2000
	var rmu sync.Mutex
	var reports []*Report
	prev := SetOptions(Options{OnReport: func(r *Report) {
		rmu.Lock()
		reports = append(reports, r)
		rmu.Unlock()
	}})
	defer SetOptions(prev)

	lockSets := make([]*locks, goroutines)
	edges := make([]map[[2]int32]bool, goroutines)
	addr := map[uintptr][2]int{} // lock address → goroutine, index
	for g := range lockSets {
		lockSets[g] = new(locks)
		edges[g] = map[[2]int32]bool{}
		for i := range nMutex {
			addr[uintptr(unsafePointer(&lockSets[g].m[i]))] = [2]int{g, i}
		}
		for i := range nRW {
			addr[uintptr(unsafePointer(&lockSets[g].rw[i]))] = [2]int{g, nMutex + i}
		}
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := lockSets[g]
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range seqs {
				seq(l, rng, edges[g])
			}
		}()
	}
	wg.Wait()
	check(t, edges, addr, reports, &rmu)
}

// seq takes one random nested sequence of l's locks and records its edges.
func seq(l *locks, rng *rand.Rand, edges map[[2]int32]bool) {
	perm := rng.Perm(nMutex + nRW)[:2+rng.IntN(2)]
	for i, x := range perm {
		read := x >= nMutex && rng.IntN(2) == 0
		if read {
			l.rlock(x)
		} else {
			l.lock(x)
		}
		for _, h := range perm[:i] {
			edges[[2]int32{int32(h), int32(x)}] = true
		}
		defer l.unlock(x, mode(read))
	}
}

func check(t *testing.T, edges []map[[2]int32]bool, addr map[uintptr][2]int, reports []*Report, rmu *sync.Mutex) {
	const goroutines = 4
	anyCycle := false
	for g := range goroutines {
		for e := range edges[g] {
			if reach(edges[g], e[1], e[0]) {
				anyCycle = true
			}
		}
	}
	rmu.Lock()
	defer rmu.Unlock()
	if anyCycle != (len(reports) > 0) {
		t.Fatalf("order graphs have a cycle: %v; reports: %d", anyCycle, len(reports))
	}
	for _, r := range reports {
		if r.Kind != LockOrder {
			t.Fatalf("unexpected %v report", r.Kind)
		}
		for _, e := range r.Cycle {
			from, to := addr[e.From.Addr], addr[e.To.Addr]
			if from[0] != to[0] || !edges[from[0]][[2]int32{int32(from[1]), int32(to[1])}] {
				t.Fatalf("reported edge %v → %v was never taken", e.From, e.To)
			}
		}
	}
	t.Logf("%d reports", len(reports))
}
