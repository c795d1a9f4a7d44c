package wtinylfu

import (
	"math"

	"github.com/hotpath/hotpath/cache/internal/sketch"
)

// gridWindows are the window sizes, as fractions of the capacity, that the
// grid's minis run: fine steps at the small end, where frequency-biased
// workloads settle, and the whole range up to an LRU with a sliver of
// main area. Over the 160 reference rows and three hash seeds, nine sizes
// left 5 rows more than a point below the better peer, six (1, 10, 25,
// 50, 75, 99 %) 8 and five (1, 10, 30, 60, 99 %) 7, at the same mean.
//
// The smallest is 0.5 %, not the initial 1 %. A mini of about 128 entries
// gives both a window of one entry, so it ranks them alike; in the cache a
// smaller window pays on loops. A loop's keys cycle through the window,
// which misses once a pass for each of its entries, and each halving of
// the sketch leaves the keys read just before it a count above the rest,
// so that where the two groups meet, window entries displace the main
// area's entries that are read next. On loop at 1,010 entries (1,011
// keys) a pass missed 22 to 26 times with the 1 % window and 14 to 20 with
// 0.5 % (three hash seeds). Over the 160 rows and three seeds 0.5 % gained
// loop 0.5 to 0.8 at 250, 1,000 and 1,010 entries, 0.009 on average, and
// left 4 rows more than a point below the better peer instead of 5; no
// row lost more than 0.13. 0.2 % gained loop at 1,010 more (1.4) but took
// multi1 at 600 below that line, and 0.1 % lost loop at 750 0.7.
var gridWindows = [...]float64{0.005, 0.05, 0.10, 0.20, 0.35, 0.50, 0.65, 0.80, 0.99}

const (
	// gridTarget is the number of entries a grid mini aims for. The
	// minis only rank window sizes, and over the 160 reference rows and
	// three hash seeds 128 entries ranked them as well as 1,024 did (mean
	// gap to the better peer +0.802 against +0.823 points, the same five
	// rows more than a point below it), at an eighth of the memory.
	gridTarget = 128
	// gridDecay is the weight a sample's scores keep in the next: a
	// mini's score is its hits of the last sample plus gridDecay times its
	// score before. 0.5 to 0.875 measured within 0.05 points on the mean;
	// 0 (the last sample alone) and 0.25 lost 0.06 and 0.04.
	gridDecay = 0.75
	// gridMinObserved is the fewest requests, in effect, that a sample
	// must give the grid for it to choose: (Σw)²/Σw² over the requests it
	// saw, w the number each stands for. A sample with fewer is dropped.
	// The grid sees a sample of the keys, at least one key in 64 of a
	// cache's capacity, so ten capacities' worth of requests give it 640
	// or more when every request counts once, as in every replay, and the
	// rule never applies there. It applies when the shard records one hit
	// in up to 128 under contention, each standing for as many: a sample
	// could then close on a dozen of the grid's requests, and a single hit
	// of weight 128 in one mini decided the window. In a test that reads
	// 410 hot entries of 4,096 at that sampling and then writes 8,192
	// newcomers, 3 runs in 100 chose a window of 35 to 99 % and lost up to
	// nine tenths of the hot entries; dropping such samples, none of 400
	// (TestSampling_HotEntriesSurviveAtTheHighestSkip in the engine).
	// Carrying them into the next sample instead still failed 1 run in
	// 100. One-goroutine replays are unchanged to the hundredth.
	gridMinObserved = 256
)

// grid chooses the window's size by running, over a spatial sample of the
// keys, one small W-TinyLFU per size in gridWindows, each admitting by the
// policy's own sketch, and taking after each sample the size whose mini
// has hit most (its hits decayed over samples; see gridDecay).
//
// It replaced the hill climber (Caffeine's, which otter and theine copy),
// which compares the hit rates of successive samples: on a workload with
// phases that measures the phases, not the window. On P3 at 32,768
// entries the hit rate of successive samples went 7, 20, 24, 17, 23 %, and
// the climber, restarting with a full step at each change, walked the
// window between 3 and 16 % of the capacity, where a window fixed at 1 %
// hit 18.66 % against its 17.11. The minis answer the same requests, so
// the comparison is paired and the phases cancel out; and they compare
// sizes far apart, where the climber only sees its neighbourhood (on P3 at
// 200,000 a window of 35 % hits 55.3 % and one of 50 % 59.4 %). Over the
// 160 reference rows and hash seeds 1 to 3: +0.21 points on average against
// the build with the climber (+0.82 against the better of otter and theine,
// from +0.61), loop at 750 +2.2, ps at 200 +1.3, OLTP at 250, 500 and
// 10,000 +1.1 to +1.5, web07 at 250 to 2,000 +1.0 to +1.2, P3 at 32,768
// +0.7; the largest losses loop at 1,010 (0.7) and multi2 at 1,000 (0.6).
type grid struct {
	mask  uint64  // a key is sampled when its rotated hash & mask == 0
	sumW  float64 // the weights of the requests seen since the last closed sample
	sumW2 float64 // and the sum of their squares
	minis [len(gridWindows)]*mini
	hits  [len(gridWindows)]float64 // this sample's hits of each mini
	score [len(gridWindows)]float64 // each mini's decayed score
}

// newGrid returns a grid for a policy of the given capacity: its sample is
// one key in the smallest power of two that brings a mini down to
// gridTarget entries. It is a subset of the shadow's sample (same rotation,
// a mask with at least as many bits), not that it needs to be.
func newGrid(capacity int64) *grid {
	mask, c := spatialSample(capacity, gridTarget)
	g := &grid{mask: mask}
	for i, f := range gridWindows {
		g.minis[i] = newMini(c, int32(math.Round(f*float64(c))))
	}
	return g
}

// observe feeds a request, standing for w, to every mini if its key is in
// the grid's sample.
func (g *grid) observe(h uint64, w uint32, sk *sketch.Sketch) {
	if !inSample(h, g.mask) {
		return
	}
	g.sumW += float64(w)
	g.sumW2 += float64(w) * float64(w)
	for i, m := range g.minis {
		if m.observe(h, sk) {
			g.hits[i] += float64(w)
		}
	}
}

// closeSample folds the sample's hits into the scores and reports true;
// or, if the sample gave the grid fewer than gridMinObserved requests in
// effect, drops its hits and reports false. Either way it starts the
// next sample.
func (g *grid) closeSample() bool {
	enough := g.sumW2 > 0 && g.sumW*g.sumW >= gridMinObserved*g.sumW2
	g.sumW, g.sumW2 = 0, 0
	for i := range g.minis {
		if enough {
			g.score[i] = gridDecay*g.score[i] + g.hits[i]
		}
		g.hits[i] = 0
	}
	return enough
}

// best returns the window fraction whose score, summed over scores (the
// scores of every shard of a group, or this grid's), is highest; false if
// no mini has hit yet.
func best(scores func(i int) float64) (float64, bool) {
	b, top := 0, scores(0)
	for i := 1; i < len(gridWindows); i++ {
		if s := scores(i); s > top {
			b, top = i, s
		}
	}
	return gridWindows[b], top > 0
}

func (g *grid) clear() {
	g.sumW, g.sumW2 = 0, 0
	for i, m := range g.minis {
		m.clear()
		g.hits[i], g.score[i] = 0, 0
	}
}

// capacity is the minis' capacity (for tests).
func (g *grid) capacity() int32 { return g.minis[0].capacity }
