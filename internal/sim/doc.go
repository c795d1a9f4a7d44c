// Package sim holds the reference replacement policies that hotpath's
// caches are measured against: exact LRU, ARC (Megiddo and Modha, FAST '03)
// and OPT (Belady's MIN), each counting hits over a key sequence. They are
// plain single-threaded code, written to be plainly right and fast enough to
// replay the shared traces at every reference size; their counts reproduce
// reference_hit_ratios.tsv exactly.
//
// The rules are those of the reference table: entries have size 1, every
// request is a lookup, a miss inserts the key (evicting if the cache is
// full), and cold misses count as misses.
//
// [NewTrace] maps a trace's keys to dense ids once; its LRU, ARC and OPT
// methods then replay it at any capacity without hashing. [LRUCache] and
// [ARCCache] take one request at a time, for comparisons request by request.
package sim
