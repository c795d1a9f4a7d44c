package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpath/hotpath/internal/wait"
)

// ErrLoaderPanicked is the error a goroutine waiting for another's load
// gets when that load's function panicked (or called runtime.Goexit). The
// goroutine that ran it gets the panic itself.
var ErrLoaderPanicked = errors.New("cache: the loader panicked")

// errNoValue is the outcome of a bulk load that returned no value for a key;
// a goroutine waiting on it for that key runs its own load.
var errNoValue = errors.New("cache: the loader returned no value for the key")

// call is one load or refresh of a key in flight. It is registered in its
// shard's calls map, under the shard's lock, from before the load function
// runs until its result is stored, so that one key has at most one call at a
// time; other goroutines that want the key wait on it.
type call[V any] struct {
	done    atomic.Bool // set once val, err and retry are final
	waiters wait.Set
	val     V
	err     error
	// retry is set when the failure says nothing about the key: the runner's
	// own ctx ended, the call was a refresh, or a bulk load returned no
	// value for it. A waiter then runs its own load instead of failing.
	retry   bool
	refresh bool // a background refresh, not a load; written before the call is shared
	// The Weigher's and Expiry's verdicts on val (see measure), taken by
	// the goroutine that ran the load, before finish.
	weight uint32
	ttl    int64

	// Protected by the shard's lock; see invalidateLocked.
	stale   bool // cancelled by a delete (a load) or dropped after a write (a refresh)
	hasSeen bool // a cancelled load found a value under the key: seen
	seen    V
}

// errRefreshDropped is the outcome of a refresh overtaken by a write; a
// goroutine waiting on it loads the key itself.
var errRefreshDropped = errors.New("cache: refresh overtaken by a write")

// wait parks until the call is done or ctx ends.
func (c *call[V]) wait(ctx context.Context) error {
	_, err := wait.Until(ctx, &c.waiters, 0, func() (struct{}, bool) { return struct{}{}, c.done.Load() })
	return err
}

// background tracks the refresh goroutines, so that Close can stop them.
type background struct {
	ctx    context.Context // the refreshes' context, cancelled by Cancel
	cancel context.CancelFunc
	done   atomic.Bool // set by Cancel; read by hits, so a closed cache's hits skip the write lock
	mu     sync.Mutex
	closed bool           // protected by mu
	wg     sync.WaitGroup // Add under mu while !closed
}

func (b *background) init() { b.ctx, b.cancel = context.WithCancel(context.Background()) }

// add registers a new goroutine; false once closed.
func (b *background) add() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	return true
}

// Cancel stops new refreshes and cancels the context of those running,
// without waiting for them. It is what a cleanup of a dropped cache calls.
func (e *Engine[K, V]) Cancel() {
	e.bg.mu.Lock()
	e.bg.closed = true
	e.bg.done.Store(true)
	e.bg.mu.Unlock()
	e.bg.cancel()
}

// Close cancels as Cancel does and waits for running refreshes to return.
func (e *Engine[K, V]) Close() {
	e.Cancel()
	e.bg.wg.Wait()
}

// LoadOrCompute returns the live value for key or computes, stores and
// returns it, with one compute per key at a time.
func (e *Engine[K, V]) LoadOrCompute(ctx context.Context, key K,
	compute func(ctx context.Context, key K) (V, error)) (V, error) {
	if v, ok := e.Load(key); ok {
		return v, nil
	}
	return e.ComputeMissing(ctx, key, compute)
}

// ComputeMissing is LoadOrCompute after a Load that missed (and counted the
// miss), for callers that inline the hit.
func (e *Engine[K, V]) ComputeMissing(ctx context.Context, key K,
	compute func(ctx context.Context, key K) (V, error)) (V, error) {
	var zero V
	for {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		s, h := e.shardFor(key)
		v, c, own, stale := e.claim(s, key, h)
		if c == nil {
			return v, nil // it arrived meanwhile
		}
		if own {
			return e.runLoad(ctx, s, key, c, compute)
		}
		if err := c.wait(ctx); err != nil {
			return zero, err
		}
		if stale {
			continue // joined a load a delete had cancelled: its value predates the delete
		}
		if c.err == nil {
			return c.val, nil
		}
		if !c.retry {
			return zero, c.err
		}
	}
}

// claim finds key live (returning its value and a nil call), or the call
// loading it, or registers a new call that the caller owns and must run.
// stale reports that the call found had already been cancelled by a delete:
// the caller must wait for it (one load at a time) and then load afresh. h
// is the hash of key that chose s.
func (e *Engine[K, V]) claim(s *shard[K, V], key K, h uint64) (v V, c *call[V], own, stale bool) {
	now := e.lockAt(s, false)
	if n := s.liveLocked(key, h, now); n != nil {
		v = n.Value
		e.hitLocked(s, n, now)
	} else if c = s.calls[key]; c != nil {
		stale = c.stale
	} else {
		c, own = &call[V]{}, true
		if s.calls == nil {
			s.calls = make(map[K]*call[V])
		}
		s.calls[key] = c
	}
	s.unlock()
	s.deliver()
	return v, c, own, stale
}

