package engine

import (
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hotpath/hotpath/internal/pad"
)

// Reader bias (BRAVO: Dice and Kogan, "BRAVO — Biased Locking for
// Reader-Writer Locks", USENIX ATC 2019).
//
// A read lock's RLock and RUnlock each change the lock's reader count: two
// atomic read-modify-writes on one cache line per read, which every core
// reading the shard pulls to itself in turn. Under Zipf traffic most reads
// go to a few shards, so that line is the read path's bottleneck as soon as
// two cores read: with the read buffer off, taking the read lock out of
// Load (a measurement, not a safe change) took pure Zipf reads on two cores
// from 110–129 ns to 33–76 ns.
//
// With reader bias on, a reader instead publishes the shard in a slot of
// the engine's reader table (one CAS on a line that, as long as goroutines
// hash to different slots, no other core writes) and re-checks the bias; a
// writer that finds the bias on turns it off and waits until no slot
// names its shard. The two sides order by sequentially consistent atomics
// (reader: publish, then load the bias; writer: store the bias, then load
// the slots), so a reader and a writer never both proceed.
//
// Turning the bias off costs the writer a scan of the table, and a wait for
// any reader inside: long if that reader's thread lost its core. So after a
// revocation the bias stays off for a holdoff, and readers take the read lock.
// The holdoff starts at biasHoldoff (or nine times the revocation's cost if
// longer, as BRAVO does) and doubles, up to maxBiasHoldoff, each time the
// bias is revoked again before it has been on for a holdoff: a read-mostly
// shard keeps the bias on almost all the time, and a shard written every few
// microseconds ends up revoking it a few hundred times a second and
// otherwise behaves as a plain reader-writer lock, for one load per write.

// biasHoldoff is the first holdoff after a revocation; maxBiasHoldoff the
// longest, which is how long a shard that stops being written may take to
// get its bias back.
const (
	biasHoldoff    = 50 * time.Microsecond
	maxBiasHoldoff = 5 * time.Millisecond
)

// readerSlot is one entry of the reader table: the shard its goroutine is
// reading, or nil, and a stripe of the hit and miss counts. Each has a cache
// line to itself.
type readerSlot[K comparable, V any] struct {
	hits   atomic.Uint64 // hits that readers in this slot did not hand to a read buffer
	misses atomic.Uint64 // misses of readers in this slot
	shard  atomic.Pointer[shard[K, V]]
	// rng is a xorshift state for read sampling (see shard.sampledOut).
	// Only the goroutine that holds the slot, from rlock's CAS to
	// runlock's store, uses it: those two atomics order its users, so it
	// needs none of its own, and it costs no shared line.
	rng uint64
	_   [pad.CacheLineSize - 24 - unsafe.Sizeof(atomic.Pointer[shard[K, V]]{})]byte
}

// newReaderTable returns a reader table, a power of two of slots so that
// concurrent readers seldom collide: sixteen per GOMAXPROCS, but no more
// than 256 unless four per GOMAXPROCS is more.
//
// Readers pick a slot by their stack's address, so two goroutines that
// read at once share one with a probability of one over the table's size,
// and then both CAS the same line on every read, or one takes the read
// lock. With two readers and 8 slots (four per GOMAXPROCS at 2) that
// happened often enough to split the throughput benchmark's 100 % read
// row into two modes (33–34 ns/op in some runs, 50–56 in others). 32
// slots against 8, 20 interleaved pairs of runs of the two builds: 62.1 →
// 44.4 ns/op (benchstat p = 0.002, faster in 18 of 20), otter 45.3 in the
// same runs; 64 slots measured the same as 32, and the other mixes did not
// move (8 runs). The cap keeps a cache's table to 16 KiB, what four per
// GOMAXPROCS came to at 64; a writer that revokes the bias scans it, at
// most once per holdoff.
func newReaderTable[K comparable, V any]() []readerSlot[K, V] {
	t := make([]readerSlot[K, V], readerTableSize(runtime.GOMAXPROCS(0)))
	for i := range t {
		t[i].rng = rand.Uint64() | 1 // xorshift never leaves 0
	}
	return t
}

// readerTableSize is the number of reader slots for procs = GOMAXPROCS.
func readerTableSize(procs int) int {
	n := max(min(16*procs, 256), 4*procs) // procs ≥ 1, so never under 16
	return 1 << bits.Len(uint(n-1))
}

// next steps the slot's xorshift generator (Marsaglia's 13/7/17). The
// caller holds the slot.
func (r *readerSlot[K, V]) next() uint64 {
	x := r.rng
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	r.rng = x
	return x
}

// readerEpoch is the origin of biasClock.
var readerEpoch = time.Now()

// biasClock is a monotonic clock for the bias holdoff (not the engine's
// injectable clock: the holdoff is about real contention, not about TTLs).
func biasClock() int64 { return int64(time.Since(readerEpoch)) }

// rlock takes s for reading. It returns the reader-table slot it published
// s in, or nil if it took the read lock instead; runlock needs it back.
func (e *Engine[K, V]) rlock(s *shard[K, V]) *readerSlot[K, V] {
	if s.bias.Load() {
		r := &e.readers[pad.Stripe(uint32(len(e.readers)))] // spreads concurrent readers without per-goroutine state
		if r.shard.CompareAndSwap(nil, s) {
			if s.bias.Load() {
				return r
			}
			r.shard.Store(nil) // a writer is revoking: take the lock
		}
	}
	s.mu.RLock()
	if rand.Uint32()&15 == 0 { // look at the clock on one slow read in 16
		s.rebias()
	}
	return nil
}

// runlock releases what rlock took.
func (s *shard[K, V]) runlock(r *readerSlot[K, V]) {
	if r != nil {
		r.shard.Store(nil)
		return
	}
	s.mu.RUnlock()
}

// rebias turns the bias back on once its holdoff has passed. The caller
// holds the read lock, so no writer is in the shard; a writer that comes
// next finds the bias on and revokes it.
func (s *shard[K, V]) rebias() {
	if now := biasClock(); !s.bias.Load() && now >= s.biasAfter.Load() {
		s.biasSince.Store(now)
		s.bias.Store(true)
	}
}

// revokeLocked turns the bias off and waits for the readers that got in
// under it. The caller holds s.mu for writing.
func (s *shard[K, V]) revokeLocked() {
	s.bias.Store(false)
	start := biasClock()
	for i := range s.readers {
		for spins := 0; s.readers[i].shard.Load() == s; spins++ {
			// A reader in its critical section: a map lookup, done in
			// nanoseconds unless its goroutine was preempted.
			if spins >= 64 {
				runtime.Gosched()
			}
		}
	}
	end := biasClock()
	// Under the write lock: biasHold is only used here.
	if start-s.biasSince.Load() < s.biasHold {
		s.biasHold = min(2*s.biasHold, int64(maxBiasHoldoff))
	} else {
		s.biasHold = int64(biasHoldoff)
	}
	s.biasAfter.Store(end + max(s.biasHold, 9*(end-start)))
}
