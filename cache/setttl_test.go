package cache_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

// TestSetTTL_ExtendsShortensAndPins: SetTTL replaces the time left to live
// of a live entry, counted from the call, in both directions and to
// "never"; it leaves the value alone and reports false for a key that is
// absent or has expired.
func TestSetTTL_ExtendsShortensAndPins(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[string, int]{Capacity: 10, Clock: clock, TTL: 4 * tick})
	defer c.Close()
	c.Store("long", 1)
	c.Store("short", 2)
	c.Store("never", 3)
	c.Store("gone", 4)
	clock.Advance(2 * tick)
	for _, s := range []struct {
		key string
		ttl time.Duration
	}{{"long", 10 * tick}, {"short", tick}, {"never", 0}} {
		if !c.SetTTL(s.key, s.ttl) {
			t.Fatalf("SetTTL(%s, %v) = false for a live entry", s.key, s.ttl)
		}
	}
	if c.SetTTL("absent", tick) {
		t.Fatal("SetTTL of a key never stored = true")
	}
	clock.Advance(2 * tick) // 4 ticks since the writes: "gone" expires now
	if c.SetTTL("gone", 10*tick) {
		t.Fatal("SetTTL of an expired entry = true: it brought the entry back")
	}
	if _, ok := c.Load("gone"); ok {
		t.Fatal("an expired entry is back after SetTTL")
	}
	if _, ok := c.Load("short"); ok {
		t.Fatal(`"short" outlived the tick SetTTL gave it`)
	}
	want := map[string]time.Duration{"long": 8 * tick, "never": 0}
	for key, left := range want {
		e, ok := c.PeekEntry(key)
		if !ok || e.ExpiresIn != left || e.Value == 0 {
			t.Fatalf("PeekEntry(%s) = (%+v, %v), want ExpiresIn %v", key, e, ok, left)
		}
	}
	clock.Advance(100 * tick)
	if v, ok := c.Load("never"); !ok || v != 3 {
		t.Fatalf(`Load("never") = (%d, %v) after SetTTL(0): want (3, true)`, v, ok)
	}
}

// TestSetTTL_RecordsNoUse: SetTTL counts no hit or miss, does not start
// or put off a refresh (which counts from the last write), and under
// ExpireAfterAccess becomes the time to live that each read restarts.
func TestSetTTL_RecordsNoUse(t *testing.T) {
	clock := newFakeClock()
	var refreshes atomic.Int32
	c := cache.Must(cache.Options[int, int]{Capacity: 10, Clock: clock,
		TTL: 2 * tick, ExpireAfterAccess: true,
		RefreshAfter: 3 * tick,
		Refresh: func(_ context.Context, k, old int) (int, error) {
			refreshes.Add(1)
			return old + 1, nil
		}})
	defer c.Close()
	c.Store(1, 10)
	if !c.SetTTL(1, 5*tick) {
		t.Fatal("SetTTL(1) = false for a live entry")
	}
	clock.Advance(tick)
	if v, ok := c.Load(1); !ok || v != 10 { // restarts the entry's 5 ticks, not the 2 of Options.TTL
		t.Fatalf("Load(1) = (%d, %v), want (10, true)", v, ok)
	}
	if e, _ := c.PeekEntry(1); e.ExpiresIn != 5*tick {
		t.Fatalf("after a read the entry has %v left, want the 5 ticks SetTTL gave it", e.ExpiresIn)
	}
	if n := refreshes.Load(); n != 0 {
		t.Fatalf("%d refreshes started before RefreshAfter", n)
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 0 {
		t.Fatalf("Stats: %d hits, %d misses; want the Load's hit alone", s.Hits, s.Misses)
	}
	clock.Advance(2 * tick) // 3 ticks since the write: due, whatever SetTTL did
	c.SetTTL(1, 5*tick)
	c.Load(1)
	c.Close() // waits for the refresh
	if n := refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes after a read 3 ticks from the write, want 1", n)
	}
}

// TestSetTTL_StartsTheReclaimer: a cache that had no expiring entry starts
// its background reclaimer when SetTTL gives one a time to live, as
// StoreTTL does (not for SetTTL(0), nor for an absent key), and SetTTL
// panics on a negative ttl.
func TestSetTTL_StartsTheReclaimer(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[int, int]{Capacity: 10, Clock: clock})
	defer c.Close()
	c.Store(1, 1)
	c.SetTTL(1, 0)
	c.SetTTL(2, tick)
	if cache.ReclaimerRunning(c) {
		t.Fatal("SetTTL(0), or SetTTL of an absent key, started the reclaimer")
	}
	c.SetTTL(1, tick)
	if !cache.ReclaimerRunning(c) {
		t.Fatal("SetTTL with a ttl did not start the reclaimer")
	}
	clock.Advance(tick)
	cache.ExpireForTest(c)
	if s := c.Stats(); s.Expirations != 1 {
		t.Fatalf("after a reclaim pass, Expirations = %d, want 1", s.Expirations)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("SetTTL with a negative ttl did not panic")
		}
	}()
	c.SetTTL(1, -1)
}
