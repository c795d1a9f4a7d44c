//go:build race

package sim_test

// raceEnabled: the race detector slows these single-threaded replays about
// 13-fold, so the biggest traces are replayed in full only without it.
const raceEnabled = true
