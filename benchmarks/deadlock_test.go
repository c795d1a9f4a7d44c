package benchmarks

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hotpath/hotpath/deadlock"
	godeadlock "github.com/sasha-s/go-deadlock"
)

// Lock-order detectors side by side: hotpath/deadlock (detection on, its
// defaults), sasha-s/go-deadlock with its defaults (a 30 s deadlock timer
// armed on every Lock) and with its timer off (DeadlockTimeout 0, its
// cheapest detecting mode), and sync.Mutex as the floor.
//
//	cd benchmarks && go test -run '^$' -bench 'Deadlock' -benchtime 200ms -cpu 1,2 -count 5 .

type lockImpl struct {
	name  string
	setup func() // sets the library's global options
	make  func() sync.Locker
}

func deadlockImpls() []lockImpl {
	return []lockImpl{
		{"hotpath", func() {}, func() sync.Locker { return new(deadlock.Mutex) }},
		{"go-deadlock", func() { godeadlock.Opts.DeadlockTimeout = 30 * time.Second }, func() sync.Locker { return new(godeadlock.Mutex) }},
		{"go-deadlock-notimer", func() { godeadlock.Opts.DeadlockTimeout = 0 }, func() sync.Locker { return new(godeadlock.Mutex) }},
		{"sync", func() {}, func() sync.Locker { return new(sync.Mutex) }},
	}
}

func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkDeadlockLockUnlock: one goroutine, uncontended Lock+Unlock while
// holding 0 or 2 other locks of the same library (so edges are checked).
func BenchmarkDeadlockLockUnlock(b *testing.B) {
	defer func() { godeadlock.Opts.DeadlockTimeout = 30 * time.Second }()
	for _, held := range []int{0, 2} {
		for _, impl := range deadlockImpls() {
			b.Run(fmt.Sprintf("impl=%s/held=%d", impl.name, held), func(b *testing.B) {
				impl.setup()
				outer := make([]sync.Locker, held)
				for i := range outer {
					outer[i] = impl.make()
					outer[i].Lock()
				}
				m := impl.make()
				b.ReportAllocs()
				runtime.GC()
				b.ResetTimer()
				for range b.N {
					m.Lock()
					m.Unlock()
				}
				b.StopTimer()
				reportOps(b)
				for i := range outer {
					outer[len(outer)-1-i].Unlock()
				}
			})
		}
	}
}

// BenchmarkDeadlockParallel: every goroutine locks its own mutex, so any
// slowdown beyond the single-goroutine cost is the library's shared state.
func BenchmarkDeadlockParallel(b *testing.B) {
	defer func() { godeadlock.Opts.DeadlockTimeout = 30 * time.Second }()
	for _, impl := range deadlockImpls() {
		b.Run(fmt.Sprintf("impl=%s/mutex=private", impl.name), func(b *testing.B) {
			impl.setup()
			b.ReportAllocs()
			runtime.GC()
			b.RunParallel(func(pb *testing.PB) {
				m := impl.make()
				for pb.Next() {
					m.Lock()
					m.Unlock()
				}
			})
			reportOps(b)
		})
	}
}

type readLocker interface {
	RLock()
	RUnlock()
}

// BenchmarkDeadlockRWMutex: RLock+RUnlock, one goroutine, uncontended.
func BenchmarkDeadlockRWMutex(b *testing.B) {
	defer func() { godeadlock.Opts.DeadlockTimeout = 30 * time.Second }()
	impls := []struct {
		name  string
		setup func()
		make  func() readLocker
	}{
		{"hotpath", func() {}, func() readLocker { return new(deadlock.RWMutex) }},
		{"go-deadlock", func() { godeadlock.Opts.DeadlockTimeout = 30 * time.Second }, func() readLocker { return new(godeadlock.RWMutex) }},
		{"sync", func() {}, func() readLocker { return new(sync.RWMutex) }},
	}
	for _, impl := range impls {
		b.Run(fmt.Sprintf("impl=%s/op=RLock", impl.name), func(b *testing.B) {
			impl.setup()
			m := impl.make()
			b.ReportAllocs()
			runtime.GC()
			b.ResetTimer()
			for range b.N {
				m.RLock()
				m.RUnlock()
			}
			reportOps(b)
		})
	}
}
