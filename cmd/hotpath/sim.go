package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hotpath/hotpath/cache"
	"github.com/hotpath/hotpath/internal/sim"
	"github.com/hotpath/hotpath/internal/trace"
)

// defaultSimCapacities is -capacity when it is not given: shares of the
// trace's distinct keys from a small cache to a generous one.
const defaultSimCapacities = "0.5%,1%,2%,5%,10%,20%"

// simConfig is the sim command's flags.
type simConfig struct {
	trace      string
	format     trace.Format
	capacities []capacity
	policies   []cache.Policy
	shards     int
	seed       uint64
	out        string
	chart      string
}

// capacity is one -capacity item: a number of entries, or a share of the
// trace's distinct keys.
type capacity struct {
	entries int     // > 0 unless share is set
	share   float64 // fraction of the distinct keys, > 0, or 0
}

func runSim(args []string, stdout, stderr io.Writer) int {
	const name = "hotpath sim"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg                          simConfig
		format, capacities, policies string
	)
	fs.StringVar(&cfg.trace, "trace", "", "the trace file to replay (required), gzip-compressed or plain; - reads\nstandard input (then -format is required)\n(example: -trace ../shared/traces/arc/OLTP.lis.gz)")
	fs.StringVar(&format, "format", "", "the trace's format: "+formatNames()+";\n"+
		"csv:N reads the N-th column (from 1), csv:NAME the column with that header;\n"+
		"default: guessed from the file name (.lis arc, .trace lirs, .csv csv,\n.txt/.keys/.log lines, oracleGeneral oracle, …)\n(example: -format lines)")
	fs.StringVar(&capacities, "capacity", defaultSimCapacities, "cache capacities to replay at, comma-separated: entries (1000, 10k, 1.5M) or\nshares of the trace's distinct keys (1%)\n(example: -capacity 1000,5000,10000)")
	fs.StringVar(&policies, "policy", "wtinylfu,lru,lfu", "cache policies to replay, comma-separated: wtinylfu, lru, lfu, or all\n(example: -policy wtinylfu,lru)")
	fs.IntVar(&cfg.shards, "shards", 0, "the cache's Options.Shards: 0 lets cache.New choose from the capacity and\nGOMAXPROCS, as in a service; 1 makes each policy exact over the whole cache\n(example: -shards 1)")
	fs.Uint64Var(&cfg.seed, "seed", defaultSeed, "the caches' Options.HashSeed: with the same seed every figure is the same\nfrom run to run; 0 seeds each cache's hash at random, as in a service\n(example: -seed 0)")
	fs.StringVar(&cfg.out, "out", outTable, "output format: table (aligned text), csv (one record per capacity and\nseries) or json\n(example: -out csv)")
	fs.StringVar(&cfg.chart, "chart", "", "also write an SVG chart of hit ratio against capacity to this file\n(example: -chart oltp.svg)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: hotpath sim -trace FILE [flags]

Replays a trace through hotpath's cache, one goroutine per replay, as a
cache-aside client would (Load; on a miss, Store): cache.New with each
policy at each capacity. Beside the cache it replays exact LRU, ARC and OPT
(Belady's optimum: no policy can beat it, so it is the ceiling) from
internal/sim. Hit ratios count cold misses; every entry has size 1 (the
sizes of an oracleGeneral trace are ignored). Gzip input is detected from
its content; a malformed trace stops the replay with the file, the line or
byte offset, and what was wrong. LRU and LFU with -shards 1 are exact; with
a fixed -seed (the default) every figure is the same from run to run.

Examples:
  hotpath sim -trace OLTP.lis.gz -capacity 1000,5000,10000
  hotpath sim -trace keys.log.gz -format lines -capacity 1%,5%,10% -chart keys.svg
  hotpath sim -trace requests.csv -format csv:user_id -policy wtinylfu,lru -out json
  hotpath sim -trace P3.lis.gz -capacity 10k,100k -policy lru -shards 1 -out csv
  awk '{print $7}' access.log | hotpath sim -trace - -format lines -capacity 1%,10%

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit status: 0 on success, 2 on a usage error, 1 on a trace that cannot be\nread or a chart that cannot be written.\n")
	}
	if status, ok := parseFlags(fs, args, stderr); !ok {
		return status
	}
	var err error
	switch {
	case cfg.trace == "":
		return usageError(stderr, name, "-trace FILE is required")
	case !slices.Contains(outFormats, cfg.out):
		return usageError(stderr, name, "-out must be one of %s, got %q", strings.Join(outFormats, ", "), cfg.out)
	case cfg.shards < 0 || cfg.shards&(cfg.shards-1) != 0:
		return usageError(stderr, name, "-shards must be 0 or a power of two, got %d", cfg.shards)
	}
	if cfg.format, err = trace.ParseFormat(format); err != nil {
		return usageError(stderr, name, "-format: %v", err)
	}
	if cfg.format == "" && cfg.trace == stdinName {
		return usageError(stderr, name, "-format is required to read a trace from standard input")
	}
	if cfg.format == "" {
		if cfg.format, err = trace.GuessFormat(cfg.trace); err != nil {
			// A file that cannot be opened is the problem to report, not
			// its name.
			if _, serr := os.Stat(cfg.trace); serr != nil {
				fmt.Fprintf(stderr, "%s: trace: %v\n", name, serr)
				return 1
			}
			return usageError(stderr, name, "%v; name it with -format", err)
		}
	}
	if cfg.capacities, err = parseCapacities(capacities); err != nil {
		return usageError(stderr, name, "-capacity: %v", err)
	}
	if cfg.policies, err = parsePolicies(policies); err != nil {
		return usageError(stderr, name, "-policy: %v", err)
	}
	return simulateTrace(cfg, stdout, stderr)
}

