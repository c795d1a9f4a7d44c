package cache

import (
	"expvar"
	"time"
)

// Stats are a cache's counters since it was created. Hits and Misses count
// the lookups of [Cache.Load], [Cache.LoadOrStore], [Cache.LoadOrCompute]
// and [Cache.LoadOrComputeAll] (one per key); the counters are striped
// across the shards, so counting never becomes the point of contention.
type Stats struct {
	Hits          uint64        `json:"hits"`           // lookups that found a live entry
	Misses        uint64        `json:"misses"`         // lookups that found none
	Evictions     uint64        `json:"evictions"`      // entries removed to make room
	EvictedWeight uint64        `json:"evicted_weight"` // their total weight (= Evictions without a Weigher)
	Expirations   uint64        `json:"expirations"`    // entries removed because they expired
	Rejections    uint64        `json:"rejections"`     // writes not stored: heavier than a shard's capacity
	LoadSuccesses uint64        `json:"load_successes"` // loads and refreshes that returned a value
	LoadFailures  uint64        `json:"load_failures"`  // loads and refreshes that returned an error or panicked
	LoadTime      time.Duration `json:"load_time_ns"`   // total time spent in loads and refreshes
}

// HitRatio returns Hits / (Hits + Misses), or 0 before any lookup.
func (s Stats) HitRatio() float64 {
	total := s.Hits + s.Misses
	if total == 0 {
		return 0
	}
	return float64(s.Hits) / float64(total)
}

// AverageLoadTime returns LoadTime / (LoadSuccesses + LoadFailures), or 0
// before any load.
func (s Stats) AverageLoadTime() time.Duration {
	n := s.LoadSuccesses + s.LoadFailures
	if n == 0 {
		return 0
	}
	return s.LoadTime / time.Duration(n)
}

// StatsRecorder receives a cache's statistics as they happen (see
// [Options.StatsRecorder]). The method set is otter's stats.Recorder's, so
// adapters for Prometheus or OpenTelemetry can serve both.
//
// None is called with a lock held. RecordHits and RecordMisses are called
// on the lookup's goroutine; RecordEviction after the write that evicted
// releases the shard's lock, in the order of the shard's evictions, along
// with the shard's OnEvict calls and by the goroutine that delivers them;
// RecordLoadSuccess and RecordLoadFailure after a load or refresh. All may
// be called concurrently.
type StatsRecorder interface {
	RecordHits(count int)
	RecordMisses(count int)
	RecordEviction(weight uint32)
	RecordLoadSuccess(loadTime time.Duration)
	RecordLoadFailure(loadTime time.Duration)
}

// Expvar returns the cache's [Stats] as an [expvar.Var], to publish with
// expvar.Publish(name, c.Expvar()): /debug/vars then shows the counters,
// the hit ratio, the capacity ([Cache.Capacity]) and how much of it is in
// use ([Cache.Weight]: the entries, without a Weigher) as JSON. Each read
// takes every shard's read lock in turn, for the weight. A published Var
// keeps the cache reachable.
func (c *Cache[K, V]) Expvar() expvar.Var {
	return expvar.Func(func() any {
		s := c.Stats()
		return struct {
			Stats
			HitRatio float64 `json:"hit_ratio"`
			Capacity int     `json:"capacity"`
			Weight   int64   `json:"weight"`
		}{s, s.HitRatio(), c.Capacity(), c.Weight()}
	})
}
