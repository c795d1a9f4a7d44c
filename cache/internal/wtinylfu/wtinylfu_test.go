package wtinylfu

import (
	"hash/maphash"
	"slices"
	"testing"

	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/hotpath/hotpath/cache/internal/node"
	"github.com/hotpath/hotpath/cache/internal/sketch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var seed = maphash.MakeSeed()

func hash(k int) uint64 { return maphash.Comparable(seed, k) }

// checkInvariants fails t unless every entry the test holds is on exactly
// the list its Queue names, and the weights add up.
func checkInvariants(t *rapid.T, p *Policy[int, int], live map[int]*node.Node[int, int]) {
	counts := map[uint8]int64{}
	seen := 0
	for q, l := range map[uint8]*listT{inWindow: &p.window, inProbation: &p.probation, inProtected: &p.protected} {
		for n := l.Front(); n != nil; n = l.Next(n) {
			if n.Queue() != q {
				t.Fatalf("entry %d on list %d says it is on %d", n.Key, q, n.Queue())
			}
			if live[n.Key] != n {
				t.Fatalf("entry %d on a list but not live", n.Key)
			}
			counts[q] += int64(n.Weight)
			seen++
		}
	}
	if seen != len(live) {
		t.Fatalf("%d entries on the lists, %d live", seen, len(live))
	}
	if counts[inWindow] != p.windowWeight || counts[inProtected] != p.protectedWeight {
		t.Fatalf("window weight %d (lists say %d), protected %d (lists say %d)",
			p.windowWeight, counts[inWindow], p.protectedWeight, counts[inProtected])
	}
	if all := counts[inWindow] + counts[inProbation] + counts[inProtected]; all != p.held {
		t.Fatalf("the policy holds weight %d, the lists %d", p.held, all)
	}
	if p.windowMax < 1 || p.windowMax > p.capacity {
		t.Fatalf("window maximum %d outside [1, %d]", p.windowMax, p.capacity)
	}
	if p.candidate != nil && live[p.candidate.Key] != p.candidate {
		t.Fatalf("candidate %d is not live", p.candidate.Key)
	}
}

// TestPolicy_KeepsItsListsAndWeightsConsistent drives Add, Access, Update,
// Remove and eviction (Victim, then Remove, while over capacity, as the
// engine does) and checks the invariants after every step.
func TestPolicy_KeepsItsListsAndWeightsConsistent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 50).Draw(t, "capacity")
		p := New[int, int](capacity, hash)
		live := map[int]*node.Node[int, int]{}
		var total int64
		key := rapid.IntRange(0, 200)
		// evict removes the policy's victims while over capacity, as the
		// engine does after a write.
		evict := func(t *rapid.T) {
			for total > int64(capacity) {
				v := p.Victim()
				if v == nil || live[v.Key] != v {
					t.Fatalf("Victim = %v over capacity", v)
				}
				p.Remove(v)
				delete(live, v.Key)
				total -= int64(v.Weight)
			}
		}
		t.Repeat(map[string]func(*rapid.T){
			"Add": func(t *rapid.T) {
				k := key.Draw(t, "k")
				if live[k] != nil {
					return
				}
				n := &node.Node[int, int]{Key: k, Weight: 1}
				live[k] = n
				p.Add(n)
				total++
				evict(t)
			},
			"Access": func(t *rapid.T) {
				if n := live[key.Draw(t, "k")]; n != nil {
					p.Access(n, 1)
				}
			},
			"Update": func(t *rapid.T) {
				if n := live[key.Draw(t, "k")]; n != nil {
					p.Update(n, 1)
				}
			},
			"UpdateWeight": func(t *rapid.T) {
				// A write that changes an entry's weight, as the engine
				// makes it: Update, Reweigh, then evict while over
				// capacity.
				n := live[key.Draw(t, "k")]
				if n == nil {
					return
				}
				// The engine rejects an entry heavier than the capacity.
				w := uint32(rapid.IntRange(1, min(3, capacity)).Draw(t, "w"))
				p.Update(n, 1)
				total += int64(w) - int64(n.Weight)
				p.Reweigh(n, w)
				if n.Weight != w {
					t.Fatalf("Reweigh(n, %d) left the weight at %d", w, n.Weight)
				}
				evict(t)
			},
			"Remove": func(t *rapid.T) {
				if n := live[key.Draw(t, "k")]; n != nil {
					p.Remove(n)
					delete(live, n.Key)
					total -= int64(n.Weight)
				}
			},
			"SetCapacity": func(t *rapid.T) {
				// As the engine's SetCapacity: Resize, then evict.
				capacity = rapid.IntRange(1, 50).Draw(t, "capacity")
				p.Resize(capacity)
				if p.capacity != int64(capacity) {
					t.Fatalf("Resize(%d) left the capacity at %d", capacity, p.capacity)
				}
				evict(t)
			},
			"Touch": func(t *rapid.T) {
				if n := live[key.Draw(t, "k")]; n != nil {
					n.Touch()
				}
			},
			"PassOver": func(t *rapid.T) {
				// As Victim does when the oldest entry of probation turns
				// a candidate away; with unblock and beat set it moves at
				// once, which the engine reaches only after the shadow's
				// verdict or 512 refusals in a row.
				v := p.probation.Front()
				if v == nil || v == p.candidate { // Victim never weighs the candidate against itself
					return
				}
				p.unblock = rapid.Bool().Draw(t, "unblock")
				beat := rapid.Bool().Draw(t, "beat")
				c := p.candidate
				p.passOver(v, beat)
				if p.candidate != c {
					t.Fatalf("passOver changed the candidate")
				}
				if p.unblock && beat {
					// Kept on probation, just older than the candidates
					// still to be weighed, or newest if there are none.
					want := p.probation.Back()
					if c != nil && c.Queue() == inProbation {
						want = p.probation.Prev(c)
					}
					if v.Queue() != inProbation || want != v {
						t.Fatalf("passed-over victim %d not just before candidate %v", v.Key, c)
					}
				} else if p.runs != 0 && p.probation.Front() != v { // runs is 0 after the blockerRuns-th refusal
					t.Fatalf("victim %d moved after %d refusals in a row", v.Key, p.runs)
				}
			},
			"ResizeWindow": func(t *rapid.T) {
				p.resizeWindow(rapid.Int64Range(0, int64(capacity)+1).Draw(t, "window"), rapid.Bool().Draw(t, "take"))
			},
			"Clear": func(t *rapid.T) {
				if rapid.IntRange(0, 20).Draw(t, "rarely") == 0 {
					p.Clear()
					clear(live)
					total = 0
				}
			},
			"": func(t *rapid.T) { checkInvariants(t, p, live) },
		})
	})
}

