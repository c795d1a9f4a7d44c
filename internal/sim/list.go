package sim

// lists threads the nodes of one pool on a few doubly linked recency lists
// by index, so a policy costs no allocation per request and no pointers for
// the GC to scan. The first nLists nodes are the lists' sentinels; node
// nLists+id stands for key id. A node is on at most one list; list[n] says
// which, or -1 when the key is on none (not cached, no ghost).
type lists struct {
	prev, next []int32
	list       []int8
	size       []int // size[l] counts the nodes on list l
}

// newLists returns nLists empty lists with nodes for ids 0..ids-1.
func newLists(nLists, ids int) lists {
	l := lists{size: make([]int, nLists)}
	l.prev = make([]int32, nLists, nLists+ids)
	l.next = make([]int32, nLists, nLists+ids)
	l.list = make([]int8, nLists, nLists+ids)
	for s := range nLists {
		l.prev[s], l.next[s], l.list[s] = int32(s), int32(s), int8(s)
	}
	l.grow(nLists + ids)
	return l
}

// grow adds nodes, on no list, until there are n.
func (l *lists) grow(n int) {
	for len(l.list) < n {
		l.prev = append(l.prev, -1)
		l.next = append(l.next, -1)
		l.list = append(l.list, -1)
	}
}

// pushFront links node n at the most-recently-used end of list s.
func (l *lists) pushFront(s int, n int32) {
	head := int32(s)
	first := l.next[head]
	l.prev[n], l.next[n] = head, first
	l.prev[first] = n
	l.next[head] = n
	l.list[n] = int8(s)
	l.size[s]++
}

// unlink takes node n off its list.
func (l *lists) unlink(n int32) {
	pr, nx := l.prev[n], l.next[n]
	l.next[pr], l.prev[nx] = nx, pr
	l.size[l.list[n]]--
	l.list[n] = -1
}

// back returns the least-recently-used node of list s, which must not be
// empty.
func (l *lists) back(s int) int32 { return l.prev[s] }

// moveToFront moves node n to the most-recently-used end of list s.
func (l *lists) moveToFront(s int, n int32) {
	l.unlink(n)
	l.pushFront(s, n)
}
