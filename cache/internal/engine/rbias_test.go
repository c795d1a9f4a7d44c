package engine

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/hotpath/hotpath/cache/internal/lru"
	"github.com/hotpath/hotpath/cache/internal/node"
	"github.com/hotpath/hotpath/cache/internal/wtinylfu"
	"github.com/hotpath/hotpath/internal/pad"
)

func newLRUEngine(capacity, shards int) *Engine[int, int] {
	start := time.Now()
	return New(Config[int, int]{
		Capacity:  capacity,
		Shards:    shards,
		Now:       func() int64 { return int64(time.Since(start)) + 1 },
		NewPolicy: func(int, func(int) uint64) Policy[int, int] { return lru.New[int, int]() },
		Sample:    true, // the sampling tests need it; the facade sets it for frequency policies
	})
}

// newTinyLFUEngine is a one-shard W-TinyLFU engine that samples its hits
// under contention, as the cache facade builds one.
func newTinyLFUEngine(capacity int) *Engine[int, int] {
	start := time.Now()
	return New(Config[int, int]{
		Capacity: capacity,
		Shards:   1,
		Now:      func() int64 { return int64(time.Since(start)) + 1 },
		NewPolicy: func(c int, h func(int) uint64) Policy[int, int] {
			return wtinylfu.New[int, int](c, h)
		},
		Sample: true,
	})
}

func TestReaderSlot_IsOneCacheLine(t *testing.T) {
	if got := unsafe.Sizeof(readerSlot[int, int]{}); got != pad.CacheLineSize {
		t.Fatalf("readerSlot is %d bytes, want one cache line (%d)", got, pad.CacheLineSize)
	}
}

// The reader table has sixteen slots per GOMAXPROCS up to 256, then four
// per GOMAXPROCS, always a power of two: two readers on two processors
// then share a slot one time in 32, not one in 8 (see newReaderTable).
func TestReaderTable_SizeScalesWithGOMAXPROCS(t *testing.T) {
	for _, c := range []struct{ procs, want int }{
		{1, 16}, {2, 32}, {3, 64}, {8, 128}, {16, 256}, {48, 256}, {64, 256}, {100, 512}, {128, 512},
	} {
		if got := readerTableSize(c.procs); got != c.want {
			t.Errorf("readerTableSize(%d) = %d, want %d", c.procs, got, c.want)
		}
	}
}

// A shard that is only read turns its reader bias on, a write turns it off,
// and after the holdoff reads turn it on again; values read under the bias
// are the ones written.
func TestReaderBias_OnWhileReadOffForWrites(t *testing.T) {
	e := newLRUEngine(100, 1)
	s := &e.shards[0]
	e.Store(1, 10, 0)
	readUntilBiased := func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !s.bias.Load() {
			if time.Now().After(deadline) {
				t.Fatal("reads never turned the reader bias on")
			}
			if v, ok := e.Load(1); !ok || v != 10 {
				t.Fatalf("Load(1) = %d, %v under the read lock; want 10, true", v, ok)
			}
		}
	}
	readUntilBiased()
	if v, ok := e.Load(1); !ok || v != 10 {
		t.Fatalf("Load(1) = %d, %v under the bias; want 10, true", v, ok)
	}
	before := biasClock()
	e.Store(2, 20, 0)
	if s.bias.Load() {
		t.Fatal("a write left the reader bias on")
	}
	// Against the time before the write, not after the check: the test's
	// goroutine may lose its core for longer than the holdoff.
	if after := s.biasAfter.Load(); after < before+int64(biasHoldoff) {
		t.Fatalf("the bias may come back at %d, before %d + the %v holdoff", after, before, biasHoldoff)
	}
	readUntilBiased()
	if v, ok := e.Load(2); !ok || v != 20 {
		t.Fatalf("Load(2) = %d, %v; want 20, true", v, ok)
	}
}

// A writer waits for a reader that entered under the bias: while a slot
// names the shard, revokeLocked does not return.
func TestReaderBias_WriterWaitsForBiasedReader(t *testing.T) {
	e := newLRUEngine(100, 1)
	s := &e.shards[0]
	s.bias.Store(true)
	r := e.rlock(s)
	if r == nil {
		t.Fatal("rlock took the read lock although the bias is on")
	}
	done := make(chan struct{})
	go func() {
		e.Store(1, 1, 0)
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("a write completed while a biased reader was inside")
	case <-time.After(50 * time.Millisecond):
	}
	s.runlock(r)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the write never completed after the reader left")
	}
	if s.bias.Load() {
		t.Fatal("the bias is still on after the write")
	}
}

