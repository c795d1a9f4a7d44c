package pad

import (
	"sync"
	"testing"
	"unsafe"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCacheLinePadIsOneLine(t *testing.T) {
	if got := unsafe.Sizeof(CacheLinePad{}); got != CacheLineSize {
		t.Fatalf("unsafe.Sizeof(CacheLinePad{}) = %d, want %d", got, CacheLineSize)
	}
}

func TestStripe_StaysInRangeAndSpreadsGoroutines(t *testing.T) {
	for _, n := range []uint32{1, 2, 3, 7, 8, 64, 1000} {
		if s := Stripe(n); s >= n {
			t.Fatalf("Stripe(%d) = %d; want < %d", n, s, n)
		}
	}
	if a, b := Stripe(64), Stripe(64); a != b {
		t.Fatalf("one goroutine got stripes %d and %d", a, b)
	}
	// 64 goroutines alive at once have 64 distinct stacks; over 16
	// stripes they must not bunch up on a few.
	const goroutines, stripes = 64, 16
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[uint32]bool{}
	)
	// All stay alive until every one has looked, so no goroutine's stack
	// is freed and reused by another (as a stack that grows moves, and
	// under -race it does, onto a free one).
	start, done := make(chan struct{}), make(chan struct{})
	wg.Add(goroutines)
	for range goroutines {
		go func() {
			<-start
			s := Stripe(stripes)
			mu.Lock()
			seen[s] = true
			mu.Unlock()
			wg.Done()
			<-done
		}()
	}
	close(start)
	wg.Wait()
	close(done)
	if len(seen) < stripes/2 {
		t.Fatalf("64 goroutines fell on %d of %d stripes; want at least %d", len(seen), stripes, stripes/2)
	}
}
