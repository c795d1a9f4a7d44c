//go:build !nodeadlock

package deadlock

// reach reports whether to is reachable from from over edges: the brute
// force cycle finder the schedule tests check the detector against.
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
