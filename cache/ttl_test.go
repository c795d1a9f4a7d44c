package cache_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hotpath/hotpath/cache"
)

func TestCache_ExpiredEntryIsNeverReturned(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU, TTL: time.Millisecond, Clock: clock})
	defer c.Close()
	c.Store("a", 1)
	if v, ok := c.Load("a"); !ok || v != 1 {
		t.Fatalf("Load before expiry = (%d, %v), want (1, true)", v, ok)
	}
	// Well inside the wheel's first bucket: nothing has been reclaimed yet.
	clock.Advance(time.Millisecond)
	if v, ok := c.Load("a"); ok {
		t.Fatalf("Load after expiry = (%d, true), want a miss", v)
	}
	for k, v := range c.All() {
		t.Fatalf("All yielded expired entry (%q, %d)", k, v)
	}
	if v, loaded := c.LoadOrStore("a", 2); loaded || v != 2 {
		t.Fatalf("LoadOrStore over an expired entry = (%d, %v), want (2, false)", v, loaded)
	}
	clock.Advance(time.Millisecond)
	if _, ok := c.Swap("a", 3); ok {
		t.Fatal("Swap reported an expired previous value")
	}
	clock.Advance(time.Millisecond)
	if c.CompareAndSwap("a", 3, 4) {
		t.Fatal("CompareAndSwap matched an expired value")
	}
	if c.CompareAndDelete("a", 3) {
		t.Fatal("CompareAndDelete matched an expired value")
	}
	if _, ok := c.LoadAndDelete("a"); ok {
		t.Fatal("LoadAndDelete returned an expired value")
	}
	if n := c.Len(); n != 0 {
		t.Fatalf("Len = %d with only expired entries, want 0", n)
	}
}

func TestCache_StoreTTLOverridesTheDefault(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU, TTL: time.Minute, Clock: clock})
	defer c.Close()
	c.StoreTTL("short", 1, time.Second)
	c.StoreTTL("forever", 2, 0)
	c.Store("default", 3)
	clock.Advance(2 * time.Second)
	if _, ok := c.Load("short"); ok {
		t.Error("entry stored with a 1s TTL is visible after 2s")
	}
	if _, ok := c.Load("default"); !ok {
		t.Error("entry stored with the 1m default TTL is gone after 2s")
	}
	clock.Advance(time.Hour)
	if _, ok := c.Load("default"); ok {
		t.Error("entry stored with the 1m default TTL is visible after an hour")
	}
	if v, ok := c.Load("forever"); !ok || v != 2 {
		t.Errorf("entry stored with StoreTTL(…, 0) = (%d, %v) after an hour, want (2, true)", v, ok)
	}
}

func TestCache_WriteResetsExpiry(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[string, int]{Capacity: 100, Policy: cache.LRU, TTL: 10 * time.Second, Clock: clock})
	defer c.Close()
	c.Store("k", 1)
	clock.Advance(8 * time.Second)
	c.Store("k", 2)
	clock.Advance(8 * time.Second)
	if v, ok := c.Load("k"); !ok || v != 2 {
		t.Fatalf("Load 8s after a rewrite = (%d, %v), want (2, true)", v, ok)
	}
}

func TestCache_ReclaimerFreesExpiredEntriesWithoutWrites(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[int, int]{Capacity: 10_000, Policy: cache.LRU, Clock: clock})
	defer c.Close()
	for i := range 1000 {
		c.StoreTTL(i, i, time.Duration(i%50+1)*time.Second)
	}
	clock.Advance(time.Minute)
	cache.ExpireForTest(c)
	if got := c.Stats().Expirations; got != 1000 {
		t.Fatalf("after one reclaim pass, Expirations = %d, want 1000", got)
	}
}

func TestCache_TimerWheelHandlesLongTTLs(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[int, int]{Capacity: 100, Policy: cache.LRU, Clock: clock})
	defer c.Close()
	ttls := []time.Duration{time.Second, 2 * time.Minute, 3 * time.Hour, 2 * 24 * time.Hour, 30 * 24 * time.Hour, 200 * 365 * 24 * time.Hour}
	for i, ttl := range ttls {
		c.StoreTTL(i, i, ttl)
	}
	elapsed := time.Duration(0)
	for i, ttl := range ttls {
		step := ttl - elapsed - time.Millisecond
		clock.Advance(step)
		elapsed += step
		cache.ExpireForTest(c)
		if _, ok := c.Load(i); !ok {
			t.Fatalf("entry with TTL %v gone %v before it expires", ttl, time.Millisecond)
		}
		clock.Advance(2 * time.Millisecond)
		elapsed += 2 * time.Millisecond
		if _, ok := c.Load(i); ok {
			t.Fatalf("entry with TTL %v visible after it expired", ttl)
		}
		if n := c.Len(); n != len(ttls)-i-1 {
			t.Fatalf("Len = %d after the entry with TTL %v expired, want %d", n, ttl, len(ttls)-i-1)
		}
	}
}

