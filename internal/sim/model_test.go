package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// genTrace draws a short trace over a small key space, so that keys recur
// and caches fill and evict.
func genTrace(t *rapid.T, maxKeys, maxLen int) []uint64 {
	nKeys := rapid.IntRange(1, maxKeys).Draw(t, "keys")
	n := rapid.IntRange(0, maxLen).Draw(t, "length") // rapid's own lengths stay short
	return rapid.SliceOfN(rapid.Uint64Range(0, uint64(nKeys-1)), n, n).Draw(t, "trace")
}

// modelLRU is LRU as a slice, most recent first: plainly right.
type modelLRU struct {
	capacity int
	keys     []uint64
}

func (m *modelLRU) access(k uint64) bool {
	if i := slices.Index(m.keys, k); i >= 0 {
		m.keys = slices.Delete(m.keys, i, i+1)
		m.keys = slices.Insert(m.keys, 0, k)
		return true
	}
	if len(m.keys) == m.capacity {
		m.keys = m.keys[:len(m.keys)-1]
	}
	m.keys = slices.Insert(m.keys, 0, k)
	return false
}

func TestLRUCache_MatchesPlainModelRequestByRequest(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 8).Draw(t, "capacity")
		keys := genTrace(t, 12, 200)
		c := NewLRU(capacity)
		m := &modelLRU{capacity: capacity}
		var hits int64
		for i, k := range keys {
			want := m.access(k)
			if got := c.Access(k); got != want {
				t.Fatalf("request %d (key %d): hit = %v, model %v", i, k, got, want)
			}
			if want {
				hits++
			}
			if c.Len() != len(m.keys) {
				t.Fatalf("request %d: Len = %d, model %d", i, c.Len(), len(m.keys))
			}
			probe := rapid.Uint64Range(0, 12).Draw(t, "probe")
			if c.Contains(probe) != slices.Contains(m.keys, probe) {
				t.Fatalf("request %d: Contains(%d) = %v, model %v", i, probe, !slices.Contains(m.keys, probe), slices.Contains(m.keys, probe))
			}
		}
		if c.Hits() != hits || c.Requests() != int64(len(keys)) {
			t.Fatalf("Hits, Requests = %d, %d; want %d, %d", c.Hits(), c.Requests(), hits, len(keys))
		}
		if got := LRU(keys, capacity); got != hits {
			t.Fatalf("LRU = %d, model %d", got, hits)
		}
	})
}

func TestLRUHitsAt_AgreesWithReplayAtEveryCapacity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		keys := genTrace(t, 30, 300)
		tr := NewTrace(keys)
		caps := []int{1, 2, 3, 5, 8, 13, 21, 34}
		got := tr.LRUHitsAt(caps)
		for i, c := range caps {
			if want := tr.LRU(c); got[i] != want {
				t.Fatalf("capacity %d: LRUHitsAt %d, LRU %d", c, got[i], want)
			}
		}
	})
}

// bruteOPT is the most hits any policy that admits every missed key can
// get: it tries every victim at every eviction (memoized on the cached set).
func bruteOPT(keys []uint64, capacity int) int64 {
	type state struct {
		i   int
		set uint64
	}
	memo := map[state]int64{}
	var best func(i int, set uint64) int64
	best = func(i int, set uint64) int64 {
		if i == len(keys) {
			return 0
		}
		s := state{i, set}
		if v, ok := memo[s]; ok {
			return v
		}
		bit := uint64(1) << keys[i]
		var v int64
		switch {
		case set&bit != 0:
			v = 1 + best(i+1, set)
		case countBits(set) < capacity:
			v = best(i+1, set|bit)
		default:
			for victim := set; victim != 0; victim &= victim - 1 {
				low := victim & -victim
				v = max(v, best(i+1, set&^low|bit))
			}
		}
		memo[s] = v
		return v
	}
	return best(0, 0)
}

func countBits(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func TestOPT_EqualsExhaustiveSearchOverVictims(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		keys := genTrace(t, 7, 24)
		capacity := rapid.IntRange(1, 4).Draw(t, "capacity")
		if got, want := OPT(keys, capacity), bruteOPT(keys, capacity); got != want {
			t.Fatalf("OPT = %d, exhaustive search %d", got, want)
		}
	})
}

func TestPolicies_NeverBeatOPTAndAgreeWhenNothingIsEvicted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		keys := genTrace(t, 40, 400)
		tr := NewTrace(keys)
		if tr.Len() != len(keys) {
			t.Fatalf("Len = %d, want %d", tr.Len(), len(keys))
		}
		capacity := rapid.IntRange(1, 50).Draw(t, "capacity")
		lru, arc, opt := tr.LRU(capacity), tr.ARC(capacity), tr.OPT(capacity)
		if lru > opt || arc > opt {
			t.Fatalf("LRU %d, ARC %d above OPT %d", lru, arc, opt)
		}
		if capacity >= tr.Distinct() {
			want := int64(len(keys) - tr.Distinct())
			if lru != want || arc != want || opt != want {
				t.Fatalf("capacity %d ≥ %d keys: LRU %d, ARC %d, OPT %d; want %d", capacity, tr.Distinct(), lru, arc, opt, want)
			}
		}
	})
}

