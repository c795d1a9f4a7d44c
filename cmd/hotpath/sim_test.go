package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hotpath/hotpath/internal/sim"
	"github.com/hotpath/hotpath/internal/trace/tracetest"
)

// testKeys is a small skewed trace: 5,000 requests over at most 400 keys.
func testKeys() []uint64 {
	r := rand.New(rand.NewPCG(7, 7))
	keys := make([]uint64, 5000)
	for i := range keys {
		keys[i] = uint64(r.IntN(20) * r.IntN(20))
	}
	return keys
}

// writeLIRS writes keys as a LIRS trace (one number per line) under dir,
// gzip-compressed if the name ends in .gz, and returns its path.
func writeLIRS(t *testing.T, name string, keys []uint64) string {
	t.Helper()
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintln(&b, k)
	}
	return writeFile(t, name, b.Bytes())
}

// writeFile writes data to name in a temporary directory, gzip-compressed
// if the name ends in .gz, and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	if strings.HasSuffix(name, ".gz") {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// simCSV runs the sim command with -out csv and returns the records by
// series name, then capacity, as hits.
func simCSV(t *testing.T, args ...string) map[string]map[int]int64 {
	t.Helper()
	code, out, errOut := runCmd(append([]string{"sim", "-out", "csv"}, args...)...)
	if code != 0 {
		t.Fatalf("sim %q: exit status %d, stderr: %s", args, code, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("sim %q: output is not CSV: %v\n%s", args, err, out)
	}
	if !slices.Equal(recs[0], csvHeader) {
		t.Fatalf("CSV header %q, want %q", recs[0], csvHeader)
	}
	hits := map[string]map[int]int64{}
	for _, r := range recs[1:] {
		c, err1 := strconv.Atoi(r[1])
		h, err2 := strconv.ParseInt(r[6], 10, 64)
		n, err3 := strconv.Atoi(r[5])
		ratio, err4 := strconv.ParseFloat(r[7], 64)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Fatalf("bad CSV record %q", r)
		}
		if d := ratio - float64(h)/float64(n); d > 1e-6 || d < -1e-6 {
			t.Errorf("record %q: hit_ratio is not hits/requests", r)
		}
		if hits[r[2]] == nil {
			hits[r[2]] = map[int]int64{}
		}
		hits[r[2]][c] = h
	}
	return hits
}

func TestSim_CSVHasARecordPerCapacityAndSeriesWithTheReferenceCounts(t *testing.T) {
	keys := testKeys()
	path := writeLIRS(t, "skewed.trace", keys)
	got := simCSV(t, "-trace", path, "-capacity", "10,50,100")
	for _, name := range []string{"WTinyLFU", "LRU", "LFU", refLRU, refARC, refOPT} {
		if len(got[name]) != 3 {
			t.Errorf("series %q has %d capacities, want 3: %v", name, len(got[name]), got)
		}
	}
	if len(got) != 6 {
		t.Errorf("CSV has series %v, want 6", slices.Collect(maps.Keys(got)))
	}
	for _, c := range []int{10, 50, 100} {
		if got[refLRU][c] != sim.LRU(keys, c) || got[refARC][c] != sim.ARC(keys, c) || got[refOPT][c] != sim.OPT(keys, c) {
			t.Errorf("capacity %d: references %d, %d, %d; internal/sim says %d, %d, %d", c,
				got[refLRU][c], got[refARC][c], got[refOPT][c], sim.LRU(keys, c), sim.ARC(keys, c), sim.OPT(keys, c))
		}
		for name, s := range got {
			if s[c] > got[refOPT][c] {
				t.Errorf("%s beats OPT at %d: %d > %d", name, c, s[c], got[refOPT][c])
			}
		}
	}
}

func TestSim_LRUWithOneShardIsExactLRU(t *testing.T) {
	keys := testKeys()
	path := writeLIRS(t, "skewed.trace.gz", keys)
	got := simCSV(t, "-trace", path, "-capacity", "1,7,30,64,200,1000", "-policy", "lru", "-shards", "1")
	if len(got) != 4 || got["LRU"] == nil {
		t.Fatalf("series %v, want LRU and the three references", slices.Collect(maps.Keys(got)))
	}
	if !reflect.DeepEqual(got["LRU"], got[refLRU]) {
		t.Errorf("cache LRU %v, exact LRU %v", got["LRU"], got[refLRU])
	}
}

