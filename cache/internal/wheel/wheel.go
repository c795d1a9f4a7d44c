// Package wheel is a hierarchical timer wheel for entry expiry: scheduling,
// rescheduling and cancelling an entry are O(1), and advancing time costs
// O(1) amortised per expired entry, with no goroutine or timer per entry.
//
// The layout follows Caffeine's TimerWheel (and otter's and theine's
// copies): five levels whose buckets span about 1.07 s, 1.14 min, 1.22 h,
// 1.63 days and 6.5 days. An entry sits in the coarsest level whose span
// still tells it apart from now; as time passes, a bucket that comes due is
// emptied and each of its entries either expires or drops to a finer level.
package wheel

import "github.com/hotpath/hotpath/cache/internal/node"

// The spans, as powers of two of nanoseconds, and the bucket count of each
// level. A level's total span (buckets × bucket span) is the bucket span of
// the next level, so every delay has exactly one level.
var (
	shifts  = [levels]uint{30, 36, 42, 47, 49}
	buckets = [levels]int64{64, 64, 32, 4, 1}
)

const levels = 5

// Wheel holds the entries of one shard that have an expiry time. The zero
// value is not ready: use [New]. It is not safe for concurrent use; the shard
// lock protects it.
type Wheel[K comparable, V any] struct {
	now   int64                    // the time of the last Advance
	wheel [levels][]sentinel[K, V] // wheel[level][bucket]
	count int                      // entries scheduled
}

// sentinel heads a circular doubly linked list of nodes in one bucket.
type sentinel[K comparable, V any] struct {
	n node.Node[K, V]
}

// Now returns the time of the last Advance (or of New).
func (w *Wheel[K, V]) Now() int64 { return w.now }

// New returns an empty wheel whose clock starts at now.
func New[K comparable, V any](now int64) *Wheel[K, V] {
	w := &Wheel[K, V]{now: now}
	for i := range w.wheel {
		w.wheel[i] = make([]sentinel[K, V], buckets[i])
		for j := range w.wheel[i] {
			s := &w.wheel[i][j].n
			s.WPrev, s.WNext = s, s
		}
	}
	return w
}

// Len reports how many entries are scheduled.
func (w *Wheel[K, V]) Len() int { return w.count }

// Schedule places n, whose ExpireAt is set and non-zero, in its bucket. A node
// already scheduled is moved.
func (w *Wheel[K, V]) Schedule(n *node.Node[K, V]) {
	if n.WNext != nil {
		w.unlink(n)
	}
	head := w.bucket(n.ExpireAt.Load())
	n.WPrev = head.WPrev
	n.WNext = head
	head.WPrev.WNext = n
	head.WPrev = n
	w.count++
}

// Cancel removes n from the wheel if it is scheduled.
func (w *Wheel[K, V]) Cancel(n *node.Node[K, V]) {
	if n.WNext != nil {
		w.unlink(n)
	}
}

// Advance moves the wheel's clock to now and calls expire for every entry
// whose ExpireAt is at or before now, in no particular order. expire must
// remove the entry from the cache; the wheel has already unlinked it.
// Entries in buckets that came due but have not expired are rescheduled.
func (w *Wheel[K, V]) Advance(now int64, expire func(*node.Node[K, V])) {
	prev := w.now
	if now <= prev {
		return
	}
	w.now = now
	for i := range levels {
		prevTicks := prev >> shifts[i]
		nowTicks := now >> shifts[i]
		if nowTicks <= prevTicks {
			break
		}
		w.expireLevel(i, prevTicks, nowTicks-prevTicks, now, expire)
	}
}

// ExpireDue calls expire for every entry that has expired by now, including
// those in buckets that have not come due yet (the current finest bucket
// holds entries due within about a second). It costs a scan of the current
// bucket of every level, so it is for exact counts (Len), not the write path.
func (w *Wheel[K, V]) ExpireDue(now int64, expire func(*node.Node[K, V])) {
	w.Advance(now, expire)
	for i := range levels {
		head := &w.wheel[i][(now>>shifts[i])&(buckets[i]-1)].n
		for n := head.WNext; n != head; {
			next := n.WNext
			if n.ExpireAt.Load() <= now {
				w.unlink(n)
				expire(n)
			}
			n = next
		}
	}
}

// Clear forgets every scheduled entry.
func (w *Wheel[K, V]) Clear() {
	for i := range w.wheel {
		for j := range w.wheel[i] {
			head := &w.wheel[i][j].n
			for n := head.WNext; n != head; {
				next := n.WNext
				n.WPrev, n.WNext = nil, nil
				n = next
			}
			head.WPrev, head.WNext = head, head
		}
	}
	w.count = 0
}

func (w *Wheel[K, V]) expireLevel(level int, prevTicks, delta, now int64, expire func(*node.Node[K, V])) {
	mask := buckets[level] - 1
	steps := min(delta+1, buckets[level])
	start := prevTicks & mask
	for s := range steps {
		head := &w.wheel[level][(start+s)&mask].n
		// Detach the bucket so entries rescheduled into it are not seen
		// again in this pass.
		first, last := head.WNext, head.WPrev
		if first == head {
			continue
		}
		head.WPrev, head.WNext = head, head
		last.WNext = nil
		for n := first; n != nil; {
			next := n.WNext
			n.WPrev, n.WNext = nil, nil
			w.count--
			if n.ExpireAt.Load() <= now {
				expire(n)
			} else {
				w.Schedule(n)
			}
			n = next
		}
	}
}

// bucket returns the head of the bucket for an expiry time.
func (w *Wheel[K, V]) bucket(expireAt int64) *node.Node[K, V] {
	// A time already past (a clock that stepped back) goes to the current
	// bucket, which the next Advance visits.
	expireAt = max(expireAt, w.now)
	delay := expireAt - w.now
	for i := range levels - 1 {
		if delay < int64(1)<<shifts[i+1] {
			ticks := expireAt >> shifts[i]
			return &w.wheel[i][ticks&(buckets[i]-1)].n
		}
	}
	// Beyond the last level's span: park in the coarsest bucket; Advance
	// reschedules it every time that bucket comes due.
	ticks := expireAt >> shifts[levels-1]
	return &w.wheel[levels-1][ticks&(buckets[levels-1]-1)].n
}

func (w *Wheel[K, V]) unlink(n *node.Node[K, V]) {
	n.WPrev.WNext = n.WNext
	n.WNext.WPrev = n.WPrev
	n.WPrev, n.WNext = nil, nil
	w.count--
}
