package main

import (
	"runtime"
	"sync"

	"github.com/hotpath/hotpath/cache"
	"github.com/hotpath/hotpath/internal/sim"
)

// Kinds of series in a hitTable.
const (
	kindCache     = "cache"     // hotpath's cache, built by cache.New
	kindReference = "reference" // a textbook policy from internal/sim
	kindCeiling   = "ceiling"   // OPT: no policy can do better
)

// The reference series simulate can add beside the cache's policies.
const (
	refLRU = "exact LRU"
	refARC = "ARC"
	refOPT = "OPT"
)

// hitTable is the result of replaying one key sequence at several
// capacities: one series per cache policy or reference, one hit count per
// capacity.
type hitTable struct {
	Requests   int
	Distinct   int // distinct keys in the sequence
	Shards     int // the cache's Options.Shards: 0 means chosen by cache.New
	Capacities []int
	Series     []hitSeries
}

// hitSeries is one policy's hits at each of the table's capacities.
type hitSeries struct {
	Name string  // "WTinyLFU", "LRU", "LFU", or one of the ref names
	Kind string  // kindCache, kindReference or kindCeiling
	Hits []int64 // Hits[i] is the hits at Capacities[i]
}

// ratio returns the hit ratio, in [0, 1], of hits over the table's requests.
func (t *hitTable) ratio(hits int64) float64 {
	if t.Requests == 0 {
		return 0
	}
	return float64(hits) / float64(t.Requests)
}

// simulate replays keys through a cache of each policy (cache.New with
// shards, Load then Store on a miss, one goroutine per replay, so that the
// policy is applied synchronously) and through the named references at
// every capacity. With a seed other than 0 the caches hash keys with it
// (Options.HashSeed), so every figure is the same from run to run; with 0
// each cache seeds its hash at random, as a service's does, and the shard a
// key lands in and W-TinyLFU's frequency sketch vary a little. Independent
// replays run on GOMAXPROCS goroutines; prog shows them as a stage called
// label. The capacities and shards must be valid for cache.New; its error
// is returned otherwise.
func simulate(keys []uint64, tr *sim.Trace, capacities []int, policies []cache.Policy, shards int, seed uint64, refs []string, prog *progress, label string) (*hitTable, error) {
	t := &hitTable{Requests: len(keys), Distinct: tr.Distinct(), Shards: shards, Capacities: capacities}
	var jobs []func() error
	for _, p := range policies {
		s := hitSeries{Name: p.String(), Kind: kindCache, Hits: make([]int64, len(capacities))}
		for i, c := range capacities {
			jobs = append(jobs, func() error {
				h, err := replayCache(keys, cache.Options[uint64, struct{}]{Capacity: c, Policy: p, Shards: shards, HashSeed: seed})
				s.Hits[i] = h
				return err
			})
		}
		t.Series = append(t.Series, s)
	}
	for _, name := range refs {
		s := hitSeries{Name: name, Kind: kindReference, Hits: make([]int64, len(capacities))}
		switch name {
		case refLRU: // every capacity from one pass
			jobs = append(jobs, func() error { copy(s.Hits, tr.LRUHitsAt(capacities)); return nil })
		case refARC, refOPT:
			replay := tr.ARC
			if name == refOPT {
				s.Kind, replay = kindCeiling, tr.OPT
			}
			for i, c := range capacities {
				jobs = append(jobs, func() error { s.Hits[i] = replay(c); return nil })
			}
		default:
			panic("hotpath: unknown reference " + name)
		}
		t.Series = append(t.Series, s)
	}
	prog.begin(label, len(jobs))
	return t, runJobs(jobs, prog)
}

// replayCache runs keys through a new cache as a cache-aside client would
// (Load, then Store on a miss) and returns the hits.
func replayCache(keys []uint64, opts cache.Options[uint64, struct{}]) (int64, error) {
	c, err := cache.New(opts)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var hits int64
	for _, k := range keys {
		if _, ok := c.Load(k); ok {
			hits++
		} else {
			c.Store(k, struct{}{})
		}
	}
	return hits, nil
}

// runJobs runs the jobs on up to GOMAXPROCS goroutines, taking them in
// order, stepping prog after each; it returns the first error, after which
// no further job starts.
func runJobs(jobs []func() error, prog *progress) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex // protects next and firstErr
		next     int
		firstErr error
	)
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next == len(jobs) || firstErr != nil {
					mu.Unlock()
					return
				}
				job := jobs[next]
				next++
				mu.Unlock()
				err := job()
				prog.step()
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// defaultSeed is the caches' HashSeed unless -seed says otherwise: any fixed
// value makes a replay repeatable.
const defaultSeed = 1