func TestSim_LRUReplayReproducesReferenceHitCounts(t *testing.T) {
	rows := tracetest.Reference(t)
	dir := tracetest.Dir(t)
	files := []string{"lirs/gli.trace.gz", "lirs/cs.trace.gz", "lirs/multi1.trace.gz",
		"cache2k/web07.trace.gz", "libcachesim/cloudPhysicsIO.oracleGeneral.bin.gz"}
	if testing.Short() {
		files = files[:2]
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var caps []string
			for _, r := range rows {
				if r.File == file {
					caps = append(caps, strconv.Itoa(r.CacheSize))
				}
			}
			if len(caps) == 0 {
				t.Fatalf("no reference rows for %s", file)
			}
			got := simCSV(t, "-trace", filepath.Join(dir, file), "-capacity", strings.Join(caps, ","), "-policy", "lru", "-shards", "1")
			for _, r := range rows {
				if r.File != file {
					continue
				}
				c := r.CacheSize
				if got["LRU"][c] != r.LRUHits || got[refLRU][c] != r.LRUHits || got[refARC][c] != r.ARCHits || got[refOPT][c] != r.OPTHits {
					t.Errorf("%s at %d: LRU %d, exact LRU %d, ARC %d, OPT %d; reference %d, %d, %d, %d", file, c,
						got["LRU"][c], got[refLRU][c], got[refARC][c], got[refOPT][c], r.LRUHits, r.LRUHits, r.ARCHits, r.OPTHits)
				}
			}
		})
	}
}

func TestSim_TableHasARowPerCapacityAndAColumnPerSeries(t *testing.T) {
	path := writeLIRS(t, "skewed.trace", testKeys())
	code, out, errOut := runCmd("sim", "-trace", path, "-capacity", "100,10,50,10", "-policy", "wtinylfu,lfu")
	if code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, errOut)
	}
	for _, want := range []string{path + " (lirs): 5,000 requests", "shards: default",
		"capacity  of keys  WTinyLFU      LFU  exact LRU      ARC  OPT (ceiling)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	rows := regexp.MustCompile(`(?m)^ +([0-9,]+) +[0-9.]+ %( +[0-9.]+ %){5}$`).FindAllStringSubmatch(out, -1)
	var caps []string
	for _, r := range rows {
		caps = append(caps, r[1])
	}
	if !slices.Equal(caps, []string{"10", "50", "100"}) { // sorted, without the repeat
		t.Errorf("table rows for capacities %q, want 10, 50, 100:\n%s", caps, out)
	}
}

func TestSim_JSONParsesWithEveryResult(t *testing.T) {
	keys := testKeys()
	path := writeLIRS(t, "skewed.trace", keys)
	code, out, errOut := runCmd("sim", "-trace", path, "-capacity", "20,80", "-out", "json", "-shards", "2")
	if code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, errOut)
	}
	var r jsonReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("output is not the JSON report: %v\n%s", err, out)
	}
	tr := sim.NewTrace(keys)
	if r.Trace != path || r.Format != "lirs" || r.Requests != len(keys) || r.DistinctKeys != tr.Distinct() || r.Shards != 2 {
		t.Errorf("report header %+v", r)
	}
	if len(r.Results) != 2*6 {
		t.Fatalf("%d results, want 12", len(r.Results))
	}
	for _, res := range r.Results {
		if res.Series == refOPT && (res.Kind != kindCeiling || res.Hits != tr.OPT(res.Capacity)) {
			t.Errorf("OPT result %+v, want %d hits", res, tr.OPT(res.Capacity))
		}
		if res.HitRatio != float64(res.Hits)/float64(len(keys)) {
			t.Errorf("result %+v: hit_ratio is not hits/requests", res)
		}
	}
}

func TestSim_CapacitySharesAreOfTheDistinctKeys(t *testing.T) {
	keys := make([]uint64, 1000)
	for i := range keys {
		keys[i] = uint64(i % 200)
	}
	path := writeLIRS(t, "loop.trace", keys)
	got := simCSV(t, "-trace", path, "-capacity", "10%,50%,0.1%,100%,1k", "-policy", "lru")
	caps := slices.Sorted(maps.Keys(got["LRU"]))
	if !slices.Equal(caps, []int{1, 20, 100, 200, 1000}) {
		t.Errorf("capacities %v, want 1, 20, 100, 200, 1000", caps)
	}
	if got["LRU"][200] != 800 || got["LRU"][100] != 0 {
		t.Errorf("loop of 200: LRU hits %v", got["LRU"])
	}
}

