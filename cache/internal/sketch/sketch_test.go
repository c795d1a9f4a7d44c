package sketch

import (
	"slices"
	"testing"

	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSketch_NeverUnderestimates checks the count-min promise against exact
// counts: an estimate is at least the true count (capped at 15) as long as
// no reset happened.
func TestSketch_NeverUnderestimates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := New(rapid.IntRange(1, 4096).Draw(t, "capacity"))
		exact := map[uint64]int{}
		keys := rapid.SliceOfN(rapid.Uint64(), 1, 64).Draw(t, "keys")
		n := rapid.IntRange(0, s.sampleSize-1).Draw(t, "increments")
		for i := range n {
			k := keys[i%len(keys)]
			s.Increment(k)
			exact[k]++
		}
		for k, c := range exact {
			if got := s.Frequency(k); got < min(c, maxCount) {
				t.Fatalf("Frequency(%#x) = %d, true count %d", k, got, c)
			}
		}
	})
}

func TestSketch_ResetHalvesCounts(t *testing.T) {
	s := New(64)
	const hot = 0xdeadbeef
	for range 15 {
		s.Increment(hot)
	}
	if f := s.Frequency(hot); f != 15 {
		t.Fatalf("after 15 increments Frequency = %d, want 15", f)
	}
	for i := uint64(1); s.size != 0 && i < 1<<20; i++ {
		before := s.size
		s.Increment(i * 0x9E3779B97F4A7C15)
		if s.size < before {
			break // reset happened
		}
	}
	if f := s.Frequency(hot); f > 8 {
		t.Fatalf("after a reset Frequency = %d, want at most half of 15 plus noise", f)
	}
}

func TestSketch_DistinguishesHotFromCold(t *testing.T) {
	s := New(1000)
	for i := range 5000 {
		s.Increment(uint64(i%10) * 0x9E3779B97F4A7C15) // ten hot keys
		s.Increment(uint64(1000+i) * 0x9E3779B97F4A7C15)
	}
	hot, cold := 0, 0
	for i := range 10 {
		hot += s.Frequency(uint64(i) * 0x9E3779B97F4A7C15)
		cold += s.Frequency(uint64(100000+i) * 0x9E3779B97F4A7C15)
	}
	if hot <= 3*cold {
		t.Fatalf("hot keys sum %d, unseen keys sum %d: the sketch does not tell them apart", hot, cold)
	}
}

// TestSketch_IncrementByIsRepeatedIncrement checks that a weighted increment
// leaves the counters and the halving count as that many single increments
// do, saturation included, as long as no halving falls in between.
func TestSketch_IncrementByIsRepeatedIncrement(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 512).Draw(t, "capacity")
		a, b := New(capacity), New(capacity)
		keys := rapid.SliceOfN(rapid.Uint64(), 1, 8).Draw(t, "keys")
		for range rapid.IntRange(1, 50).Draw(t, "steps") {
			k := keys[rapid.IntRange(0, len(keys)-1).Draw(t, "key")]
			w := rapid.Uint32Range(1, 20).Draw(t, "w")
			if a.size+int(w) >= a.sampleSize {
				return // a halving would fall in between
			}
			a.IncrementBy(k, w)
			for range w {
				b.Increment(k)
			}
			if !slices.Equal(a.table, b.table) || a.size != b.size {
				t.Fatalf("IncrementBy(%#x, %d): size %d, table differs: %v; %d Increments: size %d", k, w, a.size, !slices.Equal(a.table, b.table), w, b.size)
			}
		}
	})
}

// TestSketch_SmallCachesStillTellSeenFromUnseen checks the table's floor
// (minTable): a sketch for 100 entries that has counted 900 keys once each
// (fewer increments than a reset takes) must still estimate most keys it
// never saw at 0. With the 16 blocks that 100 entries used to get, about
// half of them looked seen; with the floor's 32, about one in eight does.
func TestSketch_SmallCachesStillTellSeenFromUnseen(t *testing.T) {
	s := New(100)
	for i := range 900 {
		s.Increment(Mix(uint64(i) + 1))
	}
	const unseen = 4000
	fp := 0
	for i := range unseen {
		if s.Frequency(Mix(uint64(1_000_000+i))) > 0 {
			fp++
		}
	}
	if fp > unseen/4 {
		t.Fatalf("%d of %d keys never counted are estimated above 0: the small table mixes every key's counters", fp, unseen)
	}
	t.Logf("%d of %d unseen keys estimated above 0", fp, unseen)
}

// TestSketch_ResizeKeepsTheCounts: after a resize to a larger table every
// estimate is what it was, halved; to a table of the same size, what it
// was; to a smaller one, no estimate falls (nor below the true count);
// either way the sketch then ages as New's sketch for the new capacity
// does.
func TestSketch_ResizeKeepsTheCounts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		from := rapid.IntRange(1, 8192).Draw(t, "from")
		to := rapid.IntRange(1, 8192).Draw(t, "to")
		s := New(from)
		keys := rapid.SliceOfN(rapid.Uint64(), 1, 256).Draw(t, "keys")
		exact := map[uint64]int{}
		// Fewer increments than either sketch's period, so no halving.
		n := rapid.IntRange(0, min(s.sampleSize, New(to).sampleSize)-1).Draw(t, "increments")
		for i := range n {
			k := keys[i%len(keys)]
			s.Increment(k)
			exact[k]++
		}
		before := map[uint64]int{}
		for _, k := range keys {
			before[k] = s.Frequency(k)
		}
		oldLen := len(s.table)
		s.Resize(to)
		if want := New(to); len(s.table) != len(want.table) || s.blockMask != want.blockMask || s.sampleSize != want.sampleSize {
			t.Fatalf("after Resize(%d): table %d, mask %#x, period %d; New gives %d, %#x, %d",
				to, len(s.table), s.blockMask, s.sampleSize, len(want.table), want.blockMask, want.sampleSize)
		}
		for _, k := range keys {
			got := s.Frequency(k)
			switch {
			case len(s.table) > oldLen:
				if got != before[k]/2 {
					t.Fatalf("Resize %d -> %d (larger table): Frequency(%#x) = %d, was %d", from, to, k, got, before[k])
				}
			case len(s.table) == oldLen:
				if got != before[k] {
					t.Fatalf("Resize %d -> %d (same table): Frequency(%#x) = %d, was %d", from, to, k, got, before[k])
				}
			default:
				if got < before[k] || got < min(exact[k], maxCount) {
					t.Fatalf("Resize %d -> %d (smaller table): Frequency(%#x) = %d, was %d, true count %d",
						from, to, k, got, before[k], exact[k])
				}
			}
		}
	})
}

// TestSketch_ResizeHalvesWhenPastTheNewPeriod: a sketch that has counted
// more than the smaller capacity's period halves at once.
func TestSketch_ResizeHalvesWhenPastTheNewPeriod(t *testing.T) {
	s := New(1000)
	const hot = 0xdeadbeef
	for range 14 {
		s.Increment(hot)
	}
	for i := uint64(1); i <= 200; i++ {
		s.Increment(i * 0x9E3779B97F4A7C15)
	}
	s.Resize(10) // period 100, and 214 counted
	if f := s.Frequency(hot); f < 7 || f > 8 {
		t.Fatalf("after Resize past the new period Frequency = %d, want 14 halved (7, or 8 with a collision)", f)
	}
	if s.size >= s.sampleSize {
		t.Fatalf("count towards the next halving %d, period %d", s.size, s.sampleSize)
	}
}
