package engine

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/hotpath/hotpath/internal/wait"
)

// shardLock is the reader-writer lock of a shard's map: a waiter spins,
// then waits for the lock word to change, and parks only when the holder is
// slow.
//
// A shard's critical sections are a map probe and a few list moves: a few
// hundred nanoseconds. sync.RWMutex parks a reader that meets a writer, and
// a writer that meets readers, at once, and a park and its wake-up cost
// microseconds, ten times the section. With two goroutines on two cores,
// Zipf traffic sends about one operation in eight to the shard the other
// goroutine is in, and those parks made the cache slower on two cores than
// on one (75 % reads: 167–232 ns an operation with one P, 275–382 with
// two; with this lock, benchstat medians at 75 % reads went from 303.6 to
// 144.0 ns). Spinning on sync.RWMutex's TryLock and TryRLock before
// blocking in it recovered about two thirds of the gain at 75 % reads and a
// quarter at 0 % (its write lock and unlock each take two atomic
// read-modify-writes, an inner mutex and the reader count, against one
// here), so the shard has a lock of its own.
//
// A waiter parks after lockTries failed tries: far longer than any section
// that runs no user code, so it parks only behind a section that calls out
// (a stats recorder, Ordered's callback) or a holder whose thread lost its
// core for that long. Parking after 64 tries was 30 % slower than never
// parking (benchstat geomean over 75, 50 and 0 % reads, n=8, two cores);
// after 1024 it measured the same as never parking.
//
// Between tries a waiter mostly waits for the lock word to change, reading
// it from its own cache (each wait twice as long as the last, up to
// maxLockPause reads), and yields its processor only every yieldEvery-th
// time. runtime.Gosched puts the goroutine on the scheduler's global run
// queue under one process-wide lock: when this lock yielded on every try
// after 16 spins, that runtime lock took 52 % of the CPU on 16 cores at
// 75 % reads (the benchmarks' Zipf workload), and the cache ran slower on
// 16 cores than on 4. With the pauses, five interleaved runs of the two
// builds on a 16-core Xeon: 75 % reads 128.7 → 98.3 ns an operation, 50 %
// 152.8 → 127.6, 0 % 184.8 → 148.5 (p ≤ 0.016), and at GOMAXPROCS 8
// 10–20 % less time; on two cores it measured the same (eight
// interleaved runs, p ≥ 0.57).
//
// Writers have preference: a writer that has to wait
// sets writerWaiting, which keeps new readers out until a writer gets in,
// so a stream of readers cannot starve writers.
type shardLock struct {
	state   atomic.Int32 // readers | writerHeld | writerWaiting
	waiters wait.Set     // goroutines parked until the state changes
}

const (
	writerHeld    = 1 << 30
	writerWaiting = 1 << 29
	readerMask    = writerWaiting - 1

	// lockBusySpins is how many times a waiter retries at once, for a
	// holder running on another core.
	lockBusySpins = 64
	// lockTries is how many times a waiter retries in all, pausing between
	// the later tries, before it parks.
	lockTries = 1024
	// maxLockPause bounds how many times a waiter reads the lock word
	// waiting for it to change between two of the later tries.
	maxLockPause = 256
	// yieldEvery: one pause in yieldEvery yields the processor instead,
	// for a holder that shares this waiter's processor or lost its core.
	yieldEvery = 16
)

// RLock takes the lock for reading.
func (l *shardLock) RLock() {
	if !l.tryRLock() {
		l.slow(l.tryRLock, false)
	}
}

func (l *shardLock) tryRLock() bool {
	s := l.state.Load()
	return s&(writerHeld|writerWaiting) == 0 && l.state.CompareAndSwap(s, s+1)
}

// RUnlock releases a read lock.
func (l *shardLock) RUnlock() {
	if s := l.state.Add(-1); s&readerMask == 0 && l.waiters.Waiting() != 0 {
		l.waiters.NotifyAll()
	}
}

// Lock takes the lock for writing.
func (l *shardLock) Lock() {
	if !l.TryLock() {
		l.slow(l.TryLock, true)
	}
}

// TryLock takes the lock for writing if it is free, and reports whether it
// did.
func (l *shardLock) TryLock() bool {
	s := l.state.Load()
	return s&^writerWaiting == 0 && l.state.CompareAndSwap(s, writerHeld)
}

// Unlock releases the write lock. Writers that were waiting set
// writerWaiting again on their next try.
func (l *shardLock) Unlock() {
	l.state.Store(0)
	if l.waiters.Waiting() != 0 {
		l.waiters.NotifyAll()
	}
}

// slow retries try until it succeeds: spinning, then pausing, then parked
// until an unlock (wait.Until's event count: register, try once more, and
// only then park, so an unlock between the try and the park is seen).
func (l *shardLock) slow(try func() bool, writer bool) {
	pause := 1
	for i := range lockTries {
		if l.attempt(try, writer) {
			return
		}
		switch {
		case i < lockBusySpins:
		case (i-lockBusySpins)%yieldEvery == 0:
			runtime.Gosched()
		default:
			s := l.state.Load()
			for j := 0; j < pause && l.state.Load() == s; j++ {
			}
			pause = min(2*pause, maxLockPause)
		}
	}
	_, _ = wait.Until(context.Background(), &l.waiters, 0, func() (struct{}, bool) {
		return struct{}{}, l.attempt(try, writer)
	}) // never cancelled
}

// attempt is one try of slow. A writer first announces itself, so that
// new readers wait; Unlock clears the announcement, so it is made again on
// every try.
func (l *shardLock) attempt(try func() bool, writer bool) bool {
	if writer {
		if s := l.state.Load(); s&writerWaiting == 0 && s != 0 {
			l.state.CompareAndSwap(s, s|writerWaiting)
		}
	}
	return try()
}
