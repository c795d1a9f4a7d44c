package main

import (
	"io"
	"os"
	"strings"
)

// The sim command replays a trace (here a loop over 4 keys, piped in on
// standard input) through the cache at each capacity, beside exact LRU, ARC
// and OPT. A loop is LRU's worst case: it hits nothing until the whole loop
// fits, where OPT keeps part of it.
func Example_sim() {
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader(strings.Repeat("a\nb\nc\nd\n", 25))
	run([]string{"sim", "-trace", "-", "-format", "lines", "-capacity", "2,3,4", "-policy", "lru,lfu", "-shards", "1"}, os.Stdout, os.Stderr)
	// Output:
	// Trace standard input (lines): 100 requests, 4 distinct keys
	// Hit ratio of hotpath's cache (cache.New, shards: 1; Load, then Store on a miss;
	// cold misses count) beside exact LRU, ARC and OPT from internal/sim:
	//   capacity  of keys      LRU      LFU  exact LRU      ARC  OPT (ceiling)
	//          2     50 %   0.00 %   0.00 %     0.00 %   0.00 %        32.00 %
	//          3     75 %   0.00 %   0.00 %     0.00 %   0.00 %        64.00 %
	//          4    100 %  96.00 %  96.00 %    96.00 %  96.00 %        96.00 %
}

// -out csv gives one record per capacity and series, for a spreadsheet or a
// plotting tool.
func Example_simCSV() {
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader("1\n2\n3\n1\n2\n3\n")
	run([]string{"sim", "-trace", "-", "-format", "lirs", "-capacity", "2", "-policy", "lru", "-shards", "1", "-out", "csv"}, os.Stdout, os.Stderr)
	// Output:
	// trace,capacity,series,kind,shards,requests,hits,hit_ratio
	// standard input,2,LRU,cache,1,6,0,0.000000
	// standard input,2,exact LRU,reference,,6,0,0.000000
	// standard input,2,ARC,reference,,6,0,0.000000
	// standard input,2,OPT,ceiling,,6,2,0.333333
}
