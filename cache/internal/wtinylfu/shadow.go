package wtinylfu

import (
	"math"
	"math/bits"
)

const (
	// shadowTarget is the number of entries a shadow LRU aims for: enough
	// for a spatially sampled LRU to track the full one closely (SHARDS,
	// Waldspurger et al., FAST '15), small enough to cost little beside a
	// large shard. Shards up to this size are shadowed exactly.
	shadowTarget = 1024
	// shadowMinDisagreements is how many sampled requests must have been
	// hits for exactly one of LRU and the policy before the two are
	// compared.
	shadowMinDisagreements = 64
	// shadowSigmas is how many standard deviations LRU's lead must reach
	// for a verdict.
	shadowSigmas = 2
)

// shadow is an exact LRU over a spatial sample of the keys, sized in
// proportion, that tells on the very requests the policy served whether
// plain LRU would have hit more often. Because both answer the same requests
// the comparison is paired: the swings of a workload's phases, which drown
// before-and-after hit rates (a hill climber's), cancel out.
type shadow struct {
	mask     uint64 // a key is sampled when its rotated hash & mask == 0
	capacity int32
	index    slotIndex // sampled key hash → slot
	keys     []uint64  // slot → key hash
	prev     []int32   // towards the most recent; -1 at the head
	next     []int32   // towards the least recent; -1 at the tail
	head     int32     // most recently used slot; -1 when empty
	tail     int32     // least recently used slot

	lruOnly  int // sampled requests LRU hit and the policy missed
	realOnly int // sampled requests the policy hit and LRU missed
	sq       int // the sum of the squared weights of the requests tallied in both
	// disagreements counts, since New or clear, the sampled requests
	// that exactly one of LRU and the policy hit.
	disagreements int
}

// spatialSample returns the sample that brings a policy of the given
// capacity down to about target entries: one key in the smallest power of
// two that does, as the mask of inSample, and the sample's capacity.
func spatialSample(capacity, target int64) (mask uint64, size int32) {
	rate := int64(1)
	for rate*target < capacity {
		rate <<= 1
	}
	return uint64(rate - 1), int32(max(1, capacity/rate))
}

// inSample reports whether the key with hash h is in the sample of mask.
// The hash is rotated so that the sample is independent of the bits that
// choose the shard and the sketch block.
func inSample(h, mask uint64) bool { return bits.RotateLeft64(h, 23)&mask == 0 }

func newShadow(capacity int64) *shadow {
	mask, c := spatialSample(capacity, shadowTarget)
	s := &shadow{
		mask:     mask,
		capacity: c,
		head:     -1,
		tail:     -1,
	}
	s.index.init(c)
	return s
}

// observe records a request for the key with hash h that the policy served
// as a hit or a miss, if the key is in the sample, and reports whether it
// is and whether LRU hit it. ref reports that the key was hit since the
// policy last saw it, by hits the shard sampled out (node.TakeRef).
//
// Those hits never reach the shadow, so its LRU ages the key as if it had
// not been used, and may have dropped it where a real LRU, which sees every
// hit, would hold it. Such a request is not counted as one only the policy
// hit: under contention the shadow's verdicts otherwise leaned against LRU
// and withheld the boosts the recency-heavy rows need. Replayed from two
// goroutines (benchmarks/, HitRatio_Concurrent; three runs before, six
// after), OLTP at 15,000 entries went from 63.1 to 65.7 % (one goroutine:
// 65.1), scarab at 100,000 from 73.0 to 75.0 (75.0), sprite at 1,000 from
// 86.1 to 88.4 (90.2) and at 500 from 75.9 to 77.1; P3 at 100,000, which
// boosts hurt, went from 38.4 to 37.6 (39.6), and no other row moved
// outside its run-to-run spread. One goroutine never samples, so ref is
// never set and replays are unchanged.
func (s *shadow) observe(h uint64, hit bool, w uint32, ref bool) (sampled, lruHit bool) {
	if !inSample(h, s.mask) {
		return false, false
	}
	slot, lruHit := s.index.get(h, s.keys)
	switch {
	case lruHit && !hit:
		s.lruOnly += int(w)
		s.sq += int(w) * int(w)
		s.disagreements += int(w)
	case hit && !lruHit && !ref:
		s.realOnly += int(w)
		s.sq += int(w) * int(w)
		s.disagreements += int(w)
	}
	if lruHit {
		if s.head != slot {
			s.unlink(slot)
			s.pushFront(slot)
		}
		return true, true
	}
	if int32(len(s.keys)) < s.capacity {
		slot = int32(len(s.keys))
		s.keys = append(s.keys, h)
		s.prev = append(s.prev, -1)
		s.next = append(s.next, -1)
	} else {
		slot = s.tail
		s.index.del(s.keys[slot], s.keys)
		s.unlink(slot)
		s.keys[slot] = h
	}
	s.index.put(h, slot)
	s.pushFront(slot)
	return true, false
}

// verdict compares LRU with the policy on the sampled requests since the
// last verdict. It returns +1 when LRU did significantly better, -1 when
// significantly worse, and 0 otherwise; decided is false while too few
// requests tell the two apart. It is a sign test: with a and b the requests
// only LRU or only the policy hit, a − b against twice its standard
// deviation (see signTest).
func (s *shadow) verdict() (v int, decided bool) {
	return signTest(&s.lruOnly, &s.realOnly, &s.sq)
}

// signTest is the sign test of two tallies of disagreeing requests: *a
// that only LRU hit, *b that only the other policy hit, and *sq the sum of
// the squares of the weights they were tallied with. It returns +1 when
// LRU did significantly better, -1 when significantly worse, and 0
// otherwise, and starts the tallies again; decided is false, and the
// tallies are kept, while *a and *b add up to fewer than
// shadowMinDisagreements.
//
// A request stands for w requests when the shard samples its hits (see
// Policy.Access), and a tally of such requests varies w times as much as
// one of single requests: the standard deviation of a − b is √sq, not
// √(a+b), which it equals while every weight is 1 (one goroutine, every
// replay). Against √(a+b), two sampled hits weighing 32 each made a
// "significant" verdict.
func signTest(a, b, sq *int) (v int, decided bool) {
	n, d := *a+*b, *a-*b
	if n < shadowMinDisagreements {
		return 0, false
	}
	sd := math.Sqrt(float64(*sq))
	*a, *b, *sq = 0, 0, 0
	switch {
	case float64(d) > shadowSigmas*sd:
		return 1, true
	case float64(-d) > shadowSigmas*sd:
		return -1, true
	}
	return 0, true
}

func (s *shadow) clear() {
	s.index.clear()
	s.keys, s.prev, s.next = s.keys[:0], s.prev[:0], s.next[:0]
	s.head, s.tail = -1, -1
	s.lruOnly, s.realOnly, s.sq = 0, 0, 0
	s.disagreements = 0
}

func (s *shadow) pushFront(slot int32) {
	s.prev[slot] = -1
	s.next[slot] = s.head
	if s.head >= 0 {
		s.prev[s.head] = slot
	}
	s.head = slot
	if s.tail < 0 {
		s.tail = slot
	}
}

func (s *shadow) unlink(slot int32) {
	p, n := s.prev[slot], s.next[slot]
	if p >= 0 {
		s.next[p] = n
	} else {
		s.head = n
	}
	if n >= 0 {
		s.prev[n] = p
	} else {
		s.tail = p
	}
}