func TestShadow_IsAnExactLRUWhenSmall(t *testing.T) {
	s := newShadow(3)
	if s.mask != 0 || s.capacity != 3 {
		t.Fatalf("a 3-entry shadow samples 1/%d of the keys with %d entries; want all, 3", s.mask+1, s.capacity)
	}
	// Policy says miss on every request; LRU hits 3 of them (the repeats
	// within three distinct keys).
	for _, k := range []uint64{1, 2, 3, 1, 2, 4, 3, 4} {
		s.observe(k, false, 1, false)
	}
	if s.lruOnly != 3 || s.realOnly != 0 {
		t.Fatalf("lruOnly %d, realOnly %d; want 3 and 0", s.lruOnly, s.realOnly)
	}
}

func TestShadow_VerdictIsASignTest(t *testing.T) {
	s := newShadow(10)
	s.lruOnly, s.realOnly, s.sq = 50, 25, 75 // 25 > 2·√75 ≈ 17.3
	if v, ok := s.verdict(); !ok || v != 1 {
		t.Fatalf("verdict(50 vs 25) = %d, %v; want LRU better", v, ok)
	}
	s.lruOnly, s.realOnly, s.sq = 40, 33, 73
	if v, ok := s.verdict(); !ok || v != 0 {
		t.Fatalf("verdict(40 vs 33) = %d, %v; want no significant difference", v, ok)
	}
	s.lruOnly, s.realOnly, s.sq = 5, 30, 35
	if _, ok := s.verdict(); ok {
		t.Fatal("verdict decided on 35 disagreements, fewer than the minimum")
	}
}

