// Package trace reads cache-access traces: the ARC and LIRS papers' text
// traces, raw big-endian integer streams (Caffeine's cache2k and scarab
// traces), libCacheSim's oracleGeneral records, and two formats for users'
// own logs (one key per line, or a column of a CSV file). Input may be
// gzip-compressed; that is detected from the content.
//
// A [Reader] streams [Request] values without allocating; [ReadKeys] loads a
// whole trace for replays that visit it once per cache size. Malformed input
// is never skipped or cut short silently: every problem is a *[ParseError]
// naming the file, the line or byte offset, and what was wrong.
//
// [SharedDir] finds the project's shared traces (../shared/traces beside the
// module, or $HOTPATH_TRACES) and [ReadReference] parses their golden LRU,
// OPT and ARC hit counts.
package trace
