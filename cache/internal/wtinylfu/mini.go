package wtinylfu

import "github.com/hotpath/hotpath/cache/internal/sketch"

// mini is a small W-TinyLFU with a fixed window, run over a spatial sample
// of the keys and admitting by the policy's own sketch, so that it costs
// a few map and list operations per sampled request and nothing per key
// outside the sample. The policy runs two kinds: the extremes (see
// Policy.extremes), which keep the initial window and are compared with
// the shadow LRU, and the grid's (see grid), one per window size.
type mini struct {
	capacity  int32
	windowMax int32
	protMax   int32
	index     slotIndex // sampled key hash → slot
	keys      []uint64  // slot → key hash
	prev      []int32   // towards the most recent; -1 at the head
	next      []int32   // towards the least recent; -1 at the tail
	list      []uint8   // slot → inWindow, inProbation or inProtected
	head      [3]int32  // each list's most recently used slot; -1 when empty
	tail      [3]int32  // each list's least recently used slot
	size      [3]int32

	// As the extremes only: the sampled requests on which the shadow LRU
	// and this W-TinyLFU disagreed.
	lruOnly  int // sampled requests LRU hit and this W-TinyLFU missed
	tlfuOnly int // sampled requests this W-TinyLFU hit and LRU missed
	sq       int // the sum of the squared weights of the requests tallied in both

	// For Policy.retractBlindBoost: the last verdict, and
	// shadow.disagreements when it was given.
	last, seen int
}

// newMini returns a mini of the given capacity whose window holds w
// entries, within [1, capacity].
func newMini(capacity, w int32) *mini {
	c := max(capacity, 1)
	w = min(max(w, 1), c)
	m := &mini{
		capacity:  c,
		windowMax: w,
		protMax:   (c - w) * protectedPercent / 100,
	}
	m.index.init(c)
	m.clear()
	return m
}

func (e *mini) clear() {
	e.index.clear()
	e.keys, e.prev, e.next, e.list = e.keys[:0], e.prev[:0], e.next[:0], e.list[:0]
	e.head = [3]int32{-1, -1, -1}
	e.tail = [3]int32{-1, -1, -1}
	e.size = [3]int32{}
	e.lruOnly, e.tlfuOnly, e.sq = 0, 0, 0
	e.last, e.seen = 0, 0
}

// used reports whether any request was observed since New or clear.
func (e *mini) used() bool { return len(e.keys) > 0 }

// observe records a request for the sampled key with hash h, and reports
// whether it was a hit.
func (e *mini) observe(h uint64, sk *sketch.Sketch) (hit bool) {
	slot, hit := e.index.get(h, e.keys)
	if hit {
		switch e.list[slot] {
		case inProbation:
			e.move(slot, inProtected)
			for e.size[inProtected] > e.protMax {
				e.move(e.tail[inProtected], inProbation)
			}
		default:
			e.move(slot, e.list[slot])
		}
		return true
	}
	if int32(len(e.keys)) < e.capacity {
		slot = int32(len(e.keys))
		e.keys = append(e.keys, h)
		e.prev = append(e.prev, -1)
		e.next = append(e.next, -1)
		e.list = append(e.list, inWindow)
	} else {
		slot = e.evict(sk)
		e.index.del(e.keys[slot], e.keys)
		e.keys[slot] = h
	}
	e.index.put(h, slot)
	e.push(slot, inWindow)
	if e.size[inWindow] > e.windowMax {
		e.move(e.tail[inWindow], inProbation)
	}
	return false
}

// tally counts a request, standing for w, that this mini (as the
// extremes) served with hit and the shadow LRU with lruHit.
func (e *mini) tally(hit, lruHit bool, w uint32) {
	if hit != lruHit {
		if lruHit {
			e.lruOnly += int(w)
		} else {
			e.tlfuOnly += int(w)
		}
		e.sq += int(w) * int(w)
	}
}

// evict unlinks and returns the slot to reuse once the sample is full: of
// the window's oldest entry, which the new key pushes out, and probation's
// oldest, the one the sketch rates no higher than the other (the window's
// on a tie).
func (e *mini) evict(sk *sketch.Sketch) int32 {
	candidate, victim := e.tail[inWindow], e.tail[inProbation]
	out := victim
	switch {
	case victim < 0:
		out = candidate
		if out < 0 {
			out = e.tail[inProtected]
		}
	case candidate >= 0 && sk.Frequency(e.keys[candidate]) <= sk.Frequency(e.keys[victim]):
		out = candidate
	}
	e.unlink(out)
	return out
}

// verdict is the shadow's sign test (see shadow.verdict) between LRU and
// this W-TinyLFU: +1 when LRU did significantly better, -1 when worse.
// disagreements is how many sampled requests it was decided on.
func (e *mini) verdict() (v, disagreements int, decided bool) {
	n := e.lruOnly + e.tlfuOnly
	if v, decided = signTest(&e.lruOnly, &e.tlfuOnly, &e.sq); !decided {
		return 0, 0, false
	}
	return v, n, true
}

func (e *mini) move(slot int32, l uint8) {
	e.unlink(slot)
	e.push(slot, l)
}

func (e *mini) push(slot int32, l uint8) {
	e.list[slot] = l
	e.prev[slot] = -1
	e.next[slot] = e.head[l]
	if e.head[l] >= 0 {
		e.prev[e.head[l]] = slot
	}
	e.head[l] = slot
	if e.tail[l] < 0 {
		e.tail[l] = slot
	}
	e.size[l]++
}

func (e *mini) unlink(slot int32) {
	l := e.list[slot]
	p, n := e.prev[slot], e.next[slot]
	if p >= 0 {
		e.next[p] = n
	} else {
		e.head[l] = n
	}
	if n >= 0 {
		e.prev[n] = p
	} else {
		e.tail[l] = p
	}
	e.size[l]--
}