// TestShadow_WeightedRequestsCountAsTheEvidenceTheyAre checks that the
// sign test weighs a sampled hit's variance, not only its count: two
// policy-only hits that stand for 32 each are 64 disagreements, but two
// observations, and must not make a verdict that the policy does better;
// 64 single ones must.
func TestShadow_WeightedRequestsCountAsTheEvidenceTheyAre(t *testing.T) {
	s := newShadow(16)
	s.observe(1, true, 32, false)
	s.observe(2, true, 32, false)
	if v, ok := s.verdict(); !ok || v != 0 {
		t.Fatalf("verdict after two hits weighing 32 = %d, %v; want decided, no significant difference", v, ok)
	}
	for k := range uint64(64) {
		s.observe(100+k, true, 1, false)
	}
	if v, ok := s.verdict(); !ok || v != -1 {
		t.Fatalf("verdict after 64 single policy-only hits = %d, %v; want the policy better", v, ok)
	}
}

type listT = listOf[int, int]

func TestPolicy_OrderedListsProtectedFirstAndColdestReverses(t *testing.T) {
	p := New[int, int](100, hash)
	nodes := make([]*node.Node[int, int], 5)
	for i := range nodes {
		nodes[i] = &node.Node[int, int]{Key: i, Weight: 1}
		p.Add(nodes[i])
	}
	// The window holds one entry; the rest went to probation. A hit in
	// probation promotes to protected.
	p.Access(nodes[1], 1)
	var got []int
	p.Ordered(func(n *node.Node[int, int]) bool { got = append(got, n.Key); return true })
	if len(got) != 5 || got[0] != 1 {
		t.Fatalf("Ordered = %v, want 5 entries with the protected entry 1 first", got)
	}
	var cold []int
	p.Coldest(func(n *node.Node[int, int]) bool { cold = append(cold, n.Key); return true })
	slices.Reverse(got)
	if !slices.Equal(cold, got) {
		t.Fatalf("Coldest = %v, want Ordered's order reversed, %v", cold, got)
	}
}

// TestPolicy_AccessWeighsAHitAsWHits checks that a sampled hit of weight w
// counts w times in the sketch, the sampler and the shadow's tally, and
// moves the entry once, as w hits in a row would. The policies hold one
// entry of two, half their capacity, so the warm-up cap (see
// TestPolicy_CountsAreCappedUntilHalfFull) is over.
func TestPolicy_AccessWeighsAHitAsWHits(t *testing.T) {
	for _, w := range []uint32{1, 2, 4, 8} {
		a, b := New[int, int](2, hash), New[int, int](2, hash)
		na, nb := &node.Node[int, int]{Key: 7, Weight: 1}, &node.Node[int, int]{Key: 7, Weight: 1}
		a.Add(na)
		b.Add(nb)
		a.Access(na, w)
		for range w {
			b.Access(nb, 1)
		}
		h := hash(7)
		if fa, fb := a.sketch.Frequency(h), b.sketch.Frequency(h); fa != fb || fa != min(15, int(1+w)) {
			t.Errorf("w=%d: frequency %d after Access(n, w), %d after Access(n, 1) w times; want %d", w, fa, fb, min(15, int(1+w)))
		}
		if a.sampler.requests != b.sampler.requests || a.sampler.requests != 1+int(w) {
			t.Errorf("w=%d: sampler counted %d requests after Add and Access(n, w), %d after Add and Access(n, 1) w times; want %d",
				w, a.sampler.requests, b.sampler.requests, 1+int(w))
		}
		if na.Queue() != nb.Queue() {
			t.Errorf("w=%d: entry on list %d after Access(n, w), %d after Access(n, 1) w times", w, na.Queue(), nb.Queue())
		}
		// A hit on a key the shadow LRU does not hold counts for the
		// policy w times.
		s := newShadow(16)
		s.observe(99, true, w, false)
		if s.realOnly != int(w) {
			t.Errorf("w=%d: the shadow tallied %d policy-only hits, want %d", w, s.realOnly, w)
		}
	}
}

// TestPolicy_AHitOnAReferencedKeyIsNoPolicyOnlyHit checks the shadow's
// allowance for sampled-out hits: a recorded hit on an entry whose
// reference bit is set (it was hit since the policy last moved it, by hits
// the shard skipped) takes the bit, and is not tallied as a hit that only
// the policy made when the shadow LRU, which never saw those hits, no
// longer holds the key.
func TestPolicy_AHitOnAReferencedKeyIsNoPolicyOnlyHit(t *testing.T) {
	s := newShadow(16)
	if s.observe(99, true, 4, true); s.realOnly != 0 || s.disagreements != 0 {
		t.Fatalf("referenced hit the shadow missed: %d policy-only hits, %d disagreements; want 0", s.realOnly, s.disagreements)
	}
	p := New[int, int](2, hash)
	n := &node.Node[int, int]{Key: 7, Weight: 1}
	p.Add(n)
	n.Touch()
	p.Access(n, 4)
	if n.TakeRef() {
		t.Fatalf("Access left the reference bit set")
	}
}

