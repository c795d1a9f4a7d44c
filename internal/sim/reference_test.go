package sim_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpath/hotpath/internal/sim"
	"github.com/hotpath/hotpath/internal/trace"
	"github.com/hotpath/hotpath/internal/trace/tracetest"
)

// Trace sizes that set how much of the table a run checks. A plain
// `go test` replays every trace at every size (about 16 s on the 2-core
// build machine). -short leaves out the traces above bigRequests (OLTP, P3,
// scarab). The race detector slows this single-threaded code about 13-fold
// (217 s for the full table), so under -race the traces above hugeRequests
// (P3, scarab) are left out and those above raceRequests (OLTP, loop) are
// replayed at their first size only; the race detector has nothing to find
// in them, and CI's GOARCH=386 run replays the full table.
const (
	raceRequests = 200_000
	bigRequests  = 600_000
	hugeRequests = 1_000_000
)

// rowsToCheck returns the rows of one trace that this run replays, or nil
// and the reason it skips them all.
func rowsToCheck(rows []trace.ReferenceRow) ([]trace.ReferenceRow, string) {
	n := rows[0].Requests
	switch {
	case raceEnabled && n > hugeRequests:
		return nil, fmt.Sprintf("%d requests: replayed at every size without -race (about 13 times slower under it)", n)
	case raceEnabled && n > raceRequests:
		return rows[:1], ""
	case n <= bigRequests:
		return rows, ""
	case testing.Short():
		return nil, fmt.Sprintf("%d requests: replayed without -short", n)
	}
	return rows, ""
}

// referenceByFile groups reference_hit_ratios.tsv by trace file, in the
// table's order.
func referenceByFile(t *testing.T) ([]string, map[string][]trace.ReferenceRow) {
	rows := tracetest.Reference(t)
	var files []string
	byFile := map[string][]trace.ReferenceRow{}
	for _, r := range rows {
		if _, ok := byFile[r.File]; !ok {
			files = append(files, r.File)
		}
		byFile[r.File] = append(byFile[r.File], r)
	}
	return files, byFile
}

func TestPolicies_ReproduceReferenceHitCounts(t *testing.T) {
	files, byFile := referenceByFile(t)
	for _, file := range files {
		rows, skip := rowsToCheck(byFile[file])
		t.Run(strings.ReplaceAll(file, "/", "_"), func(t *testing.T) {
			if skip != "" {
				t.Skip(skip)
			}
			start := time.Now()
			keys, err := trace.ReadKeys(tracetest.Path(t, file), "")
			if err != nil {
				t.Fatal(err)
			}
			tr := sim.NewTrace(keys)
			if int64(tr.Len()) != rows[0].Requests || int64(tr.Distinct()) != rows[0].UniqueKeys {
				t.Fatalf("%d requests, %d keys; table says %d, %d", tr.Len(), tr.Distinct(), rows[0].Requests, rows[0].UniqueKeys)
			}
			sizes := make([]int, len(rows))
			for i, r := range rows {
				sizes[i] = r.CacheSize
			}
			stack := tr.LRUHitsAt(sizes)
			// Each row's three replays are independent: run them side
			// by side (the machine may have cores to spare).
			var wg sync.WaitGroup
			for i, r := range rows {
				check := func(policy string, got, want int64) {
					if got != want {
						t.Errorf("%s at %d: %d hits, reference %d (%+d)", policy, r.CacheSize, got, want, got-want)
					}
				}
				check("LRU stack distances", stack[i], r.LRUHits)
				wg.Go(func() { check("LRU", tr.LRU(r.CacheSize), r.LRUHits) })
				wg.Go(func() { check("ARC", tr.ARC(r.CacheSize), r.ARCHits) })
				wg.Go(func() { check("OPT", tr.OPT(r.CacheSize), r.OPTHits) })
			}
			wg.Wait()
			t.Logf("%d requests, %d of %d sizes, in %v", tr.Len(), len(rows), len(byFile[file]), time.Since(start))
		})
	}
}

// The streaming caches, fed one request at a time, give the same counts as
// the prepared replays on the small traces.
func TestStreamingCaches_ReproduceReferenceHitCounts(t *testing.T) {
	files, byFile := referenceByFile(t)
	for _, file := range files {
		rows := byFile[file]
		if limit := int64(200_000); rows[0].Requests > limit || (raceEnabled && rows[0].Requests > limit/5) {
			continue // the prepared replays cover the big traces
		}
		t.Run(strings.ReplaceAll(file, "/", "_"), func(t *testing.T) {
			keys, err := trace.ReadKeys(tracetest.Path(t, file), "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				lru, arc := sim.NewLRU(r.CacheSize), sim.NewARC(r.CacheSize)
				for _, k := range keys {
					lru.Access(k)
					arc.Access(k)
				}
				if lru.Hits() != r.LRUHits || arc.Hits() != r.ARCHits {
					t.Errorf("at %d: LRUCache %d, ARCCache %d; reference %d, %d",
						r.CacheSize, lru.Hits(), arc.Hits(), r.LRUHits, r.ARCHits)
				}
			}
		})
	}
}

func ExampleTrace() {
	// A loop over 4 keys, 3 times: LRU at 3 entries misses every time,
	// OPT keeps most of the loop.
	keys := []uint64{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}
	tr := sim.NewTrace(keys)
	for _, c := range []int{2, 3, 4} {
		fmt.Printf("capacity %d: LRU %d, ARC %d, OPT %d hits\n", c, tr.LRU(c), tr.ARC(c), tr.OPT(c))
	}
	fmt.Println("LRU curve:", tr.LRUHitsAt([]int{1, 2, 3, 4}))
	// Output:
	// capacity 2: LRU 0, ARC 0, OPT 3 hits
	// capacity 3: LRU 0, ARC 0, OPT 6 hits
	// capacity 4: LRU 8, ARC 8, OPT 8 hits
	// LRU curve: [0 0 0 8]
}

func ExampleLRUCache() {
	c := sim.NewLRU(2)
	for _, k := range []uint64{1, 2, 1, 3, 2, 1} {
		fmt.Print(c.Access(k), ";")
	}
	fmt.Println()
	fmt.Println(c.Hits(), "hits of", c.Requests())
	// Output:
	// false;false;true;false;false;false;
	// 1 hits of 6
}
