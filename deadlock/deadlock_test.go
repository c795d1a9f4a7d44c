//go:build !nodeadlock

package deadlock_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/deadlock"
)

// collect sets OnReport to gather reports for the rest of the test.
func collect(t *testing.T) func() []*deadlock.Report {
	t.Helper()
	var mu sync.Mutex
	var got []*deadlock.Report
	prev := deadlock.SetOptions(deadlock.Options{OnReport: func(r *deadlock.Report) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}})
	t.Cleanup(func() { deadlock.SetOptions(prev) })
	return func() []*deadlock.Report {
		mu.Lock()
		defer mu.Unlock()
		return append([]*deadlock.Report(nil), got...)
	}
}

func nest(a, b sync.Locker) {
	a.Lock()
	b.Lock()
	b.Unlock()
	a.Unlock()
}

// go-deadlock finds only two-lock inversions; this finds cycles of any length.
func TestLockOrder_CycleOfAnyLengthIsReported(t *testing.T) {
	for _, n := range []int{2, 3, 5, 16} {
		t.Run(fmt.Sprintf("locks=%d", n), func(t *testing.T) {
			reports := collect(t)
			ms := make([]deadlock.Mutex, n)
			for i := range n - 1 {
				nest(&ms[i], &ms[i+1])
			}
			if got := reports(); len(got) != 0 {
				t.Fatalf("reported before the cycle closed: %v", got[0])
			}
			nest(&ms[n-1], &ms[0])
			got := reports()
			if len(got) != 1 {
				t.Fatalf("got %d reports, want 1", len(got))
			}
			r := got[0]
			if r.Kind != deadlock.LockOrder || len(r.Cycle) != n {
				t.Fatalf("got %v with %d edges, want LockOrder with %d", r.Kind, len(r.Cycle), n)
			}
			if r.Cycle[0].From.Addr != uintptr(unsafePtr(&ms[n-1])) || r.Cycle[0].To.Addr != uintptr(unsafePtr(&ms[0])) {
				t.Fatalf("first edge is not the closing one: %v → %v", r.Cycle[0].From, r.Cycle[0].To)
			}
		})
	}
}

