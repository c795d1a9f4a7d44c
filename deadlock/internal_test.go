//go:build !nodeadlock

package deadlock

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// The fast goroutine id must equal the portable one (runtime.Stack) in
// every goroutine, including goroutines that reuse an exited one's g.
func TestIdentity_FastIDMatchesRuntimeStack(t *testing.T) {
	initIdentity()
	if haveGetg && !identity.fast {
		t.Fatalf("calibration refused the fast path on %s: %s", runtime.GOARCH, identity.why)
	}
	t.Logf("fast ids: %v (offset %d), fast call sites: %v", identity.fast, identity.off, identity.pcFast)
	var mu sync.Mutex
	seen := map[uint64]bool{}
	for round := range 20 {
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fast, slow := curGoid(), slowGoid()
				if fast != slow {
					t.Errorf("round %d: curGoid() = %d, runtime.Stack says %d", round, fast, slow)
				}
				mu.Lock()
				if seen[fast] {
					t.Errorf("goroutine id %d seen twice", fast)
				}
				seen[fast] = true
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
}

// callerPC must agree with runtime.Callers at the real lock methods.
func TestIdentity_CallSiteIsTheCallerOfLock(t *testing.T) {
	var got []*Report
	prev := SetOptions(Options{OnReport: func(r *Report) { got = append(got, r) }})
	defer SetOptions(prev)
	var a, b Mutex
	var pcs [2]uintptr
	a.Lock()
	runtime.Callers(1, pcs[:1])
	b.Lock()
	runtime.Callers(1, pcs[1:])
	b.Unlock()
	a.Unlock()
	b.Lock()
	a.Lock()
	a.Unlock()
	b.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d reports", len(got))
	}
	e := got[0].Cycle[1] // the a→b edge
	line := func(pc uintptr) int {
		f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
		return f.Line
	}
	if l, want := line(e.FromStack[0]), line(pcs[0])-1; l != want {
		t.Errorf("a's site is line %d, want %d", l, want)
	}
	if l, want := line(e.ToStack[0]), line(pcs[1])-1; l != want {
		t.Errorf("b's site is line %d, want %d", l, want)
	}
}

// Locks that die take their graph nodes and edges with them, so millions
// of short-lived locks nested under a long-lived one leave memory bounded.
func TestMemory_ShortLivedLocksAreForgotten(t *testing.T) {
	n := 200_000
	if testing.Short() || !identity.pcFast {
		n = 20_000 // runtime.Callers on every Lock: slower
	}
	var global Mutex
	global.Lock()
	global.Unlock()
	runtime.GC()
	base := liveNodes()
	for range n {
		m := new(Mutex)
		global.Lock()
		m.Lock()
		m.Unlock()
		global.Unlock()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		live := liveNodes()
		det.mu.Lock()
		edges := len(det.edges)
		det.mu.Unlock()
		if live < base+n/100 {
			t.Logf("after %d short-lived locks: %d live nodes (base %d), %d edges", n, live, base, edges)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d short-lived locks: %d live nodes (base %d), %d edges", n, live, base, edges)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(&global)
}

// Goroutines that come and go do not grow the goroutine table: idle
// entries are evicted when it fills.
func TestMemory_ExitedGoroutinesAreForgotten(t *testing.T) {
	var m Mutex
	for range 200 {
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.Lock()
				m.Unlock()
			}()
		}
		wg.Wait()
	}
	if n := tableLen(); n > 1000 {
		t.Fatalf("goroutine table holds %d entries after 10000 short-lived goroutines", n)
	}
}

// A goroutine whose record is evicted while it holds nothing keeps
// working, and one that holds locks is never evicted.
func TestEviction_NeverLosesHeldRecords(t *testing.T) {
	var reports []*Report
	var rmu sync.Mutex
	prev := SetOptions(Options{OnReport: func(r *Report) {
		rmu.Lock()
		reports = append(reports, r)
		rmu.Unlock()
	}})
	defer SetOptions(prev)
	var a, b Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // churns the table, forcing rebuilds
		defer wg.Done()
		var m Mutex
		for {
			select {
			case <-stop:
				return
			default:
			}
			var inner sync.WaitGroup
			for range 64 {
				inner.Add(1)
				go func() {
					defer inner.Done()
					m.Lock()
					m.Unlock()
				}()
			}
			inner.Wait()
		}
	}()
	for range 2000 {
		a.Lock()
		runtime.Gosched()
		b.Lock() // must see a as held: edge a→b, never b alone
		b.Unlock()
		a.Unlock()
		AssertNotHeld(&a)
	}
	close(stop)
	wg.Wait()
	b.Lock()
	a.Lock() // b→a closes the cycle only if a→b was recorded
	a.Unlock()
	b.Unlock()
	rmu.Lock()
	defer rmu.Unlock()
	if len(reports) != 1 {
		t.Fatalf("%d reports, want 1", len(reports))
	}
}

