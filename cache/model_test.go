package cache_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// model is the plain reference a Cache with Shards: 1 and Policy: LRU must
// agree with: a map, a recency list and expiry times.
type model struct {
	capacity int
	ttl      time.Duration
	clock    *fakeClock
	entries  map[int]modelEntry
	order    []int // most recently used first
	stats    cache.Stats
}

type modelEntry struct {
	value    int
	expireAt time.Time // zero: never
}

func newModel(capacity int, ttl time.Duration, clock *fakeClock) *model {
	return &model{capacity: capacity, ttl: ttl, clock: clock, entries: map[int]modelEntry{}}
}

func (m *model) visible(k int) (modelEntry, bool) {
	e, ok := m.entries[k]
	if !ok || (!e.expireAt.IsZero() && !m.clock.Now().Before(e.expireAt)) {
		return modelEntry{}, false
	}
	return e, true
}

func (m *model) touch(k int) {
	m.order = slices.DeleteFunc(m.order, func(x int) bool { return x == k })
	m.order = slices.Insert(m.order, 0, k)
}

func (m *model) remove(k int) {
	delete(m.entries, k)
	m.order = slices.DeleteFunc(m.order, func(x int) bool { return x == k })
}

// purge reclaims expired entries, as every write does.
func (m *model) purge() {
	for k := range m.entries {
		if _, ok := m.visible(k); !ok {
			m.remove(k)
			m.stats.Expirations++
		}
	}
}

func (m *model) set(k, v int, ttl time.Duration) {
	e := modelEntry{value: v}
	if ttl > 0 {
		e.expireAt = m.clock.Now().Add(ttl)
	}
	_, existed := m.entries[k]
	m.entries[k] = e
	m.touch(k)
	if !existed {
		for len(m.entries) > m.capacity {
			victim := m.order[len(m.order)-1]
			m.remove(victim)
			m.stats.Evictions++
			m.stats.EvictedWeight++
		}
	}
}

// fataler is what both *testing.T and *rapid.T offer.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// opKind enumerates the operations the model checks.
type opKind int

const (
	opLoad opKind = iota
	opStore
	opStoreTTL
	opLoadOrStore
	opLoadAndDelete
	opDelete
	opSwap
	opCompareAndSwap
	opCompareAndDelete
	opRange
	opClear
	opLen
	opAdvance
	opCount
)

