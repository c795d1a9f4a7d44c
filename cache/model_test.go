package cache_test

import (
	"bytes"
	"context"
	"errors"
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

	// Optional features, set by the tests that use them.
	weigh  func(k, v int) uint32 // nil: weight 1
	eaa    bool                  // expire after access
	events []string              // expected listener calls since the last check
}

type modelEntry struct {
	value    int
	expireAt time.Time     // zero: never
	ttl      time.Duration // of the last write, for eaa
}

func newModel(capacity int, ttl time.Duration, clock *fakeClock) *model {
	return &model{capacity: capacity, ttl: ttl, clock: clock, entries: map[int]modelEntry{}}
}

// options returns the cache options that agree with the model; log, if not
// nil, receives the listener's calls.
func (m *model) options(log *[]string) cache.Options[int, int] {
	o := cache.Options[int, int]{Capacity: m.capacity, Shards: 1, Policy: cache.LRU, TTL: m.ttl, Clock: m.clock,
		ExpireAfterAccess: m.eaa}
	if m.weigh != nil {
		o.Weigher = m.weigh
	}
	if log != nil {
		o.OnEvict = func(k, v int, cause cache.Cause) { *log = append(*log, fmt.Sprintf("%v %d=%d", cause, k, v)) }
	}
	return o
}

func (m *model) event(cause cache.Cause, k, v int) {
	m.events = append(m.events, fmt.Sprintf("%v %d=%d", cause, k, v))
}

func (m *model) weight(k, v int) int {
	if m.weigh == nil {
		return 1
	}
	return int(m.weigh(k, v))
}

// weighted is order without the entries that weigh 0, which the cache's
// policy does not hold (so its recency order leaves them out).
func (m *model) weighted() []int {
	return slices.DeleteFunc(slices.Clone(m.order), func(k int) bool { return m.weight(k, m.entries[k].value) == 0 })
}

func (m *model) total() int {
	t := 0
	for k, e := range m.entries {
		t += m.weight(k, e.value)
	}
	return t
}

// hit records a lookup that found e.
func (m *model) hit(k int, e modelEntry) {
	m.stats.Hits++
	m.touch(k)
	if m.eaa && e.ttl > 0 {
		e.expireAt = m.clock.Now().Add(e.ttl)
		m.entries[k] = e
	}
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
	for k, e := range m.entries {
		if _, ok := m.visible(k); !ok {
			m.remove(k)
			m.stats.Expirations++
			m.event(cache.Expired, k, e.value)
		}
	}
}

func (m *model) set(k, v int, ttl time.Duration) {
	e := modelEntry{value: v, ttl: ttl}
	if ttl > 0 {
		e.expireAt = m.clock.Now().Add(ttl)
	}
	old, existed := m.entries[k]
	if m.weight(k, v) > m.capacity {
		if existed {
			m.remove(k)
			m.event(cache.Replaced, k, old.value)
		}
		m.stats.Rejections++
		m.event(cache.Rejected, k, v)
		return
	}
	m.entries[k] = e
	m.touch(k)
	if existed {
		m.event(cache.Replaced, k, old.value)
	}
	m.evict()
}

