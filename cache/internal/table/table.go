// Package table is the hash table that maps keys to a shard's nodes: open
// addressing over groups of seven node pointers, each group one cache line
// with a control word in front, in the manner of Abseil's Swiss tables.
//
// A shard could use a Go map[K]*Node instead, and did. This table exists for
// three reasons, which together took the cache from 110.7 to 86.0 bytes per
// entry at a million int entries and made the throughput benchmark's hotpath
// rows 21 % faster on the geomean (benchmarks/, BenchmarkCacheMemory and
// BenchmarkCache):
//
//   - The key is not stored twice. A Go map keeps its own copy of every key
//     beside the pointer to the node that holds the key again; this table
//     keeps only the pointer and compares against the node's key.
//   - A lookup reads one cache line of table per group it probes (1.2
//     groups for a hit in a full table, see maxLoadNum) before it reads the
//     node. A Go map's group is 8 control bytes and 8 key/pointer slots of
//     16 bytes (for an int key) — 136 bytes, three lines — and a lookup
//     reads the control word and then the slot, often on another line.
//   - The shard already has the key's hash (it chose the shard by it), and
//     knows how many entries it will ever hold, so the table is given the
//     hash instead of computing it again and is sized for its shard's
//     capacity instead of in powers of two.
//
// The table is not safe for concurrent use; the shard's lock protects it,
// and readers that hold the read lock may call Get concurrently with one
// another.
package table

import (
	"iter"
	"math/bits"

	"github.com/hotpath/hotpath/cache/internal/node"
)

// A group's control word holds one byte per slot, slot i in bits 8i to
// 8i+7: empty (0x80) or, for a full slot, seven bits h2 of its key's hash
// (0x00–0x7F). The eighth byte, bits 56–63, is the group's overflow count
// (as in Meta's F14 tables): the number of entries whose probe passed this
// group because it was full. A lookup stops at the first group with a zero
// count, and a removal walks its probe again and lowers the counts, so the
// table needs no tombstones, never rebuilds itself to clear them, and a
// slot is free again the moment its entry is removed. A count that reaches
// 255 stays there (the group is then always probed past), which is
// conservative, not wrong.
const (
	groupSlots = 7
	ctrlEmpty  = 0x80
	lsbs       = 0x0101010101010101
	slotMSBs   = 0x0080808080808080 // the high bits of the seven slots' bytes
	emptyGroup = slotMSBs           // every slot empty, overflow count 0
	overShift  = 56
	overMax    = 0xFF
	// maxLoadNum/maxLoadDen is the most a table is filled. Overflow
	// counts stay raised while any entry that passed a group remains, so
	// under a cache's churn (remove the victim, insert the newcomer) they
	// make a full table probe further than a fresh one. A simulation (a
	// scratch program, not kept; TestTable_ProbesStayShortUnderChurn
	// repeats its last case) of 100,000 entries replaced five times over
	// gave, in groups probed per
	// lookup (hit / miss): linear probing at 7/8 load 3.7 / 119, at 3/4
	// 1.6 / 6.7; double hashing at 7/8 1.9 / 25, at 3/4 1.33 / 2.7, at
	// 7/10 1.23 / 1.9. Double hashing at 7/10 costs 13.1 bytes per entry.
	maxLoadNum = 7
	maxLoadDen = 10
)

// group is one cache line on 64-bit platforms: the control word and seven
// node pointers.
type group[K comparable, V any] struct {
	ctrl  uint64
	slots [groupSlots]*node.Node[K, V]
}

// Table maps keys to nodes. Its zero value is an empty table that
// allocates on the first Insert; call [Table.Init] to give it a hash
// function (required) and a size hint.
type Table[K comparable, V any] struct {
	groups []group[K, V]
	count  int // full slots
	limit  int // the entries the shard expects to hold at most; a sizing hint
	hash   func(K) uint64
}

// Init prepares t for up to about hint entries now and limit at most (0:
// unknown), hashing keys with hash when it has to resize. Every hash
// passed to t's methods must be hash(key).
func (t *Table[K, V]) Init(hint, limit int, hash func(K) uint64) {
	t.hash = hash
	t.limit = limit
	t.resize(groupsFor(hint))
}

// groupsFor is the number of groups that hold n entries within the load
// limit: a prime, so that every probe step visits every group.
func groupsFor(n int) int {
	slots := (n*maxLoadDen + maxLoadNum - 1) / maxLoadNum
	return nextPrime(max(1, (slots+groupSlots-1)/groupSlots))
}

