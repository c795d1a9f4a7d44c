package sim

// LRUHitsAt returns the hits of an exact LRU cache at each of capacities,
// from one pass over the trace: Mattson's stack algorithm, with each
// request's stack distance (the number of distinct keys requested since
// the last request for the same key, plus one) counted in a Fenwick tree
// over request times, O(log n) a request. A request hits at capacity c
// exactly when its stack distance is at most c. It is an independent check
// of [Trace.LRU] and the fast way to draw an LRU curve. It panics if a
// capacity is < 1.
func (t *Trace) LRUHitsAt(capacities []int) []int64 {
	maxCap := 0
	for _, c := range capacities {
		checkCapacity(c)
		maxCap = max(maxCap, c)
	}
	n := len(t.ids)
	// tree is a Fenwick tree over request times 1..n; time i+1 holds 1
	// while request i is the latest request for its key.
	tree := make([]int32, n+1)
	add := func(i int, d int32) {
		for ; i <= n; i += i & -i {
			tree[i] += d
		}
	}
	prefix := func(i int) int {
		s := 0
		for ; i > 0; i -= i & -i {
			s += int(tree[i])
		}
		return s
	}
	hist := make([]int64, maxCap+1) // hist[d] counts requests at distance d ≤ maxCap
	last := make([]int32, t.distinct)
	live := 0 // keys seen so far: the number of ones in tree
	for i, id := range t.ids {
		if prev := int(last[id]); prev > 0 {
			// Keys whose latest request is after prev, plus the key itself.
			if d := live - prefix(prev) + 1; d <= maxCap {
				hist[d]++
			}
			add(prev, -1)
		} else {
			live++
		}
		add(i+1, 1)
		last[id] = int32(i + 1)
	}
	for d := 1; d <= maxCap; d++ {
		hist[d] += hist[d-1] // now the hits at capacity d
	}
	hits := make([]int64, len(capacities))
	for i, c := range capacities {
		hits[i] = hist[c]
	}
	return hits
}