// TestPolicy_CountsAreCappedUntilHalfFull checks the warm-up cap: until
// the policy first holds half its capacity a key's estimate stops at
// warmUpCount, whether its hits come one by one or weighted, and from then
// on it grows again; Clear starts a new warm-up.
func TestPolicy_CountsAreCappedUntilHalfFull(t *testing.T) {
	const capacity = 100
	d := newDriver(capacity)
	p, h := d.p, hash(1)
	for round := range 2 {
		d.add(1)
		for range 20 {
			d.request(1)
		}
		p.Access(d.live[1], 8)
		for k := 2; k < capacity/2; k++ {
			d.add(k)
		}
		if f := p.sketch.Frequency(h); f != warmUpCount {
			t.Fatalf("round %d: frequency %d after 21 hits with %d of %d entries held, want the cap %d", round, f, capacity/2-1, capacity, warmUpCount)
		}
		d.add(capacity / 2) // half full: the warm-up is over
		for range 5 {
			d.request(1)
		}
		if f := p.sketch.Frequency(h); f != warmUpCount+5 {
			t.Fatalf("round %d: frequency %d after 5 more hits at half full, want %d", round, f, warmUpCount+5)
		}
		p.Clear()
		clear(d.live)
		if p.warm || p.held != 0 {
			t.Fatalf("after Clear: warm %v, held %d; want a new warm-up", p.warm, p.held)
		}
	}
}

// TestSampler_SamplesAtLeastMinSampleRequests checks the sample size:
// ten times the capacity, but never fewer than minSample requests, so that
// a small cache does not choose its window on the noise of a few hundred.
func TestSampler_SamplesAtLeastMinSampleRequests(t *testing.T) {
	for _, tc := range []struct{ capacity, want int }{{20, minSample}, {199, minSample}, {1000, 10_000}} {
		var c sampler
		c.init(int64(tc.capacity))
		for i := 1; i < tc.want; i++ {
			if c.record(1) {
				t.Fatalf("capacity %d: sample closed after %d requests, want %d", tc.capacity, i, tc.want)
			}
		}
		if !c.record(1) {
			t.Fatalf("capacity %d: sample still open after %d requests", tc.capacity, tc.want)
		}
	}
}

// TestPolicy_AGrowingWindowTakesMainsColdestEntries checks that a window
// that grows is filled at once from the main area's least recently used
// end, probation before protected, and that one that shrinks moves its
// oldest entries to probation.
func TestPolicy_AGrowingWindowTakesMainsColdestEntries(t *testing.T) {
	p := New[int, int](100, hash)
	nodes := make([]*node.Node[int, int], 100)
	for i := range nodes {
		nodes[i] = &node.Node[int, int]{Key: i, Weight: 1}
		p.Add(nodes[i])
	}
	// The window holds entry 99; probation 0–98 in order of arrival.
	// Three hits promote 0, 1 and 2 to protected.
	for _, i := range []int{0, 1, 2} {
		p.Access(nodes[i], 1)
	}
	p.resizeWindow(1+97, true)
	if p.windowWeight != 98 || p.window.Front() != nodes[99] || p.window.Next(nodes[99]) != nodes[3] {
		t.Fatalf("window weight %d; want 98: entry 99, then probation's oldest, 3, onwards", p.windowWeight)
	}
	// 96 from probation (3–98), then protected's least recently used, 0.
	// The protected list's share shrank with the main area (to 1), so 1
	// is demoted to probation.
	if nodes[0].Queue() != inWindow || nodes[1].Queue() != inProbation || nodes[2].Queue() != inProtected {
		t.Fatalf("entries 0, 1, 2 on lists %d, %d, %d; want window, probation, protected",
			nodes[0].Queue(), nodes[1].Queue(), nodes[2].Queue())
	}
	p.resizeWindow(1, true)
	if p.windowWeight != 1 || p.window.Front() != nodes[0] {
		t.Fatalf("after shrinking: window weight %d, holding %v; want 1, entry 0, the most recently moved", p.windowWeight, p.window.Front().Key)
	}
}