// checkARC checks the invariants of the paper's Section III-A and that the
// lists and the index agree.
func checkARC(c *ARCCache) error {
	l := &c.a.l
	t1, t2, b1, b2 := l.size[arcT1], l.size[arcT2], l.size[arcB1], l.size[arcB2]
	switch {
	case t1+t2 > c.a.c:
		return fmt.Errorf("|T1|+|T2| = %d > c = %d", t1+t2, c.a.c)
	case t1+b1 > c.a.c:
		return fmt.Errorf("|L1| = |T1|+|B1| = %d > c", t1+b1)
	case t1+t2+b1+b2 > 2*c.a.c:
		return fmt.Errorf("|L1|+|L2| = %d > 2c", t1+t2+b1+b2)
	case b1+b2 > 0 && t1+t2 != c.a.c:
		return fmt.Errorf("ghosts exist but the cache is not full: |T1|+|T2| = %d", t1+t2)
	case c.a.p < 0 || c.a.p > float64(c.a.c):
		return fmt.Errorf("p = %v outside [0, c]", c.a.p)
	}
	// Walk every list: the sizes are right and each node says its list.
	for s := range arcLists {
		n, count := l.next[s], 0
		for n != int32(s) {
			if l.list[n] != int8(s) {
				return fmt.Errorf("node %d on list %d says %d", n, s, l.list[n])
			}
			count++
			n = l.next[n]
		}
		if count != l.size[s] {
			return fmt.Errorf("list %d: %d nodes, size %d", s, count, l.size[s])
		}
	}
	return nil
}

func TestARCCache_KeepsThePapersInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 10).Draw(t, "capacity")
		keys := genTrace(t, 30, 400)
		c := NewARC(capacity)
		for i, k := range keys {
			cached := c.Contains(k)
			if hit := c.Access(k); hit != cached {
				t.Fatalf("request %d: hit %v, but Contains said %v", i, hit, cached)
			}
			if !c.Contains(k) {
				t.Fatalf("request %d: key %d not cached right after its access", i, k)
			}
			if err := checkARC(c); err != nil {
				t.Fatalf("after request %d: %v", i, err)
			}
		}
		if c.Requests() != int64(len(keys)) || c.Hits() != ARC(keys, capacity) {
			t.Fatalf("streaming ARC: %d hits of %d; Trace.ARC %d", c.Hits(), c.Requests(), ARC(keys, capacity))
		}
		if c.Len() > capacity {
			t.Fatalf("Len = %d > capacity %d", c.Len(), capacity)
		}
	})
}

// The paper's Case I–IV on a hand-worked trace of capacity 2.
func TestARCCache_AdaptsOnGhostHits(t *testing.T) {
	c := NewARC(2)
	steps := []struct {
		key uint64
		hit bool
		p   float64
	}{
		{1, false, 0}, {2, false, 0}, // T1 = [2 1]
		{1, true, 0},  // T1 = [2], T2 = [1]
		{3, false, 0}, // REPLACE demotes 2 to B1: T1 = [3], T2 = [1], B1 = [2]
		{2, false, 1}, // a B1 ghost hit: p = 1; |T1| = 1 is not > p, so REPLACE demotes T2's 1 to B2
	}
	for i, s := range steps {
		if hit := c.Access(s.key); hit != s.hit || c.a.p != s.p {
			t.Fatalf("step %d (key %d): hit %v p %v; want %v %v", i, s.key, hit, c.a.p, s.hit, s.p)
		}
		if err := checkARC(c); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if !c.Contains(2) || !c.Contains(3) || c.Contains(1) {
		t.Fatalf("want 2 and 3 cached, 1 a ghost in B2")
	}
	if c.Access(1); c.a.p != 0 {
		t.Fatalf("a B2 ghost hit: p = %v, want 0", c.a.p)
	}
}

func TestConstructors_PanicOnNonPositiveCapacity(t *testing.T) {
	for name, f := range map[string]func(){
		"NewLRU":       func() { NewLRU(0) },
		"NewARC":       func() { NewARC(-1) },
		"Trace.OPT":    func() { NewTrace([]uint64{1}).OPT(0) },
		"Trace.LRU":    func() { NewTrace([]uint64{1}).LRU(0) },
		"LRUHitsAt":    func() { NewTrace([]uint64{1}).LRUHitsAt([]int{3, 0}) },
		"LRU function": func() { LRU(nil, 0) },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "sim: capacity must be > 0, got ") {
					t.Errorf("%s: panic %q, want one naming the capacity", name, msg)
				}
			}()
			f()
		}()
	}
}

func TestTrace_EmptyTraceHasNoHits(t *testing.T) {
	tr := NewTrace(nil)
	if tr.Len() != 0 || tr.Distinct() != 0 || tr.LRU(1) != 0 || tr.ARC(1) != 0 || tr.OPT(1) != 0 || tr.LRUHitsAt([]int{1})[0] != 0 {
		t.Fatal("an empty trace has hits")
	}
}
