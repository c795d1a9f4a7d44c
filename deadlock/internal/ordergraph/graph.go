// Package ordergraph is the lock-order graph of package deadlock: a
// directed graph kept acyclic with a dynamic topological order.
package ordergraph

import "slices"

// Graph is the lock-order graph: a directed graph kept acyclic with a
// dynamic topological order (Pearce and Kelly, "A dynamic topological sort
// algorithm for directed acyclic graphs", 2006), as Abseil's GraphCycles
// does. Adding an edge that respects the order costs O(1); otherwise only
// the nodes whose rank lies between the edge's ends are visited, so the
// search is incremental rather than over the whole graph.
//
// An edge that would close a cycle is not inserted into the ordered graph
// (which must stay acyclic) but kept aside as a rejected edge, so that later
// cycles running through it are still found (see insert).
//
// A Graph is not safe for concurrent use; the detector guards it with its
// mutex. The zero value is an empty graph.
type Graph struct {
	nodes    []gnode
	free     []int32 // indexes of removed nodes, for reuse
	rank     []int32 // free ranks are never reused; ranks only need to be distinct and ordered
	nextRank int32
	rejected map[[2]int32]struct{} // edges that closed a cycle when added
	nrej     int

	// scratch for searches
	deltaf, deltab []int32
	stack          []int32
}

type gnode struct {
	alive   bool
	visited bool
	rank    int32
	out, in set   // accepted edges
	rout    set   // rejected edges leaving this node
	rin     set   // rejected edges entering this node
	parent  int32 // path reconstruction scratch
}

// NewNode adds a node and returns its index.
func (g *Graph) NewNode() int32 {
	var i int32
	if n := len(g.free); n > 0 {
		i = g.free[n-1]
		g.free = g.free[:n-1]
	} else {
		g.nodes = append(g.nodes, gnode{})
		i = int32(len(g.nodes) - 1)
	}
	g.nodes[i] = gnode{alive: true, rank: g.nextRank}
	g.nextRank++
	return i
}

// RemoveNode deletes node i and every edge that touches it. Removing edges
// never invalidates a topological order, so no ranks change.
//
// onEdge, if not nil, is called for every edge removed with it.
func (g *Graph) RemoveNode(i int32, onEdge func(from, to int32)) {
	n := &g.nodes[i]
	if !n.alive {
		return
	}
	if onEdge != nil {
		for j := range n.out {
			onEdge(i, j)
		}
		for j := range n.rout {
			onEdge(i, j)
		}
		for j := range n.in {
			onEdge(j, i)
		}
		for j := range n.rin {
			onEdge(j, i)
		}
	}
	for j := range n.out {
		delete(g.nodes[j].in, i)
	}
	for j := range n.in {
		delete(g.nodes[j].out, i)
	}
	for j := range n.rout {
		delete(g.nodes[j].rin, i)
		delete(g.rejected, [2]int32{i, j})
		g.nrej--
	}
	for j := range n.rin {
		delete(g.nodes[j].rout, i)
		delete(g.rejected, [2]int32{j, i})
		g.nrej--
	}
	*n = gnode{}
	g.free = append(g.free, i)
}

// HasEdge reports whether x→y was added, accepted or rejected.
func (g *Graph) HasEdge(x, y int32) bool {
	if _, ok := g.nodes[x].out[y]; ok {
		return true
	}
	_, ok := g.rejected[[2]int32{x, y}]
	return ok
}

// Insert adds the edge x→y (x ≠ y, not present). If the edge closes a
// cycle it returns the cycle as the path of nodes y … x (the new edge x→y
// closes it); otherwise it returns nil. Either way the edge is recorded.
//
// A cycle is searched first in the ordered graph, where Pearce–Kelly's
// bounded search finds it; if there is none there, the edge is accepted and,
// only when rejected edges exist, a plain search over accepted and rejected
// edges looks for a cycle through an earlier rejected edge. Each edge is
// inserted once, so each edge that closes a cycle is reported once.
func (g *Graph) Insert(x, y int32) []int32 {
	nx, ny := &g.nodes[x], &g.nodes[y]
	if nx.rank > ny.rank {
		// y must move before x, or a path y⇝x exists.
		if g.forward(y, nx.rank) {
			g.clearVisited(g.deltaf)
			path := g.path(y, x, false)
			g.reject(x, y)
			return path
		}
		g.backward(x, ny.rank)
		g.reorder()
	}
	nx.out = nx.out.add(y)
	ny.in = ny.in.add(x)
	if g.nrej > 0 {
		return g.path(y, x, true)
	}
	return nil
}

