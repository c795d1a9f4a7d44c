package cache_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/hotpath/hotpath/cache"
)

// TestCache_ConcurrentMixedOperationsKeepInvariants runs every method from
// many goroutines on a small, evicting, expiring cache. Every value encodes
// its key, so a value returned for the wrong key, a torn value, a size over
// capacity or a panic is caught; the race detector checks the rest.
func TestCache_ConcurrentMixedOperationsKeepInvariants(t *testing.T) {
	const capacity, keys, workers = 64, 256, 8
	iters := 20_000
	if testing.Short() || raceEnabled {
		iters = 4_000
	}
	c := cache.Must(cache.Options[int, int]{Capacity: capacity, Shards: 4, Policy: cache.LRU, TTL: time.Millisecond})
	defer c.Close()
	check := func(op string, k, v int, ok bool) {
		if ok && v/1000 != k {
			t.Errorf("%s(%d) returned %d, a value stored for key %d", op, k, v, v/1000)
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range iters {
				k := (i*7919 + w*104729) % keys
				v := k*1000 + i%1000
				switch i % 12 {
				case 0, 1, 2:
					got, ok := c.Load(k)
					check("Load", k, got, ok)
				case 3:
					c.Store(k, v)
				case 4:
					if i%24 == 4 {
						c.SetTTL(k, time.Duration(i%3)*time.Microsecond)
					} else {
						c.StoreTTL(k, v, time.Duration(i%3)*time.Microsecond)
					}
				case 5:
					got, _ := c.LoadOrStore(k, v)
					check("LoadOrStore", k, got, true)
				case 6:
					got, ok := c.LoadAndDelete(k)
					check("LoadAndDelete", k, got, ok)
				case 7:
					got, ok := c.Swap(k, v)
					check("Swap", k, got, ok)
				case 8:
					if i%24 == 8 {
						got, ok := c.Compute(k, func(old int, loaded bool) (int, cache.ComputeOp) {
							check("Compute's function", k, old, loaded)
							return v, cache.ComputeOp(i % 3)
						})
						check("Compute", k, got, ok)
					} else {
						c.CompareAndSwap(k, v-1, v)
					}
				case 9:
					c.CompareAndDelete(k, v)
				case 10:
					switch {
					case i%500 == 10:
						c.Range(func(k, v int) bool { check("Range", k, v, true); return true })
					case i%500 == 250:
						for _, e := range append(c.Hottest(8), c.Coldest(8)...) {
							check("Hottest or Coldest", e.Key, e.Value, true)
						}
					default:
						c.Delete(k)
					}
				case 11:
					if i%2000 == 11 {
						c.Clear()
					} else if n := c.Len(); n > capacity {
						t.Errorf("Len = %d, over the capacity %d", n, capacity)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := c.Len(); n > capacity {
		t.Fatalf("Len = %d after the run, over the capacity %d", n, capacity)
	}
}

// TestCache_ConcurrentStoresAreAllCounted stores distinct keys from many
// goroutines into a cache that cannot hold them all: every key must end up
// either present or counted as evicted.
func TestCache_ConcurrentStoresAreAllCounted(t *testing.T) {
	const workers, each, capacity = 8, 2000, 4096
	c := cache.Must(cache.Options[int, int]{Capacity: capacity, Policy: cache.LRU})
	defer c.Close()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := w*each + i
				c.Store(k, k)
				c.Load(k)
			}
		}()
	}
	wg.Wait()
	st := c.Stats()
	if got := uint64(c.Len()) + st.Evictions; got != workers*each {
		t.Fatalf("Len %d + Evictions %d = %d, want every one of the %d stored keys", c.Len(), st.Evictions, got, workers*each)
	}
	if c.Len() > capacity {
		t.Fatalf("Len = %d, over the capacity %d", c.Len(), capacity)
	}
}

// TestCache_ConcurrentLoadsAreAllCounted checks that Stats counts every
// Load exactly once, as a hit or a miss, when readers on several goroutines
// count in the reader table's stripes and a writer keeps turning the
// shards' reader bias off, so that other loads count in the shards.
func TestCache_ConcurrentLoadsAreAllCounted(t *testing.T) {
	const readers, each, capacity = 4, 20_000, 1024
	for _, p := range []cache.Policy{cache.LRU, cache.WTinyLFU} {
		c := cache.Must(cache.Options[int, int]{Capacity: capacity, Policy: p})
		for k := range capacity {
			c.Store(k, k)
		}
		var hits, misses atomic.Uint64
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var writer sync.WaitGroup
		writer.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				c.Store(i%(2*capacity), i)
				time.Sleep(50 * time.Microsecond)
			}
		})
		for r := range readers {
			wg.Go(func() {
				var h, m uint64
				for i := range each {
					if _, ok := c.Load((r*7919 + i) % (2 * capacity)); ok {
						h++
					} else {
						m++
					}
				}
				hits.Add(h)
				misses.Add(m)
			})
		}
		wg.Wait()
		close(stop)
		writer.Wait()
		st := c.Stats()
		if st.Hits != hits.Load() || st.Misses != misses.Load() {
			t.Errorf("%v: Stats counts %d hits and %d misses; the loads saw %d and %d", p, st.Hits, st.Misses, hits.Load(), misses.Load())
		}
		c.Close()
	}
}

