package cache

import (
	"fmt"

	"github.com/hotpath/hotpath/cache/internal/engine"
)

// Cause is why [Options.OnEvict] was called for an entry.
//
// The listener's guarantees:
//   - It is called exactly once per event, with no lock held, so it may use
//     the cache (and a panic in it leaves the cache consistent: the panic
//     reaches the caller, and the events after it are delivered later).
//   - The events of one shard, hence of one key, are delivered one at a
//     time, in the order they happened: for a key stored, overwritten and
//     deleted, Replaced (with the first value) comes before Deleted (with
//     the second). Events of different shards may be delivered
//     concurrently, in any order.
//   - It runs on a goroutine that used the cache, usually the one whose
//     operation caused the event; while one goroutine is delivering a
//     shard's events, others hand theirs to it and return without waiting.
//     So an operation may return before its events have been delivered, and
//     a slow listener slows only the goroutine delivering.
//   - Entries removed by expiry are reported when they are reclaimed
//     (by a write to their shard, [Cache.Len], or the background reclaimer
//     about once a second), not the instant they expire. When the
//     background reclaimer delivers, the listener runs on its goroutine,
//     where a panic ends the program as in any goroutine.
type Cause int

// The causes. Every cause but Rejected is of an entry that was in the cache.
const (
	Evicted  Cause = Cause(engine.Evicted)  // removed to keep its shard within capacity
	Expired  Cause = Cause(engine.Expired)  // its time to live ran out
	Deleted  Cause = Cause(engine.Deleted)  // removed by Delete, LoadAndDelete, CompareAndDelete, Compute's DeleteOp or Clear
	Replaced Cause = Cause(engine.Replaced) // its value was overwritten by a write or a refresh (the old value is passed)
	Rejected Cause = Cause(engine.Rejected) // a write heavier than its shard's capacity, not stored
)

// String returns the cause's name.
func (c Cause) String() string {
	switch c {
	case Evicted:
		return "Evicted"
	case Expired:
		return "Expired"
	case Deleted:
		return "Deleted"
	case Replaced:
		return "Replaced"
	case Rejected:
		return "Rejected"
	}
	return fmt.Sprintf("Cause(%d)", int(c))
}