// TestPolicy_ReferencedEntriesGetASecondChance checks that an entry whose
// reference bit a sampled-out hit set is passed over once where it would
// leave its list (window, protected) or be evicted (probation), and that a
// list whose every entry is referenced still gives up an entry.
func TestPolicy_ReferencedEntriesGetASecondChance(t *testing.T) {
	p := New[int, int](100, hash)
	nodes := make([]*node.Node[int, int], 100)
	for i := range nodes {
		nodes[i] = &node.Node[int, int]{Key: i, Weight: 1}
		p.Add(nodes[i])
	}
	// Window: 99; probation: 0–98, oldest first.
	nodes[0].Touch()
	if v := p.Victim(); v == nodes[0] || nodes[0].Queue() != inProtected {
		t.Fatalf("Victim chose %d with entry 0 on list %d; want entry 0 promoted to protected and another chosen", v.Key, nodes[0].Queue())
	}
	if nodes[0].TakeRef() {
		t.Fatal("the second chance left entry 0's reference bit set")
	}

	// A referenced window entry moves to the window's newest end.
	w := New[int, int](100, hash)
	a := &node.Node[int, int]{Key: 1, Weight: 1}
	b := &node.Node[int, int]{Key: 2, Weight: 1}
	w.resizeWindow(2, false)
	w.Add(a)
	w.Add(b)
	a.Touch()
	w.Add(&node.Node[int, int]{Key: 3, Weight: 1})
	if a.Queue() != inWindow || b.Queue() != inProbation {
		t.Fatalf("entries 1, 2 on lists %d, %d; want the referenced 1 kept in the window and 2 moved out", a.Queue(), b.Queue())
	}

	// Every probation entry referenced: the bound stops the chances and
	// an entry is still chosen.
	q := New[int, int](200, hash)
	for i := range 200 {
		n := &node.Node[int, int]{Key: i, Weight: 1}
		q.Add(n)
		n.Touch()
	}
	if v := q.Victim(); v == nil {
		t.Fatal("Victim = nil with every entry referenced")
	}
}

// driver replays requests through a policy of unit-weight entries as the
// engine does: a hit is an Access, a miss an Add followed by evictions
// (Victim, then Remove) while the policy holds more than its capacity.
type driver struct {
	p        *Policy[int, int]
	capacity int
	live     map[int]*node.Node[int, int]
}

func newDriver(capacity int) *driver { return newDriverHashing(capacity, hash) }

// newDriverHashing is newDriver with the policy hashing keys by h.
func newDriverHashing(capacity int, h func(int) uint64) *driver {
	return &driver{p: New[int, int](capacity, h), capacity: capacity, live: map[int]*node.Node[int, int]{}}
}

// fixedHash returns a hash of keys that is the same in every run for a
// given salt (splitmix64's finalizer), for tests whose outcome depends on
// which keys a sample takes.
func fixedHash(salt uint64) func(int) uint64 {
	return func(k int) uint64 {
		z := uint64(k) + salt*0x9E3779B97F4A7C15
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		return z ^ z>>31
	}
}

// add adds key k, which must not be live, and returns the last key it
// evicted, or -1.
func (d *driver) add(k int) (evicted int) {
	n := &node.Node[int, int]{Key: k, Weight: 1}
	d.live[k] = n
	d.p.Add(n)
	evicted = -1
	for len(d.live) > d.capacity {
		v := d.p.Victim()
		d.p.Remove(v)
		delete(d.live, v.Key)
		evicted = v.Key
	}
	return evicted
}

// request is a Load of k, then an Add on a miss.
func (d *driver) request(k int) {
	if n := d.live[k]; n != nil {
		d.p.Access(n, 1)
		return
	}
	d.add(k)
}

