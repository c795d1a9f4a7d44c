package cache

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"weak"
)

// reclaimInterval is how often the background goroutine reclaims expired
// entries: the span of the timer wheel's finest bucket (about 1.07 s), so an
// expired entry's memory is held for at most about two seconds even when the
// cache sees no writes.
const reclaimInterval = time.Second

// reclaimer is the one goroutine a cache may start. It is allocated apart
// from the Cache so that a cleanup attached to the Cache can reach it without
// keeping the Cache alive; the goroutine itself holds the Cache only through
// a weak pointer. So a cache dropped without Close is still collected, and
// its cleanup stops the goroutine.
type reclaimer struct {
	settled atomic.Bool // started or closed: nothing left for start to do
	mu      sync.Mutex
	started bool          // protected by mu
	closed  bool          // protected by mu
	stop    chan struct{} // closed to stop the goroutine; protected by mu
}

// startReclaimer starts c's goroutine unless it runs already or c is closed.
func startReclaimer[K comparable, V any](c *Cache[K, V]) {
	r := c.bg
	if r.settled.Load() {
		return // the fast path of every StoreTTL after the first
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started || r.closed {
		return
	}
	r.started = true
	r.settled.Store(true)
	r.stop = make(chan struct{})
	runtime.AddCleanup(c, func(r *reclaimer) { r.close() }, r)
	go reclaimLoop(weak.Make(c), r.stop)
}

// reclaimLoop reclaims expired entries every reclaimInterval until stop is
// closed or the cache is collected.
func reclaimLoop[K comparable, V any](wc weak.Pointer[Cache[K, V]], stop <-chan struct{}) {
	t := time.NewTicker(reclaimInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		c := wc.Value()
		if c == nil {
			return
		}
		c.eng.Expire()
	}
}

// close stops the goroutine; later starts do nothing. It is idempotent.
func (r *reclaimer) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	r.settled.Store(true)
	if r.stop != nil {
		close(r.stop)
	}
}