// runLoad runs compute for a call the caller owns, stores a success, and
// wakes the waiters. If compute panics, the waiters get ErrLoaderPanicked
// and the panic goes on up the caller's stack.
func (e *Engine[K, V]) runLoad(ctx context.Context, s *shard[K, V], key K, c *call[V],
	compute func(ctx context.Context, key K) (V, error)) (v V, err error) {
	start := e.now()
	normal := false
	defer func() {
		if normal {
			return
		}
		r := recover()
		c.err = panicError(r)
		d := e.countLoad(s, false, start)
		e.finish(s, key, c, false)
		e.reportLoad(false, d)
		if r != nil {
			panic(r)
		}
	}()
	v, err = compute(ctx, key)
	if err == nil {
		e.measure(key, v, c)
	}
	normal = true
	c.val, c.err = v, err
	c.retry = err != nil && (ctx.Err() != nil || errors.Is(err, errNoValue))
	d := e.countLoad(s, err == nil, start)
	e.finish(s, key, c, err == nil)
	e.reportLoad(err == nil, d)
	return c.val, err
}

func panicError(r any) error {
	if r == nil {
		return fmt.Errorf("%w (or called runtime.Goexit)", ErrLoaderPanicked)
	}
	return fmt.Errorf("%w: %v", ErrLoaderPanicked, r)
}

// finish unregisters c and settles its outcome under the shard's lock, so
// that the load takes effect at one instant (its linearization point), then
// wakes its waiters. A successful load stores its value unless the key got
// one meanwhile, in which case that value is the outcome (the cache's value
// wins), or it was cancelled by a delete (see invalidateLocked). A
// successful refresh replaces the value unless a write overtook it.
func (e *Engine[K, V]) finish(s *shard[K, V], key K, c *call[V], ok bool) {
	w, ttl := c.weight, c.ttl
	var now int64
	if ok {
		now = e.timeBefore(s, ttl > 0)
	}
	s.lock()
	if s.calls[key] == c {
		delete(s.calls, key)
	}
	switch {
	case !ok:
	case c.stale && c.refresh:
		c.err = errRefreshDropped
	case c.stale:
		if c.hasSeen {
			c.val = c.seen
		}
	default:
		now = e.maintainLocked(s, now)
		h := s.m.Hash(key)
		n := s.liveLocked(key, h, now)
		switch {
		case n == nil:
			e.insertLocked(s, key, h, c.val, w, now, ttl)
		case c.refresh:
			e.updateLocked(s, n, c.val, w, now, ttl)
		default:
			c.val = n.Value
		}
	}
	s.unlock()
	c.done.Store(true)
	c.waiters.NotifyAll()
	s.deliver()
}

// measure records in c the weight and time to live of v, a value loaded
// for key, before the load is counted and finished. Its callers call it
// where a panic counts as the loader's: the Weigher and Expiry are the
// user's, and one that panicked inside finish left the load registered and
// its waiters blocked until their contexts ended.
func (e *Engine[K, V]) measure(key K, v V, c *call[V]) {
	c.weight, c.ttl = e.weightOf(key, v), e.TTLOf(key, v)
}

// countLoad counts a load's outcome and time in the shard's statistics and
// returns the time, for reportLoad. It runs before finish publishes the
// outcome, so that whoever sees a loaded value, or wakes from waiting for
// it, finds the load counted in Stats.
func (e *Engine[K, V]) countLoad(s *shard[K, V], ok bool, start int64) time.Duration {
	d := time.Duration(max(e.now()-start, 0))
	s.loadNanos.Add(int64(d))
	if ok {
		s.loadSuccesses.Add(1)
	} else {
		s.loadFailures.Add(1)
	}
	return d
}

// reportLoad hands a counted load to the user's Recorder. It runs after
// finish, so that a Recorder that panics cannot leave a load unfinished and
// its waiters blocked.
func (e *Engine[K, V]) reportLoad(ok bool, d time.Duration) {
	switch {
	case e.rec == nil:
	case ok:
		e.rec.RecordLoadSuccess(d)
	default:
		e.rec.RecordLoadFailure(d)
	}
}

