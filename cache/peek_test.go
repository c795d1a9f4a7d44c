package cache_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/hotpath/hotpath/cache"
)

// TestPeek_RecordsNothing: a Peek neither restarts the time to live of an
// entry that expires after access nor starts a refresh, and counts no hit
// or miss. (The LRU model checks that it moves nothing in the policy.)
func TestPeek_RecordsNothing(t *testing.T) {
	clock := newFakeClock()
	var refreshes atomic.Int32
	c := cache.Must(cache.Options[int, int]{Capacity: 10, Clock: clock,
		TTL: 4 * tick, ExpireAfterAccess: true,
		RefreshAfter: 2 * tick,
		Refresh: func(_ context.Context, k, old int) (int, error) {
			refreshes.Add(1)
			return old, nil
		}})
	defer c.Close()
	c.Store(1, 10)
	clock.Advance(3 * tick) // due for a refresh, a tick from expiring
	if v, ok := c.Peek(1); !ok || v != 10 {
		t.Fatalf("Peek(1) = (%d, %v), want (10, true)", v, ok)
	}
	if _, ok := c.Peek(2); ok {
		t.Fatal("Peek(2) found a key never stored")
	}
	clock.Advance(tick)
	if v, ok := c.Peek(1); ok {
		t.Fatalf("Peek(1) = %d after the TTL from the write: a Peek restarted it", v)
	}
	c.Close() // waits for any refresh
	if n := refreshes.Load(); n != 0 {
		t.Fatalf("%d refreshes started by Peek", n)
	}
	if s := c.Stats(); s.Hits != 0 || s.Misses != 0 {
		t.Fatalf("Stats after Peeks: %d hits, %d misses; want none", s.Hits, s.Misses)
	}
}

// TestPeekEntry_TellsTheTimeLeftAndTheWeight: PeekEntry returns what Peek
// does, with the entry's weight and the time it has left to live (0 for an
// entry that does not expire), and, like Peek, records nothing.
func TestPeekEntry_TellsTheTimeLeftAndTheWeight(t *testing.T) {
	clock := newFakeClock()
	c := cache.Must(cache.Options[string, string]{Capacity: 100, Clock: clock, TTL: 10 * tick,
		ExpireAfterAccess: true,
		Weigher:           func(_, v string) uint32 { return uint32(len(v)) }})
	defer c.Close()
	c.Store("a", "four")
	c.StoreTTL("b", "x", 0) // never expires
	clock.Advance(3 * tick)
	e, ok := c.PeekEntry("a")
	if want := (cache.Entry[string, string]{Key: "a", Value: "four", Weight: 4, ExpiresIn: 7 * tick}); !ok || e != want {
		t.Fatalf("PeekEntry(a) = (%+v, %v), want (%+v, true)", e, ok, want)
	}
	clock.Advance(3 * tick)
	if e, _ := c.PeekEntry("a"); e.ExpiresIn != 4*tick {
		t.Fatalf("PeekEntry(a).ExpiresIn = %v after 6 ticks, want %v: a PeekEntry restarted the time to live", e.ExpiresIn, 4*tick)
	}
	if e, ok := c.PeekEntry("b"); !ok || e.ExpiresIn != 0 || e.Weight != 1 {
		t.Fatalf("PeekEntry(b) = (%+v, %v), want ExpiresIn 0 (never) and Weight 1", e, ok)
	}
	clock.Advance(4 * tick)
	if e, ok := c.PeekEntry("a"); ok {
		t.Fatalf("PeekEntry(a) = %+v at its expiry time, want not found", e)
	}
	if _, ok := c.PeekEntry("c"); ok {
		t.Fatal("PeekEntry(c) found a key never stored")
	}
	if s := c.Stats(); s.Hits != 0 || s.Misses != 0 {
		t.Fatalf("Stats after PeekEntry calls: %d hits, %d misses; want none", s.Hits, s.Misses)
	}
}