// Revocations in quick succession lengthen the holdoff; a bias that stayed
// on for a holdoff resets it.
func TestReaderBias_HoldoffBacksOff(t *testing.T) {
	e := newLRUEngine(100, 1)
	s := &e.shards[0]
	revoke := func() int64 {
		s.mu.Lock()
		s.revokeLocked()
		s.mu.Unlock()
		return s.biasHold
	}
	s.biasSince.Store(biasClock())
	first := revoke()
	for range 20 {
		s.biasSince.Store(biasClock()) // turned on just now, revoked at once
		revoke()
	}
	if got := s.biasHold; got != int64(maxBiasHoldoff) {
		t.Fatalf("holdoff after 20 quick revocations = %v, want %v", time.Duration(got), maxBiasHoldoff)
	}
	s.biasSince.Store(biasClock() - int64(maxBiasHoldoff) - 1) // on for longer than the holdoff
	if got := revoke(); got != int64(biasHoldoff) || first > int64(2*biasHoldoff) {
		t.Fatalf("holdoff after a long biased period = %v (first %v), want %v", time.Duration(got), time.Duration(first), biasHoldoff)
	}
}

// Every hit is counted exactly, whichever path it took: the read buffer,
// a drain, the shard's direct count, or a reader-table stripe when the
// shard samples its reads. Concurrent writers keep the bias and the
// sampling level moving.
func TestCounters_ExactHitsUnderConcurrentReads(t *testing.T) {
	e := newLRUEngine(1024, 4)
	for k := range 64 {
		e.Store(k, k, 0)
	}
	const readers, reads = 4, 50_000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var wwg sync.WaitGroup
	wwg.Add(1)
	go func() { // rewrites the same keys: never a miss, never an eviction
		defer wwg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e.Store(i%64, i%64, 0)
			time.Sleep(10 * time.Microsecond)
		}
	}()
	for g := range readers {
		wg.Go(func() {
			for i := range reads {
				if v, ok := e.Load((g + i) % 64); !ok || v != (g+i)%64 {
					t.Errorf("Load(%d) = %d, %v", (g+i)%64, v, ok)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	wwg.Wait()
	if got := e.Counters().Hits; got != readers*reads {
		t.Fatalf("Hits = %d, want %d", got, readers*reads)
	}
}

// With one goroutine, hits are never sampled: every hit reaches the policy
// in order (the exact-LRU replays depend on it).
func TestSampling_NeverWithOneGoroutine(t *testing.T) {
	e := newLRUEngine(1024, 1)
	for k := range 512 {
		e.Store(k, k, 0)
	}
	for i := range 200_000 {
		e.Load(i % 512)
		if sk := e.shards[0].skip.Load(); sk != 0 {
			t.Fatalf("read %d: one goroutine's reads are sampled (skip %d)", i, sk)
		}
	}
}

// TestSampling_ContendedWritesRaiseItCalmWritesLowerIt holds a shard's lock
// while a write waits for it, which raises the shard's read sampling a step
// (up to maxWriteSkip), and then checks that calmWriteRun uncontended writes
// lower it a step, and that one goroutine's writes alone never raise it.
func TestSampling_ContendedWritesRaiseItCalmWritesLowerIt(t *testing.T) {
	for _, sample := range []bool{true, false} {
		e := newLRUEngine(1024, 1)
		e.shards[0].sample = sample
		testContendedWrites(t, e, sample)
	}
}

func testContendedWrites(t *testing.T, e *Engine[int, int], sample bool) {
	s := &e.shards[0]
	for k := range 2 * calmWriteRun {
		e.Store(k, k, 0)
	}
	if sk := s.skip.Load(); sk != 0 {
		t.Fatalf("skip %d after one goroutine's writes, want 0", sk)
	}
	contend := func() {
		s.lock()
		done := make(chan struct{})
		go func() {
			defer close(done)
			e.Store(-1, -1, 0) // waits for the lock
		}()
		for s.mu.state.Load()&writerWaiting == 0 { // until the write waits
			runtime.Gosched()
		}
		s.unlock()
		<-done
	}
	if !sample {
		contend()
		if sk := s.skip.Load(); sk != 0 {
			t.Fatalf("skip %d after a contended write to a shard that does not sample", sk)
		}
		return
	}
	for want := uint32(1); want <= maxWriteSkip+1; want++ {
		contend()
		if sk := s.skip.Load(); sk != min(want, maxWriteSkip) {
			t.Fatalf("after %d contended writes: skip %d, want %d", want, sk, min(want, maxWriteSkip))
		}
	}
	for range calmWriteRun {
		e.Store(1, 1, 0)
	}
	if sk := s.skip.Load(); sk != maxWriteSkip-1 {
		t.Fatalf("after %d calm writes: skip %d, want %d", calmWriteRun, sk, maxWriteSkip-1)
	}
}

// TestSampling_SkippedHitsSetTheReferenceBit checks the engine's half of
// the reference bits: while the shard samples, a hit that is not recorded
// marks its node (node.Touch), and with sampling off no hit does.
func TestSampling_SkippedHitsSetTheReferenceBit(t *testing.T) {
	for _, skip := range []uint32{0, maxSkip} {
		e := newLRUEngine(1024, 1)
		s := &e.shards[0]
		e.Store(1, 1, 0)
		n := s.m.Get(1, s.m.Hash(1))
		s.skip.Store(skip)
		for range 64 { // at one in 128, all 64 recorded has probability 128⁻⁶⁴
			e.Load(1)
		}
		if got := n.TakeRef(); got != (skip != 0) {
			t.Errorf("skip %d: reference bit set = %v after 64 hits, want %v", skip, got, skip != 0)
		}
	}
}

// updateCounter is an LRU that tallies the writes to live entries it is
// handed and the weight they stand for.
type updateCounter struct {
	*lru.Policy[int, int]
	calls, weight int
}

func (p *updateCounter) Update(n *node.Node[int, int], w uint32) {
	p.calls++
	p.weight += int(w)
	p.Policy.Update(n, w)
}

// TestSampling_UpdatesAreSampledAndWeighed checks that a write to a live
// entry reaches the policy as hits do: every one while the shard does not
// sample, and once in 2^skip, weighed 2^skip, while it does, with the
// reference bit marking the writes left out.
func TestSampling_UpdatesAreSampledAndWeighed(t *testing.T) {
	const writes = 4096
	for _, skip := range []uint32{0, maxWriteSkip} {
		counter := &updateCounter{Policy: lru.New[int, int]()}
		e := New(Config[int, int]{
			Capacity:  1024,
			Shards:    1,
			NewPolicy: func(int, func(int) uint64) Policy[int, int] { return counter },
			Sample:    true,
		})
		s := &e.shards[0]
		e.Store(1, 0, 0)
		n := s.m.Get(1, s.m.Hash(1))
		for i := range writes {
			s.skip.Store(skip)
			s.calmWrites = 0 // a run of calm writes would lower the skip
			e.Store(1, i, 0)
		}
		if v, _ := e.Load(1); v != writes-1 {
			t.Fatalf("skip %d: Load(1) = %d after the writes, want %d", skip, v, writes-1)
		}
		want := writes >> skip
		if skip == 0 && counter.calls != want {
			t.Fatalf("skip 0: policy saw %d of %d writes", counter.calls, writes)
		}
		// Binomial(4096, 1/4): mean 1024, standard deviation 28; the band is
		// nine of them.
		if skip != 0 && (counter.calls < want*3/4 || counter.calls > want*5/4) {
			t.Fatalf("skip %d: policy saw %d of %d writes, want about %d", skip, counter.calls, writes, want)
		}
		if counter.weight != counter.calls<<skip {
			t.Fatalf("skip %d: %d updates weighed %d, want %d each", skip, counter.calls, counter.weight, 1<<skip)
		}
		if got := n.TakeRef(); got != (skip != 0) {
			t.Fatalf("skip %d: reference bit set = %v, want %v", skip, got, skip != 0)
		}
	}
}

// TestSampling_HotEntriesSurviveAtTheHighestSkip reads a hot tenth of a full
// W-TinyLFU cache while the shard records one hit in 2^maxSkip, as a shard
// read from several cores at once does, and then writes twice the capacity
// of new keys that are each used three times. The sampled hits, weighed as
// the hits they stand for, and the reference bits of the hits left out,
// must have told the policy which entries are hot: almost all of them must
// still be cached. (If the sample reached the policy unweighed and left no
// reference bits, or did not reach it at all, the hot entries would look
// no more frequent than the newcomers and be evicted with the rest.)
func TestSampling_HotEntriesSurviveAtTheHighestSkip(t *testing.T) {
	const capacity = 4096
	e := newTinyLFUEngine(capacity)
	s := &e.shards[0]
	for k := range capacity {
		e.Store(k, k, 0)
	}
	var hot []int
	for k := 0; k < capacity; k += 10 {
		hot = append(hot, k)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 * len(hot) {
		s.skip.Store(maxSkip) // a drain that met no contention lowers it
		e.Load(hot[r.IntN(len(hot))])
	}
	s.skip.Store(0) // one goroutine: every use of the newcomers is recorded
	for k := capacity; k < 3*capacity; k++ {
		e.Store(k, k, 0)
		e.Load(k)
		e.Load(k)
	}
	kept := 0
	for _, k := range hot {
		if _, ok := e.Load(k); ok {
			kept++
		}
	}
	if kept < len(hot)*9/10 {
		t.Fatalf("%d of %d hot entries survived the writes after a read phase sampled at one hit in %d; want at least 90 %%", kept, len(hot), 1<<maxSkip)
	}
}