// A victim that the sketch rates above every newcomer but that is no longer
// used turns away blockerRuns candidates in a row and is then passed over,
// kept: the next candidates are weighed against the entries behind it.
func TestPolicy_AStaleHotVictimIsPassedOverAfterBlockerRunsRefusals(t *testing.T) {
	const capacity = 200
	d := newDriver(capacity)
	p, live, add := d.p, d.live, d.add
	add(0)
	p.Access(live[0], 15) // key 0 is hot now, and never used again
	for k := 1; k < capacity; k++ {
		add(k)
	}
	if f := p.probation.Front(); f == nil || f.Key != 0 {
		t.Fatalf("probation's oldest entry is %v; want the stale hot key 0", f)
	}
	// Each newcomer (frequency 1) that leaves the window is refused by
	// key 0 and evicted itself.
	k := capacity
	for range blockerRuns - 1 {
		c := p.window.Front()
		if ev := add(k); ev != c.Key {
			t.Fatalf("adding %d: evicted %d; want %d, leaving the window, refused by key 0", k, ev, c.Key)
		}
		k++
	}
	if f := p.probation.Front(); f.Key != 0 {
		t.Fatalf("after %d refusals probation's oldest is %d; want key 0 still", blockerRuns-1, f.Key)
	}
	add(k) // the blockerRuns-th refusal
	k++
	if live[0] == nil || live[0].Queue() != inProbation || p.probation.Front().Key == 0 {
		t.Fatalf("after %d refusals key 0 is not passed over and kept", blockerRuns)
	}
	// A newcomer seen a few times now beats the once-seen entry behind
	// key 0 (a few, not one more, so that a collision in the sketch cannot
	// tie them; fewer than admitHashDoSThreshold, so no coin is tossed).
	c := p.window.Front()
	behind := p.probation.Front()
	for range admitHashDoSThreshold - 2 {
		p.sketch.Increment(hash(c.Key))
	}
	if ev := add(k); ev != behind.Key {
		t.Fatalf("%d, seen %d times, leaving the window: evicted %d; want %d, behind key 0",
			c.Key, admitHashDoSThreshold-1, ev, behind.Key)
	}
}

// TestExtremes_AdmitsByTheSketchAndTalliesAgainstLRU checks that the
// extremes' W-TinyLFU keeps a frequent set through a scan that an LRU of
// the same size is flushed by, and that it tallies the requests on which
// they disagree.
func TestExtremes_AdmitsByTheSketchAndTalliesAgainstLRU(t *testing.T) {
	const capacity = 100
	s := newShadow(capacity)
	e := newMini(s.capacity, max(1, s.capacity*initialWindowPercent/100))
	sk := sketch.New(capacity)
	if s.mask != 0 || e.capacity != capacity || e.windowMax != 1 {
		t.Fatalf("extremes of %d entries, window %d, sampling 1/%d; want %d, 1, all", e.capacity, e.windowMax, s.mask+1, capacity)
	}
	request := func(h uint64) {
		sk.Increment(h)
		if sampled, lruHit := s.observe(h, false, 1, false); sampled {
			e.tally(e.observe(h, sk), lruHit, 1)
		}
	}
	// 50 keys, each requested three times; then rounds of one pass over
	// them and a scan of 100 new keys.
	for range 3 {
		for k := uint64(1); k <= 50; k++ {
			request(k)
		}
	}
	e.lruOnly, e.tlfuOnly = 0, 0
	next := uint64(1000)
	for range 5 {
		for range capacity {
			request(next)
			next++
		}
		for k := uint64(1); k <= 50; k++ {
			request(k)
		}
	}
	// LRU loses all 50 to each scan; the W-TinyLFU keeps (nearly) all.
	if e.tlfuOnly < 200 || e.lruOnly != 0 {
		t.Fatalf("W-TinyLFU-only hits %d, LRU-only %d; want at least 200 and 0", e.tlfuOnly, e.lruOnly)
	}
	if v, d, ok := e.verdict(); !ok || v != -1 || d < 200 {
		t.Fatalf("verdict = %d on %d disagreements (decided %v); want -1, LRU worse, on at least 200", v, d, ok)
	}
}

// TestPolicy_ABlindBoostIsTakenBack checks that a boost that made the
// window nearly the whole cache, so that the shadow sees the policy as
// the LRU it has become, is halved when the extremes find twice in a row
// that a small window beats LRU.
func TestPolicy_ABlindBoostIsTakenBack(t *testing.T) {
	const capacity = 500
	d := newDriver(capacity)
	p, request := d.p, d.request
	// The boost the shadow's verdicts would have built up: the window is
	// the whole cache.
	p.boost = capacity - p.windowMax
	p.resizeWindow(capacity, false)
	p.unblock, p.unblocked = true, true
	// A frequent set of 200 keys between scans of 400 new keys: with the
	// whole cache an LRU, each scan flushes the frequent keys.
	next := 1_000_000
	for range 3 {
		for k := range 200 {
			request(k)
		}
	}
	// Four more rounds stay within the first sample (ten times the
	// capacity), whose window choice would otherwise take the boost back.
	boosted := p.boost
	for range 4 {
		for range 400 {
			request(next)
			next++
		}
		for k := range 200 {
			request(k)
		}
	}
	if p.sampler.requests != 3*200+4*600 {
		t.Fatalf("the first sample has closed")
	}
	if p.boost >= boosted {
		t.Fatalf("boost %d after 4 rounds of scans; want it taken back from %d", p.boost, boosted)
	}
}