func TestSim_FormatIsGuessedFromTheNameOrGiven(t *testing.T) {
	lines := writeFile(t, "keys.log.gz", []byte("GET /a\nGET /b\nGET /a\n"))
	if got := simCSV(t, "-trace", lines, "-capacity", "2"); got[refOPT][2] != 1 {
		t.Errorf("lines trace: OPT hits %d, want 1", got[refOPT][2])
	}
	odd := writeFile(t, "keys.dat", []byte("a\nb\na\n"))
	if got := simCSV(t, "-trace", odd, "-format", "lines", "-capacity", "2"); got[refOPT][2] != 1 {
		t.Errorf("-format lines: OPT hits %d, want 1", got[refOPT][2])
	}
	csvFile := writeFile(t, "log.data", []byte("user,page\n7,a\n8,b\n7,c\n"))
	if got := simCSV(t, "-trace", csvFile, "-format", "csv:user", "-capacity", "2"); got[refOPT][2] != 1 {
		t.Errorf("-format csv:user: OPT hits %d, want 1", got[refOPT][2])
	}
	be32 := make([]byte, 0, 16)
	for _, k := range []uint32{9, 9, 3, 9} {
		be32 = binary.BigEndian.AppendUint32(be32, k)
	}
	bin := writeFile(t, "trace.bin", be32)
	if got := simCSV(t, "-trace", bin, "-format", "be32", "-capacity", "1"); got[refLRU][1] != 1 {
		t.Errorf("-format be32: exact LRU hits %d, want 1", got[refLRU][1])
	}
	code, _, errOut := runCmd("sim", "-trace", odd, "-capacity", "2")
	if code != 2 || !strings.Contains(errOut, "-format") {
		t.Errorf("unguessable name: exit status %d, stderr %q; want 2 and a hint to use -format", code, errOut)
	}
}

func TestSim_PolicyFlagChoosesTheCacheSeries(t *testing.T) {
	path := writeLIRS(t, "skewed.trace", testKeys())
	for _, tc := range []struct {
		policy string
		want   []string
	}{
		{"lfu", []string{"LFU"}},
		{"LRU,W-TinyLFU,lru", []string{"LRU", "WTinyLFU"}},
		{"all", []string{"LFU", "LRU", "WTinyLFU"}},
	} {
		var got []string
		for name := range simCSV(t, "-trace", path, "-capacity", "10", "-policy", tc.policy) {
			if name != refLRU && name != refARC && name != refOPT {
				got = append(got, name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("-policy %s: cache series %q, want %q", tc.policy, got, tc.want)
		}
	}
}

func TestSim_MalformedTraceExitsWith1NamingTheFileAndWhere(t *testing.T) {
	text := writeFile(t, "bad.trace", []byte("1\n2\nx3\n4\n"))
	bin := writeFile(t, "bad.be64.gz", []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0})
	empty := writeFile(t, "empty.trace", nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-trace", text}, text + ":3:"},
		{[]string{"-trace", bin}, bin + ": offset 8: truncated record"},
		{[]string{"-trace", filepath.Join(t.TempDir(), "missing.trace")}, "no such file"},
		// A missing file whose name says nothing of its format: the missing
		// file is the problem to report, not the name.
		{[]string{"-trace", filepath.Join(t.TempDir(), "missing")}, "no such file"},
		{[]string{"-trace", empty}, "has no requests"},
		{[]string{"-trace", writeLIRS(t, "ok.trace", testKeys()), "-chart", filepath.Join(t.TempDir(), "no", "such", "dir.svg")}, "dir.svg"},
	} {
		code, out, errOut := runCmd(append([]string{"sim"}, tc.args...)...)
		if code != 1 {
			t.Errorf("sim %q: exit status %d, want 1", tc.args, code)
		}
		if !strings.Contains(errOut, tc.want) || !strings.HasPrefix(errOut, "hotpath sim: ") {
			t.Errorf("sim %q: stderr %q does not say %q", tc.args, errOut, tc.want)
		}
		if out != "" {
			t.Errorf("sim %q printed results after an error:\n%s", tc.args, out)
		}
	}
}

func TestSim_UsageErrorsExitWith2(t *testing.T) {
	path := writeLIRS(t, "skewed.trace", testKeys())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-trace FILE is required"},
		{[]string{"-trace", path, "-capacity", "abc"}, `-capacity: "abc"`},
		{[]string{"-trace", path, "-capacity", "0"}, `-capacity: "0"`},
		{[]string{"-trace", path, "-capacity", "-5"}, `-capacity: "-5"`},
		{[]string{"-trace", path, "-capacity", "1.5"}, `-capacity: "1.5"`},
		{[]string{"-trace", path, "-capacity", "0%"}, `-capacity: "0%"`},
		{[]string{"-trace", path, "-capacity", "10,,20"}, "empty item"},
		{[]string{"-trace", path, "-policy", "arc"}, `unknown policy "arc"`},
		{[]string{"-trace", path, "-format", "parquet"}, `-format: trace: unknown format "parquet"`},
		{[]string{"-trace", path, "-out", "xml"}, "-out must be one of table, csv, json"},
		{[]string{"-trace", path, "-shards", "3"}, "-shards must be 0 or a power of two"},
		{[]string{"-trace", path, "-shards", "-1"}, "-shards must be 0 or a power of two"},
		{[]string{"-trace", path, "-shards", "16", "-capacity", "8,100"}, "-shards 16 is more than the smallest capacity, 8"},
		{[]string{"-trace", path, "extra"}, "unexpected arguments"},
		{[]string{"-trace"}, "flag needs an argument"},
	} {
		code, out, errOut := runCmd(append([]string{"sim"}, tc.args...)...)
		if code != 2 {
			t.Errorf("sim %q: exit status %d, want 2", tc.args, code)
		}
		if !strings.Contains(errOut, tc.want) {
			t.Errorf("sim %q: stderr %q does not say %q", tc.args, errOut, tc.want)
		}
		if out != "" {
			t.Errorf("sim %q wrote to stdout: %q", tc.args, out)
		}
	}
}

