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
