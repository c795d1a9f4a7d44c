package cache

// Stats are a cache's counters. Hits and Misses count the lookups of
// [Cache.Load] and [Cache.LoadOrStore]; the counters are striped, so
// counting never becomes the point of contention.
type Stats struct {
	Hits        uint64 // lookups that found a live entry
	Misses      uint64 // lookups that found none
	Evictions   uint64 // entries removed to make room
	Expirations uint64 // entries removed because they expired
}

// HitRatio returns Hits / (Hits + Misses), or 0 before any lookup.
func (s Stats) HitRatio() float64 {
	total := s.Hits + s.Misses
	if total == 0 {
		return 0
	}
	return float64(s.Hits) / float64(total)
}
