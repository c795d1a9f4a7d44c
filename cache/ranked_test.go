package cache_test

import (
	"slices"
	"testing"

	"github.com/hotpath/hotpath/cache"
)

// TestHottestAndColdest_AcrossShards: with several shards, Hottest and
// Coldest of every entry hold each live entry once, a shorter Hottest is a
// prefix of the full one, the shards' tops come first, expired entries are
// left out, and neither call records a use.
func TestHottestAndColdest_AcrossShards(t *testing.T) {
	for _, policy := range []cache.Policy{cache.LRU, cache.LFU, cache.WTinyLFU} {
		t.Run(policy.String(), func(t *testing.T) {
			clock := newFakeClock()
			// A fixed hash seed, and 40 used keys: every shard holds some.
			c := cache.Must(cache.Options[int, int]{Capacity: 400, Shards: 4, Policy: policy, Clock: clock, HashSeed: 1})
			defer c.Close()
			for k := range 100 {
				c.Store(k, -k)
			}
			for range 3 {
				for k := range 40 {
					c.Load(k)
				}
			}
			c.StoreTTL(1000, 0, tick)
			clock.Advance(tick) // 1000 expires, unreclaimed
			before := c.Stats()
			hot, cold := c.Hottest(1000), c.Coldest(1000)
			keys := func(es []cache.Entry[int, int]) []int {
				var ks []int
				for _, e := range es {
					if e.Value != -e.Key || e.Weight != 1 || e.ExpiresIn != 0 {
						t.Fatalf("entry %+v: want value %d, weight 1, no expiry", e, -e.Key)
					}
					ks = append(ks, e.Key)
				}
				return ks
			}
			hk, ck := keys(hot), keys(cold)
			want := make([]int, 100)
			for k := range want {
				want[k] = k
			}
			if got := slices.Sorted(slices.Values(hk)); !slices.Equal(got, want) {
				t.Fatalf("Hottest(1000) keys = %v, want 0..99 once each", got)
			}
			if got := slices.Sorted(slices.Values(ck)); !slices.Equal(got, want) {
				t.Fatalf("Coldest(1000) keys = %v, want 0..99 once each", got)
			}
			if short := keys(c.Hottest(7)); !slices.Equal(short, hk[:7]) {
				t.Fatalf("Hottest(7) = %v, not a prefix of Hottest(1000) %v", short, hk[:7])
			}
			// Each shard's top comes first: the four hottest are keys the
			// loads used, the four coldest keys they did not.
			for i := range 4 {
				if hk[i] >= 40 || ck[i] < 40 {
					t.Fatalf("Hottest starts %v, Coldest %v: want used keys (< 40) first in one, unused last", hk[:4], ck[:4])
				}
			}
			// One from each shard in turn: the most recently used key is
			// the top of its shard, so among the first four whatever its
			// shard; for LRU and LFU the oldest unused key, 40, is the
			// first victim of its shard, so among Coldest's first four.
			if !slices.Contains(hk[:4], 39) {
				t.Fatalf("Hottest starts %v: want the last key used, 39, among the shards' tops", hk[:4])
			}
			if policy != cache.WTinyLFU && !slices.Contains(ck[:4], 40) {
				t.Fatalf("Coldest starts %v: want the oldest unused key, 40, among the shards' next victims", ck[:4])
			}
			if after := c.Stats(); after != before {
				t.Fatalf("Stats changed from %+v to %+v by Hottest and Coldest", before, after)
			}
			if got := c.Hottest(0); len(got) != 0 {
				t.Fatalf("Hottest(0) = %v", got)
			}
		})
	}
}

func TestHottest_PanicsOnANegativeCount(t *testing.T) {
	c := cache.Must(cache.Options[int, int]{Capacity: 10})
	defer c.Close()
	for name, f := range map[string]func(){"Hottest": func() { c.Hottest(-1) }, "Coldest": func() { c.Coldest(-1) }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("%s(-1) did not panic", name)
				}
			}()
			f()
		}()
	}
}
