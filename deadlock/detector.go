//go:build !nodeadlock

package deadlock

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/hotpath/hotpath/deadlock/internal/ordergraph"
)

// lockMeta is the detector's state inside every Mutex and RWMutex. It is the
// first field, so its address is the lock's address.
type lockMeta struct {
	node  atomic.Pointer[nodeRef] // graph node; assigned on first nested use
	class atomic.Pointer[Class]   // set by SetClass
	tags  [2]byte                 // their addresses tag held records: write, read
}

// tag returns the held-record tag of lm for mode m.
func (lm *lockMeta) tag(m Mode) uintptr {
	if m.IsRead() {
		return uintptr(unsafe.Pointer(&lm.tags[1]))
	}
	return uintptr(unsafe.Pointer(&lm.tags[0]))
}

// nodeRef names one node of the lock-order graph: a lock instance, or a
// class. idx is valid while the node is alive (det.refs[idx] == the nodeRef);
// key is never reused, so chain hashes built from it never go stale.
type nodeRef struct {
	idx  int32
	key  uint64
	info LockInfo
}

type classImpl struct {
	node *nodeRef              // under det.mu
	subs [maxSubclass]*nodeRef // under det.mu: nodes of subclasses 1…, see LockNested
}

// edgeInfo is what the detector keeps about one edge, captured when the
// edge was first seen.
type edgeInfo struct {
	from, to         LockInfo
	fromMode, toMode Mode
	goid             uint64
	fromStack        []uintptr
	toStack          []uintptr
	sites            [2]uintptr // the two call sites, for deduplication
}

// det is the one lock-order detector.
var det struct {
	mu      sync.Mutex // protects all below
	g       ordergraph.Graph
	refs    []*nodeRef             // graph index → its nodeRef
	edges   map[[2]int32]*edgeInfo // every edge ever added, accepted or rejected
	nextKey uint64
}

// Type names of the two lock types, for LockInfo.
const (
	typeMutex   = "Mutex"
	typeRWMutex = "RWMutex"
)

// nodeOf returns lm's graph node, creating it on first use.
func (lm *lockMeta) nodeOf(typ string) *nodeRef {
	if n := lm.node.Load(); n != nil {
		return n
	}
	return lm.newNode(typ)
}

// nodeFor returns the node of an acquisition of lm as subclass sub (see
// LockNested): lm's own node for 0, else its class's subclass node.
func (lm *lockMeta) nodeFor(typ string, sub uint8) *nodeRef {
	if sub == 0 {
		return lm.nodeOf(typ)
	}
	return lm.subNode(typ, sub)
}

func (lm *lockMeta) subNode(typ string, sub uint8) *nodeRef {
	c := lm.class.Load()
	if c == nil {
		return lm.nodeOf(typ) // no class: subclasses mean nothing
	}
	det.mu.Lock()
	defer det.mu.Unlock()
	n := c.impl.subs[sub-1]
	if n == nil {
		n = newNodeLocked(LockInfo{Type: typ, Class: c.name + "/" + strconv.Itoa(int(sub))})
		c.impl.subs[sub-1] = n
	}
	return n
}

// Outlined slow path so that nodeOf inlines.
func (lm *lockMeta) newNode(typ string) *nodeRef {
	det.mu.Lock()
	defer det.mu.Unlock()
	if n := lm.node.Load(); n != nil {
		return n
	}
	var n *nodeRef
	if c := lm.class.Load(); c != nil {
		if c.impl.node == nil {
			c.impl.node = newNodeLocked(LockInfo{Type: typ, Class: c.name})
		}
		n = c.impl.node
	} else {
		n = newNodeLocked(LockInfo{Addr: uintptr(unsafe.Pointer(lm)), Type: typ})
		// The lock's node (and its edges) go when the lock is collected, so
		// programs that create millions of short-lived locks stay bounded.
		// The cleanup's argument does not reference lm.
		runtime.AddCleanup(lm, removeNode, n)
	}
	lm.node.Store(n)
	return n
}

func newNodeLocked(info LockInfo) *nodeRef {
	det.nextKey++
	n := &nodeRef{idx: det.g.NewNode(), key: det.nextKey, info: info}
	for int(n.idx) >= len(det.refs) {
		det.refs = append(det.refs, nil)
	}
	det.refs[n.idx] = n
	return n
}

