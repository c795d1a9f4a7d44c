package engine

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/hotpath/hotpath/internal/wait"
)

// shardLock is the reader-writer lock of a shard's map: a waiter spins,
// then yields its processor, and parks only when the holder is slow.
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
// A waiter parks after lockTries failed tries, most of them yields: far
// longer than any section that runs no user code, so it parks only behind a
// section that calls out (a stats recorder, Ordered's callback) or a holder
// whose thread lost its core for that long. Parking after 64 tries was 30 %
// slower than never parking (benchstat geomean over 75, 50 and 0 % reads,
// n=8); after 1024 it measured the same as never parking.
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
	lockBusySpins = 16
	// lockTries is how many times a waiter retries in all, yielding its
	// processor between the later tries, before it parks.
	lockTries = 1024
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

// slow retries try until it succeeds: spinning, then yielding, then parked
// until an unlock (wait.Until's event count: register, try once more, and
// only then park, so an unlock between the try and the park is seen).
func (l *shardLock) slow(try func() bool, writer bool) {
	for i := range lockTries {
		if l.attempt(try, writer) {
			return
		}
		if i >= lockBusySpins {
			runtime.Gosched()
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
