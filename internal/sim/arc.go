package sim

// The four ARC lists, as in the paper: T1 and T2 hold the cached keys seen
// once and at least twice recently; B1 and B2 are their ghosts (history
// only).
const (
	arcT1 = iota
	arcT2
	arcB1
	arcB2
	arcLists
)

// arc is ARC over dense key ids; node arcLists+id stands for id.
type arc struct {
	c int
	// p is the target size of T1. It is real-valued, as in the paper:
	// the adaptation steps |B2|/|B1| and |B1|/|B2| are not rounded.
	// (Rounding them down changes the hit counts on every shared trace;
	// the real-valued p reproduces arc_hits of reference_hit_ratios.tsv
	// exactly.)
	p float64
	l lists
}

func newARC(capacity, ids int) arc {
	checkCapacity(capacity)
	return arc{c: capacity, l: newLists(arcLists, ids)}
}

// access follows the paper's pseudo-code (Fig. 4), reporting a hit (id in
// T1 or T2).
func (a *arc) access(id int32) bool {
	l := &a.l
	n := id + arcLists
	switch l.list[n] {
	case arcT1, arcT2: // Case I: a hit.
		l.moveToFront(arcT2, n)
		return true
	case arcB1: // Case II: a ghost hit in B1 favours recency.
		delta := 1.0
		if b1, b2 := l.size[arcB1], l.size[arcB2]; b1 < b2 {
			delta = float64(b2) / float64(b1)
		}
		a.p = min(a.p+delta, float64(a.c))
		a.replace(false)
		l.moveToFront(arcT2, n)
		return false
	case arcB2: // Case III: a ghost hit in B2 favours frequency.
		delta := 1.0
		if b1, b2 := l.size[arcB1], l.size[arcB2]; b2 < b1 {
			delta = float64(b1) / float64(b2)
		}
		a.p = max(a.p-delta, 0)
		a.replace(true)
		l.moveToFront(arcT2, n)
		return false
	}
	// Case IV: id is in no list.
	t1, b1 := l.size[arcT1], l.size[arcB1]
	if t1+b1 == a.c { // Case A: L1 = T1 ∪ B1 holds c keys.
		if t1 < a.c {
			l.unlink(l.back(arcB1))
			a.replace(false)
		} else {
			l.unlink(l.back(arcT1))
		}
	} else if total := t1 + b1 + l.size[arcT2] + l.size[arcB2]; total >= a.c { // Case B.
		if total == 2*a.c {
			l.unlink(l.back(arcB2))
		}
		a.replace(false)
	}
	l.pushFront(arcT1, n)
	return false
}

// replace is the paper's REPLACE(x_t, p): it demotes the least recently
// used key of T1 to B1, or that of T2 to B2. inB2 says whether the
// requested key is in B2.
func (a *arc) replace(inB2 bool) {
	l := &a.l
	t1 := float64(l.size[arcT1])
	if t1 >= 1 && ((inB2 && t1 == a.p) || t1 > a.p) {
		l.moveToFront(arcB1, l.back(arcT1))
	} else {
		l.moveToFront(arcB2, l.back(arcT2))
	}
}

// ARCCache is the Adaptive Replacement Cache of N. Megiddo and D. S.
// Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST '03,
// fed one request at a time. It follows the paper's pseudo-code line by
// line, with the target size p of T1 real-valued as in the paper. Its
// memory grows with the distinct keys it has seen, not with its capacity.
type ARCCache struct {
	ids      keyIDs
	a        arc
	hits     int64
	requests int64
}

// NewARC returns an empty ARC cache of capacity entries. It panics if
// capacity < 1.
func NewARC(capacity int) *ARCCache {
	return &ARCCache{ids: make(keyIDs), a: newARC(capacity, 0)}
}

// Access looks key up, reporting a hit (key in T1 or T2); a miss brings
// key into the cache as ARC prescribes.
func (c *ARCCache) Access(key uint64) bool {
	c.requests++
	id, isNew := c.ids.id(key)
	if isNew {
		c.a.l.grow(int(id) + arcLists + 1)
	}
	hit := c.a.access(id)
	if hit {
		c.hits++
	}
	return hit
}

// Contains reports whether key is cached (in T1 or T2), without an access.
func (c *ARCCache) Contains(key uint64) bool {
	id, ok := c.ids[key]
	if !ok {
		return false
	}
	s := c.a.l.list[id+arcLists]
	return s == arcT1 || s == arcT2
}

// Len returns the number of cached keys, |T1| + |T2|.
func (c *ARCCache) Len() int { return c.a.l.size[arcT1] + c.a.l.size[arcT2] }

// Hits returns the hits counted so far.
func (c *ARCCache) Hits() int64 { return c.hits }

// Requests returns the accesses counted so far.
func (c *ARCCache) Requests() int64 { return c.requests }
