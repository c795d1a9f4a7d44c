package wait

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSet_NotifyOneWakesAWaiter(t *testing.T) {
	var s Set
	tk := s.Prepare()
	if s.Waiting() != 1 {
		t.Fatalf("Waiting() = %d after Prepare, want 1", s.Waiting())
	}
	go s.NotifyOne()
	if err := s.Wait(context.Background(), tk); err != nil {
		t.Fatalf("Wait = %v, want nil", err)
	}
	if s.Waiting() != 0 {
		t.Fatalf("Waiting() = %d after wake-up, want 0", s.Waiting())
	}
}

func TestSet_CancelledWaitReturnsCtxErr(t *testing.T) {
	var s Set
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tk := s.Prepare()
	if err := s.Wait(ctx, tk); err != context.Canceled {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if s.Waiting() != 0 {
		t.Fatalf("Waiting() = %d after cancel, want 0", s.Waiting())
	}
}

func TestSet_CancelPassesAWakeUpOn(t *testing.T) {
	var s Set
	first := s.Prepare()
	second := s.Prepare()
	s.NotifyOne() // chooses first, which then withdraws
	s.Cancel(first)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Wait(ctx, second); err != nil {
		t.Fatalf("second waiter was not woken by the passed-on signal: %v", err)
	}
}

func TestSet_NotifyAllWakesEveryone(t *testing.T) {
	var s Set
	const n = 16
	tickets := make([]*Ticket, n)
	for i := range tickets {
		tickets[i] = s.Prepare()
	}
	var wg sync.WaitGroup
	for _, tk := range tickets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Wait(context.Background(), tk); err != nil {
				t.Errorf("Wait = %v", err)
			}
		}()
	}
	s.NotifyAll()
	wg.Wait()
}

// NotifyN(n) wakes the n longest-waiting goroutines and no more.
func TestSet_NotifyNWakesN(t *testing.T) {
	var s Set
	tickets := make([]*Ticket, 5)
	for i := range tickets {
		tickets[i] = s.Prepare()
	}
	s.NotifyN(3)
	if got := s.Waiting(); got != 2 {
		t.Fatalf("Waiting() = %d after NotifyN(3) of 5, want 2", got)
	}
	for i, tk := range tickets[:3] { // the three oldest: their wake-ups are sent
		if err := s.Wait(context.Background(), tk); err != nil {
			t.Fatalf("Wait of ticket %d = %v", i, err)
		}
	}
	s.NotifyN(10) // more than wait: wakes the two left
	for _, tk := range tickets[3:] {
		if err := s.Wait(context.Background(), tk); err != nil {
			t.Fatalf("Wait = %v", err)
		}
	}
}

// A semaphore built on Set: every permit released is acquired, so no
// wake-up may be lost however the goroutines interleave.
func TestSet_NoLostWakeUps(t *testing.T) {
	var s Set
	var permits atomic.Int64
	tryAcquire := func() bool {
		for {
			p := permits.Load()
			if p == 0 {
				return false
			}
			if permits.CompareAndSwap(p, p-1) {
				return true
			}
		}
	}
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				for {
					if tryAcquire() {
						break
					}
					tk := s.Prepare()
					if tryAcquire() {
						s.Cancel(tk)
						break
					}
					if err := s.Wait(context.Background(), tk); err != nil {
						t.Errorf("Wait = %v", err)
						return
					}
				}
			}
		}()
	}
	for range workers * each {
		permits.Add(1)
		s.NotifyOne()
	}
	wg.Wait()
	if p := permits.Load(); p != 0 {
		t.Fatalf("%d permits left over", p)
	}
}