// Each edge of a reported cycle carries the stacks of both acquisitions.
func TestLockOrder_ReportHasBothAcquisitionStacks(t *testing.T) {
	reports := collect(t)
	var a, b deadlock.Mutex
	lockAThenB(&a, &b)
	lockBThenA(&a, &b)
	got := reports()
	if len(got) != 1 {
		t.Fatalf("got %d reports, want 1", len(got))
	}
	s := got[0].String()
	for _, want := range []string{"lockAThenB", "lockBThenA", "deadlock_test.go", "TestLockOrder_ReportHasBothAcquisitionStacks"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	for i, e := range got[0].Cycle {
		for _, st := range [][]uintptr{e.FromStack, e.ToStack} {
			f, _ := runtime.CallersFrames(st).Next()
			if !strings.Contains(f.Function, "lockAThenB") && !strings.Contains(f.Function, "lockBThenA") {
				t.Errorf("edge %d: innermost frame %s is not the acquiring function", i, f.Function)
			}
		}
	}
}

func lockAThenB(a, b *deadlock.Mutex) {
	a.Lock()
	b.Lock()
	b.Unlock()
	a.Unlock()
}

func lockBThenA(a, b *deadlock.Mutex) {
	b.Lock()
	a.Lock()
	a.Unlock()
	b.Unlock()
}

// go-deadlock's TryLock adds order edges, which gives false reports.
func TestTryLock_AddsNoEdge(t *testing.T) {
	reports := collect(t)
	var a, b deadlock.Mutex
	var rw deadlock.RWMutex
	a.Lock()
	if !b.TryLock() {
		t.Fatal("TryLock of a free Mutex failed")
	}
	if !rw.TryRLock() {
		t.Fatal("TryRLock of a free RWMutex failed")
	}
	rw.RUnlock()
	b.Unlock()
	a.Unlock()
	nest(&b, &a)           // b→a: fine, since a→b was a TryLock
	nest(rw.RLocker(), &a) // rw→a: fine too
	if got := reports(); len(got) != 0 {
		t.Fatalf("TryLock added an edge:\n%v", got[0])
	}
	// But locks taken while a TryLocked lock is held do get edges from it.
	if !b.TryLock() {
		t.Fatal("TryLock failed")
	}
	a.Lock()
	a.Unlock()
	b.Unlock()
	if got := reports(); len(got) != 0 {
		t.Fatalf("b→a twice reported:\n%v", got[0])
	}
	nest(&a, &b)
	if got := reports(); len(got) != 1 {
		t.Fatalf("a→b after b→a (under TryLock) gave %d reports, want 1", len(got))
	}
}

// go-deadlock treats RLock as Lock. Here a read-read cycle is reported as
// needing a writer, and a cycle through a write hold is reported plainly.
func TestRWMutex_ReadReadCycleNeedsWriter(t *testing.T) {
	reports := collect(t)
	var a, b deadlock.RWMutex
	nest(a.RLocker(), b.RLocker())
	nest(b.RLocker(), a.RLocker())
	got := reports()
	if len(got) != 1 || !got[0].NeedsWriter {
		t.Fatalf("read-read cycle: got %d reports (NeedsWriter %v), want 1 with NeedsWriter", len(got), len(got) == 1 && got[0].NeedsWriter)
	}
	if !strings.Contains(got[0].String(), "writer") {
		t.Errorf("report does not mention the writer:\n%s", got[0])
	}

	var c, d deadlock.RWMutex
	nest(&c, d.RLocker()) // c written, d read
	nest(&d, c.RLocker()) // d written, c read: blocks on c's writer without any other writer
	got = reports()[1:]
	if len(got) != 1 || got[0].NeedsWriter {
		t.Fatalf("write-read cycle: got %d reports, want 1 without NeedsWriter", len(got))
	}
	if m := got[0].Cycle[0].ToMode; m != deadlock.Read {
		t.Errorf("closing edge ToMode = %v, want RLock", m)
	}
}

// Concurrent readers of one RWMutex are not a cycle.
func TestRWMutex_ConcurrentReadersAreNotReported(t *testing.T) {
	reports := collect(t)
	var a deadlock.RWMutex
	var b deadlock.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				a.RLock()
				b.Lock()
				b.Unlock()
				a.RUnlock()
			}
		}()
	}
	wg.Wait()
	if got := reports(); len(got) != 0 {
		t.Fatalf("false report:\n%v", got[0])
	}
}

// go-deadlock repeats its reports without end; here each is delivered once.
func TestReports_AreDeduplicated(t *testing.T) {
	reports := collect(t)
	var a, b deadlock.Mutex
	for range 100 {
		lockAThenB(&a, &b)
		lockBThenA(&a, &b)
	}
	// Fresh locks inverted at the same call sites are the same bug.
	for range 100 {
		var c, d deadlock.Mutex
		lockAThenB(&c, &d)
		lockBThenA(&c, &d)
	}
	if got := reports(); len(got) != 1 {
		t.Fatalf("got %d reports, want 1", len(got))
	}
}

// go-deadlock's default handler calls os.Exit(2). Here it prints once and
// the program goes on.
func TestDefaultHandler_PrintsOnceAndNeverExits(t *testing.T) {
	var buf syncBuffer
	prev := deadlock.SetOptions(deadlock.Options{Output: &buf})
	defer deadlock.SetOptions(prev)
	var a, b deadlock.Mutex
	for range 3 {
		lockAThenB(&a, &b)
		lockBThenA(&a, &b)
	}
	out := buf.String()
	if n := strings.Count(out, "deadlock: lock-order cycle"); n != 1 {
		t.Fatalf("printed %d reports, want 1:\n%s", n, out)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// go-deadlock's Opts is an unsynchronised global. SetOptions is safe to call
// while other goroutines lock (run with -race).
func TestSetOptions_IsSafeConcurrentlyWithLocking(t *testing.T) {
	prev := deadlock.SetOptions(deadlock.Options{})
	defer deadlock.SetOptions(prev)
	var wg sync.WaitGroup
	var stop atomic.Bool
	var ms [4]deadlock.Mutex
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				x, y := &ms[(g+i)%2], &ms[2+(i%2)] // always low then high: no cycle
				x.Lock()
				y.Lock()
				y.Unlock()
				x.Unlock()
			}
		}()
	}
	for i := range 200 {
		deadlock.SetOptions(deadlock.Options{WaitTimeout: time.Duration(i+1) * time.Hour, OnReport: func(r *deadlock.Report) {
			t.Errorf("unexpected report:\n%v", r)
		}})
	}
	stop.Store(true)
	wg.Wait()
}

