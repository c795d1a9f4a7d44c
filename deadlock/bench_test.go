package deadlock_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/hotpath/hotpath/deadlock"
)

// Benchmarks against sync. Run them twice to see both promises:
//
//	go test -run '^$' -bench . ./deadlock/                  # detection on: ≤ 100 ns per Lock+Unlock
//	go test -run '^$' -bench . -tags nodeadlock ./deadlock/ # detection compiled out: impl=deadlock = impl=sync

func report(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// cpuTimer measures the thread CPU time of a sequential benchmark loop.
type cpuTimer struct{ start int64 }

// startCPU locks the goroutine to its thread and starts the CPU clock.
func startCPU() cpuTimer {
	runtime.LockOSThread()
	return cpuTimer{threadCPU()}
}

// stop reports cpu-ns/op, CPU time per op (see threadCPU).
func (c cpuTimer) stop(b *testing.B) {
	end := threadCPU()
	runtime.UnlockOSThread()
	if c.start >= 0 && end >= 0 {
		b.ReportMetric(float64(end-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkLockUnlock: one goroutine, uncontended Lock+Unlock of one lock,
// while holding 0, 1 or 3 other locks (the held locks make the detector add
// and look up an order chain on each Lock).
func BenchmarkLockUnlock(b *testing.B) {
	for _, held := range []int{0, 1, 3} {
		b.Run(fmt.Sprintf("impl=deadlock/held=%d", held), func(b *testing.B) {
			outer := make([]deadlock.Mutex, held)
			var m deadlock.Mutex
			for i := range outer {
				outer[i].Lock()
			}
			b.ReportAllocs()
			runtime.GC()
			b.ResetTimer()
			cpu := startCPU()
			for range b.N {
				m.Lock()
				m.Unlock()
			}
			b.StopTimer()
			cpu.stop(b)
			report(b)
			for i := range outer {
				outer[len(outer)-1-i].Unlock()
			}
		})
		b.Run(fmt.Sprintf("impl=sync/held=%d", held), func(b *testing.B) {
			outer := make([]sync.Mutex, held)
			var m sync.Mutex
			for i := range outer {
				outer[i].Lock()
			}
			b.ReportAllocs()
			runtime.GC()
			b.ResetTimer()
			cpu := startCPU()
			for range b.N {
				m.Lock()
				m.Unlock()
			}
			b.StopTimer()
			cpu.stop(b)
			report(b)
			for i := range outer {
				outer[len(outer)-1-i].Unlock()
			}
		})
	}
}

// BenchmarkRWMutex: one goroutine, uncontended RLock+RUnlock and
// Lock+Unlock.
func BenchmarkRWMutex(b *testing.B) {
	b.Run("impl=deadlock/op=RLock", func(b *testing.B) {
		var m deadlock.RWMutex
		b.ReportAllocs()
		runtime.GC()
		b.ResetTimer()
		cpu := startCPU()
		for range b.N {
			m.RLock()
			m.RUnlock()
		}
		b.StopTimer()
		cpu.stop(b)
		report(b)
	})
	b.Run("impl=sync/op=RLock", func(b *testing.B) {
		var m sync.RWMutex
		b.ReportAllocs()
		runtime.GC()
		b.ResetTimer()
		cpu := startCPU()
		for range b.N {
			m.RLock()
			m.RUnlock()
		}
		b.StopTimer()
		cpu.stop(b)
		report(b)
	})
	b.Run("impl=deadlock/op=Lock", func(b *testing.B) {
		var m deadlock.RWMutex
		b.ReportAllocs()
		runtime.GC()
		b.ResetTimer()
		cpu := startCPU()
		for range b.N {
			m.Lock()
			m.Unlock()
		}
		b.StopTimer()
		cpu.stop(b)
		report(b)
	})
	b.Run("impl=sync/op=Lock", func(b *testing.B) {
		var m sync.RWMutex
		b.ReportAllocs()
		runtime.GC()
		b.ResetTimer()
		cpu := startCPU()
		for range b.N {
			m.Lock()
			m.Unlock()
		}
		b.StopTimer()
		cpu.stop(b)
		report(b)
	})
}

// BenchmarkParallel: every goroutine locks its own mutex (mutex=private:
// the detector's shared state must not serialize them) or all lock one
// (mutex=shared: contention; the wait timer stays off here).
func BenchmarkParallel(b *testing.B) {
	b.Run("impl=deadlock/mutex=private", func(b *testing.B) {
		b.ReportAllocs()
		runtime.GC()
		b.RunParallel(func(pb *testing.PB) {
			m := new(deadlock.Mutex)
			for pb.Next() {
				m.Lock()
				m.Unlock()
			}
		})
		report(b)
	})
	b.Run("impl=sync/mutex=private", func(b *testing.B) {
		b.ReportAllocs()
		runtime.GC()
		b.RunParallel(func(pb *testing.PB) {
			m := new(sync.Mutex)
			for pb.Next() {
				m.Lock()
				m.Unlock()
			}
		})
		report(b)
	})
	b.Run("impl=deadlock/mutex=shared", func(b *testing.B) {
		var m deadlock.Mutex
		b.ReportAllocs()
		runtime.GC()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Lock()
				m.Unlock()
			}
		})
		report(b)
	})
	b.Run("impl=sync/mutex=shared", func(b *testing.B) {
		var m sync.Mutex
		b.ReportAllocs()
		runtime.GC()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Lock()
				m.Unlock()
			}
		})
		report(b)
	})
}
