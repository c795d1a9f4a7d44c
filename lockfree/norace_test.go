//go:build !race

package lockfree

const raceEnabled = false