// removeNode deletes a collected lock's node and its edges.
func removeNode(n *nodeRef) {
	det.mu.Lock()
	defer det.mu.Unlock()
	if det.refs[n.idx] != n {
		return
	}
	det.g.RemoveNode(n.idx, func(from, to int32) { delete(det.edges, [2]int32{from, to}) })
	det.refs[n.idx] = nil
}

// liveNodes returns how many nodes the graph holds (for tests).
func liveNodes() int {
	det.mu.Lock()
	defer det.mu.Unlock()
	return det.g.Len()
}

// Chain cache: a lossy, lock-free set of hashes of lock sequences (the locks
// held, in order, and the one being acquired, with their modes) whose edges
// are already in the graph, as lockdep's chain hashes. A sequence seen before
// costs one hash lookup. Losing an entry only costs a re-check under det.mu.
const chainSlots = 1 << 14

var chains [chainSlots]atomic.Uint64

func chainMix(h, key uint64, m Mode) uint64 {
	h ^= key<<2 | uint64(m)
	h *= 0x9E3779B97F4A7C15
	return h ^ h>>29
}

func chainHit(h uint64) bool {
	h |= 1
	i := h & (chainSlots - 1)
	return chains[i].Load() == h || chains[i^1].Load() == h
}

func chainAdd(h uint64) {
	h |= 1
	i := h & (chainSlots - 1)
	if chains[i].Load() != 0 && chains[i^1].Load() == 0 {
		i ^= 1
	}
	chains[i].Store(h)
}

// heldLock is a snapshot of one valid held record, for addChain.
type heldLock struct {
	lm   *lockMeta
	node *nodeRef
	pc   uintptr
	mode Mode
	typ  string
}

// checkOrder runs before a goroutine that already holds locks blocks on lm:
// it adds the edges held → lm to the order graph and reports any cycle,
// before the acquisition can deadlock. A sequence of held locks seen before
// costs one pass over the records and one chain-cache lookup. Owner only.
//
// Outlined so that the lock methods stay small.
//
//go:noinline
func checkOrder(gs *gstate, lm *lockMeta, typ string, m Mode, pc uintptr, sub uint8) {
	gs.trim()
	to := lm.nodeFor(typ, sub)
	h := uint64(0x6a09e667f3bcc908)
	nh := 0
	for i := 0; i < gs.n; i++ {
		r := &gs.recs[i]
		if r.tag.Load() == 0 {
			continue
		}
		hn := r.lm.nodeFor(r.typ(), r.sub)
		if r.lm == lm || hn == to {
			reportRecursive(gs.goid, heldLock{r.lm, hn, r.pc, r.mode, r.typ()}, heldLock{lm, to, pc, m, typ})
			continue
		}
		nh++
		h = chainMix(h, hn.key, r.mode)
	}
	if nh == 0 {
		return
	}
	h = chainMix(h, to.key, m)
	if chainHit(h) {
		return
	}
	checkChain(gs, heldLock{lm, to, pc, m, typ})
	chainAdd(h)
}

// checkChain is checkOrder's path for a sequence not in the chain cache.
func checkChain(gs *gstate, to heldLock) {
	held := make([]heldLock, 0, gs.n)
	for i := 0; i < gs.n; i++ {
		r := &gs.recs[i]
		if r.tag.Load() == 0 || r.lm == to.lm {
			continue
		}
		hn := r.lm.nodeFor(r.typ(), r.sub)
		if hn == to.node {
			continue
		}
		held = append(held, heldLock{r.lm, hn, r.pc, r.mode, r.typ()})
	}
	for _, r := range addChain(gs.goid, held, to) {
		deliver(r.rep, r.key)
	}
}

type pending struct {
	rep *Report
	key uint64
}

// addChain adds the edges from every held lock to the new one.
func addChain(goid uint64, held []heldLock, to heldLock) []pending {
	var stack []uintptr
	var out []pending
	det.mu.Lock()
	defer det.mu.Unlock()
	if det.edges == nil {
		det.edges = make(map[[2]int32]*edgeInfo)
	}
	for _, f := range held {
		k := [2]int32{f.node.idx, to.node.idx}
		if det.edges[k] != nil {
			continue
		}
		if stack == nil {
			stack = captureStack(to.pc)
		}
		e := &edgeInfo{
			from: lockInfo(f), to: lockInfo(to),
			fromMode: f.mode, toMode: to.mode,
			goid:      goid,
			fromStack: fromStack(f.pc, stack),
			toStack:   stack,
			sites:     [2]uintptr{f.pc, to.pc},
		}
		det.edges[k] = e
		if path := det.g.Insert(k[0], k[1]); path != nil {
			out = append(out, cycleReportLocked(e, path))
		}
	}
	return out
}

