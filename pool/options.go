package pool

import (
	"fmt"
	"math/bits"
	"runtime"
)

// Options tunes a [Slab] or a [Fixed] pool. The zero value is the default.
type Options struct {
	// Debug records the stack of every Get until the block is returned,
	// for [Slab.Leaks] and [Fixed.Leaks] and for the double-Put message,
	// and poisons each returned block: a Slab block, and a Fixed value of
	// a type without pointers, is filled with [PoisonByte]; a Fixed value
	// of a type with pointers is checksummed after reset. The next Get
	// of a block that was written after its Put panics naming the block and
	// the stack of that Put. Debug mode takes a lock and allocates on every
	// Get and Put; use it in tests and staging.
	Debug bool

	// ExactHighWater keeps one counter of the blocks out, written by
	// every Get and Put, so that [Stats].HighWater is the exact peak
	// rather than a sample. Every Get and Put then also writes a cache
	// line that all goroutines share, which costs little on a few cores
	// and serialises a pool used from many (see the package README for
	// the measured cost). Use it to size a pool; Debug mode implies it.
	ExactHighWater bool

	// Stripes is the number of parts the free map is split into, a
	// power of two, each on cache lines of its own, so that goroutines on
	// different cores rarely touch the same line. 0 chooses from
	// GOMAXPROCS and the number of blocks. A stripe holds at least 32
	// blocks, so a small pool may use fewer stripes than asked for.
	Stripes int
}

const (
	// MaxBlocks is the largest number of blocks a Slab or Fixed can hold.
	// A Get on an exhausted pool reads the whole free map, one word per 32
	// blocks; this bound keeps that under a millisecond.
	MaxBlocks = 1<<24 - 1
	// maxStripes bounds the stripes: beyond this, scanning for a free
	// block on an empty stripe costs more than the contention it saves.
	maxStripes = 64
	// minBlocksPerStripe keeps small pools on few stripes, so a Get rarely
	// has to leave its own stripe.
	minBlocksPerStripe = 8
)

func (o Options) validate(pkgFunc string) error {
	if o.Stripes < 0 || o.Stripes > maxStripes || (o.Stripes != 0 && o.Stripes&(o.Stripes-1) != 0) {
		return fmt.Errorf("pool: %s: Stripes must be 0 or a power of two up to %d, got %d", pkgFunc, maxStripes, o.Stripes)
	}
	return nil
}

// stripesFor picks the stripe count for n blocks.
func (o Options) stripesFor(n int) int {
	if o.Stripes != 0 {
		return o.Stripes
	}
	s := 4 * ceilPow2(runtime.GOMAXPROCS(0))
	if s > maxStripes {
		s = maxStripes
	}
	limit := floorPow2(max(1, n/minBlocksPerStripe))
	return min(s, limit)
}

func ceilPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

func floorPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << (bits.Len(uint(n)) - 1)
}
