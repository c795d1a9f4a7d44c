package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/hotpath/hotpath/cache"
	"github.com/hotpath/hotpath/internal/sim"
)

// report prints the hit-ratio table and the throughput table.
func report(cfg reportConfig, w io.Writer) error {
	keys := zipf(cfg.keys, cfg.requests, cfg.skew, 1)
	fmt.Fprintf(w, "Workload: Zipf s=%.2f over %d keys, %d requests; GOMAXPROCS=%d\n\n",
		cfg.skew, cfg.keys, cfg.requests, runtime.GOMAXPROCS(0))
	if err := hitRatioTable(w, keys, cfg.keys); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return throughputTable(w, cfg)
}

// zipf returns n keys drawn from a Zipf distribution over [0, keys).
func zipf(keys, n int, s float64, seed uint64) []uint64 {
	z := rand.NewZipf(rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15)), s, 1, uint64(keys-1))
	out := make([]uint64, n)
	for i := range out {
		out[i] = z.Uint64()
	}
	return out
}

// policies are the cache policies the hit-ratio table replays. The list
// grows as policies land.
var policies = []cache.Policy{cache.WTinyLFU, cache.LRU, cache.LFU}

func hitRatioTable(w io.Writer, keys []uint64, distinct int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "capacity\t")
	for _, p := range policies {
		fmt.Fprintf(tw, "%v\t%v (default shards)\t", p, p)
	}
	fmt.Fprint(tw, "ARC (reference)\tOPT (ceiling)\t\n")
	tr := sim.NewTrace(keys)
	for _, frac := range []float64{0.001, 0.01, 0.05, 0.1} {
		capacity := max(1, int(frac*float64(distinct)))
		fmt.Fprintf(tw, "%d\t", capacity)
		for _, p := range policies {
			for _, shards := range []int{1, 0} {
				c, err := cache.New(cache.Options[uint64, struct{}]{Capacity: capacity, Policy: p, Shards: shards})
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%.2f %%\t", 100*float64(replay(c, keys))/float64(len(keys)))
				c.Close()
			}
		}
		fmt.Fprintf(tw, "%.2f %%\t%.2f %%\t\n",
			100*float64(tr.ARC(capacity))/float64(len(keys)),
			100*float64(tr.OPT(capacity))/float64(len(keys)))
	}
	fmt.Fprintln(w, "Hit ratio (Load, then Store on a miss; cold misses included):")
	return tw.Flush()
}

// replay runs keys through c as a cache-aside client would and returns the
// hits.
func replay(c *cache.Cache[uint64, struct{}], keys []uint64) int64 {
	var hits int64
	for _, k := range keys {
		if _, ok := c.Load(k); ok {
			hits++
		} else {
			c.Store(k, struct{}{})
		}
	}
	return hits
}

// kv is what the throughput table drives.
type kv struct {
	name  string
	load  func(uint64) bool
	store func(uint64)
}

func throughputImpls(capacity int) []func() kv {
	return []func() kv{
		func() kv {
			c := cache.Must(cache.Options[uint64, uint64]{Capacity: capacity})
			return kv{"hotpath cache (W-TinyLFU)",
				func(k uint64) bool { _, ok := c.Load(k); return ok },
				func(k uint64) { c.Store(k, k) }}
		},
		func() kv {
			var m sync.Map
			return kv{"sync.Map (unbounded)",
				func(k uint64) bool { _, ok := m.Load(k); return ok },
				func(k uint64) { m.Store(k, k) }}
		},
		func() kv {
			var mu sync.RWMutex
			m := make(map[uint64]uint64, capacity)
			return kv{"map+RWMutex (unbounded)",
				func(k uint64) bool { mu.RLock(); _, ok := m[k]; mu.RUnlock(); return ok },
				func(k uint64) { mu.Lock(); m[k] = k; mu.Unlock() }}
		},
	}
}

func throughputTable(w io.Writer, cfg reportConfig) error {
	capacity := max(1, cfg.keys/10)
	stream := zipf(cfg.keys, 1<<20, cfg.skew, 2)
	mixes := []int{100, 75, 50, 0}
	fmt.Fprintf(w, "Throughput, million operations per second (%d goroutines, capacity %d, %v per cell):\n",
		cfg.goroutines, capacity, cfg.duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "implementation\t")
	for _, r := range mixes {
		fmt.Fprintf(tw, "%d %% reads\t", r)
	}
	fmt.Fprintln(tw)
	for _, mk := range throughputImpls(capacity) {
		name := mk().name
		fmt.Fprintf(tw, "%s\t", name)
		for _, reads := range mixes {
			c := mk()
			for _, k := range stream[:capacity] {
				c.store(k)
			}
			fmt.Fprintf(tw, "%.1f\t", measure(c, stream, reads, cfg.goroutines, cfg.duration)/1e6)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// measure runs goroutines that each walk the key stream from their own
// offset, reading reads % of the time and writing otherwise, for d, and
// returns operations per second.
func measure(c kv, stream []uint64, reads, goroutines int, d time.Duration) float64 {
	var (
		stop  atomic.Bool
		total atomic.Int64
		wg    sync.WaitGroup
	)
	runtime.GC()
	start := time.Now()
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := int64(0)
			for i := g * 7919; !stop.Load(); {
				for range 256 {
					k := stream[i&(len(stream)-1)]
					if i%100 < reads {
						c.load(k)
					} else {
						c.store(k)
					}
					i++
				}
				n += 256
			}
			total.Add(n)
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	return float64(total.Load()) / time.Since(start).Seconds()
}
