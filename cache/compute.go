package cache

import (
	"fmt"

	"github.com/hotpath/hotpath/cache/internal/engine"
)

// ComputeOp is what the function given to [Cache.Compute] asks it to do
// with the key's entry.
type ComputeOp int

// The operations.
const (
	// CancelOp leaves the key as it was: an absent key stays absent and a
	// present entry keeps its value; the function's value is ignored.
	CancelOp ComputeOp = ComputeOp(engine.CancelOp)
	// WriteOp stores the function's value for the key, creating the entry
	// if there was none, as [Cache.Store] does.
	WriteOp ComputeOp = ComputeOp(engine.WriteOp)
	// DeleteOp removes the key's entry, if there is one, as [Cache.Delete]
	// does: a load of the key in flight ([Cache.LoadOrCompute]) then
	// stores nothing, so the function's decision is not undone by a value
	// loaded before it.
	DeleteOp ComputeOp = ComputeOp(engine.DeleteOp)
)

// String returns the operation's name.
func (op ComputeOp) String() string {
	switch op {
	case CancelOp:
		return "CancelOp"
	case WriteOp:
		return "WriteOp"
	case DeleteOp:
		return "DeleteOp"
	}
	return fmt.Sprintf("ComputeOp(%d)", int(op))
}

// Compute reads, changes or deletes the entry for key in one atomic step:
// it calls f with the key's value (old, and loaded true) or, if the key is
// absent or has expired, the zero V and false, and then does what f's op
// says (see [ComputeOp]). No other write of key can come between f's read
// and Compute's write, so f can increment a counter, append to a value or
// delete an entry that meets a condition without losing a concurrent
// update. Compute returns the value the key holds afterwards, and whether
// it holds one: false after DeleteOp, after CancelOp on an absent key, and
// after a WriteOp whose value was heavier than its shard's capacity (see
// [Options.Weigher]) or was evicted at once by the policy.
//
// A WriteOp's entry expires as [Cache.Store]'s would ([Options.TTL],
// [Options.Expiry]), and a WriteOp or DeleteOp made while
// [Cache.LoadOrCompute] loads key acts as Store or Delete does then.
// OnEvict sees Replaced for a value a WriteOp overwrites and Deleted for
// an entry DeleteOp removes. Compute counts no hit or miss in
// [Cache.Stats], and an entry that f leaves alone does not count as used
// for eviction.
//
// WARNING: f runs while Compute holds the lock of key's shard, and so do
// [Options.Weigher] and [Options.Expiry] for a WriteOp's value (elsewhere
// they run with no lock held). Other operations on the keys of that shard
// wait meanwhile, so f must be short, and none of the three may use this
// cache: its locks are not reentrant, and such a call may deadlock. If f
// panics, or returns an op that is none of the three, the panic reaches
// the caller and the entry is left as it was.
func (c *Cache[K, V]) Compute(key K, f func(old V, loaded bool) (V, ComputeOp)) (actual V, ok bool) {
	if f == nil {
		panic("cache: Compute with a nil function")
	}
	return c.eng.Compute(key, func(old V, loaded bool) (V, engine.ComputeOp) {
		v, op := f(old, loaded)
		return v, engine.ComputeOp(op)
	})
}
