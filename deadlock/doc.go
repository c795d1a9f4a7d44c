// Package deadlock provides drop-in replacements for [sync.Mutex] and
// [sync.RWMutex] that learn the order in which goroutines take locks and
// report a potential deadlock the first time that order has a cycle,
// whether or not the program actually deadlocks in that run.
//
//	var mu deadlock.Mutex // instead of sync.Mutex
//
// If one goroutine takes A then B, another B then C and a third C then A,
// the three can deadlock. The third acquisition closes a cycle A→B→C→A in
// the lock-order graph and is reported, with the stacks of both
// acquisitions of every edge, before it blocks. Build with -tags nodeadlock
// and Mutex and RWMutex become aliases of the sync types: no cost at all.
//
// # What is reported
//
//   - [LockOrder]: a cycle of any length in the order graph (not only
//     two-lock inversions). Reports are delivered to [Options.OnReport], or
//     printed once to stderr; the process is never ended.
//   - [Recursive]: a goroutine takes a lock it holds, or with lock classes a
//     second lock of a class it holds.
//   - [WaitTimeout]: a Lock that has waited longer than [Options.WaitTimeout],
//     naming every holder of the lock with its current stack.
//
// TryLock and TryRLock add no edge into the lock they take: they cannot
// block, so they cannot deadlock (locks taken while holding it do get edges
// from it). RLock is an acquisition of its own mode: a cycle whose blocking
// steps all read-lock locks held for reading is reported with
// [Report.NeedsWriter], because Go's RWMutex makes new readers wait behind
// a waiting writer, so such a cycle deadlocks as soon as writers come.
//
// Reports are deduplicated by the call sites (and modes) of the cycle's
// edges, so code that inverts two freshly allocated locks on every request
// is reported once; a WaitTimeout is reported once per lock and waiting
// call site. [SetOptions] clears that memory. In tests,
// [FailOnReport] turns every report into a test failure.
//
// # How it stays cheap
//
// The uncontended Lock+Unlock of a lock taken while no other is held costs
// about four atomic read-modify-writes and no allocation: the mutex's own
// compare-and-swap and release, and the store and clear of one word of the
// goroutine's held-lock record. Nothing is captured (no runtime.Callers,
// no timer, no global lock) on that path.
//
// When the goroutine already holds locks, Lock hashes the sequence of held
// locks (with their modes) and the new one, as Linux's lockdep does with
// chain hashes, and looks the hash up in a lock-free cache: a sequence seen
// before costs one pass over the held records and one lookup. Only a new
// sequence takes the detector's mutex and visits the graph, and only a new
// edge captures a stack.
//
// The order graph is kept acyclic with a dynamic topological order
// (Pearce–Kelly, as in Abseil's GraphCycles): inserting an edge that agrees
// with the current order costs O(1), and one that does not searches only
// the nodes whose rank lies between its ends. An edge that would close a
// cycle is reported and kept aside; an edge added later is also checked
// against those, so every edge that closes a cycle in the full graph is
// reported.
//
// The call site of each acquisition is recorded on every Lock from the
// frame pointer, two instructions of assembly on amd64 and arm64, checked
// at start-up against runtime.Callers (which is used instead elsewhere, or
// if the check fails: correct, but several hundred nanoseconds per Lock). When a new edge A→B appears, the stack of B's acquisition is
// the current stack, and the stack of A's is A's call site followed by the
// frames of the current stack above the function that took A, which is
// still running in the usual lock-then-nest code.
//
// # Goroutine identity
//
// Held-lock records belong to goroutines, and Go has no public goroutine
// id. Parsing the header of runtime.Stack costs about a microsecond, too
// slow for every Lock; go-deadlock reads the id at a hand-copied offset in
// the runtime's g struct, which silently broke when that struct changed.
// This package reads only the g pointer (one instruction of assembly on
// amd64, arm64 and 386, no go:linkname) and finds where the id lives in g at
// start-up: it parses runtime.Stack in several live goroutines and keeps
// the one offset whose word equals the parsed id in all of them. If no
// offset or more than one agrees, or on other architectures, it falls back
// to parsing runtime.Stack on each call: slow, but right. The call-site
// reader is checked against runtime.Callers the same way. The ids it uses
// are the runtime's own, unique for the life of the process even when the
// runtime reuses a g.
//
// Each goroutine that holds locks has a record in a lock-free table keyed
// by its id. Records are written only by their goroutine; a lock unlocked
// by another goroutine, which Go allows, is struck out of the locker's
// record with one compare-and-swap on that record's tag, and the owner
// trims it later, so foreign unlocks never corrupt a record. Records of
// goroutines that hold nothing are evicted when the table fills, which
// keeps the table as small as the set of goroutines holding locks.
//
// # Memory
//
// A lock gets a graph node only when it is first nested with another, and
// the node (with its edges) is removed by a runtime.AddCleanup when the
// lock is collected, so programs that create millions of short-lived locks
// stay bounded. The chain cache is a fixed-size lossy table.
//
// # Lock classes
//
// By default each lock is its own node. [SetClass] puts a lock in a
// [Class], so that all locks of one struct field are one node, as lockdep
// does: an inversion between two instances of one type is then caught the
// first time two of them are nested, even in a run that only ever took them
// in one order. Code that takes several locks of one class in an order of
// its own (by address, by id) declares it with [LockNested], as lockdep's
// subclasses.
//
// # Limits
//
// A goroutine's record tracks its 32 innermost-held locks; deeper ones are
// not checked. A lock record can be attributed to the wrong reader when a
// RUnlock is called by a goroutine that did not RLock; the count of read
// holds stays right. Locks of other packages (sync.Mutex) are invisible.
package deadlock
