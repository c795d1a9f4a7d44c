package wtinylfu

// sampleFactor × capacity requests make one sample of the window's
// selection (see grid), and never fewer than minSample.
const sampleFactor = 10

// minSample is the fewest requests in a sample. Caffeine's hill climber
// samples ten times the capacity, which for a cache of 20 entries is 200
// requests: a hit rate measured over 200 requests has a standard error of
// up to 3.5 points, so the 5-point change that restarts its climb is
// mostly noise there, and the window swung at random. Over 2,000 requests
// the error is at most 1.1 points. Over the 160 reference rows and three
// hash seeds this gained the climber cpp 1.5 to 2.7 points at 20 to 50
// entries, 2_pools 0.9 and 1.0 at 60 and 80, sprite 1.0 at 100, and lost
// no row more than loop at 100 entries, 0.33 (1,000 gained less, 3,000
// and 5,000 lost up to 0.9 on sprite at 200); the grid that replaced the
// climber decides on the same samples.
const minSample = 2000

// sampler counts the policy's requests into samples: the requests since
// the last sample closed.
type sampler struct {
	sampleSize int
	requests   int
}

func (c *sampler) init(capacity int64) {
	*c = sampler{sampleSize: max(minSample, int(sampleFactor*capacity))}
}

// record counts a request that stands for w and reports whether a sample
// is complete.
func (c *sampler) record(w uint32) bool {
	c.requests += int(w)
	return c.requests >= c.sampleSize
}

// reset starts the next sample.
func (c *sampler) reset() { c.requests = 0 }
