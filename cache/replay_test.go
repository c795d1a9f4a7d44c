package cache_test

import (
	"testing"

	"github.com/hotpath/hotpath/cache"
	"github.com/hotpath/hotpath/internal/trace"
	"github.com/hotpath/hotpath/internal/trace/tracetest"
)

// replay runs keys through c as a cache-aside client would (Load, then Store
// on a miss) and returns the hits.
func replay(c *cache.Cache[uint64, struct{}], keys []uint64) int64 {
	var hits int64
	for _, k := range keys {
		if _, ok := c.Load(k); ok {
			hits++
		} else {
			c.Store(k, struct{}{})
		}
	}
	return hits
}

// TestCache_LRUReplayMatchesReferenceExactly replays every shared trace at
// every size of reference_hit_ratios.tsv through a one-shard LRU cache and
// requires the exact LRU hit count, to the request.
func TestCache_LRUReplayMatchesReferenceExactly(t *testing.T) {
	dir := tracetest.Dir(t)
	rows := tracetest.Reference(t)
	byFile := map[string][]trace.ReferenceRow{}
	var files []string
	for _, r := range rows {
		if byFile[r.File] == nil {
			files = append(files, r.File)
		}
		byFile[r.File] = append(byFile[r.File], r)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			sizes := byFile[file]
			if raceEnabled || testing.Short() {
				sizes = lighter(sizes)
			}
			f, err := trace.GuessFormat(file)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := trace.ReadKeys(dir+"/"+file, f)
			if err != nil {
				t.Fatal(err)
			}
			if raceEnabled && len(keys) > 2_000_000 {
				// A replay is one goroutine, so the race detector has nothing
				// to check in it, and it is ten times slower under it; the
				// plain and 386 runs of CI replay these traces in full.
				t.Skipf("%d requests: replayed by the runs without -race", len(keys))
			}
			for _, r := range sizes {
				if int64(len(keys)) != r.Requests {
					t.Fatalf("read %d requests, the reference table says %d", len(keys), r.Requests)
				}
				c := cache.Must(cache.Options[uint64, struct{}]{Capacity: r.CacheSize, Shards: 1, Policy: cache.LRU})
				if got := replay(c, keys); got != r.LRUHits {
					t.Errorf("size %d: %d hits, exact LRU has %d", r.CacheSize, got, r.LRUHits)
				}
				if st := c.Stats(); int64(st.Hits) != r.LRUHits || int64(st.Misses) != r.Requests-r.LRUHits {
					t.Errorf("size %d: Stats = %+v, want %d hits and %d misses", r.CacheSize, st, r.LRUHits, r.Requests-r.LRUHits)
				}
				if got, want := c.Len(), min(r.CacheSize, int(r.UniqueKeys)); got != want {
					t.Errorf("size %d: Len = %d after the replay, want %d", r.CacheSize, got, want)
				}
			}
		})
	}
}

// lighter keeps the smallest and largest size of a trace with more than
// 200,000 requests, for race-detector and -short runs; the full set runs in
// the plain and 386 runs of CI.
func lighter(rows []trace.ReferenceRow) []trace.ReferenceRow {
	if len(rows) <= 2 || rows[0].Requests <= 200_000 {
		return rows
	}
	return []trace.ReferenceRow{rows[0], rows[len(rows)-1]}
}