// TestGroup_ShardsTakeTheWindowOfTheSummedScores: after its sample a
// shard publishes its grid's scores and takes the window whose scores,
// summed over the group, are highest; the others keep theirs until their
// own next sample, and a boost is taken back.
func TestGroup_ShardsTakeTheWindowOfTheSummedScores(t *testing.T) {
	a, b := joinedPair(1000, 2000)
	closeSample(b, 0.50, 30) // b's grid favours 50 %
	if got := b.WindowMax(); got != 1000 {
		t.Fatalf("b's window after its sample = %d, want 1000 (50 %% of 2000)", got)
	}
	a.boost = 5
	closeSample(a, 0.20, 20) // a's favours 20 %, by less than b's 50 %
	if got := a.WindowMax(); got != 500 || a.boost != 0 {
		t.Fatalf("a's window after its sample = %d, boost %d; want 500 (50 %% of 1000, b's scores outweigh a's) and 0", got, a.boost)
	}
	if b.WindowMax() != 1000 {
		t.Fatalf("b's window moved on a's sample")
	}
	closeSample(a, 0.20, 40) // 20*0.75+40 = 55 against b's 30
	if got := a.WindowMax(); got != 200 {
		t.Fatalf("a's window after its second sample = %d, want 200 (20 %%: 55 against 30)", got)
	}
}

// TestGroup_ShardsPassOverSoonerInLargerGroups: a shard sees only its
// share of the candidates, so it passes a blocking victim over after
// blockerRuns/shards refusals, but no fewer than minBlockerRuns.
func TestGroup_ShardsPassOverSoonerInLargerGroups(t *testing.T) {
	for _, tc := range []struct{ shards, want int }{{1, blockerRuns}, {4, blockerRuns / 4}, {64, minBlockerRuns}} {
		p := New[int, int](100, hash)
		p.Join(NewGroup(tc.shards))
		if p.blockerRuns != tc.want {
			t.Errorf("%d shards: a victim is passed over after %d refusals, want %d", tc.shards, p.blockerRuns, tc.want)
		}
	}
	if p := New[int, int](100, hash); p.blockerRuns != blockerRuns {
		t.Errorf("no group: %d refusals, want %d", p.blockerRuns, blockerRuns)
	}
}

func TestGroup_JoiningMoreShardsThanTheGroupHasPanics(t *testing.T) {
	g := NewGroup(1)
	New[int, int](100, hash).Join(g)
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("a second Join of a group of one did not panic")
		}
	}()
	New[int, int](100, hash).Join(g)
}

// TestGrid_ChoosesTheWindowTheWorkloadNeeds drives policies with two
// workloads and checks the window the grid settles on: a frequent set
// between scans, where a small window keeps the set and a large one lets
// each scan flush it, ends at one of the small sizes (at most 20 %: the
// minis see a sample of the keys, and with some hash seeds 20 % holds
// nearly all the sampled ones); a working set that moves
// on, each key used a few times in a burst and then never again, where
// the sketch's counts only keep stale keys and recency wins, ends at one
// of the largest.
//
// The minis' sample is chosen by the hash, so the test hashes with fixed
// seeds: with random ones, the frequent set ended at 35 % for 1 seed in
// 3,000 (a sample that took few of the frequent keys), and CI met it once.
func TestGrid_ChoosesTheWindowTheWorkloadNeeds(t *testing.T) {
	const capacity = 1000
	for salt := range uint64(3) {
		h := fixedHash(salt)
		freq := newDriverHashing(capacity, h)
		next := 1_000_000
		for range 60 { // 60 rounds of 1,650 requests: several samples of 10,000
			// 850 frequent keys: only a window of 10 % or less leaves a main
			// area that holds them all.
			for k := range 850 {
				freq.request(k)
			}
			for range 800 {
				freq.request(next)
				next++
			}
		}
		if got, want := freq.p.WindowMax(), int64(capacity*gridWindows[3]); got > want {
			t.Errorf("seed %d, frequent set between scans: window %d, want one of the small sizes, at most %d", salt, got, want)
		}

		rec := newDriverHashing(capacity, h)
		for i := range 80_000 {
			// Key i/4 is used four times in a row's neighbourhood: each key
			// is hot for a short while, then gone.
			rec.request(i/4 + (i%4)*200)
		}
		if got, want := rec.p.WindowMax(), int64(capacity*gridWindows[len(gridWindows)-3]); got < want {
			t.Errorf("seed %d, moving working set: window %d, want at least %d", salt, got, want)
		}
	}
}