// evict evicts down to the capacity, as a write does.
func (m *model) evict() {
	for m.total() > m.capacity {
		// The least recently used entry that weighs anything: one that
		// weighs 0 is pinned, never evicted to make room.
		weighted := m.weighted()
		victim := weighted[len(weighted)-1]
		w := m.weight(victim, m.entries[victim].value)
		m.event(cache.Evicted, victim, m.entries[victim].value)
		m.remove(victim)
		m.stats.Evictions++
		m.stats.EvictedWeight += uint64(w)
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
	opLoadOrCompute
	opLoadOrComputeFail
	opLoadOrComputeAll
	opKeys
	opValues
	opSnapshot
	opCompute
	opSetCapacity
	opPeek
	opSetTTL
	opRanked
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
			m.hit(k, e)
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
			m.hit(k, e)
			want = e.value
		} else {
			m.stats.Misses++
			m.purge()
			m.set(k, v, m.ttl)
		}
		if loaded != present || got != want {
			t.Fatalf("%s: LoadOrStore = (%d, %v), model says (%d, %v)", desc, got, loaded, want, present)
		}
	case opLoadOrCompute, opLoadOrComputeFail:
		fail := op == opLoadOrComputeFail
		calls := 0
		got, err := c.LoadOrCompute(context.Background(), k, func(_ context.Context, key int) (int, error) {
			calls++
			if key != k {
				t.Fatalf("%s: compute called for key %d", desc, key)
			}
			if fail {
				return 0, errModelLoad
			}
			return v, nil
		})
		e, present := m.visible(k)
		wantV, wantErr, wantCalls := e.value, error(nil), 0
		if present {
			m.hit(k, e)
		} else {
			m.stats.Misses++
			m.purge()
			wantCalls = 1
			if fail {
				m.stats.LoadFailures++
				wantV, wantErr = 0, errModelLoad
			} else {
				m.stats.LoadSuccesses++
				wantV = v
				m.set(k, v, m.ttl)
			}
		}
		if got != wantV || err != wantErr || calls != wantCalls {
			t.Fatalf("%s: LoadOrCompute = (%d, %v) after %d computes, model says (%d, %v) after %d",
				desc, got, err, calls, wantV, wantErr, wantCalls)
		}
	case opLoadOrComputeAll:
		keys := []int{k, (k + 1) % 10, k, (k + 3) % 10}
		var asked []int
		got, err := c.LoadOrComputeAll(context.Background(), keys, func(_ context.Context, missing []int) (map[int]int, error) {
			asked = slices.Clone(missing)
			r := map[int]int{}
			for _, key := range missing {
				if (key+v)%5 != 0 { // some keys have no value
					r[key] = v
				}
			}
			return r, nil
		})
		want := map[int]int{}
		var missing []int
		for _, key := range keys {
			if _, dup := want[key]; dup || slices.Contains(missing, key) {
				continue
			}
			if e, ok := m.visible(key); ok {
				m.hit(key, e)
				want[key] = e.value
				continue
			}
			m.stats.Misses++
			m.purge()
			missing = append(missing, key)
		}
		if len(missing) > 0 {
			m.stats.LoadSuccesses++
		}
		for _, key := range missing {
			if (key+v)%5 != 0 {
				want[key] = v
				m.purge()
				m.set(key, v, m.ttl)
			}
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) || !slices.Equal(asked, missing) {
			t.Fatalf("%s: LoadOrComputeAll(%v) = %v, %v after computing %v; model says %v after computing %v",
				desc, keys, got, err, asked, want, missing)
		}
	case opKeys, opValues:
		var got, want []int
		for key := range m.entries {
			if e, ok := m.visible(key); ok {
				if op == opKeys {
					want = append(want, key)
				} else {
					want = append(want, e.value)
				}
			}
		}
		if op == opKeys {
			got = slices.Collect(c.Keys())
		} else {
			got = slices.Collect(c.Values())
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: Keys or Values = %v, model has %v", desc, got, want)
		}
	case opSnapshot:
		checkSnapshot(t, c, m)
	case opLoadAndDelete, opDelete:
		m.purge()
		e, present := m.entries[k]
		if present {
			m.remove(k)
			m.event(cache.Deleted, k, e.value)
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
	case opCompute:
		// v chooses the op (v%3) and what a write adds to the old value.
		m.purge()
		e, present := m.entries[k]
		calls := 0
		got, ok := c.Compute(k, func(old int, loaded bool) (int, cache.ComputeOp) {
			calls++
			if loaded != present || old != e.value {
				t.Fatalf("%s: Compute's function got (%d, %v), model has (%d, %v)", desc, old, loaded, e.value, present)
			}
			return (old + v) % 8, cache.ComputeOp(v % 3)
		})
		want, wantOK := e.value, present // CancelOp leaves the entry, and its recency, alone
		switch cache.ComputeOp(v % 3) {
		case cache.WriteOp:
			want = (e.value + v) % 8
			m.set(k, want, m.ttl)
			_, wantOK = m.entries[k] // false if rejected as too heavy
		case cache.DeleteOp:
			if present {
				m.remove(k)
				m.event(cache.Deleted, k, e.value)
			}
			want, wantOK = 0, false
		}
		if !wantOK {
			want = 0
		}
		if calls != 1 || got != want || ok != wantOK {
			t.Fatalf("%s: Compute(%v) = (%d, %v) after %d calls of its function, model says (%d, %v) after 1",
				desc, cache.ComputeOp(v%3), got, ok, calls, want, wantOK)
		}
	case opPeek:
		// A Load that records nothing: the model neither counts it nor
		// moves the key, and checkOrder and the statistics then hold the
		// cache to the same.
		// An odd v peeks with PeekEntry, which also tells the entry's
		// weight and remaining time to live.
		e, want := m.visible(k)
		if v%2 == 0 {
			got, ok := c.Peek(k)
			if ok != want || got != e.value {
				t.Fatalf("%s: Peek = (%d, %v), model has (%d, %v)", desc, got, ok, e.value, want)
			}
			break
		}
		got, ok := c.PeekEntry(k)
		if ok != want || got.Value != e.value || ok && got.Key != k {
			t.Fatalf("%s: PeekEntry = (%+v, %v), model has (%d, %v)", desc, got, ok, e.value, want)
		}
		var left time.Duration // 0: never expires
		if !e.expireAt.IsZero() {
			left = e.expireAt.Sub(m.clock.Now())
		}
		if ok && (got.ExpiresIn != left || int(got.Weight) != m.weight(k, e.value)) {
			t.Fatalf("%s: PeekEntry = %+v, want ExpiresIn %v and Weight %d", desc, got, left, m.weight(k, e.value))
		}
	case opSetTTL:
		// A new time to live for a live entry, with nothing else changed:
		// no use recorded, and under eaa the TTL that hits restart.
		ttl := time.Duration(v%4) * tick
		ok := c.SetTTL(k, ttl)
		m.purge()
		e, present := m.entries[k]
		if present {
			e.ttl, e.expireAt = ttl, time.Time{}
			if ttl > 0 {
				e.expireAt = m.clock.Now().Add(ttl)
			}
			m.entries[k] = e
		}
		if ok != present {
			t.Fatalf("%s: SetTTL(%v) = %v, model has the key: %v", desc, ttl, ok, present)
		}
	case opRanked:
		// Hottest (even v) or Coldest (odd v) of k%7 entries: the model's
		// recency order, or its reverse, with the pinned entries (weight
		// 0, in no order) first or last. Nothing is recorded or reclaimed.
		n, coldest := k%7, v%2 == 1
		got := c.Hottest(n)
		if coldest {
			got = c.Coldest(n)
		}
		var ranked, pinned []int
		for _, key := range m.order {
			e, ok := m.visible(key)
			switch {
			case !ok:
			case m.weight(key, e.value) == 0:
				pinned = append(pinned, key)
			default:
				ranked = append(ranked, key)
			}
		}
		if coldest {
			slices.Reverse(ranked)
			ranked = append(ranked, pinned...)
		} else {
			ranked = append(pinned, ranked...)
		}
		want := ranked[:min(n, len(ranked))]
		var gotKeys []int
		for _, g := range got {
			gotKeys = append(gotKeys, g.Key)
			e, _ := m.visible(g.Key)
			var left time.Duration
			if !e.expireAt.IsZero() {
				left = e.expireAt.Sub(m.clock.Now())
			}
			if g.Value != e.value || int(g.Weight) != m.weight(g.Key, e.value) || g.ExpiresIn != left {
				t.Fatalf("%s: ranked entry %+v, model has value %d, weight %d, %v left", desc, g, e.value, m.weight(g.Key, e.value), left)
			}
		}
		// Pinned entries come in map order: compare them as a set.
		same := len(gotKeys) == len(want) && len(slices.Compact(slices.Sorted(slices.Values(gotKeys)))) == len(gotKeys)
		for i := 0; same && i < len(want); i++ {
			wp, gp := slices.Contains(pinned, want[i]), slices.Contains(pinned, gotKeys[i])
			same = wp && gp || gotKeys[i] == want[i]
		}
		if !same {
			t.Fatalf("%s: coldest %v: got %v, model ranks %v (pinned %v)", desc, coldest, gotKeys, want, pinned)
		}
	case opSetCapacity:
		capacity := 1 + v%6
		if err := c.SetCapacity(capacity); err != nil {
			t.Fatalf("%s: SetCapacity(%d): %v", desc, capacity, err)
		}
		m.purge()
		m.capacity = capacity
		m.evict()
		if got := c.Capacity(); got != capacity {
			t.Fatalf("%s: Capacity() = %d after SetCapacity(%d)", desc, got, capacity)
		}
	case opCompareAndDelete:
		old := v % 4
		deleted := c.CompareAndDelete(k, old)
		m.purge()
		e, present := m.entries[k]
		want := present && e.value == old
		if want {
			m.remove(k)
			m.event(cache.Deleted, k, e.value)
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
		m.purge()
		for key, e := range m.entries {
			m.event(cache.Deleted, key, e.value)
		}
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

var errModelLoad = errors.New("model: load failed")

// checkEvents fails t unless the listener's calls since the last check, got,
// are the model's (in any order within one operation), then forgets both.
func checkEvents(t fataler, got *[]string, m *model) {
	t.Helper()
	g, w := slices.Clone(*got), slices.Clone(m.events)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Fatalf("OnEvict calls = %v, model expects %v", *got, m.events)
	}
	*got, m.events = (*got)[:0], m.events[:0]
}

// checkSnapshot writes c to a snapshot, reads it into a new cache with the
// same options, and checks the new cache against the model: same entries,
// same recency order.
func checkSnapshot(t fataler, c *cache.Cache[int, int], m *model) {
	t.Helper()
	var buf bytes.Buffer
	n, err := c.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d bytes", n, err, buf.Len())
	}
	c2 := cache.Must(m.options(nil))
	defer c2.Close()
	size := int64(buf.Len())
	if n, err := c2.ReadFrom(&buf); err != nil || n != size {
		t.Fatalf("ReadFrom = %d, %v; snapshot has %d bytes", n, err, size)
	}
	want := map[int]int{}
	var order []int
	for _, key := range m.order {
		if e, ok := m.visible(key); ok {
			want[key] = e.value
			if m.weight(key, e.value) > 0 {
				order = append(order, key)
			}
		}
	}
	got := map[int]int{}
	for k, v := range c2.All() {
		got[k] = v
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after a snapshot round trip the cache holds %v, the model %v", got, want)
	}
	var gotOrder []int
	cache.OrderedForTest(c2, func(k, _ int) bool { gotOrder = append(gotOrder, k); return true })
	if !slices.Equal(gotOrder, order) && len(order) > 0 {
		t.Fatalf("after a snapshot round trip the recency order is %v, the model's %v", gotOrder, order)
	}
}

// checkOrder fails t unless the cache's recency order equals the model's.
func checkOrder(t fataler, c *cache.Cache[int, int], m *model) {
	t.Helper()
	c.Len() // reclaims expired entries, as m.purge does
	var got []int
	cache.OrderedForTest(c, func(k, _ int) bool { got = append(got, k); return true })
	m.purge()
	want := m.weighted()
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("recency order = %v, model has %v (entries that weigh 0 left out)", got, want)
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