// LoadOrComputeAll returns the live values of keys, computing the missing
// ones with one call of compute. Keys another goroutine is loading are
// waited for, not computed twice. Keys compute returns no value for are left
// out of the result; values it returns for keys not asked for are stored.
func (e *Engine[K, V]) LoadOrComputeAll(ctx context.Context, keys []K,
	compute func(ctx context.Context, missing []K) (map[K]V, error)) (map[K]V, error) {
	result := make(map[K]V, len(keys))
	type pending struct {
		key   K
		s     *shard[K, V]
		c     *call[V]
		stale bool // joined a call a delete had cancelled: load afresh after it
	}
	var owned, waits []pending
	seen := make(map[K]struct{}, len(keys))
	for _, k := range keys {
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		if v, ok := e.Load(k); ok {
			result[k] = v
			continue
		}
		s, h := e.shardFor(k)
		v, c, own, stale := e.claim(s, k, h)
		switch {
		case c == nil:
			result[k] = v
		case own:
			owned = append(owned, pending{k, s, c, false})
		default:
			waits = append(waits, pending{k, s, c, stale})
		}
	}
	if len(owned) > 0 {
		missing := make([]K, len(owned))
		for i, p := range owned {
			missing[i] = p.key
		}
		start := e.now()
		normal := false
		defer func() {
			if normal {
				return
			}
			r := recover()
			d := e.countLoad(owned[0].s, false, start)
			for _, p := range owned {
				p.c.err = panicError(r)
				e.finish(p.s, p.key, p.c, false)
			}
			e.reportLoad(false, d)
			if r != nil {
				panic(r)
			}
		}()
		m, err := compute(ctx, missing)
		if err == nil {
			for _, p := range owned {
				if v, ok := m[p.key]; ok {
					e.measure(p.key, v, p.c)
				}
			}
		}
		normal = true
		d := e.countLoad(owned[0].s, err == nil, start)
		if err != nil {
			retry := ctx.Err() != nil
			for _, p := range owned {
				p.c.err, p.c.retry = err, retry
				e.finish(p.s, p.key, p.c, false)
			}
			e.reportLoad(false, d)
			return nil, err
		}
		for _, p := range owned {
			v, ok := m[p.key]
			if ok {
				p.c.val = v
			} else {
				p.c.err, p.c.retry = errNoValue, true
			}
			e.finish(p.s, p.key, p.c, ok)
			if ok {
				result[p.key] = p.c.val
			}
		}
		e.reportLoad(true, d)
		for k, v := range m {
			if _, asked := seen[k]; !asked {
				e.Store(k, v, e.TTLOf(k, v))
			}
		}
	}
	for _, p := range waits {
		if err := p.c.wait(ctx); err != nil {
			return nil, err
		}
		if p.c.err == nil && !p.stale {
			result[p.key] = p.c.val
			continue
		}
		if !p.c.retry && !p.stale {
			return nil, p.c.err
		}
		v, err := e.LoadOrCompute(ctx, p.key, func(ctx context.Context, k K) (V, error) {
			m, err := compute(ctx, []K{k})
			if err != nil {
				var zero V
				return zero, err
			}
			v, ok := m[k]
			if !ok {
				return v, errNoValue
			}
			return v, nil
		})
		switch {
		case err == nil:
			result[p.key] = v
		case !errors.Is(err, errNoValue):
			return nil, err
		}
	}
	return result, nil
}

// startRefresh reloads key in the background if it is still due and no load
// or refresh of it is in flight.
func (e *Engine[K, V]) startRefresh(s *shard[K, V], key K) {
	e.refreshEntry(s, key, s.m.Hash(key), true)
}

// Refreshes reports whether the engine has a refresh function.
func (e *Engine[K, V]) Refreshes() bool { return e.refresh != nil }

// Refresh starts a refresh of key's live entry now, due or not (see
// refreshEntry); the engine must have a refresh function (Refreshes).
func (e *Engine[K, V]) Refresh(key K) bool {
	s, h := e.shardFor(key)
	return e.refreshEntry(s, key, h, false)
}

// refreshEntry starts a refresh of key's live entry, whose hash is h, and
// reports whether it did: not when a load or refresh of the key is in
// flight (it will do), nor once the engine is closed, nor, if due is set,
// when the entry was written less than refreshAfter ago.
func (e *Engine[K, V]) refreshEntry(s *shard[K, V], key K, h uint64, due bool) bool {
	now := e.now() // before the lock: see timeBefore
	s.lock()
	n := s.m.Get(key, h)
	if n == nil || !n.Live() || n.Expired(now) || s.calls[key] != nil ||
		due && now-s.aux[n].born < e.refreshAfter || !e.bg.add() {
		s.unlock()
		return false
	}
	c := &call[V]{retry: true, refresh: true}
	if s.calls == nil {
		s.calls = make(map[K]*call[V])
	}
	s.calls[key] = c
	old := n.Value
	s.unlock()
	go e.runRefresh(s, key, old, c)
	return true
}

// runRefresh is the goroutine of one refresh. A refresh function that panics
// counts as a failed refresh: there is no caller for the panic to reach.
func (e *Engine[K, V]) runRefresh(s *shard[K, V], key K, old V, c *call[V]) {
	defer e.bg.wg.Done()
	start := e.now()
	normal := false
	defer func() {
		if !normal {
			c.err = panicError(recover())
			d := e.countLoad(s, false, start)
			e.finish(s, key, c, false)
			e.reportLoad(false, d)
		}
	}()
	v, err := e.refresh(e.bg.ctx, key, old)
	if err == nil {
		e.measure(key, v, c)
	}
	normal = true
	c.val, c.err = v, err
	d := e.countLoad(s, err == nil, start)
	e.finish(s, key, c, err == nil)
	e.reportLoad(err == nil, d)
}
