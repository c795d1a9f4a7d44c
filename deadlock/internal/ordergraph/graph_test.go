package ordergraph

import (
	"testing"

	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// reach reports whether to is reachable from from over edges (brute force).
func reach(edges map[[2]int32]bool, from, to int32) bool {
	seen := map[int32]bool{from: true}
	stack := []int32{from}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == to {
			return true
		}
		for e := range edges {
			if e[0] == n && !seen[e[1]] {
				seen[e[1]] = true
				stack = append(stack, e[1])
			}
		}
	}
	return false
}

// TestGraph_ReportsIffNewEdgeClosesCycle drives the Pearce–Kelly graph with
// random edge insertions and node removals and checks every insertion
// against a brute-force cycle finder over all edges inserted so far.
func TestGraph_ReportsIffNewEdgeClosesCycle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var g Graph
		var alive []int32
		edges := map[[2]int32]bool{} // the model: every edge, accepted or rejected
		for range rapid.IntRange(2, 8).Draw(t, "nodes") {
			alive = append(alive, g.NewNode())
		}
		t.Repeat(map[string]func(*rapid.T){
			"node": func(t *rapid.T) {
				alive = append(alive, g.NewNode())
			},
			"remove": func(t *rapid.T) {
				if len(alive) == 0 {
					t.Skip("no nodes")
				}
				i := rapid.IntRange(0, len(alive)-1).Draw(t, "i")
				n := alive[i]
				alive = append(alive[:i], alive[i+1:]...)
				removed := map[[2]int32]bool{}
				g.RemoveNode(n, func(from, to int32) { removed[[2]int32{from, to}] = true })
				for e := range edges {
					if e[0] == n || e[1] == n {
						if !removed[e] {
							t.Fatalf("RemoveNode(%d) did not report edge %v", n, e)
						}
						delete(edges, e)
						delete(removed, e)
					}
				}
				if len(removed) != 0 {
					t.Fatalf("RemoveNode(%d) reported unknown edges %v", n, removed)
				}
				if g.Len() != len(alive) {
					t.Fatalf("Len() = %d, want %d", g.Len(), len(alive))
				}
			},
			"edge": func(t *rapid.T) {
				if len(alive) < 2 {
					t.Skip("too few nodes")
				}
				x := rapid.SampledFrom(alive).Draw(t, "x")
				y := rapid.SampledFrom(alive).Draw(t, "y")
				if x == y || edges[[2]int32{x, y}] {
					t.Skip("self or known edge")
				}
				want := reach(edges, y, x)
				path := g.Insert(x, y)
				edges[[2]int32{x, y}] = true
				if !g.HasEdge(x, y) {
					t.Fatalf("edge %d→%d missing after Insert", x, y)
				}
				if (path != nil) != want {
					t.Fatalf("insert %d→%d: cycle reported %v, brute force says %v", x, y, path != nil, want)
				}
				if path != nil {
					if path[0] != y || path[len(path)-1] != x {
						t.Fatalf("path %v does not run from %d to %d", path, y, x)
					}
					for i := 0; i+1 < len(path); i++ {
						if !edges[[2]int32{path[i], path[i+1]}] {
							t.Fatalf("path %v uses missing edge %d→%d", path, path[i], path[i+1])
						}
					}
				}
			},
			"": func(t *rapid.T) {
				// Invariant: accepted edges respect the ranks.
				for i := range g.nodes {
					n := &g.nodes[i]
					if !n.alive {
						continue
					}
					if n.visited {
						t.Fatalf("node %d left visited", i)
					}
					for w := range n.out {
						if g.nodes[w].rank <= n.rank {
							t.Fatalf("edge %d→%d against the order (%d ≥ %d)", i, w, n.rank, g.nodes[w].rank)
						}
					}
				}
			},
		})
	})
}
