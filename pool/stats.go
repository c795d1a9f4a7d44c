package pool

import "time"

// Stats is a snapshot of a [Slab] or [Fixed] pool's counters. Under
// concurrent use its fields are read one after another, not at one instant.
type Stats struct {
	Capacity int // blocks in the pool
	InUse    int // blocks handed out and not yet returned
	// HighWater is the largest InUse seen. With one stripe
	// ([Options].Stripes = 1) it is exact; with several it is sampled
	// whenever a stripe reaches a new low or the pool runs dry, and at
	// every Stats call, so it is a lower bound of the true peak that is
	// exact whenever the pool ran out of blocks.
	HighWater int
	Gets      uint64        // blocks handed out by Get, TryAcquire and Acquire
	Puts      uint64        // blocks returned
	EmptyGets uint64        // Get calls that found every block out
	Waits     uint64        // Acquire calls that had to park
	WaitTime  time.Duration // total time Acquire calls spent parked
}
