package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// svgDoc is what the tests read back from a chart.
type svgDoc struct {
	root      string
	title     string
	series    []string // data-series of each series group, in document order
	polylines int
	points    map[string]int // circles per series
	numbers   []float64      // every numeric coordinate
}

// parseSVG decodes a chart with encoding/xml, failing the test if it is not
// well-formed.
func parseSVG(t *testing.T, data []byte) svgDoc {
	t.Helper()
	doc := svgDoc{points: map[string]int{}}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []string
	var current string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, data)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if doc.root == "" {
				doc.root = el.Name.Space + " " + el.Name.Local
			}
			stack = append(stack, el.Name.Local)
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "data-series":
					current = a.Value
					doc.series = append(doc.series, a.Value)
				case "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r":
					f, err := strconv.ParseFloat(a.Value, 64)
					if err != nil {
						t.Errorf("<%s %s=%q>: not a number", el.Name.Local, a.Name.Local, a.Value)
					}
					doc.numbers = append(doc.numbers, f)
				case "points":
					for _, p := range strings.Fields(a.Value) {
						for _, v := range strings.Split(p, ",") {
							f, err := strconv.ParseFloat(v, 64)
							if err != nil {
								t.Errorf("polyline point %q: not a number", p)
							}
							doc.numbers = append(doc.numbers, f)
						}
					}
				}
			}
			switch el.Name.Local {
			case "polyline":
				doc.polylines++
			case "circle":
				if current != "" {
					doc.points[current]++
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if el.Name.Local == "g" {
				current = ""
			}
		case xml.CharData:
			if len(stack) == 2 && stack[1] == "title" {
				doc.title += string(el)
			}
		}
	}
	return doc
}

func TestSim_ChartIsWellFormedSVGWithALinePerPolicyAndOPT(t *testing.T) {
	path := writeLIRS(t, "skewed.trace", testKeys())
	svg := filepath.Join(t.TempDir(), "chart.svg")
	code, _, errOut := runCmd("sim", "-trace", path, "-capacity", "5,20,50,100,200", "-chart", svg)
	if code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, errOut)
	}
	data, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, data)
	if doc.root != "http://www.w3.org/2000/svg svg" {
		t.Errorf("root element %q, want svg in the SVG namespace", doc.root)
	}
	if doc.title != "Hit ratio on skewed.trace" {
		t.Errorf("title %q", doc.title)
	}
	// OPT at the bottom, W-TinyLFU on top; exact LRU left out beside the
	// cache's LRU.
	if want := []string{"OPT", "ARC", "LRU", "LFU", "WTinyLFU"}; !slices.Equal(doc.series, want) {
		t.Errorf("series %q, want %q", doc.series, want)
	}
	if doc.polylines != 5 {
		t.Errorf("%d polylines, want 5", doc.polylines)
	}
	for _, s := range doc.series {
		if doc.points[s] != 5 {
			t.Errorf("series %s has %d points, want 5", s, doc.points[s])
		}
	}
	for _, want := range []string{"hit ratio", "cache capacity (entries, log scale)", "OPT (ceiling)", "ARC (reference)", "W-TinyLFU"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("chart lacks %q", want)
		}
	}
	for _, f := range doc.numbers {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < -1 || f > chartWidth+1 {
			t.Errorf("coordinate %v off the chart", f)
		}
	}
}

func TestChart_DrawsExactLRUWhenTheCacheLRUIsNotReplayed(t *testing.T) {
	path := writeLIRS(t, "skewed.trace", testKeys())
	svg := filepath.Join(t.TempDir(), "chart.svg")
	if code, _, errOut := runCmd("sim", "-trace", path, "-capacity", "10,20", "-policy", "wtinylfu", "-chart", svg); code != 0 {
		t.Fatalf("exit status %d, stderr: %s", code, errOut)
	}
	data, _ := os.ReadFile(svg)
	if doc := parseSVG(t, data); !slices.Equal(doc.series, []string{"OPT", refLRU, "ARC", "WTinyLFU"}) {
		t.Errorf("series %q", doc.series)
	}
}

