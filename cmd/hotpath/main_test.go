package main

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runCmd runs the command line and returns its exit status and outputs.
func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// smallReport is a report small enough for a test.
var smallReport = []string{"-keys", "2000", "-requests", "20000", "-duration", "5ms"}

func TestRun_ReportPrintsAHitRatioTablePerWorkloadAndAThroughputTable(t *testing.T) {
	code, out, errOut := runCmd(append([]string{"report"}, smallReport...)...)
	if code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, errOut)
	}
	for _, want := range []string{
		"zipf:", "shifting:", "scan:", "loop:",
		"capacity", "LRU", "LFU", "WTinyLFU", "ARC", "OPT (ceiling)",
		"Throughput", "hotpath cache (W-TinyLFU)", "sync.Map", "map+RWMutex", "100 % reads", "0 % reads",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// Four workloads × four capacities: rows of five percentages.
	rows := regexp.MustCompile(`(?m)^ +[0-9,]+( +[0-9.]+ %){5}$`).FindAllString(out, -1)
	if len(rows) != 16 {
		t.Errorf("report has %d hit-ratio rows, want 16:\n%s", len(rows), out)
	}
	if errOut != "" {
		t.Errorf("report wrote to stderr, which is not a terminal: %q", errOut)
	}
}

func TestRun_NoCommandRunsTheReportAndOneShardIsExactLRUOnTheLoop(t *testing.T) {
	code, out, errOut := runCmd(append(smallReport, "-shards", "1")...) // no "report" command
	if code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, errOut)
	}
	// The loop over 160 keys: LRU hits nothing at 2, 20 and 100 entries.
	loop := out[strings.Index(out, "loop:"):]
	for _, c := range []string{"2", "20", "100"} {
		if !regexp.MustCompile(`(?m)^ +` + c + ` +0\.00 %`).MatchString(loop) {
			t.Errorf("LRU hits on the loop at %s entries:\n%s", c, loop)
		}
	}
	if !strings.Contains(out, "shards: 1") {
		t.Errorf("report does not name the shard count:\n%s", out)
	}
}

func TestRun_UsageErrorsExitWith2AndSayWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"report", "-keys", "5"}, "-keys must be at least 1000"},
		{[]string{"report", "-requests", "0"}, "-requests must be at least 1"},
		{[]string{"report", "-skew", "1"}, "-skew must be > 1"},
		{[]string{"report", "-shards", "3"}, "-shards must be 0 or a power of two"},
		{[]string{"report", "-shards", "256"}, "more than the smallest capacity"},
		{[]string{"report", "-duration", "0s"}, "-duration must be > 0"},
		{[]string{"report", "-goroutines", "0"}, "-goroutines must be at least 1"},
		{[]string{"report", "-nosuchflag"}, "flag provided but not defined"},
		{[]string{"report", "extra"}, "unexpected arguments"},
		{[]string{"-keys", "x"}, "invalid value"},
	} {
		code, out, errOut := runCmd(tc.args...)
		if code != 2 {
			t.Errorf("run(%q) = %d, want 2", tc.args, code)
		}
		if !strings.Contains(errOut, tc.want) {
			t.Errorf("run(%q) stderr %q does not say %q", tc.args, errOut, tc.want)
		}
		if out != "" {
			t.Errorf("run(%q) wrote to stdout: %q", tc.args, out)
		}
	}
}

func TestRun_HelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCmd("help")
	if code != 0 {
		t.Fatalf("help exit status %d", code)
	}
	if code, _, errOut := runCmd("-h"); code != 0 || errOut != out {
		t.Errorf("hotpath -h = %d, and its text differs from help's:\n%s", code, errOut)
	}
	for _, c := range commands() {
		if !regexp.MustCompile(`(?m)^  ` + c.name + ` `).MatchString(out) {
			t.Errorf("help does not list %q:\n%s", c.name, out)
		}
	}
	if !strings.Contains(out, "Exit status") {
		t.Errorf("help does not give the exit statuses:\n%s", out)
	}
}

// flagDocs splits flag.PrintDefaults output into each flag's name and text.
func flagDocs(usage string) map[string]string {
	docs := map[string]string{}
	var name string
	for _, line := range strings.Split(usage, "\n") {
		if m := regexp.MustCompile(`^  -(\w+)`).FindStringSubmatch(line); m != nil {
			name = m[1]
		}
		if name != "" {
			docs[name] += line + "\n"
		}
	}
	return docs
}

func TestRun_HelpFlagDocumentsEveryFlagWithAnExample(t *testing.T) {
	for _, tc := range []struct {
		cmd   string
		flags []string
	}{
		{"report", []string{"duration", "goroutines", "keys", "requests", "shards", "skew"}},
		{"sim", []string{"capacity", "chart", "format", "out", "policy", "seed", "shards", "trace"}},
	} {
		code, _, usage := runCmd(tc.cmd, "-h")
		if code != 0 {
			t.Errorf("%s -h exit status %d", tc.cmd, code)
		}
		if !strings.Contains(usage, "Usage: hotpath") || !strings.Contains(usage, "Examples:") {
			t.Errorf("%s -h has no usage line or examples:\n%s", tc.cmd, usage)
		}
		docs := flagDocs(usage[strings.Index(usage, "Flags:"):])
		var names []string
		for name, doc := range docs {
			names = append(names, name)
			if !strings.Contains(doc, "(example: -"+name+" ") {
				t.Errorf("%s -h: flag -%s has no example:\n%s", tc.cmd, name, doc)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, tc.flags) {
			t.Errorf("%s -h documents flags %q, want %q", tc.cmd, names, tc.flags)
		}
		// help CMD prints the same text, on stdout.
		code, out, _ := runCmd("help", tc.cmd)
		if code != 0 || out != usage {
			t.Errorf("help %s = %d, and its text differs from -h's", tc.cmd, code)
		}
	}
}
