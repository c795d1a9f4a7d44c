// Package lockfree holds CAS-based queues and a stack for handing values
// between goroutines without a mutex: [Queue] (bounded, many producers and
// many consumers), [UnboundedQueue] (unbounded, many producers and many
// consumers), [SPSCQueue] (bounded, one producer and one consumer) and
// [Stack] (a Treiber stack).
//
// They are what to reach for instead of a buffered channel used as a queue
// or xsync's MPMCQueueOf, with two promises those do not make:
//
//   - A Try operation fails only for the reason it names. [Queue.TryEnqueue]
//     returns false only when the queue is full and [Queue.TryDequeue] only
//     when it is empty. A Try that finds another goroutine in the middle of
//     its own operation (it has taken a ticket but not yet published its
//     slot, perhaps because it was preempted) waits for that goroutine
//     instead of reporting a failure that is not true. Every operation is
//     linearizable: it appears to take effect at one instant between its
//     call and its return, and a false result means that at that instant
//     the queue was full (or empty).
//   - The blocking operations ([Queue.Enqueue], [Queue.Dequeue], and the
//     same on the other queues) spin for a short while and then park the
//     goroutine, so an idle consumer costs no CPU, and they return
//     ctx.Err() promptly when their context ends, without losing or
//     duplicating an item: an item enqueued just as a consumer gave up stays
//     in the queue for the next one.
//
// The queues can be closed, as a channel can: after Close, Enqueue returns
// [ErrClosed] (a Try enqueue, which has no error to return, panics, as a
// send on a closed channel does), and consumers take what is left and then
// get ErrClosed from Dequeue, waking if they are parked, so a consumer's
// loop ends as a range over a channel ends. No item whose enqueue took
// effect before Close is lost. Unlike close on a channel, Close on a
// [Queue] or [UnboundedQueue] may be called more than once and from any
// goroutine; an [SPSCQueue] is closed by its producer. Each queue's All
// ([Queue.All]) is that loop as an iterator: for v := range q.All(ctx)
// receives as for v := range ch does.
//
// [Queue] and [SPSCQueue] also move items in batches (EnqueueBatch,
// DequeueBatch and their Try forms): one CAS (or store) for a run of
// items, so a producer or consumer that has them in groups pays the
// synchronization once per group.
//
// # Memory model
//
// For every queue and the stack, the operation that puts a value in
// synchronizes before the operation that takes that same value out, in the
// sense of the Go memory model: whatever the producer wrote before
// TryEnqueue (or Enqueue, or Push) is visible to the consumer after the
// TryDequeue (or Dequeue, or TryPop) that returns the value. A failed Try
// (false) gives no such guarantee about any other goroutine's writes; it
// only states what the queue held at the instant it took effect.
//
// None of the types may be copied after first use.
package lockfree