func lockInfo(h heldLock) LockInfo {
	info := LockInfo{Addr: uintptr(unsafe.Pointer(h.lm)), Type: h.typ}
	if h.node.info.Class != "" {
		info.Class = h.node.info.Class // the class, or subclass, it was taken as
	} else if c := h.lm.class.Load(); c != nil {
		info.Class = c.name
	}
	return info
}

// cycleReportLocked builds the report for the new edge e, whose head starts
// path and whose tail ends it.
func cycleReportLocked(e *edgeInfo, path []int32) pending {
	r := &Report{Kind: LockOrder}
	edges := []*edgeInfo{e}
	for i := 0; i+1 < len(path); i++ {
		edges = append(edges, det.edges[[2]int32{path[i], path[i+1]}])
	}
	key := uint64(LockOrder)
	for i, x := range edges {
		r.Cycle = append(r.Cycle, x.edge())
		next := edges[(i+1)%len(edges)]
		if x.toMode.IsRead() && next.fromMode.IsRead() {
			r.NeedsWriter = true
		}
		// Order-independent combination of the edges' call sites and modes:
		// the same cycle of sites reported from fresh lock instances (a
		// program that creates locks per request) is a duplicate.
		key += chainMix(siteHash(x.sites[0], x.sites[1]), uint64(x.fromMode)<<8|uint64(x.toMode), 2)
	}
	return pending{r, key}
}

func (e *edgeInfo) edge() Edge {
	return Edge{
		From: e.from, To: e.to, FromMode: e.fromMode, ToMode: e.toMode,
		Goroutine: e.goid, FromStack: e.fromStack, ToStack: e.toStack,
	}
}

func siteHash(a, b uintptr) uint64 {
	h := chainMix(uint64(a), uint64(b), 0)
	return chainMix(h, 0x51afd7ed558ccd, 1)
}

func reportRecursive(goid uint64, held, to heldLock) {
	stack := captureStack(to.pc)
	e := &edgeInfo{
		from: lockInfo(held), to: lockInfo(to),
		fromMode: held.mode, toMode: to.mode, goid: goid,
		fromStack: fromStack(held.pc, stack), toStack: stack,
	}
	r := &Report{Kind: Recursive, Cycle: []Edge{e.edge()}}
	r.NeedsWriter = held.mode.IsRead() && to.mode.IsRead()
	deliver(r, uint64(Recursive)*31+chainMix(siteHash(held.pc, to.pc), uint64(held.mode)<<8|uint64(to.mode), 2))
}

// captureStack returns the current stack from the call site pc outwards.
func captureStack(pc uintptr) []uintptr {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(1, pcs)
	pcs = pcs[:n]
	for i, p := range pcs {
		if p == pc {
			return pcs[i:]
		}
	}
	return append([]uintptr{pc}, pcs...)
}

// fromStack reconstructs the stack of an earlier acquisition at pc: its
// call site, then the frames of the current stack above the function that
// made it, if that function is still running.
func fromStack(pc uintptr, cur []uintptr) []uintptr {
	f := runtime.FuncForPC(pc - 1)
	if f != nil {
		entry := f.Entry()
		for i, p := range cur {
			if g := runtime.FuncForPC(p - 1); g != nil && g.Entry() == entry {
				return append([]uintptr{pc}, cur[i+1:]...)
			}
		}
	}
	return []uintptr{pc}
}

// maxSeen bounds the memory of delivered reports.
const maxSeen = 1 << 16

// deliver hands r to OnReport, or prints it, once per key until the next
// SetOptions.
func deliver(r *Report, key uint64) {
	settings.mu.Lock()
	if _, dup := settings.seen[key]; dup {
		settings.mu.Unlock()
		return
	}
	if settings.seen == nil || len(settings.seen) >= maxSeen {
		// Bounded: past maxSeen distinct reports, start over (a report
		// may then be delivered again) rather than grow without end.
		settings.seen = make(map[uint64]struct{})
	}
	settings.seen[key] = struct{}{}
	o := loadOptions()
	settings.mu.Unlock()
	if o.OnReport != nil {
		o.OnReport(r)
		return
	}
	w := o.Output
	if w == nil {
		w = stderr
	}
	_, _ = w.Write([]byte(r.String()))
}