// step applies one operation to the cache and the model and fails t if they
// disagree. k is a key, v a value (or, for opStoreTTL and opAdvance, a
// number of ticks).
func step(t fataler, c *cache.Cache[int, int], m *model, op opKind, k, v int) {
	t.Helper()
	desc := fmt.Sprintf("op %d (key %d, v %d)", op, k, v)
	switch op {
	case opLoad:
		got, ok := c.Load(k)
		e, want := m.visible(k)
		if want {
			m.stats.Hits++
			m.touch(k)
		} else {
			m.stats.Misses++
		}
		if ok != want || got != e.value {
			t.Fatalf("%s: Load = (%d, %v), model has (%d, %v)", desc, got, ok, e.value, want)
		}
	case opStore:
		c.Store(k, v)
		m.purge()
		m.set(k, v, m.ttl)
	case opStoreTTL:
		ttl := time.Duration(v%4) * tick
		c.StoreTTL(k, v, ttl)
		m.purge()
		m.set(k, v, ttl)
	case opLoadOrStore:
		got, loaded := c.LoadOrStore(k, v)
		want := v
		e, present := m.visible(k)
		if present {
			m.stats.Hits++
			m.touch(k)
			want = e.value
		} else {
			m.stats.Misses++
			m.purge()
			m.set(k, v, m.ttl)
		}
		if loaded != present || got != want {
			t.Fatalf("%s: LoadOrStore = (%d, %v), model says (%d, %v)", desc, got, loaded, want, present)
		}
	case opLoadAndDelete, opDelete:
		m.purge()
		e, present := m.entries[k]
		if present {
			m.remove(k)
		}
		if op == opDelete {
			c.Delete(k)
			break
		}
		got, loaded := c.LoadAndDelete(k)
		if loaded != present || got != e.value {
			t.Fatalf("%s: LoadAndDelete = (%d, %v), model has (%d, %v)", desc, got, loaded, e.value, present)
		}
	case opSwap:
		got, loaded := c.Swap(k, v)
		m.purge()
		e, present := m.entries[k]
		m.set(k, v, m.ttl)
		if loaded != present || got != e.value {
			t.Fatalf("%s: Swap = (%d, %v), model had (%d, %v)", desc, got, loaded, e.value, present)
		}
	case opCompareAndSwap:
		old := v % 4
		swapped := c.CompareAndSwap(k, old, v)
		m.purge()
		e, present := m.entries[k]
		want := present && e.value == old
		if want {
			m.set(k, v, m.ttl)
		}
		if swapped != want {
			t.Fatalf("%s: CompareAndSwap(old %d) = %v, model says %v", desc, old, swapped, want)
		}
	case opCompareAndDelete:
		old := v % 4
		deleted := c.CompareAndDelete(k, old)
		m.purge()
		e, present := m.entries[k]
		want := present && e.value == old
		if want {
			m.remove(k)
		}
		if deleted != want {
			t.Fatalf("%s: CompareAndDelete(old %d) = %v, model says %v", desc, old, deleted, want)
		}
	case opRange:
		got := map[int]int{}
		c.Range(func(key, value int) bool {
			if _, dup := got[key]; dup {
				t.Fatalf("%s: Range yielded key %d twice", desc, key)
			}
			got[key] = value
			return true
		})
		want := map[int]int{}
		for key := range m.entries {
			if e, ok := m.visible(key); ok {
				want[key] = e.value
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: Range yielded %v, model has %v", desc, got, want)
		}
	case opClear:
		c.Clear()
		clear(m.entries)
		m.order = m.order[:0]
	case opLen:
		m.purge()
		if got, want := c.Len(), len(m.entries); got != want {
			t.Fatalf("%s: Len = %d, model has %d", desc, got, want)
		}
	case opAdvance:
		m.clock.Advance(time.Duration(v%3) * tick)
	}
	if got := c.Stats(); got != m.stats {
		t.Fatalf("after %s: Stats = %+v, model has %+v", desc, got, m.stats)
	}
}

// checkOrder fails t unless the cache's recency order equals the model's.
func checkOrder(t fataler, c *cache.Cache[int, int], m *model) {
	t.Helper()
	c.Len() // reclaims expired entries, as m.purge does
	var got []int
	cache.OrderedForTest(c, func(k, _ int) bool { got = append(got, k); return true })
	m.purge()
	if !slices.Equal(got, m.order) && !(len(got) == 0 && len(m.order) == 0) {
		t.Fatalf("recency order = %v, model has %v", got, m.order)
	}
}

// FuzzCache_AgreesWithModel decodes an operation sequence from bytes (three
// bytes an operation: kind, key, value) and checks every result against the
// model.
func FuzzCache_AgreesWithModel(f *testing.F) {
	f.Add([]byte{byte(opStore), 1, 1, byte(opLoad), 1, 0, byte(opStoreTTL), 2, 1, byte(opAdvance), 0, 2, byte(opLoad), 2, 0})
	f.Add([]byte{byte(opLoadOrStore), 3, 3, byte(opCompareAndSwap), 3, 7, byte(opSwap), 3, 1, byte(opRange), 0, 0, byte(opLen), 0, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		clock := newFakeClock()
		ttl := time.Duration(0)
		if len(ops) > 0 && ops[0]%2 == 1 {
			ttl = 2 * tick
		}
		c := cache.Must(cache.Options[int, int]{Capacity: 4, Shards: 1, Policy: cache.LRU, TTL: ttl, Clock: clock})
		defer c.Close()
		m := newModel(4, ttl, clock)
		for i := 0; i+2 < len(ops); i += 3 {
			step(t, c, m, opKind(int(ops[i])%int(opCount)), int(ops[i+1]%8), int(ops[i+2]))
		}
		checkOrder(t, c, m)
	})
}
