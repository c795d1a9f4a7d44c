package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// The sim command's output formats.
const (
	outTable = "table"
	outCSV   = "csv"
	outJSON  = "json"
)

var outFormats = []string{outTable, outCSV, outJSON}

// columnTitle is a series' table heading: OPT is marked as the ceiling.
func columnTitle(s hitSeries) string {
	if s.Kind == kindCeiling {
		return s.Name + " (ceiling)"
	}
	return s.Name
}

// writeTable prints t as an aligned text table, one row per capacity and one
// column of hit ratios (in %) per series; withShare adds a column giving each
// capacity as a share of the distinct keys.
func writeTable(w io.Writer, t *hitTable, withShare bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "capacity\t")
	if withShare {
		fmt.Fprint(tw, "of keys\t")
	}
	for _, s := range t.Series {
		fmt.Fprintf(tw, "%s\t", columnTitle(s))
	}
	fmt.Fprintln(tw)
	for i, c := range t.Capacities {
		fmt.Fprintf(tw, "%s\t", commas(int64(c)))
		if withShare {
			fmt.Fprintf(tw, "%s %%\t", percent(float64(c)/float64(max(1, t.Distinct))))
		}
		for _, s := range t.Series {
			fmt.Fprintf(tw, "%.2f %%\t", 100*t.ratio(s.Hits[i]))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// percent formats a fraction as a percentage with as few digits as show it.
func percent(f float64) string {
	p := 100 * f
	switch {
	case p >= 10:
		return strconv.FormatFloat(p, 'f', 0, 64)
	case p >= 1:
		return strconv.FormatFloat(p, 'f', 1, 64)
	}
	return strconv.FormatFloat(p, 'f', 2, 64)
}

// csvHeader is the sim command's CSV header: one record per capacity and
// series, ready for a spreadsheet or a plotting tool.
var csvHeader = []string{"trace", "capacity", "series", "kind", "shards", "requests", "hits", "hit_ratio"}

// writeCSV prints t as CSV records with csvHeader's columns.
func writeCSV(w io.Writer, name string, t *hitTable) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for i, c := range t.Capacities {
		for _, s := range t.Series {
			shards := ""
			if s.Kind == kindCache {
				shards = shardsLabel(t.Shards)
			}
			cw.Write([]string{name, strconv.Itoa(c), s.Name, s.Kind, shards,
				strconv.Itoa(t.Requests), strconv.FormatInt(s.Hits[i], 10),
				strconv.FormatFloat(t.ratio(s.Hits[i]), 'f', 6, 64)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// shardsLabel is the shard count as the output shows it.
func shardsLabel(shards int) string {
	if shards == 0 {
		return "default"
	}
	return strconv.Itoa(shards)
}

// jsonReport is the sim command's JSON output.
type jsonReport struct {
	Trace        string       `json:"trace"`
	Format       string       `json:"format"`
	Requests     int          `json:"requests"`
	DistinctKeys int          `json:"distinct_keys"`
	Shards       int          `json:"shards"` // 0: chosen by cache.New
	Results      []jsonResult `json:"results"`
}

// jsonResult is one series at one capacity.
type jsonResult struct {
	Capacity int     `json:"capacity"`
	Series   string  `json:"series"`
	Kind     string  `json:"kind"`
	Hits     int64   `json:"hits"`
	HitRatio float64 `json:"hit_ratio"`
}

// writeJSON prints t as one indented JSON object.
func writeJSON(w io.Writer, name, format string, t *hitTable) error {
	r := jsonReport{Trace: name, Format: format, Requests: t.Requests, DistinctKeys: t.Distinct, Shards: t.Shards}
	for i, c := range t.Capacities {
		for _, s := range t.Series {
			r.Results = append(r.Results, jsonResult{c, s.Name, s.Kind, s.Hits[i], t.ratio(s.Hits[i])})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// commas formats n with thousands separators: 1234567 is "1,234,567".
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
