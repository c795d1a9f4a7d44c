package cache_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hotpath/hotpath/cache"
	"github.com/hotpath/hotpath/internal/trace"
	"github.com/hotpath/hotpath/internal/trace/tracetest"
)

// TestWTinyLFU_HitRatioTargets replays every shared trace at every size of
// reference_hit_ratios.tsv through the default policy, with a fixed
// HashSeed so that every run, and so any failure, is the same, and holds it
// to bars set to clear any seed (the seed moves adaptive decisions, and so
// single rows, by up to two points):
//   - on average at least 8 points above exact LRU, and nowhere more than 5
//     below it;
//   - where recency wins (scarab from 25k entries, P3 at 200k) within 2.5
//     points of LRU;
//   - on the looping traces (loop, glimpse) at least half of OPT's lead
//     over LRU, which is 0 to 11 % there;
//   - with the default shard count within 1 point of one shard from 1000
//     entries up.
//
// The tighter recency targets (within 1 point of LRU on scarab
// and P3 at 200k) are measured, with the peers, by
// benchmarks/hitratio_test.go. It logs the mean gap to OPT. Under -race and
// -short it replays the traces under 200,000 requests only.
func TestWTinyLFU_HitRatioTargets(t *testing.T) {
	dir := tracetest.Dir(t)
	var gapToOPT, overLRU, worstSharding float64
	var rows int
	var worstShardingRow string
	loaded := ""
	var keys []uint64
	for _, r := range tracetest.Reference(t) {
		if (raceEnabled || testing.Short()) && r.Requests > 200_000 {
			continue
		}
		if r.File != loaded {
			f, err := trace.GuessFormat(r.File)
			if err != nil {
				t.Fatal(err)
			}
			if keys, err = trace.ReadKeys(filepath.Join(dir, r.File), f); err != nil {
				t.Fatal(err)
			}
			loaded = r.File
		}
		pct := func(h int64) float64 { return 100 * float64(h) / float64(r.Requests) }
		row := fmt.Sprintf("%s@%d", r.File, r.CacheSize)
		one := pct(replay(cache.Must(cache.Options[uint64, struct{}]{Capacity: r.CacheSize, Shards: 1, HashSeed: 1}), keys))
		lru, opt := pct(r.LRUHits), pct(r.OPTHits)
		gapToOPT += opt - one
		overLRU += one - lru
		rows++

		if one < lru-5 {
			t.Errorf("%s: W-TinyLFU %.2f %%, LRU %.2f %%: more than 5 points below LRU", row, one, lru)
		}
		// Recency wins on scarab from 25k entries and on P3 at 200k
		// (otter and theine fall 5 to 6 points short of LRU on P3 at
		// 200k). With hash seeds 1 to 3, at 1 to 32 shards, P3 at 200k
		// gets 57.25 to 58.98 %, LRU 59.35.
		if (r.File == "scarab/scarab-recs.trace.gz" && r.CacheSize >= 25_000 ||
			r.File == "arc/P3.lis.gz" && r.CacheSize == 200_000) && one < lru-2.5 {
			t.Errorf("%s: W-TinyLFU %.2f %%, LRU %.2f %%: does not adapt to recency", row, one, lru)
		}
		if (r.File == "lirs/loop.trace.gz" && r.CacheSize >= 250 && r.CacheSize <= 1000) ||
			(r.File == "lirs/gli.trace.gz" && r.CacheSize >= 250 && r.CacheSize <= 1000) {
			if one-lru < (opt-lru)/2 {
				t.Errorf("%s: W-TinyLFU %.2f %%, LRU %.2f %%, OPT %.2f %%: want at least half of OPT's lead over LRU on a loop", row, one, lru, opt)
			}
		}
		// The default shard count, from 1000 entries up, within 1 point of
		// one shard: the largest loss is 0.60 points at GOMAXPROCS 1
		// (P3 at 100,000, 4 shards), 0.62 at 2 and 0.77 to 0.87
		// at 4, 8 and 16 (P3 at 300,000, 8 to 64 shards).
		if r.CacheSize >= 1000 {
			if shards := cache.DefaultShardsForTest(r.CacheSize); shards > 1 {
				const bar = 1.0
				sharded := pct(replay(cache.Must(cache.Options[uint64, struct{}]{Capacity: r.CacheSize, HashSeed: 1}), keys))
				if one-sharded > worstSharding {
					worstSharding, worstShardingRow = one-sharded, fmt.Sprintf("%s (%d shards)", row, shards)
				}
				if sharded < one-bar {
					t.Errorf("%s: %d shards %.2f %%, one shard %.2f %%: sharding costs more than %.1f points", row, shards, sharded, one, bar)
				}
			}
		}
	}
	if rows == 0 {
		t.Fatal("no reference rows replayed")
	}
	t.Logf("over %d rows: mean gap to OPT %.2f points, mean lead over LRU %.2f points", rows, gapToOPT/float64(rows), overLRU/float64(rows))
	if worstShardingRow != "" {
		t.Logf("largest loss to the default shard count: %.2f points, %s", worstSharding, worstShardingRow)
	}
	if rows == 160 && overLRU/float64(rows) < 8 {
		t.Errorf("mean lead over LRU %.2f points, want at least 8", overLRU/float64(rows))
	}
}
