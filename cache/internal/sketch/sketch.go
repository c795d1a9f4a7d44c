// Package sketch is the count-min sketch that W-TinyLFU consults to decide
// whether a new entry is worth more than the one it would displace.
//
// It follows Caffeine's FrequencySketch: 4-bit counters, sixteen to a
// uint64, four counters per key chosen inside one 64-byte block so that an
// increment or an estimate touches a single cache line, and a periodic reset
// that halves every counter so the history ages ("freshness"). The table has
// one uint64 (sixteen counters) per unit of capacity, rounded up to a power
// of two and never fewer than 256 (see minTable), and resets after ten
// times the capacity's worth of increments.
package sketch

import "math/bits"

const (
	resetMask = 0x7777777777777777 // clears the bit each counter loses when halved
	oneMask   = 0x1111111111111111 // the low bit of each counter
	blockLen  = 8                  // uint64s to a 64-byte block
	maxCount  = 15
)

// Sketch estimates how often each key hash was seen recently. The zero value
// is not ready: use [New]. It is not safe for concurrent use; the shard lock
// protects it.
type Sketch struct {
	table      []uint64
	blockMask  uint64 // number of blocks - 1
	size       int    // increments since the last reset, adjusted by the halving
	sampleSize int    // increments between resets
}

// minTable is the fewest uint64s in the table, whatever the capacity: 32
// blocks, 2 KiB. A key's four counters share one block, so in a table of a
// few blocks the keys of a trace crowd into the same counters and every
// key's estimate rises with the others': at 100 entries the table had 16
// blocks, and cscope's 1,409 looping keys, about 88 to a block of 128
// counters, could no longer be told apart. Over the 160 reference rows (hash
// seeds 1 to 8) the floor of 256 gained 0.07 points on average and one row
// fewer more than a point below the better peer (seeds 1 to 3: 0.06, and
// seven fewer rows below it at all): ps +2.9 at 30 entries and +0.8 to +1.2
// at 60 and 100, cs +1.3 at 100, gli +1.1 at 100, 2_pools +1.0 at 100, cpp
// +0.6 and +0.8 at 20 and 50. It cost loop at 100 entries 0.8 (1.2 over
// seeds 1 to 3), and cpp at 35 0.3: a loop's keys are all equally frequent,
// and exact counts leave only the halving's timing to choose between them,
// where collisions had kept a stable set. A floor of 512 gained more on
// average (0.13) but cost loop at 250 entries 1.1 points. The reset period
// stays ten times the capacity: lengthening it for small caches (to 1,500 or
// 2,000 increments) cost cpp at 80 and 100 entries 0.8 to 1.7 points.
const minTable = 256

// New returns a sketch for a cache of the given capacity (entries, or
// weight units).
func New(capacity int) *Sketch {
	n := max(minTable, 1<<bits.Len(uint(max(capacity, 1)-1)))
	return &Sketch{
		table:      make([]uint64, n),
		blockMask:  uint64(n/blockLen - 1),
		sampleSize: 10 * max(capacity, 1),
	}
}

// Resize sizes the sketch for a cache of the given capacity, as New would,
// keeping what it has counted. A key's block is picked by the low bits of
// its hash and its counters inside the block by the other bits (see
// locate), so when the table grows each new block starts as a copy of the
// old block its keys came from, which keeps every estimate, and the
// sketch then halves once, as at the end of a period: the copies carry
// the old table's collisions into blocks that no longer share keys, and
// until they age away they overrate the keys never seen. (Growing caches
// 4 to 10 times after a quarter of six workloads (OLTP, P3, multi2,
// glimpse, web07, a Zipf stream; means of three hash seeds on the traces),
// halving gained over the copy alone 0.9 points summed over the six;
// starting from zeros gained 0.2, losing 2.4 on glimpse and winning 1.7 on
// multi2.)
// When the table shrinks, the blocks that fold onto one merge counter by
// counter, keeping the larger, so no estimate falls (some rise, as
// collisions do in a smaller table). The count towards the next halving is
// kept, and the sketch halves at once if that count has reached the new
// period.
func (s *Sketch) Resize(capacity int) {
	r := New(capacity)
	oldBlocks, newBlocks := len(s.table)/blockLen, len(r.table)/blockLen
	s.blockMask, s.sampleSize = r.blockMask, r.sampleSize
	switch {
	case newBlocks > oldBlocks:
		for b := range newBlocks {
			copy(r.table[b*blockLen:(b+1)*blockLen], s.table[(b%oldBlocks)*blockLen:])
		}
		s.table = r.table
		s.reset()
	case newBlocks < oldBlocks:
		for i, w := range s.table {
			j := (i/blockLen%newBlocks)*blockLen + i%blockLen
			r.table[j] = maxCounters(r.table[j], w)
		}
		s.table = r.table
	}
	if s.size >= s.sampleSize {
		s.reset()
	}
}

// maxCounters returns the sixteen 4-bit counters of a and b, each the
// larger of the two.
func maxCounters(a, b uint64) uint64 {
	var m uint64
	for shift := uint(0); shift < 64; shift += 4 {
		m |= max((a>>shift)&maxCount, (b>>shift)&maxCount) << shift
	}
	return m
}

// Frequency returns the estimated count of h, 0 to 15.
func (s *Sketch) Frequency(h uint64) int {
	block, ch := s.locate(h)
	f := maxCount
	for i := range 4 {
		slot, shift := counter(block, ch, i)
		f = min(f, int(s.table[slot]>>shift)&maxCount)
	}
	return f
}

// Increment records one occurrence of h. Every sampleSize increments, all
// counters are halved.
func (s *Sketch) Increment(h uint64) { s.IncrementBy(h, 1) }

// IncrementBy counts w occurrences of h at once: the counters and the
// count towards the next halving end as w calls of Increment leave them,
// unless a halving falls due in between (it then happens once, after).
func (s *Sketch) IncrementBy(h uint64, w uint32) {
	block, ch := s.locate(h)
	var grew uint64 // the most any counter grew: the calls that added
	for i := range 4 {
		slot, shift := counter(block, ch, i)
		c := (s.table[slot] >> shift) & maxCount
		d := min(uint64(w), maxCount-c)
		s.table[slot] += d << shift
		grew = max(grew, d)
	}
	if grew > 0 {
		s.size += int(grew)
		if s.size >= s.sampleSize {
			s.reset()
		}
	}
}

// Clear zeroes every counter.
func (s *Sketch) Clear() {
	clear(s.table)
	s.size = 0
}

// locate returns the first word of h's block and the hash that picks the
// counters inside it.
func (s *Sketch) locate(h uint64) (block uint64, counterHash uint64) {
	block = (h & s.blockMask) * blockLen
	return block, Mix(h)
}

// counter returns the word and bit offset of h's i-th counter: word pair i
// of the block (one of its two words), one of sixteen nibbles.
func counter(block, counterHash uint64, i int) (slot uint64, shift uint) {
	b := counterHash >> (uint(i) * 8)
	slot = block + uint64(i)*2 + (b & 1)
	shift = uint((b>>1)&15) * 4
	return slot, shift
}

func (s *Sketch) reset() {
	odd := 0
	for i, w := range s.table {
		odd += bits.OnesCount64(w & oneMask)
		s.table[i] = (w >> 1) & resetMask
	}
	s.size = (s.size - odd/4) / 2
}

// Mix is MurmurHash3's 64-bit finaliser (fmix64): every input bit affects
// every output bit. The sketch uses it to scramble the bits the block index
// used, so that the counter choice is independent of the block; the cache's
// fixed-seed key hash uses it too.
func Mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
