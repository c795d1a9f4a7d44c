package sim

// OPT returns the hits of Belady's MIN with capacity entries: on a miss
// with the cache full it evicts the cached key whose next request is
// farthest away (a key never requested again first), and the missed key is
// always admitted, as in reference_hit_ratios.tsv. A max-heap on next-use
// time holds the cached keys, so a request costs O(log capacity). It panics
// if capacity < 1.
func (t *Trace) OPT(capacity int) int64 {
	checkCapacity(capacity)
	if capacity >= t.distinct {
		return int64(len(t.ids) - t.distinct) // nothing is ever evicted
	}
	h := optHeap{
		ids: make([]int32, 0, capacity),
		pos: make([]int32, t.distinct),
		due: make([]int32, t.distinct),
	}
	for i := range h.pos {
		h.pos[i] = -1
	}
	var hits int64
	for i, id := range t.ids {
		h.due[id] = t.next[i]
		if p := h.pos[id]; p >= 0 {
			// A hit. The key was due now, the earliest of all cached
			// keys; its next use is later, so it rises in the max-heap.
			hits++
			h.up(int(p))
			continue
		}
		if len(h.ids) < capacity {
			h.ids = append(h.ids, id)
			h.pos[id] = int32(len(h.ids) - 1)
			h.up(len(h.ids) - 1)
			continue
		}
		// Full: the root is due farthest away; the new key takes its
		// place and sinks to where its own next use puts it.
		h.pos[h.ids[0]] = -1
		h.ids[0] = id
		h.pos[id] = 0
		h.down(0)
	}
	return hits
}

// optHeap is a binary max-heap of key ids ordered by due, with each id's
// position kept in pos so that a hit finds its key.
type optHeap struct {
	ids []int32 // the heap
	pos []int32 // pos[id] is id's index in ids, or -1 when not cached
	due []int32 // due[id] is the time of id's next request
}

func (h *optHeap) swap(i, j int) {
	h.ids[i], h.ids[j] = h.ids[j], h.ids[i]
	h.pos[h.ids[i]] = int32(i)
	h.pos[h.ids[j]] = int32(j)
}

func (h *optHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if h.due[h.ids[parent]] >= h.due[h.ids[i]] {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h *optHeap) down(i int) {
	n := len(h.ids)
	for {
		largest := i
		if l := 2*i + 1; l < n && h.due[h.ids[l]] > h.due[h.ids[largest]] {
			largest = l
		}
		if r := 2*i + 2; r < n && h.due[h.ids[r]] > h.due[h.ids[largest]] {
			largest = r
		}
		if largest == i {
			return
		}
		h.swap(i, largest)
		i = largest
	}
}