func TestLockMeta_IsFirstField(t *testing.T) {
	var m Mutex
	var rw RWMutex
	if unsafe.Pointer(&m.meta) != unsafe.Pointer(&m) || unsafe.Pointer(&rw.meta) != unsafe.Pointer(&rw) {
		t.Fatal("lockMeta must be the first field: report addresses are the lock's")
	}
}

// globalLocks are package-level locks (not heap objects), a fresh pair for
// each run of TestNodes_GlobalAndEmbeddedLocks: the order graph keeps a
// package-level lock's edges for the life of the process, so a pair reused
// by -count=N would find the previous run's edges.
var (
	globalLocks [16]struct{ a, b Mutex }
	globalRuns  atomic.Int32
)

// Package-level locks and locks embedded at an offset in a struct are nodes
// like any other.
func TestNodes_GlobalAndEmbeddedLocks(t *testing.T) {
	run := int(globalRuns.Add(1)) - 1
	if run >= len(globalLocks) {
		t.Skipf("run %d: the %d pairs of package-level locks are used up", run+1, len(globalLocks))
	}
	globalA, globalB := &globalLocks[run].a, &globalLocks[run].b
	var got []*Report
	prev := SetOptions(Options{OnReport: func(r *Report) { got = append(got, r) }})
	defer SetOptions(prev)
	type s struct {
		x  [3]int
		mu Mutex
	}
	v := &s{}
	for _, pair := range [][2]*Mutex{{globalA, &v.mu}, {&v.mu, globalB}, {globalB, globalA}} {
		pair[0].Lock()
		pair[1].Lock()
		pair[1].Unlock()
		pair[0].Unlock()
	}
	if len(got) != 1 || len(got[0].Cycle) != 3 {
		t.Fatalf("%d reports", len(got))
	}
	if got[0].Cycle[0].To.Addr != uintptr(unsafe.Pointer(globalA)) {
		t.Errorf("closing edge ends at %#x, want globalA", got[0].Cycle[0].To.Addr)
	}
}

func unsafePointer[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }

// The portable fallbacks (runtime.Stack ids, runtime.Callers call sites),
// used when the start-up check refuses the fast paths, detect the same.
func TestIdentity_FallbackPathsDetectCycles(t *testing.T) {
	initIdentity()
	fast, pcFast := identity.fast, identity.pcFast
	identity.fast, identity.pcFast = false, false
	defer func() { identity.fast, identity.pcFast = fast, pcFast }()
	if curGoid() != slowGoid() {
		t.Fatal("fallback id differs")
	}
	var got []*Report
	prev := SetOptions(Options{OnReport: func(r *Report) { got = append(got, r) }})
	defer SetOptions(prev)
	var a, b, c Mutex
	var pcs [1]uintptr
	a.Lock()
	runtime.Callers(1, pcs[:])
	b.Lock()
	b.Unlock()
	a.Unlock()
	b.Lock()
	c.Lock()
	c.Unlock()
	b.Unlock()
	c.Lock()
	a.Lock()
	a.Unlock()
	c.Unlock()
	if len(got) != 1 || len(got[0].Cycle) != 3 {
		t.Fatalf("%d reports", len(got))
	}
	e := got[0].Cycle[1] // c→a closes; then a→b, whose From site is the line before runtime.Callers
	f, _ := runtime.CallersFrames(e.FromStack[:1]).Next()
	g, _ := runtime.CallersFrames(pcs[:]).Next()
	if f.Line != g.Line-1 {
		t.Errorf("a's site is line %d, want %d", f.Line, g.Line-1)
	}
}
