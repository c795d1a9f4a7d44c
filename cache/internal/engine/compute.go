package engine

import "fmt"

// ComputeOp is what a Compute function asks for; the facade documents it.
type ComputeOp int

// The operations, in the facade's order.
const (
	CancelOp ComputeOp = iota // leave the key as it is
	WriteOp                   // store the function's value
	DeleteOp                  // remove the key's entry
)

// Compute calls f with the live value for key (loaded false and the zero V
// if there is none) while it holds the key's shard lock, and then does what
// f asks: nothing, store its value with the TTL that a write of it gets
// (TTLOf), or delete the entry. It returns the value the key holds
// afterwards and whether it holds one.
//
// A write or delete goes through the same steps as Store and Delete (a
// load in flight finds the written value when it completes, or after a
// delete stores nothing; a refresh in flight is dropped), and the weigher
// and the expiry function run under the lock, after f. Nothing counts as a hit or
// a miss, and an entry that f leaves alone is not counted as used: Compute
// is a write that may decide not to write.
//
// f, the weigher and the expiry function are the user's and may panic; so
// may an unknown op. Each runs before the shard changes, and the deferred
// unlock leaves the shard as it was, less any entries that had expired.
func (e *Engine[K, V]) Compute(key K, f func(old V, loaded bool) (V, ComputeOp)) (actual V, ok bool) {
	s, h := e.shardFor(key)
	defer s.deliver()
	now := e.lockAt(s, e.ttl > 0 || e.ttlFor != nil) // a write's TTL is not known before f runs
	defer s.unlock()
	var old V
	n := s.liveLocked(key, h, now)
	if n != nil {
		old = n.Value
	}
	v, op := f(old, n != nil)
	switch op {
	case CancelOp:
		return old, n != nil
	case DeleteOp:
		s.invalidateLocked(key, true) // as Delete: a load in flight stores nothing
		if n != nil {
			s.removeLocked(n, Deleted)
		}
		var zero V
		return zero, false
	case WriteOp:
		w, ttl := e.weightOf(key, v), e.TTLOf(key, v)
		s.invalidateLocked(key, false)
		if n != nil {
			e.updateLocked(s, n, v, w, now, ttl)
		} else {
			e.insertLocked(s, key, h, v, w, now, ttl)
		}
		// The write may have been rejected (heavier than the shard), or
		// evicted at once by the policy's admission.
		if s.m.Get(key, h) == nil {
			var zero V
			return zero, false
		}
		return v, true
	}
	panic(fmt.Sprintf("cache: Compute's function returned ComputeOp(%d), which is none of CancelOp, WriteOp and DeleteOp", int(op)))
}
