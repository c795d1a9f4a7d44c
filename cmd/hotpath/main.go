// Command hotpath measures hotpath's caches on workloads and prints what a
// user needs to choose a policy and a capacity.
//
// Usage:
//
//	hotpath [report] [flags]
//
// With no arguments it runs the built-in report: hit ratio of every cache
// policy against the LRU, ARC and OPT (Belady) references on a synthetic
// Zipf workload at several capacities, then throughput of the cache against
// sync.Map and a map behind a sync.RWMutex at four read/write mixes. It takes
// well under a minute.
//
// Exit status: 0 on success, 2 on a usage error, 1 on any other failure.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "report"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "report":
		return runReport(args, stdout, stderr)
	case "help":
		usage(stderr)
		return 0
	}
	fmt.Fprintf(stderr, "hotpath: unknown command %q\n\n", cmd)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: hotpath [report] [flags]

Commands:
  report   (default) hit ratio of each cache policy and throughput against
           sync.Map and a map behind a sync.RWMutex, on a built-in Zipf workload
  help     this text

Run 'hotpath report -h' for the report's flags.
`)
}

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hotpath report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := defaultReportConfig()
	fs.IntVar(&cfg.keys, "keys", cfg.keys, "distinct keys in the Zipf workload\n(example: -keys 1000000)")
	fs.IntVar(&cfg.requests, "requests", cfg.requests, "requests replayed for the hit-ratio table\n(example: -requests 2000000)")
	fs.Float64Var(&cfg.skew, "skew", cfg.skew, "Zipf exponent s, > 1; higher is more skewed\n(example: -skew 1.2)")
	fs.DurationVar(&cfg.duration, "duration", cfg.duration, "how long each throughput cell runs\n(example: -duration 500ms)")
	fs.IntVar(&cfg.goroutines, "goroutines", cfg.goroutines, "goroutines in the throughput runs\n(example: -goroutines 8)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: hotpath report [flags]\n\nExample: hotpath report -keys 100000 -skew 1.1 -duration 200ms\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hotpath report: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(stderr, "hotpath report: %v\n", err)
		return 2
	}
	if err := report(cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "hotpath: %v\n", err)
		return 1
	}
	return 0
}

type reportConfig struct {
	keys       int
	requests   int
	skew       float64
	duration   time.Duration
	goroutines int
}

func defaultReportConfig() reportConfig {
	return reportConfig{
		keys:       1_000_000,
		requests:   2_000_000,
		skew:       1.01,
		duration:   400 * time.Millisecond,
		goroutines: runtime.GOMAXPROCS(0),
	}
}

func (c reportConfig) validate() error {
	switch {
	case c.keys < 100:
		return fmt.Errorf("-keys must be at least 100, got %d", c.keys)
	case c.requests < 1:
		return fmt.Errorf("-requests must be at least 1, got %d", c.requests)
	case !(c.skew > 1):
		return fmt.Errorf("-skew must be > 1, got %v", c.skew)
	case c.duration <= 0:
		return fmt.Errorf("-duration must be > 0, got %v", c.duration)
	case c.goroutines < 1:
		return fmt.Errorf("-goroutines must be at least 1, got %d", c.goroutines)
	}
	return nil
}
