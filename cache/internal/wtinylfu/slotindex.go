package wtinylfu

import "math/bits"

// slotIndex maps the key hashes of a mini or of the shadow LRU to their
// slots: an open-addressing table of slot numbers with linear probing, at
// most half full, whose keys are the owner's own keys array. Nine grid
// minis look a key up on every request in the grid's sample:
// one-goroutine replays of five traces at 1,000 and 5,000 entries took
// 23 % more CPU time than the hill climber's build with a Go map each
// (map[uint64]int32), and 6 % more with this table (user time, medians of
// eight interleaved runs: 3.07, 3.79 and 3.24 s). The shadow LRU then
// took this table too, and the replays cost what they did before the grid
// (2.64 against 2.66 s, eight more runs of each), and a cache of one
// million entries 86.05 bytes an entry instead of 86.3 (the shadow's map
// of up to 1,024 entries a shard had been larger than its table).
type slotIndex struct {
	table []int32 // slot, or -1 for an empty cell
	shift uint    // 64 - log2(len(table))
}

// init sizes the index for a mini of the given capacity, empty.
func (x *slotIndex) init(capacity int32) {
	n := 1 << bits.Len32(uint32(2*capacity-1)) // a power of two ≥ 2 × capacity
	x.table = make([]int32, n)
	x.shift = uint(64 - bits.Len(uint(n-1)))
	x.clear()
}

func (x *slotIndex) clear() {
	for i := range x.table {
		x.table[i] = -1
	}
}

// home is the cell where a probe for h starts: the top bits of a
// Fibonacci hash, since the sampled keys share their low bits (see
// shadow.observe).
func (x *slotIndex) home(h uint64) int {
	return int((h * 0x9E3779B97F4A7C15) >> x.shift)
}

// get returns the slot whose key is h.
func (x *slotIndex) get(h uint64, keys []uint64) (int32, bool) {
	mask := len(x.table) - 1
	for i := x.home(h); ; i = (i + 1) & mask {
		s := x.table[i]
		if s < 0 {
			return -1, false
		}
		if keys[s] == h {
			return s, true
		}
	}
}

// put records that slot holds key h, which the index does not hold.
func (x *slotIndex) put(h uint64, slot int32) {
	mask := len(x.table) - 1
	i := x.home(h)
	for x.table[i] >= 0 {
		i = (i + 1) & mask
	}
	x.table[i] = slot
}

// del removes key h, which the index holds, shifting back the entries of
// its probe run so that no probe stops short of them (no tombstones).
func (x *slotIndex) del(h uint64, keys []uint64) {
	mask := len(x.table) - 1
	i := x.home(h)
	for keys[x.table[i]] != h {
		i = (i + 1) & mask
	}
	for j := i; ; {
		j = (j + 1) & mask
		s := x.table[j]
		if s < 0 {
			break
		}
		// Move s back to the hole at i unless its home lies cyclically
		// in (i, j]: then it must stay where a probe from home finds it.
		k := x.home(keys[s])
		if (j > i && (k <= i || k > j)) || (j < i && k <= i && k > j) {
			x.table[i] = s
			i = j
		}
	}
	x.table[i] = -1
}