func (g *Graph) reject(x, y int32) {
	if g.rejected == nil {
		g.rejected = make(map[[2]int32]struct{})
	}
	g.rejected[[2]int32{x, y}] = struct{}{}
	g.nrej++
	g.nodes[x].rout = g.nodes[x].rout.add(y)
	g.nodes[y].rin = g.nodes[y].rin.add(x)
}

// forward visits, from n, the nodes of rank < ub along accepted edges,
// collecting them in deltaf. It reports whether it reached the node of rank
// ub (the edge's tail), that is, a cycle.
func (g *Graph) forward(n int32, ub int32) bool {
	g.deltaf = g.deltaf[:0]
	g.stack = append(g.stack[:0], n)
	for len(g.stack) > 0 {
		n = g.stack[len(g.stack)-1]
		g.stack = g.stack[:len(g.stack)-1]
		nn := &g.nodes[n]
		if nn.visited {
			continue
		}
		nn.visited = true
		g.deltaf = append(g.deltaf, n)
		for w := range nn.out {
			nw := &g.nodes[w]
			if nw.rank == ub {
				return true
			}
			if !nw.visited && nw.rank < ub {
				g.stack = append(g.stack, w)
			}
		}
	}
	return false
}

// backward visits, from n, the nodes of rank > lb along reversed accepted
// edges, collecting them in deltab.
func (g *Graph) backward(n int32, lb int32) {
	g.deltab = g.deltab[:0]
	g.stack = append(g.stack[:0], n)
	for len(g.stack) > 0 {
		n = g.stack[len(g.stack)-1]
		g.stack = g.stack[:len(g.stack)-1]
		nn := &g.nodes[n]
		if nn.visited {
			continue
		}
		nn.visited = true
		g.deltab = append(g.deltab, n)
		for w := range nn.in {
			nw := &g.nodes[w]
			if !nw.visited && nw.rank > lb {
				g.stack = append(g.stack, w)
			}
		}
	}
}

// reorder gives the nodes of deltab, then those of deltaf, the ranks they
// held together, in that order, so every edge again goes from lower to
// higher rank.
func (g *Graph) reorder() {
	byRank := func(a, b int32) int { return int(g.nodes[a].rank) - int(g.nodes[b].rank) }
	slices.SortFunc(g.deltab, byRank)
	slices.SortFunc(g.deltaf, byRank)
	g.rank = g.rank[:0]
	for _, n := range g.deltab {
		g.nodes[n].visited = false
		g.rank = append(g.rank, g.nodes[n].rank)
	}
	for _, n := range g.deltaf {
		g.nodes[n].visited = false
		g.rank = append(g.rank, g.nodes[n].rank)
	}
	slices.Sort(g.rank)
	i := 0
	for _, n := range g.deltab {
		g.nodes[n].rank = g.rank[i]
		i++
	}
	for _, n := range g.deltaf {
		g.nodes[n].rank = g.rank[i]
		i++
	}
}

func (g *Graph) clearVisited(ns []int32) {
	for _, n := range ns {
		g.nodes[n].visited = false
	}
}

// path returns a path from → … → to along accepted edges (and rejected ones
// when withRejected), or nil. It is a plain depth-first search; it runs only
// when a cycle was found or after a rejection, both rare.
func (g *Graph) path(from, to int32, withRejected bool) []int32 {
	var seen []int32
	defer func() { g.clearVisited(seen) }()
	g.stack = append(g.stack[:0], from)
	g.nodes[from].visited = true
	g.nodes[from].parent = -1
	seen = append(seen, from)
	for len(g.stack) > 0 {
		n := g.stack[len(g.stack)-1]
		g.stack = g.stack[:len(g.stack)-1]
		if n == to {
			var p []int32
			for ; n != -1; n = g.nodes[n].parent {
				p = append(p, n)
			}
			slices.Reverse(p)
			return p
		}
		visit := func(w int32) {
			if !g.nodes[w].visited {
				g.nodes[w].visited = true
				g.nodes[w].parent = n
				seen = append(seen, w)
				g.stack = append(g.stack, w)
			}
		}
		for w := range g.nodes[n].out {
			visit(w)
		}
		if withRejected {
			for w := range g.nodes[n].rout {
				visit(w)
			}
		}
	}
	return nil
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.nodes) - len(g.free) }

// set is a set of node indexes. Maps make removing a node O(its degree)
// even when a long-lived lock has edges to millions of short-lived ones.
type set map[int32]struct{}

func (s set) add(v int32) set {
	if s == nil {
		s = make(set)
	}
	s[v] = struct{}{}
	return s
}