// TestGroup_ClearTakesBackAShardsVotes: a shard's Clear zeroes its scores
// in the group, so the other shards' next choices no longer count them.
func TestGroup_ClearTakesBackAShardsVotes(t *testing.T) {
	a, b := joinedPair(1000, 1000)
	closeSample(b, 0.50, 100)
	b.Clear()
	closeSample(a, 0.20, 1)
	if got := a.WindowMax(); got != 200 {
		t.Fatalf("a's window after b's Clear = %d, want 200 (20 %%, a's own vote; b's 50 %% was cleared)", got)
	}
}

// TestGrid_ASampleOfTooFewRequestsIsDropped: a sample that gave the grid
// fewer than gridMinObserved requests in effect (under contention each
// recorded hit stands for up to 128) does not choose a window, and its
// hits do not count later.
func TestGrid_ASampleOfTooFewRequestsIsDropped(t *testing.T) {
	p := New[int, int](1000, hash)
	p.grid.hits[slices.Index(gridWindows[:], 0.50)] = 128 // one request, a hit standing for 128
	p.grid.sumW, p.grid.sumW2 = 128, 128*128
	p.adapt()
	if got := p.WindowMax(); got != 10 {
		t.Fatalf("window after a sample of one request = %d, want the initial 10", got)
	}
	closeSample(p, 0.20, 1)
	if got := p.WindowMax(); got != 200 {
		t.Fatalf("window after the next sample = %d, want 200: the dropped sample's 128 for 50 %% must not count", got)
	}
}

// joinedPair returns two policies of the given capacities in one group.
func joinedPair(capA, capB int) (a, b *Policy[int, int]) {
	g := NewGroup(2)
	a, b = New[int, int](capA, hash), New[int, int](capB, hash)
	a.Join(g)
	b.Join(g)
	return a, b
}

// closeSample gives p's grid a full sample of single requests in which the
// mini of window fraction f hit hits times, and closes it.
func closeSample(p *Policy[int, int], f, hits float64) {
	p.grid.hits[slices.Index(gridWindows[:], f)] += hits
	p.grid.sumW, p.grid.sumW2 = gridMinObserved, gridMinObserved
	p.adapt()
}

// TestResize_KeepsTheWindowsShareAndTheCounts: a resized policy's window
// keeps its share of the capacity, the sketch its counts (halved once, when
// it grows: see sketch.Resize), and the group
// loses the shard's votes (its grid starts again at the new size).
func TestResize_KeepsTheWindowsShareAndTheCounts(t *testing.T) {
	a, b := joinedPair(1000, 1000)
	closeSample(a, 0.50, 100) // a votes for 50 %
	a.resizeWindow(200, false)
	for range 5 {
		a.sketch.Increment(hash(42))
	}
	a.Resize(4000)
	if got := a.WindowMax(); got != 800 {
		t.Fatalf("window after Resize(4000) from 200 of 1,000 = %d, want 800", got)
	}
	if got := a.sketch.Frequency(hash(42)); got != 2 {
		t.Fatalf("count after Resize = %d, want the 5 counted before, halved once (the sketch grew)", got)
	}
	if a.grid.capacity() != newGrid(4000).capacity() {
		t.Fatalf("grid minis of %d entries after Resize(4000), want %d", a.grid.capacity(), newGrid(4000).capacity())
	}
	closeSample(b, 0.20, 1)
	if got := b.WindowMax(); got != 200 {
		t.Fatalf("b's window = %d, want 200 (its own vote; a's 50 %% went with a's Resize)", got)
	}
}
