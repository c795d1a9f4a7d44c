package pool

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

func TestSlab_GetFailsOnlyWhenEveryBlockIsOut(t *testing.T) {
	for _, stripes := range []int{0, 1, 2, 8} {
		s := newSlab(t, 32, 20, Options{Stripes: stripes})
		var held [][]byte
		for range 20 {
			b, ok := s.Get()
			if !ok {
				t.Fatalf("stripes=%d: Get failed with %d of 20 blocks out", stripes, len(held))
			}
			held = append(held, b)
		}
		if _, ok := s.Get(); ok {
			t.Fatalf("stripes=%d: Get succeeded with every block out", stripes)
		}
		s.Put(held[7])
		if b, ok := s.Get(); !ok || &b[0] != &held[7][0] {
			t.Fatalf("stripes=%d: Get after one Put = %v; want that block", stripes, ok)
		}
		for _, b := range held {
			s.Put(b)
		}
		if st := s.Stats(); st.InUse != 0 || st.Gets != 21 || st.Puts != 21 || st.EmptyGets != 1 || st.HighWater != 20 {
			t.Errorf("stripes=%d: Stats = %+v; want InUse 0, Gets 21, Puts 21, EmptyGets 1, HighWater 20", stripes, st)
		}
	}
}

func TestSlab_BlocksAreDisjointFullSizeAndInsideOneRegion(t *testing.T) {
	const size, blocks = 48, 37 // not a power of two: the division path
	s := newSlab(t, size, blocks, Options{})
	if len(s.mem) != size*blocks || cap(s.mem) != size*blocks {
		t.Fatalf("region len %d cap %d; want %d", len(s.mem), cap(s.mem), size*blocks)
	}
	lo := uintptr(unsafe.Pointer(&s.mem[0]))
	seen := map[uintptr]bool{}
	var held [][]byte
	for range blocks {
		b, _ := s.Get()
		if len(b) != size || cap(b) != size {
			t.Fatalf("block len %d cap %d; want %d", len(b), cap(b), size)
		}
		p := uintptr(unsafe.Pointer(&b[0]))
		if p < lo || p+size > lo+uintptr(size*blocks) || (p-lo)%size != 0 || seen[p] {
			t.Fatalf("block at offset %d: outside the region, misaligned or handed out twice", p-lo)
		}
		seen[p] = true
		held = append(held, b)
	}
	for _, b := range held {
		s.Put(b)
	}
}

// The Slab is one allocation of blocks × size bytes plus fixed bookkeeping,
// and Get and Put never allocate, so the heap never holds more for it.
func TestSlab_MemoryNeverExceedsBlocksTimesSize(t *testing.T) {
	const size, blocks = 1024, 256
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newSlab(t, size, blocks, Options{})
	runtime.ReadMemStats(&after)
	overhead := 8*blocks + 4096 // state words, stripes, the struct
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(size*blocks+overhead) {
		t.Errorf("NewSlab allocated %d bytes; want at most %d + %d of bookkeeping", got, size*blocks, overhead)
	}
	var held [][]byte
	allocs := testing.AllocsPerRun(100, func() {
		for range blocks {
			b, ok := s.Get()
			if !ok {
				t.Fatal("Get failed")
			}
			held = append(held, b)
		}
		for _, b := range held {
			s.Put(b)
		}
		held = held[:0]
	})
	if allocs != 0 {
		t.Errorf("Get and Put allocated %v times per run; want 0", allocs)
	}
	if _, err := s.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(100, func() {
		b, _ := s.Acquire(context.Background())
		s.Put(b)
	}); a != 0 {
		t.Errorf("Acquire and Put of a free block allocated %v times; want 0", a)
	}
}

