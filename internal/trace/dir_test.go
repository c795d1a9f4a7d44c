package trace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSharedDir_HonoursEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvTraces, dir)
	got, err := SharedDir()
	if err != nil || got != dir {
		t.Fatalf("SharedDir() = %q, %v; want %q", got, err, dir)
	}
	t.Setenv(EnvTraces, filepath.Join(dir, "absent"))
	if _, err := SharedDir(); !errors.Is(err, ErrNoSharedTraces) || !strings.Contains(err.Error(), EnvTraces) {
		t.Fatalf("SharedDir() with a wrong $%s: err = %v", EnvTraces, err)
	}
}

func TestSharedDir_FindsTracesBesideTheModule(t *testing.T) {
	t.Setenv(EnvTraces, "")
	root := t.TempDir()
	module := filepath.Join(root, "hotpath")
	pkg := filepath.Join(module, "benchmarks", "sub")
	traces := filepath.Join(root, "shared", "traces")
	for _, d := range []string{pkg, traces} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(module, "go.mod"), "module github.com/hotpath/hotpath\n\ngo 1.25\n")
	write(filepath.Join(module, "benchmarks", "go.mod"), "module github.com/hotpath/hotpath/benchmarks\n")
	t.Chdir(pkg)
	got, err := SharedDir()
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.EvalSymlinks(traces); mustEval(t, got) != want {
		t.Fatalf("SharedDir() = %q, want %q", got, traces)
	}

	// Without the traces, the error says how to point at them.
	if err := os.RemoveAll(filepath.Join(root, "shared")); err != nil {
		t.Fatal(err)
	}
	_, err = SharedDir()
	if !errors.Is(err, ErrNoSharedTraces) || !strings.Contains(err.Error(), EnvTraces) {
		t.Fatalf("SharedDir() without traces: err = %v", err)
	}

	// Outside the module too.
	t.Chdir(root)
	if _, err := SharedDir(); !errors.Is(err, ErrNoSharedTraces) {
		t.Fatalf("SharedDir() outside the module: err = %v", err)
	}
}

func mustEval(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseReference_RejectsMalformedTables(t *testing.T) {
	header := "file\trequests\tunique_keys\tcache_size\tlru_hits\topt_hits\tarc_hits\n"
	for _, tt := range []struct{ name, text, want string }{
		{"empty", "", "ref.tsv:1: empty table"},
		{"no column", "file\trequests\n", `ref.tsv:1: header has no column "unique_keys"`},
		{"short row", header + "a\t10\t5\n", "ref.tsv:2: 3 fields, want column 4 (cache_size)"},
		{"not a number", header + "a\t10\t5\t2\tx\t3\t3\n", `ref.tsv:2: column lru_hits "x": not a non-negative integer`},
		{"negative", header + "a\t10\t5\t-2\t1\t3\t3\n", `ref.tsv:2: column cache_size "-2"`},
		{"too many hits", header + "a\t10\t5\t2\t1\t6\t3\n", "ref.tsv:2: 6 hits > requests - unique_keys = 5"},
		{"keys over requests", header + "a\t10\t11\t2\t0\t0\t0\n", "ref.tsv:2: unique_keys 11 > requests 10"},
		{"no file", header + "\t10\t5\t2\t1\t3\t3\n", "ref.tsv:2: no file name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseReference(strings.NewReader(tt.text), "ref.tsv")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseReference_ReadsColumnsByName(t *testing.T) {
	text := "arc_hits\tfile\textra\trequests\tunique_keys\tcache_size\tlru_hits\topt_hits\r\n" +
		"7\tx/y.gz\tz\t100\t20\t10\t5\t9\r\n\n"
	rows, err := ParseReference(strings.NewReader(text), "ref.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want := ReferenceRow{File: "x/y.gz", Requests: 100, UniqueKeys: 20, CacheSize: 10, LRUHits: 5, OPTHits: 9, ARCHits: 7}
	if len(rows) != 1 || rows[0] != want {
		t.Fatalf("rows = %+v, want [%+v]", rows, want)
	}
	if got := rows[0].HitRatio(rows[0].OPTHits); got != 0.09 {
		t.Fatalf("HitRatio = %v, want 0.09", got)
	}
}