// nextPrime is the smallest prime >= n, or 1 for n <= 1 (one group needs
// no step). Trial division is enough: it runs once per resize.
func nextPrime(n int) int {
	if n <= 2 {
		return max(1, n)
	}
	for ; ; n++ {
		prime := n%2 != 0
		for d := 3; prime && d*d <= n; d += 2 {
			prime = n%d != 0
		}
		if prime {
			return n
		}
	}
}

// capacityOf is how many slots of g groups may be filled: 7/10 of them, and
// never every one, so that an insert always finds a free slot.
func capacityOf(g int) int {
	return min(g*groupSlots*maxLoadNum/maxLoadDen, g*groupSlots-1)
}

// Hash is the hash of key that t's methods take.
func (t *Table[K, V]) Hash(key K) uint64 { return t.hash(key) }

// SetLimit changes the limit Init set: t then grows up to the new limit as
// it fills, and if it holds no more than limit entries but has more groups
// than limit needs (a shard whose capacity was lowered, and which has
// evicted down to it), it is rebuilt at once with as many as limit needs,
// so that the memory goes back.
func (t *Table[K, V]) SetLimit(limit int) {
	t.limit = limit
	if g := groupsFor(limit); limit > 0 && t.count <= limit && g < len(t.groups) {
		t.resize(g)
	}
}

// Slots is the number of slots t has room for, full or empty (for tests
// of its memory).
func (t *Table[K, V]) Slots() int { return len(t.groups) * groupSlots }

// Len is the number of entries.
func (t *Table[K, V]) Len() int { return t.count }

// h2 is the seven hash bits kept in a control byte. They come from the
// middle of the hash: the low 32 bits choose the group, and the top bits
// chose the shard, so they are the same for every key of a table.
func h2(h uint64) uint64 { return h >> 32 & 0x7F }

// probe is where the probe for hash h begins in n groups, and its step
// (double hashing): the start from the low 32 bits and the step from bits
// 40–55, each mapped onto its range by a multiply and a shift instead of a
// division. The step is in [1, n-1] and n is prime, so a probe visits
// every group before it comes back.
func probe(h uint64, n int) (start, step int) {
	start = int(uint64(uint32(h)) * uint64(n) >> 32)
	step = 1 + int(h>>40&0xFFFF*uint64(n-1)>>16)
	return start, step
}

// next is the group after g in a probe of n groups with step.
func next(g, step, n int) int {
	if g += step; g >= n {
		g -= n
	}
	return g
}

// matchH2 has the high bit set in the byte of every slot whose control
// byte may equal h: a set bit can be a false positive (when the byte below
// matches), never a false negative; it never falls on an empty slot or on
// the overflow count.
func matchH2(ctrl, h uint64) uint64 {
	x := ctrl ^ lsbs*h
	return (x - lsbs) &^ x & slotMSBs
}

// matchEmpty has the high bit set in the byte of every empty slot, and
// matchFull in that of every full one.
func matchEmpty(ctrl uint64) uint64 { return ctrl & slotMSBs }
func matchFull(ctrl uint64) uint64  { return ^ctrl & slotMSBs }

// overflow is the group's overflow count.
func overflow(ctrl uint64) uint64 { return ctrl >> overShift }

// slotOf is the slot of the lowest byte set in a match.
func slotOf(m uint64) int { return bits.TrailingZeros64(m) >> 3 }

// Get returns the node for key, whose hash is h, or nil.
func (t *Table[K, V]) Get(key K, h uint64) *node.Node[K, V] {
	n := len(t.groups)
	if n == 0 {
		return nil
	}
	g, step := probe(h, n)
	tag := h2(h)
	// Every group may have a count above zero, so the probe also ends
	// after it has seen every group.
	for range n {
		grp := &t.groups[g]
		ctrl := grp.ctrl
		for m := matchH2(ctrl, tag); m != 0; m &= m - 1 {
			if nd := grp.slots[slotOf(m)]; nd.Key == key {
				return nd
			}
		}
		if overflow(ctrl) == 0 {
			return nil
		}
		g = next(g, step, n)
	}
	return nil
}

// Insert adds nd, whose key's hash is h. The key must not be in t.
func (t *Table[K, V]) Insert(nd *node.Node[K, V], h uint64) {
	if t.count >= capacityOf(len(t.groups)) {
		t.grow()
	}
	t.place(nd, h)
	t.count++
}

