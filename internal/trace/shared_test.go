package trace_test

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/internal/trace"
	"github.com/hotpath/hotpath/internal/trace/tracetest"
)

// readmeTable is the table of ../shared/traces/README.md: every shared
// trace, its format, and its request and distinct-key counts.
var readmeTable = []struct {
	file     string
	format   trace.Format
	requests int64
	distinct int
	big      bool // more than a million requests
}{
	{"arc/OLTP.lis.gz", trace.ARC, 914145, 186880, false},
	{"arc/P3.lis.gz", trace.ARC, 3912296, 762543, true},
	{"lirs/gli.trace.gz", trace.LIRS, 6015, 2529, false},
	{"lirs/multi1.trace.gz", trace.LIRS, 15858, 2606, false},
	{"lirs/multi2.trace.gz", trace.LIRS, 26311, 5684, false},
	{"lirs/multi3.trace.gz", trace.LIRS, 30241, 7454, false},
	{"lirs/sprite.trace.gz", trace.LIRS, 133996, 7075, false},
	{"lirs/cs.trace.gz", trace.LIRS, 6781, 1409, false},
	{"lirs/cpp.trace.gz", trace.LIRS, 9047, 1223, false},
	{"lirs/ps.trace.gz", trace.LIRS, 10448, 3083, false},
	{"lirs/2_pools.trace.gz", trace.LIRS, 100000, 9939, false},
	{"lirs/loop.trace.gz", trace.LIRS, 505500, 1011, false},
	{"cache2k/web07.trace.gz", trace.BE32, 76118, 20484, false},
	{"scarab/scarab-recs.trace.gz", trace.BE64, 1245184, 258368, true},
	{"libcachesim/cloudPhysicsIO.oracleGeneral.bin.gz", trace.Oracle, 113872, 48974, false},
}

func TestSharedTraces_ReadWithGuessedFormatGiveREADMECounts(t *testing.T) {
	dir := tracetest.Dir(t)
	for _, tt := range readmeTable {
		t.Run(strings.ReplaceAll(tt.file, "/", "_"), func(t *testing.T) {
			path := filepath.Join(dir, filepath.FromSlash(tt.file))
			f, err := trace.GuessFormat(path)
			if err != nil {
				t.Fatal(err)
			}
			if f != tt.format {
				t.Fatalf("GuessFormat(%s) = %q, want %q", tt.file, f, tt.format)
			}
			start := time.Now()
			r, err := trace.Open(path, "")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			seen := make(map[uint64]struct{}, tt.distinct)
			for {
				req, err := r.Next()
				if err != nil {
					if err != io.EOF {
						t.Fatalf("after %d requests: %v", r.Count(), err)
					}
					break
				}
				seen[req.Key] = struct{}{}
			}
			if r.Count() != tt.requests || len(seen) != tt.distinct {
				t.Errorf("%d requests, %d distinct keys; README says %d and %d",
					r.Count(), len(seen), tt.requests, tt.distinct)
			}
			t.Logf("%d requests in %v", r.Count(), time.Since(start))
		})
	}
}

func TestReference_SharedTableAgreesWithREADME(t *testing.T) {
	rows := tracetest.Reference(t)
	if len(rows) < 100 {
		t.Fatalf("%d rows; the shared table has 160", len(rows))
	}
	byFile := map[string]int{}
	for i, tt := range readmeTable {
		byFile[tt.file] = i
	}
	files := map[string]bool{}
	for _, row := range rows {
		i, ok := byFile[row.File]
		if !ok {
			t.Errorf("row for %s: not a trace of the README", row.File)
			continue
		}
		files[row.File] = true
		tt := readmeTable[i]
		if row.Requests != tt.requests || row.UniqueKeys != int64(tt.distinct) {
			t.Errorf("%s at %d: %d requests, %d keys; README %d, %d",
				row.File, row.CacheSize, row.Requests, row.UniqueKeys, tt.requests, tt.distinct)
		}
		if !(row.LRUHits <= row.OPTHits && row.ARCHits <= row.OPTHits) {
			t.Errorf("%s at %d: OPT %d below LRU %d or ARC %d", row.File, row.CacheSize, row.OPTHits, row.LRUHits, row.ARCHits)
		}
	}
	if len(files) != len(readmeTable) {
		t.Errorf("table covers %d of the %d traces", len(files), len(readmeTable))
	}
}
