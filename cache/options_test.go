package cache_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

func TestNew_RejectsInvalidOptionsWithClearErrors(t *testing.T) {
	tests := []struct {
		name string
		opts cache.Options[int, int]
		want string
	}{
		{"zero capacity", cache.Options[int, int]{Policy: cache.LRU}, "cache: invalid options: capacity must be > 0, got 0"},
		{"negative capacity", cache.Options[int, int]{Capacity: -1, Policy: cache.LRU}, "capacity must be > 0, got -1"},
		{"shards not a power of two", cache.Options[int, int]{Capacity: 100, Shards: 3, Policy: cache.LRU}, "shards must be 0 or a power of two, got 3"},
		{"negative shards", cache.Options[int, int]{Capacity: 100, Shards: -4, Policy: cache.LRU}, "shards must be 0 or a power of two, got -4"},
		{"more shards than capacity", cache.Options[int, int]{Capacity: 2, Shards: 4, Policy: cache.LRU}, "shards (4) must not exceed capacity (2)"},
		{"negative TTL", cache.Options[int, int]{Capacity: 10, TTL: -1, Policy: cache.LRU}, "TTL must be >= 0, got -1ns"},
		{"unknown policy", cache.Options[int, int]{Capacity: 10, Policy: cache.Policy(42)}, "unknown policy Policy(42)"},
		{"negative RefreshAfter", cache.Options[int, int]{Capacity: 10, RefreshAfter: -1, Refresh: refreshNop}, "RefreshAfter must be >= 0, got -1ns"},
		{"RefreshAfter without Refresh", cache.Options[int, int]{Capacity: 10, RefreshAfter: time.Second}, "RefreshAfter is 1s but Refresh is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cache.New(tt.opts)
			if err == nil {
				c.Close()
				t.Fatalf("New(%+v) succeeded, want an error containing %q", tt.opts, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %q, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "cache: ") {
				t.Errorf("New error = %q, want the prefix %q", err, "cache: ")
			}
			if !errors.Is(err, cache.ErrInvalidOptions) {
				t.Errorf("errors.Is(%v, ErrInvalidOptions) = false", err)
			}
		})
	}
}

func refreshNop(_ context.Context, _ int, old int) (int, error) { return old, nil }

func TestMust_PanicsOnInvalidOptions(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("Must with capacity 0 did not panic")
		}
		if err, ok := r.(error); !ok || !errors.Is(err, cache.ErrInvalidOptions) {
			t.Fatalf("Must panicked with %v, want an error wrapping ErrInvalidOptions", r)
		}
	}()
	cache.Must(cache.Options[string, int]{Policy: cache.LRU})
}

func TestPolicy_String(t *testing.T) {
	for p, want := range map[cache.Policy]string{cache.WTinyLFU: "WTinyLFU", cache.LRU: "LRU", cache.LFU: "LFU", 7: "Policy(7)"} {
		if got := p.String(); got != want {
			t.Errorf("Policy(%d).String() = %q, want %q", int(p), got, want)
		}
	}
}

// With a HashSeed, a replay through a one-goroutine cache gives the same
// hits every time: the hash is the only randomness in the policy.
func TestHashSeed_MakesReplaysReproducible(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	z := rand.NewZipf(r, 1.05, 1, 50_000)
	keys := make([]uint64, 200_000)
	for i := range keys {
		keys[i] = z.Uint64()
	}
	run := func(seed uint64) int64 {
		return replay(cache.Must(cache.Options[uint64, struct{}]{Capacity: 2000, Shards: 4, HashSeed: seed}), keys)
	}
	first := run(7)
	for range 3 {
		if got := run(7); got != first {
			t.Fatalf("HashSeed 7: %d hits, then %d", first, got)
		}
	}
	// Named string keys hash too, and differently from another seed's.
	type name string
	a := cache.Must(cache.Options[name, int]{Capacity: 10, HashSeed: 1})
	a.Store("x", 1)
	if v, ok := a.Load("x"); !ok || v != 1 {
		t.Fatalf("Load(x) = %d, %v with a HashSeed", v, ok)
	}
}

func TestHashSeed_RejectsKeysItCannotHash(t *testing.T) {
	type point struct{ x, y int }
	_, err := cache.New(cache.Options[point, int]{Capacity: 10, HashSeed: 1})
	if !errors.Is(err, cache.ErrInvalidOptions) || !strings.Contains(err.Error(), "HashSeed needs integer or string keys") {
		t.Fatalf("New with HashSeed and struct keys: %v", err)
	}
	if _, err := cache.New(cache.Options[point, int]{Capacity: 10}); err != nil {
		t.Fatalf("struct keys without HashSeed: %v", err)
	}
}
