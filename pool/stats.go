package pool

import "time"

// Stats is a snapshot of a [Slab] or [Fixed] pool's counters. Under
// concurrent use its fields are read one after another, not at one instant.
type Stats struct {
	Capacity int // blocks in the pool
	InUse    int // blocks handed out and not yet returned
	// HighWater is the largest InUse seen. With [Options].ExactHighWater
	// or Debug it is exact: a counter of the blocks out, shared by every
	// Get and Put, keeps it. Otherwise, so that Get and Put share no
	// counter, it is sampled: when a Get takes a 32-block word of the
	// free map to a new peak (in pools of up to 65,536 blocks), when the
	// pool runs dry, and at every Stats call. Sampled, it is exact for
	// pools of up to 32 blocks and whenever the pool ran dry, and
	// otherwise a lower bound of the true peak.
	HighWater int
	Gets      uint64        // blocks handed out by Get and Acquire
	Puts      uint64        // blocks returned
	EmptyGets uint64        // Get calls that found every block out
	Waits     uint64        // Acquire calls that had to park
	WaitTime  time.Duration // total time Acquire calls spent parked
}