func TestCache_StoreTTLPanicsOnNegativeTTL(t *testing.T) {
	c := cache.Must(cache.Options[string, int]{Capacity: 10, Policy: cache.LRU})
	defer c.Close()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "cache: StoreTTL with a negative ttl") {
			t.Fatalf("StoreTTL(-1s) panicked with %v, want a message naming the negative ttl", r)
		}
	}()
	c.StoreTTL("k", 1, -time.Second)
}

func TestCache_CompareAndSwapOfUncomparableValuesPanicsAndLeavesNoLockHeld(t *testing.T) {
	c := cache.Must(cache.Options[string, []int]{Capacity: 10, Policy: cache.LRU})
	defer c.Close()
	c.Store("k", []int{1})
	func() {
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(r.(string), "value type []int is not comparable") {
				t.Fatalf("CompareAndSwap on []int values panicked with %v, want a message naming the type", r)
			}
		}()
		c.CompareAndSwap("k", nil, []int{2})
	}()
	c.Store("k", []int{3}) // would deadlock if the panic had left the shard locked
	if v, ok := c.Load("k"); !ok || v[0] != 3 {
		t.Fatalf("Load after the panic = (%v, %v), want ([3], true)", v, ok)
	}
	anyCache := cache.Must(cache.Options[string, any]{Capacity: 10, Policy: cache.LRU})
	anyCache.Store("k", []int{1})
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("CompareAndDelete of an uncomparable dynamic value did not panic")
			}
		}()
		anyCache.CompareAndDelete("k", []int{1})
	}()
	anyCache.Store("k", 1)
	if !anyCache.CompareAndDelete("k", 1) {
		t.Fatal("CompareAndDelete of a comparable dynamic value failed after the panic")
	}
}

func TestCache_CloseIsIdempotentAndTheCacheStillAnswers(t *testing.T) {
	c := cache.Must(cache.Options[string, int]{Capacity: 10, Policy: cache.LRU, TTL: time.Hour})
	if !cache.ReclaimerRunning(c) {
		t.Fatal("a cache with a TTL did not start its reclaimer")
	}
	c.Close()
	c.Close()
	if cache.ReclaimerRunning(c) {
		t.Fatal("the reclaimer still runs after Close")
	}
	c.StoreTTL("k", 1, time.Minute) // must not restart it
	if cache.ReclaimerRunning(c) {
		t.Fatal("StoreTTL restarted the reclaimer of a closed cache")
	}
	if v, ok := c.Load("k"); !ok || v != 1 {
		t.Fatalf("closed cache Load = (%d, %v), want (1, true)", v, ok)
	}
	goleak.VerifyNone(t)
}

func TestCache_StartsNoGoroutineWithoutExpiry(t *testing.T) {
	c := cache.Must(cache.Options[string, int]{Capacity: 10, Policy: cache.LRU})
	c.Store("k", 1)
	if cache.ReclaimerRunning(c) {
		t.Fatal("a cache without expiring entries started a goroutine")
	}
	c.StoreTTL("k", 1, time.Minute)
	if !cache.ReclaimerRunning(c) {
		t.Fatal("StoreTTL with a TTL did not start the reclaimer")
	}
	c.Close()
}

func TestCache_DroppedWithoutCloseDoesNotLeakItsGoroutine(t *testing.T) {
	func() {
		c := cache.Must(cache.Options[string, int]{Capacity: 10, Policy: cache.LRU, TTL: time.Hour})
		c.Store("k", 1)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		if goleak.Find() == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reclaimer of a dropped cache still runs: %v", goleak.Find())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCache_StatsCountLookupsEvictionsAndExpirations(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[int, int]{Capacity: 2, Shards: 1, Policy: cache.LRU, Clock: clock})
	defer c.Close()
	c.Store(1, 1)
	c.Store(2, 2)
	c.Load(1)
	c.Load(3)
	c.Store(3, 3) // evicts 2
	c.StoreTTL(4, 4, time.Second)
	clock.Advance(2 * time.Second)
	c.Len()
	want := cache.Stats{Hits: 1, Misses: 1, Evictions: 2, EvictedWeight: 2, Expirations: 1}
	if got := c.Stats(); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
	if got := want.HitRatio(); got != 0.5 {
		t.Fatalf("HitRatio = %v, want 0.5", got)
	}
	if got := (cache.Stats{}).HitRatio(); got != 0 {
		t.Fatalf("HitRatio with no lookups = %v, want 0", got)
	}
}