// A Lock that waits longer than WaitTimeout is reported with the holder's
// goroutine id and stack.
func TestWaitTimeout_NamesHolderAndItsStack(t *testing.T) {
	got := make(chan *deadlock.Report, 4)
	prev := deadlock.SetOptions(deadlock.Options{WaitTimeout: 20 * time.Millisecond, OnReport: func(r *deadlock.Report) { got <- r }})
	defer deadlock.SetOptions(prev)
	var m deadlock.Mutex
	held, release := make(chan uint64), make(chan struct{})
	go holdUntil(&m, held, release)
	holder := <-held
	done := make(chan struct{})
	go func() {
		m.Lock()
		m.Unlock()
		close(done)
	}()
	r := <-got
	close(release)
	<-done
	if r.Kind != deadlock.WaitTimeout {
		t.Fatalf("got %v, want WaitTimeout", r.Kind)
	}
	if len(r.Holders) != 1 || r.Holders[0].ID != holder {
		t.Fatalf("holders %+v, want goroutine %d", r.Holders, holder)
	}
	if !strings.Contains(r.Holders[0].Stack, "holdUntil") {
		t.Errorf("holder stack lacks holdUntil:\n%s", r.Holders[0].Stack)
	}
	if !strings.Contains(r.Waiter.Stack, "TestWaitTimeout_NamesHolderAndItsStack") {
		t.Errorf("waiter stack lacks the test function:\n%s", r.Waiter.Stack)
	}
	if !strings.Contains(r.String(), fmt.Sprintf("held (Lock) by goroutine %d", holder)) {
		t.Errorf("String() does not name the holder:\n%s", r)
	}
}

func holdUntil(m *deadlock.Mutex, held chan<- uint64, release <-chan struct{}) {
	m.Lock()
	held <- goid()
	<-release
	m.Unlock()
}

// Read holders of an RWMutex are all named.
func TestWaitTimeout_NamesAllReaders(t *testing.T) {
	got := make(chan *deadlock.Report, 4)
	prev := deadlock.SetOptions(deadlock.Options{WaitTimeout: 20 * time.Millisecond, OnReport: func(r *deadlock.Report) { got <- r }})
	defer deadlock.SetOptions(prev)
	var rw deadlock.RWMutex
	release := make(chan struct{})
	var wg sync.WaitGroup
	ids := make(chan uint64, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rw.RLock()
			ids <- goid()
			<-release
			rw.RUnlock()
		}()
	}
	want := map[uint64]bool{<-ids: true, <-ids: true}
	done := make(chan struct{})
	go func() {
		rw.Lock()
		rw.Unlock()
		close(done)
	}()
	r := <-got
	close(release)
	wg.Wait()
	<-done
	if len(r.Holders) != 2 || !want[r.Holders[0].ID] || !want[r.Holders[1].ID] {
		t.Fatalf("holders %+v, want readers %v", r.Holders, want)
	}
	for _, h := range r.Holders {
		if h.Mode != deadlock.Read {
			t.Errorf("holder %d mode %v, want RLock", h.ID, h.Mode)
		}
	}
}

