package lfu

import (
	"slices"
	"testing"

	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/hotpath/hotpath/cache/internal/node"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestPolicy_EvictsLeastFrequentThenLeastRecent checks the victim against a
// plain model (counts and a use clock, no aging within the test's range).
func TestPolicy_EvictsLeastFrequentThenLeastRecent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := New[int, int](1 << 20) // no aging during the test
		nodes := map[int]*node.Node[int, int]{}
		freq := map[int]int{}
		last := map[int]int{}
		clock := 0
		t.Repeat(map[string]func(*rapid.T){
			"Add": func(t *rapid.T) {
				k := rapid.IntRange(0, 20).Draw(t, "k")
				if nodes[k] != nil {
					return
				}
				nodes[k] = &node.Node[int, int]{Key: k}
				p.Add(nodes[k])
				clock++
				freq[k], last[k] = 1, clock
			},
			"Access": func(t *rapid.T) {
				k := rapid.IntRange(0, 20).Draw(t, "k")
				if nodes[k] == nil {
					return
				}
				p.Access(nodes[k], 1)
				clock++
				freq[k] = min(freq[k]+1, maxFreq)
				last[k] = clock
			},
			"AccessWeighted": func(t *rapid.T) {
				k := rapid.IntRange(0, 20).Draw(t, "k")
				if nodes[k] == nil {
					return
				}
				w := rapid.Uint32Range(1, 8).Draw(t, "w")
				p.Access(nodes[k], w)
				clock++
				freq[k] = min(freq[k]+int(w), maxFreq)
				last[k] = clock
			},
			"Evict": func(t *rapid.T) {
				v := p.Victim()
				if len(nodes) == 0 {
					if v != nil {
						t.Fatalf("Victim = %d from an empty policy", v.Key)
					}
					return
				}
				keys := make([]int, 0, len(nodes))
				for k := range nodes {
					keys = append(keys, k)
				}
				want := slices.MinFunc(keys, func(a, b int) int {
					if freq[a] != freq[b] {
						return freq[a] - freq[b]
					}
					return last[a] - last[b]
				})
				if v == nil || v.Key != want {
					t.Fatalf("Victim = %v, want %d (freq %d)", v, want, freq[want])
				}
				p.Remove(v)
				delete(nodes, want)
			},
		})
	})
}

func TestPolicy_AgingHalvesCounts(t *testing.T) {
	p := New[int, int](2)
	hot := &node.Node[int, int]{Key: 1}
	p.Add(hot)
	for range 10 {
		p.Access(hot, 1)
	}
	cold := &node.Node[int, int]{Key: 2}
	p.Add(cold) // 12 uses ≥ 8×2 not yet; keep going
	for range 4 {
		p.Access(cold, 1)
	}
	// 16 uses: the counts were halved (hot 11 → 5, cold 5 → 2).
	if hot.Freq() != 5 || cold.Freq() != 2 {
		t.Fatalf("after aging: hot %d, cold %d; want 5 and 2", hot.Freq(), cold.Freq())
	}
	if v := p.Victim(); v != cold {
		t.Fatalf("Victim = %v after aging, want the colder entry", v.Key)
	}
}

func TestPolicy_OrderedMostUsedFirstAndColdestReverses(t *testing.T) {
	p := New[int, int](100)
	a, b, c := &node.Node[int, int]{Key: 1}, &node.Node[int, int]{Key: 2}, &node.Node[int, int]{Key: 3}
	p.Add(a)
	p.Add(b)
	p.Add(c)
	p.Access(b, 1)
	p.Access(b, 1)
	p.Access(c, 1)
	var got []int
	p.Ordered(func(n *node.Node[int, int]) bool { got = append(got, n.Key); return true })
	if !slices.Equal(got, []int{2, 3, 1}) {
		t.Fatalf("Ordered = %v, want [2 3 1]", got)
	}
	got = got[:0]
	p.Coldest(func(n *node.Node[int, int]) bool { got = append(got, n.Key); return true })
	if !slices.Equal(got, []int{1, 3, 2}) || p.Victim() != a {
		t.Fatalf("Coldest = %v, want [1 3 2], the victim first", got)
	}
}
