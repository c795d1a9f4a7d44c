// Package hotpath is a library of concurrency primitives and caches for the
// hot paths of Go services. This package holds only documentation and the
// cross-package benchmarks; the code lives in its sub-packages:
//
//   - [github.com/hotpath/hotpath/cache]: a sharded, bounded, concurrent
//     cache with the full [sync.Map] method set, adaptive W-TinyLFU (default),
//     exact LRU or LFU eviction, per-cache or per-entry TTL on a timer wheel,
//     de-duplicated loads, refresh, eviction listeners, weights and
//     snapshots. Use it where a sync.Map or a map behind a mutex grows
//     without bound.
//   - [github.com/hotpath/hotpath/lockfree]: CAS-based queues (bounded MPMC,
//     unbounded MPMC, SPSC) and a stack, with blocking variants that park
//     instead of spinning. Use them where a buffered channel is a queue.
//   - [github.com/hotpath/hotpath/pool]: fixed-size memory pools that bound
//     memory and catch double puts and leaks. Use them where [sync.Pool]
//     hands out buffers that must not be lost or shared.
//   - [github.com/hotpath/hotpath/deadlock]: drop-in Mutex and RWMutex that
//     learn lock order and report any ordering cycle before the program
//     deadlocks. Use them in tests and staging; build with -tags nodeadlock
//     to turn them into plain sync types.
//
// The command github.com/hotpath/hotpath/cmd/hotpath replays built-in
// workloads, or a trace of your own, against every cache policy and reports
// (and charts) hit ratio against capacity, and throughput.
package hotpath
