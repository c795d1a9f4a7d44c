package engine

import (
	"sync"
	"testing"
	"time"
)

// Writers keep two fields equal; readers must never see them differ. The
// fields are plain, so the race detector also checks that the lock orders
// every access.
func TestShardLock_ExcludesWritersFromReadersAndEachOther(t *testing.T) {
	var l shardLock
	var a, b int
	var wg sync.WaitGroup
	const writers, readers, rounds = 3, 3, 20_000
	for range writers {
		wg.Go(func() {
			for range rounds {
				l.Lock()
				a++
				b++
				l.Unlock()
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for range rounds {
				l.RLock()
				if a != b {
					t.Errorf("reader saw a=%d b=%d", a, b)
				}
				l.RUnlock()
			}
		})
	}
	wg.Wait()
	if a != writers*rounds || b != a {
		t.Fatalf("a=%d b=%d, want %d", a, b, writers*rounds)
	}
	if s := l.state.Load(); s != 0 {
		t.Fatalf("state %#x after every unlock, want 0", s)
	}
}

// Waiters behind a slow holder park, and every one of them gets in when it
// leaves; none is left parked.
func TestShardLock_ParkedWaitersAllWake(t *testing.T) {
	var l shardLock
	l.Lock()
	var wg sync.WaitGroup
	got := make(chan string, 8)
	for i := range 8 {
		wg.Go(func() {
			if i%2 == 0 {
				l.RLock()
				got <- "r"
				l.RUnlock()
			} else {
				l.Lock()
				got <- "w"
				l.Unlock()
			}
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for l.waiters.Waiting() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no waiter parked behind a holder that stayed 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	if len(got) != 0 {
		t.Fatal("a waiter got in while the write lock was held")
	}
	l.Unlock()
	wg.Wait()
	if len(got) != 8 {
		t.Fatalf("%d of 8 waiters got in", len(got))
	}
	if n := l.waiters.Waiting(); n != 0 {
		t.Fatalf("%d waiters still registered", n)
	}
}

// A writer that waits for readers keeps new readers out, so a stream of
// readers cannot starve it.
func TestShardLock_WaitingWriterHoldsOffNewReaders(t *testing.T) {
	var l shardLock
	l.RLock()
	done := make(chan struct{})
	go func() {
		l.Lock()
		l.Unlock()
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for l.state.Load()&writerWaiting == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the writer never announced itself")
		}
		time.Sleep(time.Millisecond)
	}
	if l.tryRLock() {
		t.Fatal("a new reader got in ahead of a waiting writer")
	}
	l.RUnlock()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the writer never got in after the reader left")
	}
	if !l.tryRLock() {
		t.Fatal("a reader cannot get in after the writer left")
	}
	l.RUnlock()
}

func TestShardLock_TryLock(t *testing.T) {
	var l shardLock
	if !l.TryLock() {
		t.Fatal("TryLock of a free lock failed")
	}
	if l.TryLock() || l.tryRLock() {
		t.Fatal("TryLock or a read got in while the write lock was held")
	}
	l.Unlock()
	l.RLock()
	if l.TryLock() {
		t.Fatal("TryLock got in while a reader held the lock")
	}
	l.RUnlock()
}