func TestSlab_AcquireWaitsForAPut(t *testing.T) {
	s := newSlab(t, 16, 1, Options{})
	b, _ := s.Get()
	got := make(chan []byte)
	go func() {
		x, err := s.Acquire(context.Background())
		if err != nil {
			t.Errorf("Acquire: %v", err)
		}
		got <- x
	}()
	for s.fl.waiters.Waiting() == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case <-got:
		t.Fatal("Acquire returned while every block was out")
	case <-time.After(10 * time.Millisecond):
	}
	s.Put(b)
	x := <-got
	if &x[0] != &b[0] {
		t.Fatal("Acquire returned another block")
	}
	s.Put(x)
	st := s.Stats()
	if st.Waits != 1 || st.WaitTime < 10*time.Millisecond {
		t.Errorf("Stats = %+v; want Waits 1 and WaitTime >= 10ms", st)
	}
}

func TestSlab_AcquireReturnsCtxErrOnCancel(t *testing.T) {
	s := newSlab(t, 16, 1, Options{})
	b, _ := s.Get()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	x, err := s.Acquire(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || x != nil {
		t.Fatalf("Acquire = %v, %v; want nil, DeadlineExceeded", x, err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := s.Acquire(ctx2); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire on a cancelled ctx with no block = %v; want Canceled", err)
	}
	s.Put(b)
	// A free block is handed out even when ctx is done.
	if x, err := s.Acquire(ctx2); err != nil {
		t.Fatalf("Acquire on a cancelled ctx with a free block: %v", err)
	} else {
		s.Put(x)
	}
	if n := s.fl.waiters.Waiting(); n != 0 {
		t.Fatalf("%d waiters left registered", n)
	}
}

// Many more goroutines than blocks, all blocking: every Acquire completes,
// and no block is ever held by two goroutines.
func TestSlab_AcquireUnderContentionHandsEachBlockToOneOwner(t *testing.T) {
	s := newSlab(t, 16, 3, Options{})
	const goroutines, rounds = 16, 300
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				b, err := s.Acquire(context.Background())
				if err != nil {
					t.Errorf("Acquire: %v", err)
					return
				}
				stamp(b, uint64(g)<<32|uint64(r))
				if r%8 == 0 {
					runtime.Gosched()
				}
				if !stamped(b, uint64(g)<<32|uint64(r)) {
					t.Errorf("goroutine %d: block overwritten while held", g)
				}
				s.Put(b)
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	if st.InUse != 0 || st.Gets != goroutines*rounds || st.Puts != goroutines*rounds {
		t.Errorf("Stats = %+v; want InUse 0 and %d Gets and Puts", st, goroutines*rounds)
	}
}

func stamp(b []byte, id uint64) {
	for i := 0; i+8 <= len(b); i += 8 {
		*(*uint64)(unsafe.Pointer(&b[i])) = id
	}
}

func stamped(b []byte, id uint64) bool {
	for i := 0; i+8 <= len(b); i += 8 {
		if *(*uint64)(unsafe.Pointer(&b[i])) != id {
			return false
		}
	}
	return true
}

// The owner-stamping stress of the issue: each goroutine writes its id into
// every block it gets, checks it is still there before Put, and a shared
// owner table catches a block handed to two owners at once. Few blocks and
// several stripes make blocks migrate and the tags matter.
func TestSlab_NoBlockIsEverHeldByTwoOwners(t *testing.T) {
	for _, tc := range []struct{ blocks, stripes int }{{4, 1}, {8, 4}, {64, 0}, {3, 2}} {
		s := newSlab(t, 64, tc.blocks, Options{Stripes: tc.stripes})
		owners := make([]atomic.Int64, tc.blocks)
		goroutines := 2 * runtime.GOMAXPROCS(0)
		if goroutines < 4 {
			goroutines = 4
		}
		iters := 20000
		if testing.Short() {
			iters = 2000
		}
		var gets atomic.Int64
		var wg sync.WaitGroup
		for g := 1; g <= goroutines; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var held [][]byte
				for i := range iters {
					if len(held) < 2 && i%3 != 2 {
						b, ok := s.Get()
						if !ok {
							continue
						}
						gets.Add(1)
						idx := (uintptr(unsafe.Pointer(&b[0])) - s.base) / 64
						if prev := owners[idx].Swap(int64(g)); prev != 0 {
							t.Errorf("block %d handed to goroutine %d while goroutine %d held it", idx, g, prev)
						}
						stamp(b, uint64(g))
						held = append(held, b)
						continue
					}
					if len(held) == 0 {
						continue
					}
					b := held[len(held)-1]
					held = held[:len(held)-1]
					if !stamped(b, uint64(g)) {
						t.Errorf("goroutine %d: its block was written by another owner", g)
					}
					idx := (uintptr(unsafe.Pointer(&b[0])) - s.base) / 64
					if prev := owners[idx].Swap(0); prev != int64(g) {
						t.Errorf("block %d owned by %d at Put by %d", idx, prev, g)
					}
					s.Put(b)
				}
				for _, b := range held {
					idx := (uintptr(unsafe.Pointer(&b[0])) - s.base) / 64
					owners[idx].Store(0)
					s.Put(b)
				}
			}()
		}
		wg.Wait()
		st := s.Stats()
		if st.InUse != 0 || st.Gets != uint64(gets.Load()) || st.Puts != st.Gets {
			t.Errorf("blocks=%d stripes=%d: Stats = %+v; want InUse 0 and Gets = Puts = %d", tc.blocks, tc.stripes, st, gets.Load())
		}
		if len(s.Leaks()) != 0 {
			t.Errorf("Leaks = %v after every block was returned", s.Leaks())
		}
		// Every block is back exactly once: draining the pool yields each
		// block once and then reports empty.
		seen := map[uintptr]bool{}
		for range tc.blocks {
			b, ok := s.Get()
			if !ok || seen[uintptr(unsafe.Pointer(&b[0]))] {
				t.Fatalf("blocks=%d stripes=%d: draining: ok=%v duplicate=%v", tc.blocks, tc.stripes, ok, ok)
			}
			seen[uintptr(unsafe.Pointer(&b[0]))] = true
		}
		if _, ok := s.Get(); ok {
			t.Fatalf("blocks=%d stripes=%d: more blocks than the pool holds", tc.blocks, tc.stripes)
		}
	}
}

