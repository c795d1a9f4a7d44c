package wtinylfu

import "github.com/hotpath/hotpath/cache/internal/sketch"

// extremes is a W-TinyLFU that keeps the initial window, run over the
// shadow LRU's spatial sample of keys and admitting by the policy's own
// sketch. It counts the sampled requests on which it and the shadow LRU
// disagree, so that the two ends the shadow's boosts move the policy
// between are compared with each other. The shadow compares LRU with the
// policy itself, and a boost that grows the window to most of the capacity
// makes the policy an LRU: the shadow then sees no difference, and could
// never take the boost back.
type extremes struct {
	capacity  int32
	windowMax int32
	protMax   int32
	index     map[uint64]int32 // sampled key hash → slot
	keys      []uint64         // slot → key hash
	prev      []int32          // towards the most recent; -1 at the head
	next      []int32          // towards the least recent; -1 at the tail
	list      []uint8          // slot → inWindow, inProbation or inProtected
	head      [3]int32         // each list's most recently used slot; -1 when empty
	tail      [3]int32         // each list's least recently used slot
	size      [3]int32

	lruOnly  int // sampled requests LRU hit and this W-TinyLFU missed
	tlfuOnly int // sampled requests this W-TinyLFU hit and LRU missed
	sq       int // the sum of the squared weights of the requests tallied in both

	// For Policy.retractBlindBoost: the last verdict, and
	// shadow.disagreements when it was given.
	last, seen int
}

// newExtremes returns an extremes of the shadow's capacity.
func newExtremes(s *shadow) *extremes {
	c := s.capacity
	w := max(1, c*initialWindowPercent/100)
	e := &extremes{
		capacity:  c,
		windowMax: w,
		protMax:   (c - w) * protectedPercent / 100,
		index:     map[uint64]int32{}, // grown only while a boost feeds it
	}
	e.clear()
	return e
}

func (e *extremes) clear() {
	clear(e.index)
	e.keys, e.prev, e.next, e.list = e.keys[:0], e.prev[:0], e.next[:0], e.list[:0]
	e.head = [3]int32{-1, -1, -1}
	e.tail = [3]int32{-1, -1, -1}
	e.size = [3]int32{}
	e.lruOnly, e.tlfuOnly, e.sq = 0, 0, 0
	e.last, e.seen = 0, 0
}

// used reports whether any request was observed since New or clear.
func (e *extremes) used() bool { return len(e.keys) > 0 }

// observe records a request, standing for w, for the sampled key with hash
// h, which the shadow LRU hit if lruHit.
func (e *extremes) observe(h uint64, lruHit bool, w uint32, sk *sketch.Sketch) {
	slot, hit := e.index[h]
	switch {
	case lruHit && !hit:
		e.lruOnly += int(w)
		e.sq += int(w) * int(w)
	case hit && !lruHit:
		e.tlfuOnly += int(w)
		e.sq += int(w) * int(w)
	}
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
		return
	}
	if int32(len(e.keys)) < e.capacity {
		slot = int32(len(e.keys))
		e.keys = append(e.keys, h)
		e.prev = append(e.prev, -1)
		e.next = append(e.next, -1)
		e.list = append(e.list, inWindow)
	} else {
		slot = e.evict(sk)
		delete(e.index, e.keys[slot])
		e.keys[slot] = h
	}
	e.index[h] = slot
	e.push(slot, inWindow)
	if e.size[inWindow] > e.windowMax {
		e.move(e.tail[inWindow], inProbation)
	}
}

// evict unlinks and returns the slot to reuse once the sample is full: of
// the window's oldest entry, which the new key pushes out, and probation's
// oldest, the one the sketch rates no higher than the other (the window's
// on a tie).
func (e *extremes) evict(sk *sketch.Sketch) int32 {
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
func (e *extremes) verdict() (v, disagreements int, decided bool) {
	n := e.lruOnly + e.tlfuOnly
	if v, decided = signTest(&e.lruOnly, &e.tlfuOnly, &e.sq); !decided {
		return 0, 0, false
	}
	return v, n, true
}

func (e *extremes) move(slot int32, l uint8) {
	e.unlink(slot)
	e.push(slot, l)
}

func (e *extremes) push(slot int32, l uint8) {
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

func (e *extremes) unlink(slot int32) {
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
