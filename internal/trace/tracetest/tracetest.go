// Package tracetest gives tests a way to reach the shared traces that skips
// the test, with a clear message, on a checkout that lacks them.
package tracetest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotpath/hotpath/internal/trace"
)

// SkipMessage is what a test reports when it skips for want of the traces.
const SkipMessage = "../shared/traces not found; set HOTPATH_TRACES to run the trace replays"

// Dir returns the shared traces directory ([trace.SharedDir]). If it is
// absent the test is skipped; if $HOTPATH_TRACES is set but wrong, the test
// fails, since someone asked for the replays.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := trace.SharedDir()
	if err != nil {
		if os.Getenv(trace.EnvTraces) != "" || !errors.Is(err, trace.ErrNoSharedTraces) {
			tb.Fatal(err)
		}
		tb.Skip(SkipMessage)
	}
	return dir
}

// Path returns the path of a file in the shared traces directory, such as
// "arc/OLTP.lis.gz", skipping the test as Dir does.
func Path(tb testing.TB, file string) string {
	tb.Helper()
	return filepath.Join(Dir(tb), filepath.FromSlash(file))
}

// Reference returns the rows of reference_hit_ratios.tsv, skipping the test
// as Dir does.
func Reference(tb testing.TB) []trace.ReferenceRow {
	tb.Helper()
	rows, err := trace.ReadReference(filepath.Join(Dir(tb), trace.ReferenceFile))
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}
