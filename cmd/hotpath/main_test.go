package main

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun_ReportPrintsHitRatioAndThroughputTables(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"report", "-keys", "2000", "-requests", "20000", "-duration", "5ms"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, errOut.String())
	}
	for _, want := range []string{"Hit ratio", "LRU", "OPT (ceiling)", "Throughput", "hotpath cache (W-TinyLFU)", "WTinyLFU", "LFU", "sync.Map", "map+RWMutex", "100 % reads", "0 % reads"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRun_UsageErrorsExitWith2(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"report", "-keys", "5"}, {"report", "-skew", "1"}, {"report", "-nosuchflag"}, {"report", "extra"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		if errOut.Len() == 0 {
			t.Errorf("run(%q) printed nothing to stderr", args)
		}
	}
}

func TestRun_HelpExitsWith0(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"report", "-h"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 {
			t.Errorf("run(%q) = %d, want 0", args, code)
		}
		if !strings.Contains(errOut.String(), "Usage") {
			t.Errorf("run(%q) printed no usage: %s", args, errOut.String())
		}
	}
}
