// Package pool holds fixed-size memory pools that keep hot paths from
// allocating, bound the memory they use, and make pool bugs visible instead
// of letting them corrupt data.
//
//   - [Slab] is one pre-allocated region cut into equal blocks of bytes.
//   - [Fixed] is the same for typed values: a pre-allocated array of T handed
//     out as *T, with a reset function applied on Put.
//   - [Bytes] serves variable sizes from power-of-two size classes, each with
//     a cap on the buffers it keeps that tunes itself from the class's hit and
//     miss counts.
//
// Where [sync.Pool] is unbounded, empties at every garbage collection and
// cannot tell a double Put from a normal one, Slab and Fixed never hold more
// than their fixed region, keep their blocks across collections, and panic
// with a message naming the mistake on a double Put, on a foreign value and
// on a wrongly sized slice. Their Get and Put are lock-free and do not
// allocate; blocking Acquire variants park until a block is returned. Every
// pool reports [Stats]; the debug option ([Options].Debug) records the stack
// of each outstanding Get for a leak report, and poisons returned blocks so a
// use after Put is caught at the next Get of that block.
//
// # How Slab and Fixed work
//
// The free blocks form a stack of block indices linked through a per-block
// state word. The stack's head packs the top index with a 40-bit
// modification tag into one 64-bit word, so a Get that read a stale head
// fails its compare-and-swap instead of handing a block to two owners (the
// ABA problem of untagged index stacks). A block's state word says whether
// it is out; Put moves it from out to free with a compare-and-swap, so of
// two Puts of one block, even racing ones, exactly one succeeds and the
// other panics.
//
// To keep goroutines on different cores off one another's cache lines the
// blocks are spread over a small power-of-two number of such stacks
// (stripes), each on its own cache lines. A Get starts at a stripe chosen
// from the address of the calling goroutine's stack (different goroutines
// run on different stacks; no runtime internals are involved) and visits
// the others only when its own is empty; a Put returns a block to the
// stripe it belongs to. A Get reports "empty" only after two passes over
// the stripes saw every one empty and unchanged, so false means that at one
// instant during the call every block was out.
//
// # Debugging
//
// With [Options].Debug, and with [BytesOptions].Debug, a pool records the
// stack of every Get; Leaks lists the blocks still out with those stacks;
// a double Put panics naming the stacks of the earlier Put and Get; and
// returned blocks are poisoned ([PoisonByte], or a checksum for [Fixed]),
// so that reading a block after Put shows garbage and writing it is caught,
// naming the block and the stack of its Put, at the block's next Get.
//
// The build tag poolhooks makes the free list yield inside its critical
// window, so that the stress tests provoke the interleavings the tag guards
// against; it is for this package's tests only.
package pool