// The wait timer is armed only on contention: the uncontended path
// allocates nothing, timer included.
func TestWaitTimeout_NotArmedWhenUncontended(t *testing.T) {
	prev := deadlock.SetOptions(deadlock.Options{WaitTimeout: time.Hour})
	defer deadlock.SetOptions(prev)
	var m, n deadlock.Mutex
	var rw deadlock.RWMutex
	m.Lock()
	n.Lock()
	n.Unlock()
	m.Unlock()
	allocs := testing.AllocsPerRun(1000, func() {
		m.Lock()
		n.Lock()
		rw.RLock()
		rw.RUnlock()
		n.Unlock()
		m.Unlock()
	})
	if allocs != 0 {
		t.Fatalf("uncontended Lock/Unlock allocates %v times", allocs)
	}
}

// Go allows one goroutine to lock and another to unlock. The locker's
// held-lock record must stay right: no false edge from the unlocked lock.
func TestUnlockByAnotherGoroutine_KeepsRecordsIntact(t *testing.T) {
	reports := collect(t)
	var a, b deadlock.Mutex
	var rw deadlock.RWMutex
	a.Lock()
	rw.RLock()
	done := make(chan struct{})
	go func() {
		a.Unlock()
		rw.RUnlock()
		close(done)
	}()
	<-done
	b.Lock() // a and rw are no longer held: no edges a→b, rw→b
	b.Unlock()
	nest(&b, &a)
	nest(&b, rw.RLocker())
	if got := reports(); len(got) != 0 {
		t.Fatalf("false report after a foreign unlock:\n%v", got[0])
	}
	deadlock.AssertNotHeld(&a)
	deadlock.AssertNotHeld(&rw)
}

// With a class, an inversion between two instances of one type is caught
// the first time two of them are nested.
func TestClass_CatchesInversionBetweenInstancesOfOneType(t *testing.T) {
	reports := collect(t)
	class := deadlock.NewClass("account.mu")
	type account struct {
		mu      deadlock.Mutex
		balance int
	}
	newAccount := func() *account {
		a := &account{}
		deadlock.SetClass(&a.mu, class)
		return a
	}
	transfer := func(from, to *account, n int) {
		from.mu.Lock()
		defer from.mu.Unlock()
		to.mu.Lock()
		defer to.mu.Unlock()
		from.balance -= n
		to.balance += n
	}
	x, y := newAccount(), newAccount()
	transfer(x, y, 1) // only one direction ever runs
	got := reports()
	if len(got) != 1 || got[0].Kind != deadlock.Recursive {
		t.Fatalf("got %d reports, want one Recursive (class nesting)", len(got))
	}
	if e := got[0].Cycle[0]; e.From.Class != "account.mu" || e.To.Class != "account.mu" {
		t.Errorf("edge classes %q → %q", e.From.Class, e.To.Class)
	}
	// Without a class, one direction is no report.
	reports2 := collect(t)
	var p, q deadlock.Mutex
	nest(&p, &q)
	if got := reports2(); len(got) != 0 {
		t.Fatalf("instances without class: %d reports", len(got))
	}
	// Classes order against other locks like any node.
	reports3 := collect(t)
	var global deadlock.Mutex
	z := newAccount()
	nest(&global, &z.mu)
	nest(&x.mu, &global)
	if got := reports3(); len(got) != 1 || got[0].Kind != deadlock.LockOrder {
		t.Fatalf("class vs lock inversion: %d reports", len(got))
	}
}

// Recursive read locking deadlocks behind a waiting writer; it is reported.
func TestRecursiveRLock_IsReported(t *testing.T) {
	reports := collect(t)
	var rw deadlock.RWMutex
	rw.RLock()
	rw.RLock()
	rw.RUnlock()
	rw.RUnlock()
	got := reports()
	if len(got) != 1 || got[0].Kind != deadlock.Recursive || !got[0].NeedsWriter {
		t.Fatalf("got %d reports, want one Recursive with NeedsWriter", len(got))
	}
}

// Locking a held Mutex again is reported before the goroutine blocks for
// good. (The test unlocks it from another goroutine to get out.)
func TestRecursiveLock_IsReportedBeforeBlocking(t *testing.T) {
	got := make(chan *deadlock.Report, 1)
	prev := deadlock.SetOptions(deadlock.Options{OnReport: func(r *deadlock.Report) { got <- r }})
	defer deadlock.SetOptions(prev)
	var m deadlock.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Lock()
		m.Lock() // blocks until the test unlocks
		m.Unlock()
	}()
	r := <-got
	m.Unlock()
	<-done
	if r.Kind != deadlock.Recursive || r.NeedsWriter {
		t.Fatalf("got %v (NeedsWriter %v), want Recursive", r.Kind, r.NeedsWriter)
	}
}

