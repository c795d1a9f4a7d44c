package main

import (
	"fmt"
	"math/rand/v2"
)

// The shapes of the built-in workloads, as fractions of the key space.
const (
	// shiftPhases is how many phases the shifting workload has: each maps
	// the Zipf ranks onto keys 1/shiftPhases of the key space further on
	// than the last, so yesterday's hot keys become cold and no phase's hot
	// set is an earlier one's.
	shiftPhases = 4
	// scanFraction is a scan's length as a fraction of the key space, and
	// zipfPerScan how many scan lengths of Zipf requests come between two
	// scans: a quarter of the requests are one-time keys, in scans as long
	// as the report's third capacity, so each one flushes an LRU cache of
	// that size.
	scanFraction = 0.05
	zipfPerScan  = 3
	// loopFraction is the loop workload's length as a fraction of the key
	// space: between the report's third and fourth capacities, so that LRU
	// hits nothing until the whole loop fits.
	loopFraction = 0.08
)

// reportCapacities are the capacities the report replays, as fractions of
// the key space.
var reportCapacities = []float64{0.001, 0.01, 0.05, 0.1}

// workload is a named synthetic key sequence.
type workload struct {
	name string
	desc string
	keys []uint64
}

// workloads builds the report's synthetic workloads, deterministically
// from the configuration.
func workloads(cfg reportConfig) []workload {
	n, k, s := cfg.requests, cfg.keys, cfg.skew
	scan := max(1, int(scanFraction*float64(k)))
	loop := max(2, int(loopFraction*float64(k)))
	return []workload{
		{"zipf", fmt.Sprintf("Zipf s=%.2f over %s keys", s, commas(int64(k))),
			zipfKeys(k, n, s, 1)},
		{"shifting", fmt.Sprintf("Zipf s=%.2f whose hot set moves to other keys %d times", s, shiftPhases-1),
			shiftingKeys(k, n, s, 2)},
		{"scan", fmt.Sprintf("Zipf s=%.2f with a scan of %s new keys after every %s requests", s, commas(int64(scan)), commas(int64(zipfPerScan*scan))),
			scanKeys(k, n, s, 3)},
		{"loop", fmt.Sprintf("a loop over %s keys", commas(int64(loop))),
			loopKeys(loop, n)},
	}
}

// newZipf returns a Zipf generator of exponent s over [0, keys).
func newZipf(keys int, s float64, seed uint64) *rand.Zipf {
	return rand.NewZipf(rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15)), s, 1, uint64(keys-1))
}

// zipfKeys returns n keys drawn from a Zipf distribution over [0, keys):
// key 0 is the most frequent.
func zipfKeys(keys, n int, s float64, seed uint64) []uint64 {
	z := newZipf(keys, s, seed)
	out := make([]uint64, n)
	for i := range out {
		out[i] = z.Uint64()
	}
	return out
}

// shiftingKeys is zipfKeys in shiftPhases equal phases; in phase p, rank r
// is key (r + p·keys/shiftPhases) mod keys, so each phase's hot set is a set
// of keys that were cold before.
func shiftingKeys(keys, n int, s float64, seed uint64) []uint64 {
	z := newZipf(keys, s, seed)
	out := make([]uint64, n)
	for i := range out {
		phase := uint64(i * shiftPhases / n)
		out[i] = (z.Uint64() + phase*uint64(keys/shiftPhases)) % uint64(keys)
	}
	return out
}

// scanKeys alternates zipfPerScan·scan Zipf requests over [0, keys) with a
// scan of scan consecutive keys never requested before (keys, keys+1, …).
func scanKeys(keys, n int, s float64, seed uint64) []uint64 {
	z := newZipf(keys, s, seed)
	scan := max(1, int(scanFraction*float64(keys)))
	out := make([]uint64, 0, n)
	next := uint64(keys) // the next never-seen key
	for len(out) < n {
		for range min(zipfPerScan*scan, n-len(out)) {
			out = append(out, z.Uint64())
		}
		for range min(scan, n-len(out)) {
			out = append(out, next)
			next++
		}
	}
	return out
}

// loopKeys requests 0, 1, …, length-1 over and over, n requests in all.
func loopKeys(length, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i % length)
	}
	return out
}