func TestChart_OneCapacityAndEscapedNamesStayWellFormed(t *testing.T) {
	tab := &hitTable{Requests: 10, Distinct: 5, Capacities: []int{3}, Series: []hitSeries{
		{Name: "A<&>\"'", Kind: kindCache, Hits: []int64{4}},
		{Name: refOPT, Kind: kindCeiling, Hits: []int64{0}},
	}}
	var b bytes.Buffer
	if err := writeChart(&b, tab, "t <&>", "s & s"); err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, b.Bytes())
	if doc.title != "t <&>" || !slices.Equal(doc.series, []string{"OPT", "A<&>\"'"}) {
		t.Errorf("title %q, series %q", doc.title, doc.series)
	}
	for _, f := range doc.numbers {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			t.Errorf("coordinate %v", f)
		}
	}
}

func TestCapacityAxis_LogWhenWideAndUneven(t *testing.T) {
	for _, tc := range []struct {
		caps []int
		log  bool
	}{
		{[]int{250, 500, 1000, 15000}, true},
		{[]int{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000}, false}, // even steps
		{[]int{1000, 2000, 5000}, false},                                  // narrow
		{[]int{7}, true},
	} {
		a := capacityAxis(tc.caps)
		if a.log != tc.log {
			t.Errorf("%v: log %v, want %v", tc.caps, a.log, tc.log)
		}
		for _, c := range tc.caps {
			if p := a.pos(float64(c)); p < plotLeft || p > plotRight {
				t.Errorf("%v: capacity %d at x=%v, outside the plot", tc.caps, c, p)
			}
		}
		ticks := capacityTicks(a, tc.caps)
		if len(ticks) < 2 && len(tc.caps) > 1 {
			t.Errorf("%v: ticks %v", tc.caps, ticks)
		}
		for i, v := range ticks {
			if v < a.lo || v > a.hi || (i > 0 && v <= ticks[i-1]) {
				t.Errorf("%v: ticks %v outside [%v, %v] or out of order", tc.caps, ticks, a.lo, a.hi)
			}
		}
	}
	// Crowded capacities get round ticks instead of their own.
	caps := []int{100, 110, 120, 130, 5000, 100000}
	ticks := capacityTicks(capacityAxis(caps), caps)
	if !slices.Equal(ticks, []float64{100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000}) {
		t.Errorf("round ticks %v", ticks)
	}
}

func TestNiceStepAndCapacityLabel(t *testing.T) {
	for x, want := range map[float64]float64{10: 10, 8: 10, 4: 5, 1: 1, 1.2: 2, 2.2: 2.5, 130: 200, 0: 1} {
		if got := niceStep(x); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", x, got, want)
		}
	}
	for v, want := range map[float64]string{250: "250", 1000: "1k", 1500: "1.5k", 15000: "15k", 1.25e6: "1.25M", 32768: "32.77k"} {
		if got := capacityLabel(v); got != want {
			t.Errorf("capacityLabel(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestChart_LegendSaysWhichLineHidesAnother(t *testing.T) {
	tab := &hitTable{Requests: 100, Distinct: 50, Capacities: []int{10, 20}, Series: []hitSeries{
		{Name: "WTinyLFU", Kind: kindCache, Hits: []int64{30, 60}},
		{Name: "LRU", Kind: kindCache, Hits: []int64{0, 40}},
		{Name: "LFU", Kind: kindCache, Hits: []int64{0, 40}},
		{Name: refARC, Kind: kindReference, Hits: []int64{0, 41}},
		{Name: refOPT, Kind: kindCeiling, Hits: []int64{30, 60}},
	}}
	var b bytes.Buffer
	if err := writeChart(&b, tab, "t", "s"); err != nil {
		t.Fatal(err)
	}
	parseSVG(t, b.Bytes())
	notes := regexp.MustCompile(`hidden under ([^<]+)<`).FindAllStringSubmatch(b.String(), -1)
	var got []string
	for _, n := range notes {
		got = append(got, n[1])
	}
	// Legend order: OPT and W-TinyLFU (60), ARC (41), LRU and LFU (40).
	if want := []string{"W-TinyLFU", "LFU"}; !slices.Equal(got, want) {
		t.Errorf("hidden-under notes %q, want %q (OPT under W-TinyLFU, LRU under LFU)", got, want)
	}
}
