package cache_test

import (
	"context"
	"errors"
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
		{"Refresh without RefreshAfter", cache.Options[int, int]{Capacity: 10, Refresh: refreshNop}, "Refresh is set but RefreshAfter is 0"},
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
