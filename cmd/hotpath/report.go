package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/hotpath/hotpath/cache"
	"github.com/hotpath/hotpath/internal/sim"
)

// reportConfig is the report command's flags.
type reportConfig struct {
	keys       int
	requests   int
	skew       float64
	shards     int
	duration   time.Duration
	goroutines int
}

// defaultReportConfig is sized to finish in well under a minute on two
// cores: 48 cache replays of 500,000 requests and 12 throughput cells.
func defaultReportConfig() reportConfig {
	return reportConfig{
		keys:       100_000,
		requests:   500_000,
		skew:       1.01,
		duration:   300 * time.Millisecond,
		goroutines: runtime.GOMAXPROCS(0),
	}
}

func (c reportConfig) validate() error {
	switch {
	case c.keys < 1000:
		return fmt.Errorf("-keys must be at least 1000, got %d", c.keys)
	case c.requests < 1:
		return fmt.Errorf("-requests must be at least 1, got %d", c.requests)
	case !(c.skew > 1):
		return fmt.Errorf("-skew must be > 1, got %v", c.skew)
	case c.shards < 0 || c.shards&(c.shards-1) != 0:
		return fmt.Errorf("-shards must be 0 or a power of two, got %d", c.shards)
	case c.shards > int(reportCapacities[0]*float64(c.keys)):
		return fmt.Errorf("-shards %d is more than the smallest capacity, %d (0.1 %% of -keys)", c.shards, int(reportCapacities[0]*float64(c.keys)))
	case c.duration <= 0:
		return fmt.Errorf("-duration must be > 0, got %v", c.duration)
	case c.goroutines < 1:
		return fmt.Errorf("-goroutines must be at least 1, got %d", c.goroutines)
	}
	return nil
}

func runReport(args []string, stdout, stderr io.Writer) int {
	const name = "hotpath report"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := defaultReportConfig()
	fs.IntVar(&cfg.keys, "keys", cfg.keys, "size of the workloads' key space; the capacities are 0.1, 1, 5 and 10 % of it\n(example: -keys 1000000)")
	fs.IntVar(&cfg.requests, "requests", cfg.requests, "requests in each workload\n(example: -requests 2000000)")
	fs.Float64Var(&cfg.skew, "skew", cfg.skew, "Zipf exponent s, > 1; higher is more skewed\n(example: -skew 1.2)")
	fs.IntVar(&cfg.shards, "shards", cfg.shards, "the cache's Options.Shards: 0 lets cache.New choose from the capacity and\nGOMAXPROCS, 1 makes each policy exact over the whole cache\n(example: -shards 1)")
	fs.DurationVar(&cfg.duration, "duration", cfg.duration, "how long each throughput cell runs\n(example: -duration 1s)")
	fs.IntVar(&cfg.goroutines, "goroutines", cfg.goroutines, "goroutines in the throughput runs (GOMAXPROCS unless set)\n(example: -goroutines 8)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: hotpath [report] [flags]

The built-in report. It replays four synthetic workloads through hotpath's
cache (cache.New; Load, then Store on a miss; one goroutine per replay) with
each policy, LRU, LFU and W-TinyLFU, at four capacities, beside ARC and OPT
(Belady's optimum, the ceiling) from internal/sim:

  zipf      keys drawn from a Zipf distribution
  shifting  the same, but the hot set moves to other keys three times
  scan      Zipf with scans of never-seen keys mixed in (a quarter of all
            requests): a policy that lets a scan flush the hot keys loses
  loop      the same keys in the same order, over and over: LRU hits
            nothing until the whole loop fits

Then it measures throughput of the cache against sync.Map and a map behind a
sync.RWMutex at 100, 75, 50 and 0 % reads. Hit ratios count cold misses.
A progress line is drawn on stderr when it is a terminal.

Examples:
  hotpath
  hotpath report -keys 1000000 -requests 2000000 -skew 1.1 -shards 1

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit status: 0 on success, 2 on a usage error, 1 on any other failure.\n")
	}
	if status, ok := parseFlags(fs, args, stderr); !ok {
		return status
	}
	if err := cfg.validate(); err != nil {
		return usageError(stderr, name, "%v", err)
	}
	prog := newProgress(stderr)
	defer prog.finish()
	if err := report(cfg, stdout, prog); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitFail
	}
	return exitOK
}

// reportPolicies are the cache policies the report compares.
var reportPolicies = []cache.Policy{cache.LRU, cache.LFU, cache.WTinyLFU}

// report prints a hit-ratio table per workload, then the throughput table.
func report(cfg reportConfig, w io.Writer, prog *progress) error {
	capacities := make([]int, len(reportCapacities))
	for i, f := range reportCapacities {
		capacities[i] = max(1, int(f*float64(cfg.keys)))
	}
	fmt.Fprintf(w, "Hit ratio of hotpath's cache (cache.New, shards: %s; Load, then Store on a miss;\n"+
		"cold misses count) beside ARC and OPT, on %s requests of each workload:\n",
		shardsLabel(cfg.shards), commas(int64(cfg.requests)))
	for _, wl := range workloads(cfg) {
		tr := sim.NewTrace(wl.keys)
		t, err := simulate(wl.keys, tr, capacities, reportPolicies, cfg.shards, defaultSeed, []string{refARC, refOPT}, prog, wl.name)
		if err != nil {
			return err
		}
		prog.finish()
		fmt.Fprintf(w, "\n%s: %s (%s distinct keys)\n", wl.name, wl.desc, commas(int64(tr.Distinct())))
		if err := writeTable(w, t, false); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	return throughputTable(w, cfg, prog)
}