// kvInput and kvOutput are the operations porcupine checks.
type kvInput struct {
	op       string // load, store, loadOrStore, delete, cas
	key      int
	value    int
	oldValue int
}

type kvOutput struct {
	value int
	ok    bool
}

// kvModel is a register per key; the initial state of every key is absent.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[int][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(kvInput).key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byKey {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return kvOutput{} }, // the key's state: value, present
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(kvOutput), input.(kvInput), output.(kvOutput)
		switch in.op {
		case "load":
			return out == s || (!out.ok && !s.ok), s
		case "store":
			return true, kvOutput{in.value, true}
		case "loadOrStore":
			if s.ok {
				return out == kvOutput{s.value, true}, s
			}
			return out == kvOutput{in.value, false}, kvOutput{in.value, true}
		case "delete":
			return true, kvOutput{}
		case "loadOrCompute": // a value computed by one of the loads in flight
			if s.ok {
				return out == kvOutput{s.value, true}, s
			}
			return out.ok, out
		case "compute": // see computeStep
			switch {
			case !s.ok:
				return out == kvOutput{in.value, true}, out
			case s.value%4 == 0:
				return out == kvOutput{}, kvOutput{}
			case s.value%4 == 1:
				return out == s, s
			}
			return out == kvOutput{s.value + in.value, true}, out
		case "cas":
			if s.ok && s.value == in.oldValue {
				return out.ok, kvOutput{in.value, true}
			}
			return !out.ok, s
		}
		return false, s
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(kvInput), output.(kvOutput)
		return fmt.Sprintf("%s(%d, %d, %d) -> (%d, %v)", in.op, in.key, in.value, in.oldValue, out.value, out.ok)
	},
}

// computeStep is the function of the histories' Compute: it stores v in
// an absent key, and otherwise, by the old value mod 4, deletes the entry
// (0), leaves it (1), or adds v to it.
func computeStep(v int) func(int, bool) (int, cache.ComputeOp) {
	return func(old int, loaded bool) (int, cache.ComputeOp) {
		switch {
		case !loaded:
			return v, cache.WriteOp
		case old%4 == 0:
			return 0, cache.DeleteOp
		case old%4 == 1:
			return old, cache.CancelOp
		}
		return old + v, cache.WriteOp
	}
}

// TestCache_OperationsAreLinearizable records concurrent histories of Load,
// Store, LoadOrStore, Delete, CompareAndSwap, LoadOrCompute and Compute on a
// few keys and checks them with porcupine.
func TestCache_OperationsAreLinearizable(t *testing.T) {
	const clients, opsEach, keys = 4, 300, 3
	for round := range 5 {
		c := cache.Must(cache.Options[int, int]{Capacity: 1024, Shards: 2, Policy: cache.LRU})
		var (
			mu      sync.Mutex
			history []porcupine.Operation
			start   = time.Now()
			seq     atomic.Int64
		)
		var wg sync.WaitGroup
		for id := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range opsEach {
					in := kvInput{key: (i + id + round) % keys, value: int(seq.Add(1)), oldValue: int(seq.Load() - 2)}
					var out kvOutput
					call := time.Since(start).Nanoseconds()
					switch (i*31 + id*7) % 7 {
					case 0:
						in.op = "load"
						out.value, out.ok = c.Load(in.key)
					case 1:
						in.op = "store"
						c.Store(in.key, in.value)
					case 2:
						in.op = "loadOrStore"
						out.value, out.ok = c.LoadOrStore(in.key, in.value)
					case 3:
						in.op = "delete"
						c.Delete(in.key)
					case 4:
						in.op = "cas"
						out.ok = c.CompareAndSwap(in.key, in.oldValue, in.value)
					case 5:
						in.op = "loadOrCompute"
						v, err := c.LoadOrCompute(context.Background(), in.key, func(context.Context, int) (int, error) {
							runtime.Gosched() // let other operations overlap the load
							return in.value, nil
						})
						out = kvOutput{v, err == nil}
					case 6:
						in.op = "compute"
						out.value, out.ok = c.Compute(in.key, computeStep(in.value))
					}
					ret := time.Since(start).Nanoseconds()
					mu.Lock()
					history = append(history, porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: ret})
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		c.Close()
		if res := porcupine.CheckOperations(kvModel, history); !res {
			t.Fatalf("round %d: the history of %d operations is not linearizable", round, len(history))
		}
	}
}
