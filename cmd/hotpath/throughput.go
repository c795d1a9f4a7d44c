package main

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// throughputMixes are the read percentages of the throughput table's
// columns.
var throughputMixes = []int{100, 75, 50, 0}

// kv is what the throughput table drives.
type kv struct {
	name  string
	load  func(uint64) bool
	store func(uint64)
}

// throughputImpls returns constructors of the compared implementations.
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

// throughputTable measures every implementation at every mix of
// throughputMixes on a Zipf key stream and prints millions of operations
// per second.
func throughputTable(w io.Writer, cfg reportConfig, prog *progress) error {
	capacity := max(1, cfg.keys/10)
	stream := zipfKeys(cfg.keys, 1<<20, cfg.skew, 4)
	impls := throughputImpls(capacity)
	prog.begin("throughput", len(impls)*len(throughputMixes))
	fmt.Fprintf(w, "Throughput, million operations per second: %d goroutines (GOMAXPROCS=%d), Zipf s=%.2f\nover %s keys, capacity %s (pre-filled), %v per cell:\n",
		cfg.goroutines, runtime.GOMAXPROCS(0), cfg.skew, commas(int64(cfg.keys)), commas(int64(capacity)), cfg.duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "implementation\t")
	for _, r := range throughputMixes {
		fmt.Fprintf(tw, "%d %% reads\t", r)
	}
	fmt.Fprintln(tw)
	for _, mk := range impls {
		fmt.Fprintf(tw, "%s\t", mk().name)
		for _, reads := range throughputMixes {
			c := mk()
			for _, k := range stream[:capacity] {
				c.store(k)
			}
			fmt.Fprintf(tw, "%.1f\t", measure(c, stream, reads, cfg.goroutines, cfg.duration)/1e6)
			prog.step()
		}
		fmt.Fprintln(tw)
	}
	prog.finish()
	return tw.Flush()
}

// measure runs goroutines that each walk the key stream (whose length is a
// power of two) from their own offset, reading reads % of the time and
// writing otherwise, for d, and returns operations per second.
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
