package wtinylfu

import "math"

// The hill climber's constants, from Caffeine's BoundedLocalCache.
const (
	// stepPercent is the first step, and the step after a restart, as a
	// fraction of capacity.
	stepPercent = 0.0625
	// stepDecay shrinks the step after each sample that changed the hit
	// rate by less than restartThreshold.
	stepDecay = 0.98
	// restartThreshold is the hit-rate change that restarts climbing with a
	// full step (the workload changed).
	restartThreshold = 0.05
)

// sampleFactor × capacity requests make one sample, and never fewer than
// minSample.
var sampleFactor = 10.0

// minSample is the fewest requests in a sample. Caffeine samples ten times
// the capacity, which for a cache of 20 entries is 200 requests: a hit
// rate measured over 200 requests has a standard error of up to 3.5
// points, so the 5-point change that restarts the climb (restartThreshold)
// is mostly noise there, and the window swung at random. Over 2,000
// requests the error is at most 1.1 points. Over the 160 reference rows
// and three hash seeds this gained cpp 1.5 to 2.7 points at 20 to 50
// entries, 2_pools 0.9 and 1.0 at 60 and 80, sprite 1.0 at 100, and lost
// no row more than loop at 100 entries, 0.33; with eight seeds over the
// lirs and web07 rows no row lost more than 0.3 (1,000 gained less, 3,000
// and 5,000 lost up to 0.9 on sprite at 200).
const minSample = 2000

// climber adapts the window size by hill climbing on the hit rate: it keeps
// moving the window in one direction while the hit rate improves and turns
// round when it worsens, with steps that decay until the workload shifts.
type climber struct {
	capacity   int64
	sampleSize int
	hits       int
	misses     int
	prevRate   float64
	step       float64
}

func (c *climber) init(capacity int64) {
	*c = climber{
		capacity:   capacity,
		sampleSize: max(minSample, int(sampleFactor*float64(capacity))),
		step:       -stepPercent * float64(capacity),
	}
}

// record counts w hits or misses and reports whether a sample is
// complete.
func (c *climber) record(hit bool, w uint32) bool {
	if hit {
		c.hits += int(w)
	} else {
		c.misses += int(w)
	}
	return c.hits+c.misses >= c.sampleSize
}

// adjust closes the sample and returns the change to the window's size.
func (c *climber) adjust() int64 {
	total := c.hits + c.misses
	rate := float64(c.hits) / float64(total)
	change := rate - c.prevRate
	amount := c.step
	if change < 0 {
		amount = -c.step
	}
	if math.Abs(change) >= restartThreshold {
		c.step = math.Copysign(stepPercent*float64(c.capacity), amount)
	} else {
		c.step = stepDecay * amount
	}
	c.prevRate = rate
	c.hits, c.misses = 0, 0
	return int64(amount)
}