func TestParseCapacities_AcceptsEntriesSuffixesAndShares(t *testing.T) {
	got, err := parseCapacities(" 1000, 10k,1.5M ,2K,3m,0.5%,25% ")
	if err != nil {
		t.Fatal(err)
	}
	want := []capacity{{entries: 1000}, {entries: 10000}, {entries: 1500000}, {entries: 2000}, {entries: 3000000}, {share: 0.005}, {share: 0.25}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := resolveCapacities(want, 1000); !slices.Equal(got, []int{5, 250, 1000, 2000, 10000, 1500000, 3000000}) {
		t.Errorf("resolved to %v", got)
	}
	if got := resolveCapacities([]capacity{{share: 0.0001}, {entries: 1}}, 10); !slices.Equal(got, []int{1}) {
		t.Errorf("a share of under one entry resolved to %v, want [1]", got)
	}
}

func FuzzParseCapacities(f *testing.F) {
	for _, s := range []string{"1000,5000", "1%,0.5%", "10k,1.5M", "", ",", "1e3", "NaN%", "Inf", "99999999999", "1.0000001k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := parseCapacities(s)
		if err != nil {
			return
		}
		for _, c := range cs {
			if (c.entries < 1) == (c.share == 0) || c.share < 0 {
				t.Fatalf("parseCapacities(%q) gave %+v", s, c)
			}
		}
		for _, n := range resolveCapacities(cs, 12345) {
			if n < 1 {
				t.Fatalf("parseCapacities(%q) resolved to %d", s, n)
			}
		}
	})
}

func TestSim_DashReadsStandardInputInTheFormatGiven(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader("GET /a\nGET /b\nGET /a\nGET /c\nGET /a\n")
	got := simCSV(t, "-trace", "-", "-format", "lines", "-capacity", "1,2")
	if got[refOPT][1] != 0 || got[refOPT][2] != 2 || got[refLRU][2] != 2 { // OPT always admits the missed key
		t.Errorf("stdin replay: %v", got)
	}
	stdin = strings.NewReader("1\n2\nx\n")
	code, _, errOut := runCmd("sim", "-trace", "-", "-format", "lirs")
	if code != 1 || !strings.Contains(errOut, "standard input:3:") {
		t.Errorf("malformed stdin: exit status %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCmd("sim", "-trace", "-")
	if code != 2 || !strings.Contains(errOut, "-format is required") {
		t.Errorf("stdin without -format: exit status %d, stderr %q", code, errOut)
	}
}

// With the default -seed, a replay gives the same figures every run, W-TinyLFU
// and several shards included.
func TestSim_DefaultSeedIsRepeatable(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	z := rand.NewZipf(r, 1.05, 1, 20_000)
	keys := make([]uint64, 60_000)
	for i := range keys {
		keys[i] = z.Uint64()
	}
	path := writeLIRS(t, "zipf.trace", keys)
	args := []string{"-trace", path, "-capacity", "2048,4096", "-policy", "wtinylfu", "-shards", "2"}
	first := simCSV(t, args...)
	for range 2 {
		if got := simCSV(t, args...); !reflect.DeepEqual(got, first) {
			t.Fatalf("two replays with the default seed differ:\n%v\n%v", first, got)
		}
	}
}
