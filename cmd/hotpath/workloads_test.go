package main

import (
	"slices"
	"testing"

	"github.com/hotpath/hotpath/internal/sim"
)

func TestWorkloads_AreDeterministicAndOfTheAskedLength(t *testing.T) {
	cfg := reportConfig{keys: 5000, requests: 30000, skew: 1.1}
	a, b := workloads(cfg), workloads(cfg)
	for i := range a {
		if len(a[i].keys) != cfg.requests {
			t.Errorf("%s: %d requests, want %d", a[i].name, len(a[i].keys), cfg.requests)
		}
		if !slices.Equal(a[i].keys, b[i].keys) {
			t.Errorf("%s differs between two builds", a[i].name)
		}
	}
}

func TestShiftingKeys_EachPhaseHasANewHotKey(t *testing.T) {
	const keys, n = 3000, 40000
	ks := shiftingKeys(keys, n, 1.2, 1)
	var hottest []uint64
	for p := range shiftPhases {
		count := map[uint64]int{}
		for _, k := range ks[p*n/shiftPhases : (p+1)*n/shiftPhases] {
			if k >= keys {
				t.Fatalf("key %d out of the key space", k)
			}
			count[k]++
		}
		var top uint64
		for k, c := range count {
			if c > count[top] {
				top = k
			}
		}
		if slices.Contains(hottest, top) {
			t.Errorf("phase %d's hottest key %d was hot before (%v)", p, top, hottest)
		}
		hottest = append(hottest, top)
	}
}

func TestScanKeys_ScansAreNeverRepeatedKeys(t *testing.T) {
	const keys = 2000
	ks := scanKeys(keys, 50000, 1.1, 1)
	seen := map[uint64]bool{}
	scanned := 0
	for _, k := range ks {
		if k >= keys {
			if seen[k] {
				t.Fatalf("scan key %d requested twice", k)
			}
			seen[k] = true
			scanned++
		}
	}
	if want := 50000 / (zipfPerScan + 1); scanned != want {
		t.Errorf("%d scanned requests, want %d", scanned, want)
	}
}

func TestLoopKeys_LRUHitsNothingUntilTheLoopFits(t *testing.T) {
	ks := loopKeys(100, 1000)
	if h := sim.LRU(ks, 99); h != 0 {
		t.Errorf("LRU of 99 entries hit %d times", h)
	}
	if h := sim.LRU(ks, 100); h != 900 {
		t.Errorf("LRU of 100 entries hit %d times, want 900", h)
	}
}

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 914145: "914,145"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}