func TestSlab_DebugLeaksNameTheGetStack(t *testing.T) {
	s := newSlab(t, 32, 4, Options{Debug: true})
	a, _ := s.Get()
	b, _ := s.Get()
	s.Put(a)
	leaks := s.Leaks()
	if len(leaks) != 1 || leaks[0].Block != int((uintptr(unsafe.Pointer(&b[0]))-s.base)/32) {
		t.Fatalf("Leaks = %v; want the one block still out", leaks)
	}
	if !strings.Contains(leaks[0].Stack, "TestSlab_DebugLeaksNameTheGetStack") || !strings.Contains(leaks[0].String(), "never returned") {
		t.Errorf("leak report %q does not name the Get's caller", leaks[0])
	}
	s.Put(b)
	if l := s.Leaks(); len(l) != 0 {
		t.Errorf("Leaks = %v after every block was returned", l)
	}
	// Without debug mode, Leaks still lists the blocks that are out.
	s2 := newSlab(t, 32, 4, Options{})
	c, _ := s2.Get()
	if l := s2.Leaks(); len(l) != 1 || l[0].Stack != "" || !strings.Contains(l[0].String(), "Debug") {
		t.Errorf("non-debug Leaks = %v", l)
	}
	s2.Put(c)
}

func TestSlab_DebugPoisonsReturnedBlocks(t *testing.T) {
	s := newSlab(t, 32, 2, Options{Debug: true, Stripes: 1})
	b, _ := s.Get()
	copy(b, "hello")
	s.Put(b)
	for i, c := range b { // a read after Put shows the poison
		if c != PoisonByte {
			t.Fatalf("byte %d of a returned block is %#x; want the poison %#x", i, c, PoisonByte)
		}
	}
}

