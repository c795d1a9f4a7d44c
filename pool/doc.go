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
// The free blocks are a bitmap: one 64-bit word per 32 blocks, whose low half
// has a bit set for each free block and whose high half counts the Gets the
// word has served. Get clears the lowest set bit (and bumps the count) with one
// compare-and-swap; Put sets the block's bit with one compare-and-swap, which
// fails, and so reports a double Put, when the bit is already set. A word is
// the whole truth about its blocks, so a compare-and-swap that finds the value
// it read is right whatever happened in between: unlike a free list of linked
// indices, a bitmap cannot hand a block to two owners through the ABA problem,
// and of two Puts of one block, even racing ones, exactly one succeeds and the
// other panics. Get and Put are one compare-and-swap each, with no other
// shared write on their common path.
//
// To keep goroutines on different cores off one another's cache lines the
// words are split into a small number of stripes, each starting on a cache
// line of its own. A Get starts at a stripe chosen from the address of the
// calling goroutine's stack (different goroutines run on different stacks; no
// runtime internals are involved), at the word where the stripe last had a free
// block, and visits the other stripes only when its own is empty; a Put
// returns a block to the stripe it belongs to. A Get reports "empty" only after
// two passes over every word saw no free block and the same Get counts, so
// false means that at one instant during the call every block was out.
//
// # Debugging
//
// With [Options].Debug, and with [BytesOptions].Debug, a pool records the
// stack of every Get; Leaks lists the blocks still out with those stacks;
// a double Put panics naming the stacks of the earlier Put and Get; and
// returned blocks are poisoned with [PoisonByte] (values of a [Fixed] whose
// type holds pointers are checksummed instead), so that reading a block
// after Put shows garbage and writing it is caught, naming the block and the
// stack of its Put, at the block's next Get.
//
// The build tag poolhooks makes Get yield between reading a word and its
// compare-and-swap, so that the stress tests provoke more interleavings; it
// is for this package's tests only.
package pool
