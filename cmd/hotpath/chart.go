package main

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hotpath/hotpath/cache"
)

// The chart's geometry, in SVG user units (pixels at 100 %): a plot area
// with room on the left for the y tick labels, above for the titles, below
// for the x tick labels and on the right for the legend.
const (
	chartWidth   = 920
	chartHeight  = 540
	plotLeft     = 76
	plotRight    = chartWidth - 220
	plotTop      = 78
	plotBottom   = chartHeight - 66
	legendLeft   = plotRight + 28
	legendRow    = 26
	chartFont    = `system-ui, -apple-system, 'Segoe UI', 'Helvetica Neue', Arial, sans-serif`
	logScaleSpan = 8 // a capacity range at least this wide (max/min) gets a log axis
)

// seriesStyle is how one series is drawn.
type seriesStyle struct {
	color  string
	width  float64
	dash   string // stroke-dasharray; "" for solid
	marker bool
	label  string // the legend's text
}

// styleOf picks the look of a series: the cache's policies solid with
// markers, the references thinner and dashed, OPT a dark dashed ceiling.
func styleOf(s hitSeries) seriesStyle {
	switch s.Kind {
	case kindCeiling:
		return seriesStyle{"#333333", 2, "7 5", false, s.Name + " (ceiling)"}
	case kindReference:
		color := "#8e44ad"
		if s.Name == refLRU {
			color = "#d62728"
		}
		return seriesStyle{color, 1.8, "4 4", false, s.Name + " (reference)"}
	}
	switch s.Name {
	case cache.WTinyLFU.String():
		return seriesStyle{"#1f5fbf", 3, "", true, "W-TinyLFU"}
	case cache.LRU.String():
		return seriesStyle{"#d62728", 2.2, "", true, "LRU"}
	case cache.LFU.String():
		return seriesStyle{"#2a9d3a", 2.2, "", true, "LFU"}
	}
	return seriesStyle{"#e67e22", 2.2, "", true, s.Name}
}

// chartSeries are the series the chart draws, bottom layer first: OPT, the
// references, then the cache's policies (W-TinyLFU on top). Exact LRU is
// left out when the cache's LRU is drawn, as the two coincide but for
// sharding.
func chartSeries(t *hitTable) []hitSeries {
	rank := func(s hitSeries) int {
		switch {
		case s.Kind == kindCeiling:
			return 0
		case s.Kind == kindReference:
			return 1
		case s.Name == cache.WTinyLFU.String():
			return 3
		}
		return 2
	}
	hasLRU := slices.ContainsFunc(t.Series, func(s hitSeries) bool { return s.Kind == kindCache && s.Name == cache.LRU.String() })
	var out []hitSeries
	for _, s := range t.Series {
		if !(hasLRU && s.Kind == kindReference && s.Name == refLRU) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b hitSeries) int { return rank(a) - rank(b) })
	return out
}

// axis maps data values in [lo, hi] onto pixels [p0, p1], linearly or on a
// log scale.
type axis struct {
	lo, hi float64
	log    bool
	p0, p1 float64
}

func (a axis) pos(v float64) float64 {
	f := (v - a.lo) / (a.hi - a.lo)
	if a.log {
		f = math.Log(v/a.lo) / math.Log(a.hi/a.lo)
	}
	return a.p0 + f*(a.p1-a.p0)
}

// capacityAxis spans the capacities (sorted) with a little room at both
// ends, on a log scale when they span a factor of logScaleSpan or more and
// are not evenly spaced (100, 200, 300, … reads best on a linear axis).
func capacityAxis(caps []int) axis {
	lo, hi := float64(caps[0]), float64(caps[len(caps)-1])
	even := true
	for i := 2; i < len(caps) && even; i++ {
		even = caps[i]-caps[i-1] == caps[1]-caps[0]
	}
	a := axis{p0: plotLeft, p1: plotRight}
	switch {
	case lo == hi:
		a.lo, a.hi, a.log = lo/2, hi*2, true
	case hi/lo >= logScaleSpan && !even:
		pad := math.Pow(hi/lo, 0.04)
		a.lo, a.hi, a.log = lo/pad, hi*pad, true
	default:
		pad := (hi - lo) * 0.04
		a.lo, a.hi = math.Max(0, lo-pad), hi+pad
	}
	return a
}

// minTickGap is the least distance, in pixels, between two x tick labels.
const minTickGap = 44