func TestSlab_DebugCatchesUseAfterPutAtTheNextGet(t *testing.T) {
	s := newSlab(t, 32, 2, Options{Debug: true, Stripes: 1})
	b, _ := s.Get()
	s.Put(b)
	b[5] = 'x' // use after Put
	mustPanic(t, func() { s.Get() }, "Slab block 0 was written after it was Put", "byte 5", "use after Put",
		"TestSlab_DebugCatchesUseAfterPutAtTheNextGet")
}

func TestSlab_PanickingPutChangesNothing(t *testing.T) {
	s := newSlab(t, 64, 2, Options{})
	b, _ := s.Get()
	before := s.Stats()
	mustPanic(t, func() { s.Put(b[1:]) }, "re-sliced")
	if after := s.Stats(); after != before {
		t.Fatalf("a refused Put changed the stats: %+v -> %+v", before, after)
	}
	s.Put(b)
}

func TestSlab_HighWaterIsExactForUpTo32Blocks(t *testing.T) {
	s := newSlab(t, 8, 10, Options{})
	var held [][]byte
	for range 7 {
		b, _ := s.Get()
		held = append(held, b)
	}
	for _, b := range held[:5] {
		s.Put(b)
	}
	held = held[5:]
	for range 3 {
		b, _ := s.Get()
		held = append(held, b)
	}
	// Peak: 7; now 5 out.
	if st := s.Stats(); st.HighWater != 7 || st.InUse != 5 {
		t.Errorf("Stats = %+v; want HighWater 7, InUse 5", st)
	}
	for _, b := range held {
		s.Put(b)
	}
}

func TestStripe_IsPaddedToTwoCacheLines(t *testing.T) {
	if got := unsafe.Sizeof(stripe{}); got != 2*64 {
		t.Errorf("unsafe.Sizeof(stripe{}) = %d; want 128 (a full line around the hint)", got)
	}
	if off := unsafe.Offsetof(stripe{}.hint); off != 64 {
		t.Errorf("hint at offset %d; want 64", off)
	}
}

// A word's 26-bit Get count wraps; Stats counts the wraps so Gets and
// Puts stay exact across it.
func TestSlab_StatsSurviveTheGetCountWrapping(t *testing.T) {
	s := newSlab(t, 8, 4, Options{Stripes: 1})
	const c0 = 1<<(64-countShift) - 4 // 4 Gets before the wrap
	w := &s.fl.words[0]
	w.Store(w.Load() | c0<<countShift)
	for range 5 {
		b, _ := s.Get()
		c, _ := s.Get()
		s.Put(b)
		s.Put(c)
	}
	if w := s.fl.stripes[0].wraps.Load(); w != 1 {
		t.Fatalf("wraps = %d; want 1", w)
	}
	got := s.Stats()
	if got.Gets-c0 != 10 || got.Puts-c0 != 10 || got.InUse != 0 {
		t.Errorf("Stats = %+v; want 10 Gets and Puts beyond the artificial %d", got, uint64(c0))
	}
}

// A waiting Acquire parks: its goroutine sits in a select (on the wake-up
// channel and ctx.Done) instead of spinning or yielding in a loop.
func TestSlab_IdleAcquireParks(t *testing.T) {
	s := newSlab(t, 16, 1, Options{})
	b, _ := s.Get()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := s.Acquire(ctx)
		done <- err
	}()
	for s.fl.waiters.Waiting() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	parked := false
	for _, g := range strings.Split(stacks, "\n\n") {
		if strings.Contains(g, "(*Slab).Acquire") {
			parked = strings.Contains(g, "[select") || strings.Contains(g, "[chan receive")
			if !parked {
				t.Errorf("the waiting goroutine is not parked:\n%s", g)
			}
		}
	}
	if !parked {
		t.Error("no goroutine parked in Acquire found")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire = %v; want Canceled", err)
	}
	s.Put(b)
}