// A panicking OnReport propagates out of Lock without the lock held, and
// the detector stays usable.
func TestPanickingOnReport_LeavesNoLockHeld(t *testing.T) {
	prev := deadlock.SetOptions(deadlock.Options{OnReport: func(r *deadlock.Report) { panic("boom") }})
	defer deadlock.SetOptions(prev)
	var a, b deadlock.Mutex
	nest(&a, &b)
	func() {
		defer func() {
			if recover() != "boom" {
				t.Fatal("OnReport's panic did not propagate")
			}
		}()
		b.Lock()
		defer b.Unlock()
		a.Lock() // closes the cycle: OnReport panics before a is taken
		t.Fatal("Lock returned after OnReport panicked")
	}()
	if !a.TryLock() || !b.TryLock() {
		t.Fatal("a lock stayed held after OnReport panicked")
	}
	b.Unlock()
	a.Unlock()
	deadlock.AssertNotHeld(&a)
}

func TestUnlockOfUnlockedMutex_Panics(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Mutex", func() { var m deadlock.Mutex; m.Unlock() }},
		{"RWMutex", func() { var m deadlock.RWMutex; m.Unlock() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, "Unlock of unlocked") {
					t.Fatalf("recover() = %v, want an Unlock of unlocked panic", r)
				}
			}()
			tc.f()
		})
	}
}

func TestAssertHeld_PanicsUnlessHeldByCaller(t *testing.T) {
	var m deadlock.Mutex
	var rw deadlock.RWMutex
	mustPanic(t, "not held", func() { deadlock.AssertHeld(&m) })
	m.Lock()
	deadlock.AssertHeld(&m)
	mustPanic(t, "is held", func() { deadlock.AssertNotHeld(&m) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if recover() == nil {
				t.Error("AssertHeld passed on a goroutine that does not hold the lock")
			}
		}()
		deadlock.AssertHeld(&m)
	}()
	<-done
	m.Unlock()
	deadlock.AssertNotHeld(&m)
	rw.RLock()
	deadlock.AssertHeld(&rw)
	deadlock.AssertHeld(rw.RLocker())
	rw.RUnlock()
	deadlock.AssertNotHeld(&rw)
	mustPanic(t, "not a deadlock", func() { deadlock.AssertHeld(&sync.Mutex{}) })
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Fatalf("recover() = %v, want a panic containing %q", r, want)
		}
	}()
	f()
}

// FailOnReport fails the test on a report and restores options on cleanup.
func TestFailOnReport_FailsTheTestAndRestoresOptions(t *testing.T) {
	before := deadlock.SetOptions(deadlock.Options{WaitTimeout: time.Minute})
	defer deadlock.SetOptions(before)
	ft := &fakeTB{}
	deadlock.FailOnReport(ft)
	var a, b deadlock.Mutex
	lockAThenB(&a, &b)
	lockBThenA(&a, &b)
	if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "lock-order cycle") {
		t.Fatalf("errors = %q, want one lock-order report", ft.errors)
	}
	for _, f := range ft.cleanups {
		f()
	}
	if o := deadlock.SetOptions(deadlock.Options{}); o.OnReport != nil || o.WaitTimeout != time.Minute {
		t.Fatalf("options after cleanup = %+v, want the previous ones", o)
	}
}

