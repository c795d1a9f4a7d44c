package trace

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ReferenceFile is the name of the golden hit-count table in the shared
// traces directory.
const ReferenceFile = "reference_hit_ratios.tsv"

// ReferenceRow is one row of reference_hit_ratios.tsv: exact hit counts of
// LRU, OPT (Belady's MIN, the missed key always admitted) and ARC (FAST '03)
// for one trace at one cache size, counting entries of size 1, every request
// a lookup, a miss inserting the key, cold misses included.
type ReferenceRow struct {
	File       string // path relative to the traces directory, e.g. "arc/OLTP.lis.gz"
	Requests   int64  // requests in the trace
	UniqueKeys int64  // distinct keys in the trace
	CacheSize  int    // capacity in entries
	LRUHits    int64
	OPTHits    int64
	ARCHits    int64
}

// HitRatio returns hits as a fraction of the row's requests.
func (r ReferenceRow) HitRatio(hits int64) float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(hits) / float64(r.Requests)
}

// referenceColumns are the columns ReadReference needs; others (the
// percentages) are ignored.
var referenceColumns = []string{"file", "requests", "unique_keys", "cache_size", "lru_hits", "opt_hits", "arc_hits"}

// ReadReference reads a reference table, such as
// filepath.Join(dir, ReferenceFile) for dir from [SharedDir].
func ReadReference(path string) ([]ReferenceRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer f.Close()
	return ParseReference(f, path)
}

// SharedReference reads the reference table of the shared traces.
func SharedReference() ([]ReferenceRow, error) {
	dir, err := SharedDir()
	if err != nil {
		return nil, err
	}
	return ReadReference(filepath.Join(dir, ReferenceFile))
}

// ParseReference parses a tab-separated reference table with a header
// line naming at least the columns file, requests, unique_keys, cache_size,
// lru_hits, opt_hits and arc_hits, in any order. name is used in errors.
// Every count must be a non-negative integer and hits at most requests.
func ParseReference(rd io.Reader, name string) ([]ReferenceRow, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(nil, maxLine)
	lineNo := int64(0)
	errAt := func(format string, args ...any) error {
		return &ParseError{Name: name, Line: lineNo, Msg: fmt.Sprintf(format, args...)}
	}
	var idx []int // idx[i] is the column of referenceColumns[i]
	var rows []ReferenceRow
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if idx == nil {
			idx = make([]int, len(referenceColumns))
			for i, col := range referenceColumns {
				idx[i] = -1
				for j, f := range fields {
					if strings.TrimSpace(f) == col {
						idx[i] = j
					}
				}
				if idx[i] < 0 {
					return nil, errAt("header has no column %q", col)
				}
			}
			continue
		}
		var nums [6]int64
		for i := 1; i < len(referenceColumns); i++ {
			if idx[i] >= len(fields) {
				return nil, errAt("%d fields, want column %d (%s)", len(fields), idx[i]+1, referenceColumns[i])
			}
			s := strings.TrimSpace(fields[idx[i]])
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				return nil, errAt("column %s %q: not a non-negative integer", referenceColumns[i], s)
			}
			nums[i-1] = v
		}
		if idx[0] >= len(fields) || strings.TrimSpace(fields[idx[0]]) == "" {
			return nil, errAt("no file name")
		}
		row := ReferenceRow{
			File:       strings.TrimSpace(fields[idx[0]]),
			Requests:   nums[0],
			UniqueKeys: nums[1],
			LRUHits:    nums[3],
			OPTHits:    nums[4],
			ARCHits:    nums[5],
		}
		if nums[2] > 1<<31-1 {
			return nil, errAt("cache_size %d: too large", nums[2])
		}
		row.CacheSize = int(nums[2])
		if row.UniqueKeys > row.Requests {
			return nil, errAt("unique_keys %d > requests %d", row.UniqueKeys, row.Requests)
		}
		for _, h := range []int64{row.LRUHits, row.OPTHits, row.ARCHits} {
			if h > row.Requests-row.UniqueKeys {
				return nil, errAt("%d hits > requests - unique_keys = %d", h, row.Requests-row.UniqueKeys)
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Name: name, Line: lineNo + 1, Msg: "read", Err: err}
	}
	if idx == nil {
		return nil, &ParseError{Name: name, Line: 1, Msg: "empty table: no header"}
	}
	return rows, nil
}