func TestSlab_EachStripeStartsOnItsOwnCacheLine(t *testing.T) {
	for _, n := range []int{1, 31, 100, 1000, 5000} {
		s := newSlab(t, 8, n, Options{Stripes: 8})
		f := &s.fl
		for k := range int(f.nStripes) {
			w := &f.words[k<<f.strideShift]
			if uintptr(unsafe.Pointer(w))%64 != 0 {
				t.Errorf("n=%d: stripe %d's words start at %p, not on a cache line", n, k, w)
			}
		}
		if got := int(f.nStripes) * f.wps * wordBlocks; got < n {
			t.Errorf("n=%d: %d stripes of %d words hold only %d blocks", n, f.nStripes, f.wps, got)
		}
	}
}

// With ExactHighWater, HighWater is the true peak even when the peak is
// spread over stripes that each peaked at another time. Goroutines hold a
// random number of blocks each, all at once (a barrier), then return them;
// the true peak is the largest round total, and no instant has more out.
// A pool that samples its high-water mark misses such peaks, and one that
// counted a block twice (its Put still to come, and the next Get) would
// overshoot them.
func TestExactHighWater_IsThePeakAcrossStripes(t *testing.T) {
	const goroutines, blocks, rounds = 8, 512, 200
	for _, kind := range []string{"Slab", "Fixed"} {
		t.Run(kind, func(t *testing.T) {
			opts := Options{ExactHighWater: true, Stripes: 8}
			var get func() (func(), bool)
			var stats func() Stats
			if kind == "Slab" {
				s := newSlab(t, 16, blocks, opts)
				get = func() (func(), bool) {
					b, ok := s.Get()
					return func() { s.Put(b) }, ok
				}
				stats = s.Stats
			} else {
				p, err := NewFixedWithOptions[[2]uint64](blocks, nil, opts)
				if err != nil {
					t.Fatal(err)
				}
				get = func() (func(), bool) {
					v, ok := p.Get()
					return func() { p.Put(v) }, ok
				}
				stats = p.Stats
			}
			rng := rand.New(rand.NewPCG(1, 2))
			want := 0
			for range rounds {
				counts := make([]int, goroutines)
				total := 0
				for g := range counts {
					counts[g] = rng.IntN(blocks / goroutines)
					total += counts[g]
				}
				want = max(want, total)
				var held, done sync.WaitGroup
				held.Add(goroutines)
				done.Add(goroutines)
				release := make(chan struct{})
				for g := range goroutines {
					go func() {
						defer done.Done()
						puts := make([]func(), 0, counts[g])
						for range counts[g] {
							put, ok := get()
							if !ok {
								t.Error("Get failed with blocks free")
								break
							}
							puts = append(puts, put)
						}
						held.Done()
						<-release
						for _, put := range puts {
							put()
						}
					}()
				}
				held.Wait()
				close(release)
				done.Wait()
			}
			if st := stats(); st.HighWater != want || st.InUse != 0 {
				t.Fatalf("Stats = %+v; want HighWater %d (the largest round), InUse 0", st, want)
			}
			// Churn: each goroutine takes and returns up to its share of
			// the peak, over and over, so Puts race with Gets of the
			// blocks they free. No instant has more than the peak out.
			var churn sync.WaitGroup
			for g := range goroutines {
				share := want / goroutines
				if g == 0 {
					share += want % goroutines
				}
				churn.Go(func() {
					puts := make([]func(), 0, share)
					for range 300 {
						for range share {
							put, ok := get()
							if !ok {
								t.Error("Get failed with blocks free")
								return
							}
							puts = append(puts, put)
						}
						for _, put := range puts {
							put()
						}
						puts = puts[:0]
					}
				})
			}
			churn.Wait()
			if st := stats(); st.HighWater != want || st.InUse != 0 {
				t.Fatalf("after the churn Stats = %+v; want HighWater %d, InUse 0", st, want)
			}
		})
	}
}