type fakeTB struct {
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

var _ deadlock.TB = testing.TB(nil)

// Many goroutines locking in one consistent order: mutual exclusion holds,
// every increment is counted, and nothing is reported.
func TestStress_ConsistentOrderMutualExclusionNoReports(t *testing.T) {
	deadlock.FailOnReport(t)
	const goroutines, iters, nlocks = 8, 2000, 6
	var locks [nlocks]deadlock.RWMutex
	var owner [nlocks]atomic.Int64
	var counts [nlocks]int
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stamp := int64(g + 1)
			for i := range iters {
				lo := (g + i) % nlocks
				hi := lo + 1 + (i % (nlocks - lo))
				if hi >= nlocks {
					hi = nlocks - 1
				}
				locks[lo].Lock()
				if hi != lo {
					locks[hi].Lock()
				}
				for _, k := range []int{lo, hi} {
					if prev := owner[k].Swap(stamp); prev != 0 && !(k == hi && hi == lo) {
						t.Errorf("lock %d held by %d and %d at once", k, prev, stamp)
					}
				}
				counts[lo]++
				if hi != lo {
					counts[hi]++
				}
				owner[lo].Store(0)
				owner[hi].Store(0)
				if hi != lo {
					locks[hi].Unlock()
				}
				locks[lo].Unlock()
				if i%7 == 0 { // readers too
					locks[lo].RLock()
					_ = counts[lo]
					locks[lo].RUnlock()
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	want := 0
	for g := range goroutines {
		for i := range iters {
			lo := (g + i) % nlocks
			hi := lo + 1 + (i % (nlocks - lo))
			if hi >= nlocks {
				hi = nlocks - 1
			}
			want++
			if hi != lo {
				want++
			}
		}
	}
	if total != want {
		t.Fatalf("counted %d increments, want %d", total, want)
	}
}

// Locks of one class taken in an order the code enforces are declared with
// LockNested and not reported; using the subclasses in both orders is.
func TestLockNested_OrderedNestingWithinClassIsNotReported(t *testing.T) {
	reports := collect(t)
	class := deadlock.NewClass("node.mu")
	type node struct {
		id int
		mu deadlock.Mutex
	}
	newNode := func(id int) *node {
		n := &node{id: id}
		deadlock.SetClass(&n.mu, class)
		return n
	}
	lockBoth := func(a, b *node) {
		if b.id < a.id {
			a, b = b, a
		}
		a.mu.Lock()
		deadlock.LockNested(&b.mu, 1)
		b.mu.Unlock()
		a.mu.Unlock()
	}
	x, y, z := newNode(1), newNode(2), newNode(3)
	lockBoth(x, y)
	lockBoth(z, x)
	lockBoth(y, z)
	if got := reports(); len(got) != 0 {
		t.Fatalf("ordered nesting reported:\n%v", got[0])
	}
	// Subclass 1 then subclass 0: an inversion of the declared order.
	deadlock.LockNested(&y.mu, 1)
	x.mu.Lock()
	x.mu.Unlock()
	y.mu.Unlock()
	got := reports()
	if len(got) != 1 || got[0].Kind != deadlock.LockOrder {
		t.Fatalf("got %d reports, want one LockOrder", len(got))
	}
	if e := got[0].Cycle[0]; e.From.Class != "node.mu/1" || e.To.Class != "node.mu" {
		t.Errorf("closing edge classes %q → %q, want node.mu/1 → node.mu", e.From.Class, e.To.Class)
	}
	mustPanic(t, "out of range", func() { deadlock.LockNested(&x.mu, 8) })
	mustPanic(t, "not a deadlock", func() { deadlock.LockNested(&sync.Mutex{}, 1) })
}

// A panic in OnReport on the wait timer's goroutine does not end the
// process, and the waiter still gets its lock.
func TestWaitTimeout_PanickingOnReportDoesNotEndTheProcess(t *testing.T) {
	fired := make(chan struct{})
	var once sync.Once
	prev := deadlock.SetOptions(deadlock.Options{WaitTimeout: 10 * time.Millisecond, OnReport: func(r *deadlock.Report) {
		once.Do(func() { close(fired) })
		panic("boom")
	}})
	defer deadlock.SetOptions(prev)
	var m deadlock.Mutex
	m.Lock()
	done := make(chan struct{})
	go func() {
		m.Lock()
		m.Unlock()
		close(done)
	}()
	<-fired
	time.Sleep(10 * time.Millisecond) // let the panic be recovered
	m.Unlock()
	<-done
}