// simulateTrace reads the trace, replays it and writes the results.
func simulateTrace(cfg simConfig, stdout, stderr io.Writer) int {
	const name = "hotpath sim"
	prog := newProgress(stderr)
	t, err := replayTrace(cfg, prog)
	prog.finish()
	var bad badUsage
	if errors.As(err, &bad) {
		return usageError(stderr, name, "%v", err)
	}
	if err == nil {
		err = writeResults(cfg, t, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitFail
	}
	return exitOK
}

// badUsage is an error in the command line that shows only once the trace
// is read.
type badUsage string

func (e badUsage) Error() string { return string(e) }

// replayTrace reads cfg.trace and replays it at every capacity.
func replayTrace(cfg simConfig, prog *progress) (*hitTable, error) {
	prog.begin("reading "+traceName(cfg.trace), 0)
	keys, err := readKeys(cfg.trace, cfg.format)
	switch {
	case err != nil:
		return nil, err
	case len(keys) == 0:
		return nil, fmt.Errorf("%s has no requests", traceName(cfg.trace))
	case len(keys) >= math.MaxInt32:
		return nil, fmt.Errorf("%s has %d requests; the replay takes fewer than %d", traceName(cfg.trace), len(keys), math.MaxInt32)
	}
	tr := sim.NewTrace(keys)
	capacities := resolveCapacities(cfg.capacities, tr.Distinct())
	if cfg.shards > capacities[0] {
		return nil, badUsage(fmt.Sprintf("-shards %d is more than the smallest capacity, %d", cfg.shards, capacities[0]))
	}
	return simulate(keys, tr, capacities, cfg.policies, cfg.shards, cfg.seed, []string{refLRU, refARC, refOPT}, prog, "replaying "+filepath.Base(traceName(cfg.trace)))
}

// stdinName is the -trace that reads standard input; stdin is what it
// reads (a variable so that tests can feed it).
const stdinName = "-"

var stdin io.Reader = os.Stdin

// traceName is how the outputs name the trace at path.
func traceName(path string) string {
	if path == stdinName {
		return "standard input"
	}
	return path
}

// readKeys reads every key of the trace at path, or of standard input if
// path is stdinName.
func readKeys(path string, f trace.Format) ([]uint64, error) {
	if path != stdinName {
		return trace.ReadKeys(path, f)
	}
	r, err := trace.NewReader(stdin, "standard input", f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.AppendKeys(nil)
}

// writeResults writes the chart, if asked for, then the results to stdout
// in the -out format.
func writeResults(cfg simConfig, t *hitTable, stdout io.Writer) error {
	if cfg.chart != "" {
		title, subtitle := chartTitles(cfg, t)
		if err := writeChartFile(cfg.chart, t, title, subtitle); err != nil {
			return err
		}
	}
	switch cfg.out {
	case outCSV:
		return writeCSV(stdout, traceName(cfg.trace), t)
	case outJSON:
		return writeJSON(stdout, traceName(cfg.trace), string(cfg.format), t)
	}
	fmt.Fprintf(stdout, "Trace %s (%s): %s requests, %s distinct keys\n", traceName(cfg.trace), cfg.format, commas(int64(t.Requests)), commas(int64(t.Distinct)))
	fmt.Fprintf(stdout, "Hit ratio of hotpath's cache (cache.New, shards: %s; Load, then Store on a miss;\ncold misses count) beside exact LRU, ARC and OPT from internal/sim:\n", shardsLabel(cfg.shards))
	return writeTable(stdout, t, true)
}

// writeChartFile writes the chart of t to path.
func writeChartFile(path string, t *hitTable, title, subtitle string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeChart(f, t, title, subtitle); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// chartTitles are the chart's title and subtitle for a replay of cfg.trace.
func chartTitles(cfg simConfig, t *hitTable) (title, subtitle string) {
	title = "Hit ratio on " + strings.TrimSuffix(filepath.Base(traceName(cfg.trace)), ".gz")
	subtitle = fmt.Sprintf("%s requests, %s distinct keys · hotpath cache (shards: %s), Load then Store on a miss",
		commas(int64(t.Requests)), commas(int64(t.Distinct)), shardsLabel(cfg.shards))
	return title, subtitle
}

// parseCapacities parses a -capacity list: entries such as 1000, 10k or
// 1.5M, or shares of the distinct keys such as 1% or 0.5%.
func parseCapacities(s string) ([]capacity, error) {
	var out []capacity
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("empty item in %q", s)
		}
		if num, ok := strings.CutSuffix(item, "%"); ok {
			p, err := strconv.ParseFloat(num, 64)
			if err != nil || !(p > 0) || math.IsInf(p, 0) {
				return nil, fmt.Errorf("%q: a share must be a number > 0 followed by %%", item)
			}
			out = append(out, capacity{share: p / 100})
			continue
		}
		mult, num := 1.0, item
		switch {
		case strings.HasSuffix(num, "k"), strings.HasSuffix(num, "K"):
			mult, num = 1e3, num[:len(num)-1]
		case strings.HasSuffix(num, "M"), strings.HasSuffix(num, "m"):
			mult, num = 1e6, num[:len(num)-1]
		}
		f, err := strconv.ParseFloat(num, 64)
		n := f * mult
		if err != nil || n != math.Trunc(n) || n < 1 || n > math.MaxInt32 {
			return nil, fmt.Errorf("%q: a capacity must be a whole number of entries from 1 to %d (1000, 10k, 1.5M) or a share of the distinct keys (1%%)", item, math.MaxInt32)
		}
		out = append(out, capacity{entries: int(n)})
	}
	return out, nil
}

// resolveCapacities turns shares into entries (at least 1) of distinct
// keys, and returns the capacities sorted, without repeats.
func resolveCapacities(cs []capacity, distinct int) []int {
	out := make([]int, 0, len(cs))
	for _, c := range cs {
		n := c.entries
		if c.share > 0 {
			n = int(min(math.Round(c.share*float64(distinct)), math.MaxInt32))
		}
		out = append(out, max(1, n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// policyNames maps what -policy accepts to the cache's policies.
var policyNames = map[string]cache.Policy{
	"wtinylfu": cache.WTinyLFU, "w-tinylfu": cache.WTinyLFU, "tinylfu": cache.WTinyLFU,
	"lru": cache.LRU, "lfu": cache.LFU,
}

// parsePolicies parses a -policy list, in the order given, without repeats.
func parsePolicies(s string) ([]cache.Policy, error) {
	var out []cache.Policy
	for _, item := range strings.Split(s, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		if item == "all" {
			out = append(out, cache.WTinyLFU, cache.LRU, cache.LFU)
			continue
		}
		p, ok := policyNames[item]
		if !ok {
			return nil, fmt.Errorf("unknown policy %q; want wtinylfu, lru, lfu or all", item)
		}
		out = append(out, p)
	}
	seen := map[cache.Policy]bool{}
	return slices.DeleteFunc(out, func(p cache.Policy) bool {
		dup := seen[p]
		seen[p] = true
		return dup
	}), nil
}

// formatNames lists the trace formats for the help text.
func formatNames() string {
	names := make([]string, 0, len(trace.Formats()))
	for _, f := range trace.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}
