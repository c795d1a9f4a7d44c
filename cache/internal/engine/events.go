package engine

import "sync"

// event is one call of the eviction listener, or of the Recorder's
// RecordEviction (cause recordEviction), waiting to be made.
type event[K comparable, V any] struct {
	key    K
	value  V
	cause  Cause
	weight uint32 // for recordEviction
}

// eventQueue holds a shard's listener calls, and its Recorder's
// RecordEviction calls, until they can be made outside the shard's lock:
// a user's callback that panics must not leave the lock held or an
// eviction half done. Events are pushed under the shard's write lock, so the
// queue's order is the order in which they happened; one goroutine at a
// time delivers them, in that order, so the listener is never called
// concurrently for one shard and sees each key's events in order.
//
// Whoever finds the queue non-empty and nobody delivering becomes the
// deliverer and keeps going until the queue is empty, including the events
// other goroutines push meanwhile (those goroutines return at once instead
// of waiting). A listener that uses the cache re-enters deliver, finds a
// deliverer at work (itself) and returns, so it cannot deadlock.
type eventQueue[K comparable, V any] struct {
	mu         sync.Mutex
	q          []event[K, V] // waiting events, oldest first; protected by mu
	spare      []event[K, V] // an emptied batch kept for reuse; protected by mu
	delivering bool          // a goroutine is calling the listener; protected by mu
}

// push queues an event. The caller holds the shard's write lock.
func (q *eventQueue[K, V]) push(key K, value V, cause Cause) {
	q.add(event[K, V]{key: key, value: value, cause: cause})
}

// pushEviction queues a RecordEviction call for an eviction of weight w.
// The caller holds the shard's write lock.
func (q *eventQueue[K, V]) pushEviction(w uint32) {
	q.add(event[K, V]{cause: recordEviction, weight: w})
}

func (q *eventQueue[K, V]) add(ev event[K, V]) {
	q.mu.Lock()
	q.q = append(q.q, ev)
	q.mu.Unlock()
}

// deliver makes the waiting calls of the listener and the Recorder, if
// there are any. It is called with no lock held after every operation that
// may have queued events.
func (s *shard[K, V]) deliver() {
	if s.queued {
		s.deliverSlow()
	}
}

// Outlined slow path so that deliver inlines into every write.
func (s *shard[K, V]) deliverSlow() {
	q := &s.events
	q.mu.Lock()
	if q.delivering || len(q.q) == 0 {
		q.mu.Unlock()
		return
	}
	q.delivering = true
	for {
		batch := q.q
		q.q = q.spare[:0]
		q.spare = nil
		q.mu.Unlock()
		s.callEvents(batch)
		clear(batch) // drop the references to keys and values
		q.mu.Lock()
		q.spare = batch[:0]
		if len(q.q) == 0 {
			q.delivering = false
			q.mu.Unlock()
			return
		}
	}
}

// callEvents makes the call each event of batch stands for: the
// listener's, or the Recorder's RecordEviction. If the callback panics,
// the events after the one that panicked go back to the front of the
// queue, to be delivered by the next operation on the shard, and the panic
// goes on to the caller: every event is delivered exactly once.
func (s *shard[K, V]) callEvents(batch []event[K, V]) {
	i := 0
	defer func() {
		if i == len(batch) {
			return
		}
		q := &s.events
		q.mu.Lock()
		rest := append(append([]event[K, V](nil), batch[i+1:]...), q.q...)
		q.q = rest
		q.delivering = false
		q.mu.Unlock()
	}()
	for ; i < len(batch); i++ {
		ev := &batch[i]
		if ev.cause == recordEviction {
			s.rec.RecordEviction(ev.weight)
		} else {
			s.onEvict(ev.key, ev.value, ev.cause)
		}
	}
}
