package cache_test

import (
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/hotpath/hotpath/cache"
)

// TestCache_AgreesWithLRUModel drives every public method of a one-shard LRU
// cache with a fake clock, and checks each result, the statistics and the
// recency order against the plain model.
func TestCache_AgreesWithLRUModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 6).Draw(t, "capacity")
		ttl := time.Duration(rapid.IntRange(0, 3).Draw(t, "ttlTicks")) * tick
		clock := newFakeClock()
		m := newModel(capacity, ttl, clock)
		m.eaa = rapid.Bool().Draw(t, "expireAfterAccess")
		if rapid.Bool().Draw(t, "weighted") {
			m.weigh = func(_, v int) uint32 { return uint32(v % 4) }
		}
		var events []string
		c := cache.Must(m.options(&events))
		defer c.Close()
		key := rapid.IntRange(0, 9)
		val := rapid.IntRange(0, 7)
		ops := map[string]func(*rapid.T){}
		for op := range opCount {
			ops[opNames[op]] = func(t *rapid.T) {
				step(t, c, m, op, key.Draw(t, "key"), val.Draw(t, "value"))
				checkEvents(t, &events, m)
			}
		}
		ops[""] = func(t *rapid.T) { checkOrder(t, c, m) }
		t.Repeat(ops)
	})
}

var opNames = [opCount]string{
	"Load", "Store", "StoreTTL", "LoadOrStore", "LoadAndDelete", "Delete", "Swap",
	"CompareAndSwap", "CompareAndDelete", "Range", "Clear", "Len", "AdvanceClock",
	"LoadOrCompute", "LoadOrComputeFail", "LoadOrComputeAll", "Keys", "Values", "Snapshot",
	"Compute", "SetCapacity", "Peek", "SetTTL", "Ranked",
}

// TestCache_MatchesSyncMap checks the sync.Map method set against a real
// sync.Map, with a capacity large enough that nothing is evicted.
func TestCache_MatchesSyncMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := cache.Must(cache.Options[int, int]{Capacity: 1024, Policy: cache.LRU})
		defer c.Close()
		var sm sync.Map
		key := rapid.IntRange(0, 15)
		val := rapid.IntRange(0, 3)
		load := func(v any, ok bool) (int, bool) {
			if !ok {
				return 0, false
			}
			return v.(int), true
		}
		t.Repeat(map[string]func(*rapid.T){
			"Load": func(t *rapid.T) {
				k := key.Draw(t, "k")
				gv, gok := c.Load(k)
				wv, wok := load(sm.Load(k))
				if gv != wv || gok != wok {
					t.Fatalf("Load(%d) = (%d, %v), sync.Map (%d, %v)", k, gv, gok, wv, wok)
				}
			},
			"Store": func(t *rapid.T) {
				k, v := key.Draw(t, "k"), val.Draw(t, "v")
				c.Store(k, v)
				sm.Store(k, v)
			},
			"LoadOrStore": func(t *rapid.T) {
				k, v := key.Draw(t, "k"), val.Draw(t, "v")
				gv, gok := c.LoadOrStore(k, v)
				w, wok := sm.LoadOrStore(k, v)
				if gv != w.(int) || gok != wok {
					t.Fatalf("LoadOrStore(%d, %d) = (%d, %v), sync.Map (%v, %v)", k, v, gv, gok, w, wok)
				}
			},
			"LoadAndDelete": func(t *rapid.T) {
				k := key.Draw(t, "k")
				gv, gok := c.LoadAndDelete(k)
				wv, wok := load(sm.LoadAndDelete(k))
				if gv != wv || gok != wok {
					t.Fatalf("LoadAndDelete(%d) = (%d, %v), sync.Map (%d, %v)", k, gv, gok, wv, wok)
				}
			},
			"Delete": func(t *rapid.T) {
				k := key.Draw(t, "k")
				c.Delete(k)
				sm.Delete(k)
			},
			"Swap": func(t *rapid.T) {
				k, v := key.Draw(t, "k"), val.Draw(t, "v")
				gv, gok := c.Swap(k, v)
				wv, wok := load(sm.Swap(k, v))
				if gv != wv || gok != wok {
					t.Fatalf("Swap(%d, %d) = (%d, %v), sync.Map (%d, %v)", k, v, gv, gok, wv, wok)
				}
			},
			"CompareAndSwap": func(t *rapid.T) {
				k, o, n := key.Draw(t, "k"), val.Draw(t, "old"), val.Draw(t, "new")
				if g, w := c.CompareAndSwap(k, o, n), sm.CompareAndSwap(k, o, n); g != w {
					t.Fatalf("CompareAndSwap(%d, %d, %d) = %v, sync.Map %v", k, o, n, g, w)
				}
			},
			"CompareAndDelete": func(t *rapid.T) {
				k, o := key.Draw(t, "k"), val.Draw(t, "old")
				if g, w := c.CompareAndDelete(k, o), sm.CompareAndDelete(k, o); g != w {
					t.Fatalf("CompareAndDelete(%d, %d) = %v, sync.Map %v", k, o, g, w)
				}
			},
			"Clear": func(t *rapid.T) {
				c.Clear()
				sm.Clear()
			},
			"": func(t *rapid.T) {
				got, want := map[int]int{}, map[int]int{}
				for k, v := range c.All() {
					got[k] = v
				}
				sm.Range(func(k, v any) bool { want[k.(int)] = v.(int); return true })
				if len(got) != len(want) || c.Len() != len(want) {
					t.Fatalf("All yielded %v (Len %d), sync.Map holds %v", got, c.Len(), want)
				}
				for k, v := range want {
					if got[k] != v {
						t.Fatalf("All yielded %v, sync.Map holds %v", got, want)
					}
				}
			},
		})
	})
}