// capacityTicks returns the capacities replayed, when they are few enough
// to be labelled without overlapping, or else round capacities within the
// axis: 1, 2, 5 × 10^k on a log axis (every power of ten alone when there
// would be too many, 1 to 9 × 10^k when too few), multiples of a round step
// on a linear one.
func capacityTicks(a axis, caps []int) []float64 {
	spaced := len(caps) <= 12
	for i := 1; i < len(caps) && spaced; i++ {
		spaced = a.pos(float64(caps[i]))-a.pos(float64(caps[i-1])) >= minTickGap
	}
	if spaced {
		out := make([]float64, len(caps))
		for i, c := range caps {
			out[i] = float64(c)
		}
		return out
	}
	if !a.log {
		step := niceStep((a.hi - a.lo) / 6)
		var out []float64
		for v := math.Ceil(a.lo/step) * step; v <= a.hi; v += step {
			out = append(out, v)
		}
		return out
	}
	within := func(mults []float64) []float64 {
		var out []float64
		for e := math.Floor(math.Log10(a.lo)); e <= math.Ceil(math.Log10(a.hi)); e++ {
			for _, m := range mults {
				if v := m * math.Pow(10, e); v >= a.lo && v <= a.hi && v >= 1 {
					out = append(out, v)
				}
			}
		}
		return out
	}
	ticks := within([]float64{1, 2, 5})
	switch {
	case len(ticks) > 10:
		ticks = within([]float64{1})
	case len(ticks) < 3:
		ticks = within([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9})
	}
	return ticks
}

// niceStep returns the smallest of 1, 2, 2.5, 5 × 10^k that is at least x.
func niceStep(x float64) float64 {
	if !(x > 0) {
		return 1
	}
	base := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*base >= x*(1-1e-9) {
			return m * base
		}
	}
	return 10 * base
}

// capacityLabel writes a capacity compactly: 250, 1k, 1.5k, 20k, 1.2M.
func capacityLabel(v float64) string {
	short := func(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
	switch {
	case v >= 1e6:
		return short(v/1e6) + "M"
	case v >= 1e3:
		return short(v/1e3) + "k"
	}
	return short(v)
}

// chart is a hitTable laid out for drawing.
type chart struct {
	t      *hitTable
	series []hitSeries // drawn in this order, bottom layer first
	x, y   axis
	yStep  float64 // between y ticks, in %
}

// writeChart draws t as an SVG line chart of hit ratio (%) against
// capacity: one line per series, with axes, ticks, grid, a legend ordered
// as the lines end (highest first) and a tooltip on every point.
func writeChart(w io.Writer, t *hitTable, title, subtitle string) error {
	c := chart{t: t, series: chartSeries(t), x: capacityAxis(t.Capacities)}
	top := 0.0
	for _, s := range c.series {
		for _, h := range s.Hits {
			top = math.Max(top, 100*t.ratio(h))
		}
	}
	yTop := math.Min(100, math.Max(10, math.Ceil((top+2)/10)*10))
	c.y = axis{lo: 0, hi: yTop, p0: plotBottom, p1: plotTop}
	c.yStep = niceStep(yTop / 10)

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s">`+"\n",
		chartWidth, chartHeight, chartWidth, chartHeight, esc(chartFont))
	fmt.Fprintf(bw, "<title>%s</title>\n", esc(title))
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartWidth, chartHeight)
	fmt.Fprintf(bw, `<text x="%d" y="34" font-size="21" font-weight="600" fill="#111111">%s</text>`+"\n", plotLeft, esc(title))
	fmt.Fprintf(bw, `<text x="%d" y="57" font-size="13" fill="#555555">%s</text>`+"\n", plotLeft, esc(subtitle))
	c.writeAxes(bw)
	c.writeLines(bw)
	c.writeLegend(bw)
	fmt.Fprint(bw, "</svg>\n")
	return bw.Flush()
}

// writeAxes draws the grid, the axes, their ticks and their titles.
func (c *chart) writeAxes(w io.Writer) {
	xTicks := capacityTicks(c.x, c.t.Capacities)
	fmt.Fprint(w, `<g class="grid" stroke="#e6e6e6" stroke-width="1">`+"\n")
	for v := 0.0; v <= c.y.hi+1e-9; v += c.yStep {
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`+"\n", plotLeft, plotRight, c.y.pos(v), c.y.pos(v))
	}
	for _, v := range xTicks {
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d"/>`+"\n", c.x.pos(v), c.x.pos(v), plotTop, plotBottom)
	}
	fmt.Fprint(w, "</g>\n")
	fmt.Fprint(w, `<g class="y-ticks" font-size="12" fill="#444444" text-anchor="end">`+"\n")
	for v := 0.0; v <= c.y.hi+1e-9; v += c.yStep {
		fmt.Fprintf(w, `<text x="%d" y="%.1f">%s %%</text>`+"\n", plotLeft-8, c.y.pos(v)+4, strconv.FormatFloat(v, 'f', -1, 64))
	}
	fmt.Fprint(w, "</g>\n")
	fmt.Fprint(w, `<g class="x-ticks" font-size="12" fill="#444444" text-anchor="middle">`+"\n")
	for _, v := range xTicks {
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#333333"/>`+"\n", c.x.pos(v), c.x.pos(v), plotBottom, plotBottom+5)
		fmt.Fprintf(w, `<text x="%.1f" y="%d">%s</text>`+"\n", c.x.pos(v), plotBottom+20, capacityLabel(v))
	}
	fmt.Fprint(w, "</g>\n")

	fmt.Fprintf(w, `<path d="M%d %d V%d H%d" fill="none" stroke="#333333" stroke-width="1.2"/>`+"\n", plotLeft, plotTop, plotBottom, plotRight)
	xTitle := "cache capacity (entries)"
	if c.x.log {
		xTitle = "cache capacity (entries, log scale)"
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" font-size="13" fill="#333333" text-anchor="middle">%s</text>`+"\n", (plotLeft+plotRight)/2, plotBottom+46, xTitle)
	fmt.Fprintf(w, `<text transform="translate(20 %d) rotate(-90)" font-size="13" fill="#333333" text-anchor="middle">hit ratio (cold misses count)</text>`+"\n", (plotTop+plotBottom)/2)
}

