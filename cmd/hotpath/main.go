// Command hotpath measures hotpath's caches on workloads and prints what a
// user needs to choose a policy and a capacity.
//
// Usage:
//
//	hotpath [report] [flags]             built-in report (the default)
//	hotpath sim -trace FILE [flags]      replay a trace file through the cache
//	hotpath help [command]               list the commands, or one's flags
//
// With no arguments it runs the built-in report: the hit ratio of the LRU,
// LFU and W-TinyLFU policies, beside ARC and OPT (Belady's ceiling), on four
// synthetic workloads (Zipf, Zipf with a shifting hot set, scans mixed into
// Zipf, a loop) at four capacities, then the throughput of the cache against
// sync.Map and a map behind a sync.RWMutex. It takes well under a minute.
//
// The sim command replays a trace (ARC, LIRS, raw big-endian integers,
// libCacheSim oracleGeneral, one key per line, or a CSV column; gzip or
// plain) through cache.New at each capacity asked for, and prints the hit
// ratios beside exact LRU, ARC and OPT as a table, CSV or JSON, and
// optionally as an SVG chart.
//
// Exit status: 0 on success, 2 on a usage error, 1 on any other failure
// (an unreadable or malformed trace, a file that cannot be written).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed
	exitUsage = 2 // the command line was wrong
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one of hotpath's subcommands.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"report", "(default) hit ratios of LRU, LFU and W-TinyLFU on built-in synthetic\n" +
			"workloads beside ARC and OPT, and throughput against sync.Map and\n" +
			"a map behind a sync.RWMutex; under a minute", runReport},
		{"sim", "replay a trace file through the cache at several capacities, beside\n" +
			"exact LRU, ARC and OPT; a table, CSV or JSON, and an SVG chart", runSim},
		{"help", "this text; 'hotpath help CMD' shows a command's flags", nil},
	}
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	name := "report"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		usage(stderr) // as flag's -h does
		return exitOK
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		if len(args) == 0 {
			usage(stdout)
			return exitOK
		}
		if c, ok := findCommand(args[0]); ok && c.run != nil {
			return c.run([]string{"-h"}, stdout, stdout)
		}
		fmt.Fprintf(stderr, "hotpath help: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	if c, ok := findCommand(name); ok && c.run != nil {
		return c.run(args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "hotpath: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Usage: hotpath [command] [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, indent(c.summary, "           "))
	}
	fmt.Fprint(w, `
Examples:
  hotpath                                      the built-in report
  hotpath sim -trace OLTP.lis.gz -capacity 1000,5000,10000 -chart oltp.svg
  hotpath help sim                             the sim command's flags

Exit status: 0 on success, 2 on a usage error, 1 on any other failure.
`)
}

// parseFlags parses args into fs, whose Usage must be set. It returns
// ok=false and the exit status when the command should stop: 0 after -h,
// 2 after a bad flag or stray arguments.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (status int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q (run '%s -h' for the flags)\n", fs.Name(), fs.Args(), fs.Name())
		return exitUsage, false
	}
	return exitOK, true
}

// usageError prints a usage error for the command and returns exitUsage.
func usageError(stderr io.Writer, cmd string, format string, args ...any) int {
	fmt.Fprintf(stderr, "%s: %s (run '%s -h' for the flags)\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitUsage
}

// indent puts prefix before every line of s but the first.
func indent(s, prefix string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		if s[i] == '\n' {
			out = append(out, prefix...)
		}
	}
	return string(out)
}