// place puts nd in the first group of its probe with an empty slot,
// counting it in the overflow of every full group it passes.
func (t *Table[K, V]) place(nd *node.Node[K, V], h uint64) {
	n := len(t.groups)
	g, step := probe(h, n)
	for {
		grp := &t.groups[g]
		if m := matchEmpty(grp.ctrl); m != 0 {
			shift := uint(slotOf(m)) * 8
			grp.ctrl = grp.ctrl&^(0xFF<<shift) | h2(h)<<shift
			grp.slots[slotOf(m)] = nd
			return
		}
		if overflow(grp.ctrl) != overMax {
			grp.ctrl += 1 << overShift
		}
		g = next(g, step, n)
	}
}

// Remove takes nd out of t, hashing its key. It finds nd by
// identity, not by key, so a key that is not equal to itself (a NaN) is
// removed too. It panics if nd is not in t: the shard's bookkeeping is
// broken.
func (t *Table[K, V]) Remove(nd *node.Node[K, V]) {
	h := t.hash(nd.Key)
	n := len(t.groups)
	g0, step := probe(h, n)
	tag := h2(h)
	for g, k := g0, 0; k < n; k++ {
		grp := &t.groups[g]
		ctrl := grp.ctrl
		for m := matchH2(ctrl, tag); m != 0; m &= m - 1 {
			if i := slotOf(m); grp.slots[i] == nd {
				t.empty(grp, i)
				t.unwind(g0, g, step)
				return
			}
		}
		if overflow(ctrl) == 0 {
			break
		}
		g = next(g, step, n)
	}
	t.removeLost(nd)
}

// removeLost removes nd where its hash did not lead: a key that is not
// equal to itself (a NaN, or an interface holding one) is hashed at random
// by maphash, as by Go's maps, so its hash is never the same twice. The
// overflow counts its insert raised stay raised, which makes some lookups
// probe further but none wrong. It panics if nd is not in t: the shard's
// bookkeeping is broken.
//
// Outlined slow path so the fast path stays small.
func (t *Table[K, V]) removeLost(nd *node.Node[K, V]) {
	for g := range t.groups {
		grp := &t.groups[g]
		for m := matchFull(grp.ctrl); m != 0; m &= m - 1 {
			if i := slotOf(m); grp.slots[i] == nd {
				t.empty(grp, i)
				return
			}
		}
	}
	panic("table: Remove of a node that is not in the table")
}

// empty frees slot i of grp.
func (t *Table[K, V]) empty(grp *group[K, V], i int) {
	shift := uint(i) * 8
	grp.ctrl = grp.ctrl&^(0xFF<<shift) | ctrlEmpty<<shift
	grp.slots[i] = nil
	t.count--
}

// unwind lowers the overflow count of the groups a probe from g0 passed on
// its way to g, where its entry was.
func (t *Table[K, V]) unwind(g0, g, step int) {
	for k := g0; k != g; k = next(k, step, len(t.groups)) {
		grp := &t.groups[k]
		if overflow(grp.ctrl) != overMax {
			grp.ctrl -= 1 << overShift
		}
	}
}

// grow makes room for more entries: twice as many, but no more than the
// limit while the count is under it, so that a full shard's table is sized
// for the shard's capacity.
func (t *Table[K, V]) grow() {
	target := 2 * (t.count + 1)
	if t.limit > 0 && t.count < t.limit && target > t.limit {
		target = t.limit
	}
	t.resize(max(groupsFor(target), len(t.groups)+1))
}

// resize rebuilds t with g groups.
func (t *Table[K, V]) resize(g int) {
	old := t.groups
	// The allocation is a multiple of 64 bytes, and every Go size class
	// that serves one is too, so each group starts on a cache line, except
	// in tables of 9 to 512 groups, which start after an 8-byte type
	// header (TestGroupsAreLineAligned).
	t.groups = make([]group[K, V], g)
	for i := range t.groups {
		t.groups[i].ctrl = emptyGroup
	}
	for i := range old {
		grp := &old[i]
		for m := matchFull(grp.ctrl); m != 0; m &= m - 1 {
			nd := grp.slots[slotOf(m)]
			t.place(nd, t.hash(nd.Key))
		}
	}
}

// All yields every node. The loop must not change t.
func (t *Table[K, V]) All() iter.Seq[*node.Node[K, V]] {
	return func(yield func(*node.Node[K, V]) bool) {
		for i := range t.groups {
			grp := &t.groups[i]
			for m := matchFull(grp.ctrl); m != 0; m &= m - 1 {
				if !yield(grp.slots[slotOf(m)]) {
					return
				}
			}
		}
	}
}

// Clear removes every entry, keeping the memory.
func (t *Table[K, V]) Clear() {
	for i := range t.groups {
		t.groups[i] = group[K, V]{ctrl: emptyGroup}
	}
	t.count = 0
}