// writeLines draws each series as a line with a point, and a tooltip, at
// every capacity.
func (c *chart) writeLines(w io.Writer) {
	for _, s := range c.series {
		st := styleOf(s)
		fmt.Fprintf(w, `<g class="series" data-series="%s">`+"\n", esc(s.Name))
		var pts []string
		for i, capacity := range c.t.Capacities {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", c.x.pos(float64(capacity)), c.y.pos(100*c.t.ratio(s.Hits[i]))))
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%g" stroke-linejoin="round" stroke-linecap="round"%s/>`+"\n",
			strings.Join(pts, " "), st.color, st.width, dashAttr(st))
		r, fill := 3.0, "#ffffff"
		if st.marker {
			r, fill = 4.2, st.color
		}
		for i, capacity := range c.t.Capacities {
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="%g" fill="%s" stroke="%s" stroke-width="1.5"><title>%s at %s entries: %.2f %% (%s hits)</title></circle>`+"\n",
				c.x.pos(float64(capacity)), c.y.pos(100*c.t.ratio(s.Hits[i])), r, fill, st.color,
				esc(st.label), commas(int64(capacity)), 100*c.t.ratio(s.Hits[i]), commas(s.Hits[i]))
		}
		fmt.Fprint(w, "</g>\n")
	}
}

// writeLegend lists the series in the order their lines end, highest
// first; a series whose line lies wholly under another's says so.
func (c *chart) writeLegend(w io.Writer) {
	last := len(c.t.Capacities) - 1
	legend := slices.Clone(c.series)
	slices.SortStableFunc(legend, func(a, b hitSeries) int {
		switch {
		case a.Hits[last] > b.Hits[last]:
			return -1
		case a.Hits[last] < b.Hits[last]:
			return 1
		}
		return 0
	})
	fmt.Fprintf(w, `<g class="legend" font-size="13" fill="#222222">`+"\n")
	ly := plotTop + 14
	for _, s := range legend {
		st := styleOf(s)
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="%g" stroke-linecap="round"%s/>`+"\n",
			legendLeft, legendLeft+30, ly, ly, st.color, st.width, dashAttr(st))
		if st.marker {
			fmt.Fprintf(w, `<circle cx="%d" cy="%d" r="4.2" fill="%s"/>`+"\n", legendLeft+15, ly, st.color)
		}
		fmt.Fprintf(w, `<text x="%d" y="%d">%s</text>`+"\n", legendLeft+40, ly+4, esc(st.label))
		if over := c.coveredBy(s); over != "" {
			ly += 15
			fmt.Fprintf(w, `<text x="%d" y="%d" font-size="11" fill="#777777">hidden under %s</text>`+"\n", legendLeft+40, ly+4, esc(over))
		}
		ly += legendRow
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" font-size="11" fill="#777777">ordered by hit ratio at %s</text>`+"\n",
		legendLeft, ly, commas(int64(c.t.Capacities[last])))
	fmt.Fprint(w, "</g>\n")
}

// coveredBy returns the legend label of the topmost series drawn over s
// with the same hits at every capacity, or "" if s shows.
func (c *chart) coveredBy(s hitSeries) string {
	i := slices.IndexFunc(c.series, func(o hitSeries) bool { return o.Name == s.Name && o.Kind == s.Kind })
	for j := len(c.series) - 1; j > i; j-- {
		if slices.Equal(c.series[j].Hits, s.Hits) {
			return styleOf(c.series[j]).label
		}
	}
	return ""
}

// dashAttr is the stroke-dasharray attribute of a dashed style, or "".
func dashAttr(st seriesStyle) string {
	if st.dash == "" {
		return ""
	}
	return fmt.Sprintf(` stroke-dasharray="%s"`, st.dash)
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
