package sim

import (
	"fmt"
	"math"
)

// never is the next-use time of a key that is not requested again: later
// than any request.
const never = math.MaxInt32

// Trace is a key sequence prepared for replay: every key mapped to a dense
// id and every request's next use computed, once, so that replays at many
// capacities and by several policies index slices instead of hashing keys.
// A Trace is read-only after NewTrace and safe for concurrent replays.
type Trace struct {
	ids      []int32 // ids[i] is the dense id of request i's key, in order of first request
	next     []int32 // next[i] is the index of the next request for the same key, or never
	distinct int
}

// NewTrace prepares keys for replay in two passes. It panics if keys has
// math.MaxInt32 requests or more.
func NewTrace(keys []uint64) *Trace {
	if len(keys) >= never {
		panic(fmt.Sprintf("sim: %d requests: a Trace holds at most %d", len(keys), never-1))
	}
	ids := make([]int32, len(keys))
	index := make(map[uint64]int32)
	for i, k := range keys {
		id, ok := index[k]
		if !ok {
			id = int32(len(index))
			index[k] = id
		}
		ids[i] = id
	}
	last := make([]int32, len(index))
	for i := range last {
		last[i] = never
	}
	next := make([]int32, len(keys))
	for i := len(ids) - 1; i >= 0; i-- {
		id := ids[i]
		next[i] = last[id]
		last[id] = int32(i)
	}
	return &Trace{ids: ids, next: next, distinct: len(index)}
}

// Len returns the number of requests.
func (t *Trace) Len() int { return len(t.ids) }

// Distinct returns the number of distinct keys.
func (t *Trace) Distinct() int { return t.distinct }

// LRU returns the hits of an exact LRU cache of capacity entries. It
// panics if capacity < 1.
func (t *Trace) LRU(capacity int) int64 {
	c := newLRU(capacity, t.distinct)
	var hits int64
	for _, id := range t.ids {
		if c.access(id) {
			hits++
		}
	}
	return hits
}

// ARC returns the hits of ARC with capacity entries (see [ARCCache]). It
// panics if capacity < 1.
func (t *Trace) ARC(capacity int) int64 {
	a := newARC(capacity, t.distinct)
	var hits int64
	for _, id := range t.ids {
		if a.access(id) {
			hits++
		}
	}
	return hits
}

// LRU replays keys through an exact LRU cache of capacity entries and
// returns the number of hits. It panics if capacity < 1.
func LRU(keys []uint64, capacity int) int64 { return NewTrace(keys).LRU(capacity) }

// ARC replays keys through ARC with capacity entries and returns the
// number of hits. It panics if capacity < 1.
func ARC(keys []uint64, capacity int) int64 { return NewTrace(keys).ARC(capacity) }

// OPT returns the hits of Belady's MIN over keys with capacity entries
// (see [Trace.OPT]). It panics if capacity < 1.
func OPT(keys []uint64, capacity int) int64 { return NewTrace(keys).OPT(capacity) }

// keyIDs maps keys to dense ids as a streaming cache meets them. Ids are
// never freed: a streaming simulator's memory grows with the distinct keys
// it has seen, which is what a simulator can afford.
type keyIDs map[uint64]int32

// id returns key's id and whether it is new.
func (m keyIDs) id(key uint64) (int32, bool) {
	if id, ok := m[key]; ok {
		return id, false
	}
	if len(m) >= never {
		panic(fmt.Sprintf("sim: more than %d distinct keys", never-1))
	}
	id := int32(len(m))
	m[key] = id
	return id, true
}

func checkCapacity(capacity int) {
	if capacity < 1 {
		panic(fmt.Sprintf("sim: capacity must be > 0, got %d", capacity))
	}
}
