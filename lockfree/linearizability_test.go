package lockfree

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// The histories below record each operation's call and return on one
// shared logical clock and ask porcupine whether some order of the
// operations, each placed at one instant between its call and its return,
// is a legal sequential history of a FIFO queue (or a LIFO stack). That is
// the definition of linearizability, and it is what makes "false only when
// full/empty" a checkable promise: a false result must fit such an instant.

const (
	opPut  = iota // TryEnqueue, Enqueue or Push
	opTake        // TryDequeue or TryPop
)

type linInput struct {
	op int
	v  int
}

type linOutput struct {
	ok bool
	v  int
}

// The model state is a string with one rune per item, oldest first: cheap to
// copy, compare and hash. Values are small, so every value is a valid rune.
func containerModel(capacity int, lifo bool) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return "" },
		Step: func(state, input, output any) (bool, any) {
			s := []rune(state.(string))
			if b, ok := input.(putBatch); ok {
				// A batch put appends, at one instant, its first k values,
				// its output: at least one unless the queue is full, no
				// more than fit (see TryEnqueueBatch).
				most := b.n
				if capacity > 0 {
					most = min(most, capacity-len(s))
				}
				k := output.(int)
				if k > most || (k == 0) != (most == 0) {
					return false, state
				}
				for i := range k {
					s = append(s, rune(b.first+i))
				}
				return true, string(s)
			}
			in := input.(linInput)
			if in.op == opTakeBatch {
				// A batch of at most in.v takes, at one instant, the oldest
				// k items, its output (a string like the state): at least
				// one unless the queue is empty (see TryDequeueBatch).
				got := []rune(output.(string))
				k, most := len(got), min(in.v, len(s))
				if k > most || (k == 0) != (most == 0) {
					return false, state
				}
				return string(got) == string(s[:k]), string(s[k:])
			}
			out := output.(linOutput)
			switch in.op {
			case opPut:
				full := capacity > 0 && len(s) >= capacity
				if out.ok == full {
					return false, state
				}
				if out.ok {
					s = append(s, rune(in.v))
				}
				return true, string(s)
			default:
				if len(s) == 0 {
					return !out.ok, state
				}
				var v rune
				if lifo {
					v, s = s[len(s)-1], s[:len(s)-1]
				} else {
					v, s = s[0], s[1:]
				}
				return out.ok && out.v == int(v), string(s)
			}
		},
		DescribeOperation: func(input, output any) string {
			if b, ok := input.(putBatch); ok {
				return "putBatch(" + itoa(b.first) + ".." + itoa(b.first+b.n-1) + ") = " + itoa(output.(int))
			}
			in := input.(linInput)
			if in.op == opTakeBatch {
				var b strings.Builder
				for _, r := range output.(string) {
					b.WriteString(itoa(int(r)) + " ")
				}
				return "takeBatch(" + itoa(in.v) + ") = [" + strings.TrimSpace(b.String()) + "]"
			}
			out := output.(linOutput)
			if in.op == opPut {
				return "put(" + itoa(in.v) + ") = " + map[bool]string{true: "true", false: "false"}[out.ok]
			}
			if !out.ok {
				return "take() = false"
			}
			return "take() = " + itoa(out.v)
		},
		DescribeState: func(state any) string {
			var b strings.Builder
			for _, r := range state.(string) {
				b.WriteString(itoa(int(r)) + " ")
			}
			return b.String()
		},
	}
}

// recordHistory runs clients goroutines doing ops operations each on a
// container through put and take, and returns the history. producer and
// consumer, when not nil, restrict which clients may put and take (for the
// single-producer single-consumer queue).
func recordHistory(clients, ops int, put func(int) bool, take func() (int, bool), mayPut, mayTake func(client int) bool) []porcupine.Operation {
	return recordOps(clients, ops, func(c, i int, rng *rand.Rand) (linInput, any) {
		doPut := rng.IntN(2) == 0
		if !mayPut(c) {
			doPut = false
		} else if !mayTake(c) {
			doPut = true
		}
		var out linOutput
		if doPut {
			in := linInput{opPut, 1 + c*ops + i}
			out.ok = put(in.v)
			return in, out
		}
		out.v, out.ok = take()
		return linInput{op: opTake}, out
	})
}

// recordOps runs clients goroutines that each do ops operations, the i-th
// of client c by op(c, i, rng), which returns its input and output, and
// returns the history: each operation's call and return on one shared
// logical clock.
func recordOps[I any](clients, ops int, op func(c, i int, rng *rand.Rand) (I, any)) []porcupine.Operation {
	var clock atomic.Int64
	var mu sync.Mutex
	var history []porcupine.Operation
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			local := make([]porcupine.Operation, 0, ops)
			for i := range ops {
				call := clock.Add(1)
				in, out := op(c, i, rng)
				ret := clock.Add(1)
				local = append(local, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
				if rng.IntN(8) == 0 {
					runtime.Gosched()
				}
			}
			mu.Lock()
			history = append(history, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return history
}

func anyClient(int) bool { return true }

// checkLinearizable records histories until rounds of them have been
// decided, and fails on the first that is not linearizable. A history that
// porcupine cannot decide within its timeout (a goroutine descheduled for a
// long time overlaps every other operation, and the search grows
// exponentially with the overlap) proves nothing either way: it is
// replaced by a fresh one, and the test fails only if more than half of
// the histories recorded were undecided.
func checkLinearizable(t *testing.T, model porcupine.Model, rounds int, record func() []porcupine.Operation) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4 * runtime.NumCPU()))
	decided, undecided := 0, 0
	for decided < rounds {
		history := record()
		res, _ := porcupine.CheckOperationsVerbose(model, history, 10*time.Second)
		switch res {
		case porcupine.Ok:
			decided++
		case porcupine.Illegal:
			t.Fatalf("round %d: history of %d operations is not linearizable", decided+undecided, len(history))
		default:
			undecided++
			t.Logf("round %d: porcupine could not decide within its timeout on %d operations; recording another", decided+undecided-1, len(history))
			if undecided > rounds {
				t.Fatalf("%d of %d histories undecided: the check proves nothing", undecided, decided+undecided)
			}
		}
	}
}

func linRounds() int {
	if raceEnabled || testing.Short() {
		return 10
	}
	return 50
}

func TestQueue_IsLinearizable(t *testing.T) {
	for _, capacity := range []int{1, 2, 4} {
		t.Run("capacity="+itoa(capacity), func(t *testing.T) {
			checkLinearizable(t, containerModel(capacity, false), linRounds(), func() []porcupine.Operation {
				// Large items widen the window between claiming a ticket
				// and publishing the slot (see bigValue).
				q := NewQueue[bigValue](capacity)
				put := func(v int) bool { return q.TryEnqueue(bigValue{v}) }
				take := func() (int, bool) { v, ok := q.TryDequeue(); return v[0], ok }
				return recordHistory(4, 100, put, take, anyClient, anyClient)
			})
		})
	}
}

// opTakeBatch is TryDequeueBatch into a buffer of linInput.v slots.
const opTakeBatch = opClose + 1

// putBatch is the input of a TryEnqueueBatch of the n values first,
// first+1, ….
type putBatch struct{ first, n int }

// Histories that mix TryEnqueueBatch and TryDequeueBatch (1 to 3 items)
// with TryEnqueue and TryDequeue: at one instant, a batch puts its first
// items, at least one unless the queue is full and no more than fit, or
// takes the oldest items, at least one unless the queue is empty and no
// more than its buffer holds. (How many is exact only without overlapping
// operations, which the rapid models check: a count read before the one
// CAS may be out of date by then.)
func TestQueue_BatchesAreLinearizable(t *testing.T) {
	for _, capacity := range []int{2, 4} {
		t.Run("capacity="+itoa(capacity), func(t *testing.T) {
			checkLinearizable(t, containerModel(capacity, false), linRounds(), func() []porcupine.Operation {
				q := NewQueue[bigValue](capacity)
				const clients, ops = 4, 100
				return recordOps(clients, ops, func(c, i int, rng *rand.Rand) (any, any) {
					first := 1 + 4*(c*ops+i) // room for a batch's three values
					switch rng.IntN(4) {
					case 0:
						in := linInput{opPut, first}
						return in, linOutput{ok: q.TryEnqueue(bigValue{in.v})}
					case 3:
						src := make([]bigValue, 1+rng.IntN(3))
						for j := range src {
							src[j] = bigValue{first + j}
						}
						return putBatch{first, len(src)}, q.TryEnqueueBatch(src)
					case 1:
						v, ok := q.TryDequeue()
						return linInput{op: opTake}, linOutput{ok: ok, v: v[0]}
					}
					buf := make([]bigValue, 1+rng.IntN(3))
					n := q.TryDequeueBatch(buf)
					got := make([]rune, n)
					for j := range n {
						got[j] = rune(buf[j][0])
					}
					return linInput{op: opTakeBatch, v: len(buf)}, string(got)
				})
			})
		})
	}
}

func TestSPSCQueue_IsLinearizable(t *testing.T) {
	checkLinearizable(t, containerModel(2, false), linRounds(), func() []porcupine.Operation {
		q := NewSPSCQueue[int](2)
		return recordHistory(2, 200, q.TryEnqueue, q.TryDequeue,
			func(c int) bool { return c == 0 }, func(c int) bool { return c == 1 })
	})
}

func TestUnboundedQueue_IsLinearizable(t *testing.T) {
	checkLinearizable(t, containerModel(0, false), linRounds(), func() []porcupine.Operation {
		q := NewUnboundedQueue[bigValue]()
		q.segSlots = 4 // small segments, so histories cross segment boundaries often
		s := q.newSegment()
		q.head.Store(s)
		q.tail.Store(s)
		put := func(v int) bool { q.Enqueue(bigValue{v}); return true }
		take := func() (int, bool) { v, ok := q.TryDequeue(); return v[0], ok }
		// Shorter histories than for the bounded queue: without a bound
		// the queue grows long, and porcupine's search grows with it.
		return recordHistory(4, 50, put, take, anyClient, anyClient)
	})
}

func TestStack_IsLinearizable(t *testing.T) {
	checkLinearizable(t, containerModel(0, true), linRounds(), func() []porcupine.Operation {
		var s Stack[int]
		// Shorter histories, as for the unbounded queue: the stack has no
		// bound either.
		return recordHistory(4, 60, func(v int) bool { s.Push(v); return true }, s.TryPop, anyClient, anyClient)
	})
}

// The queues with Close: the state is the items and whether the queue is
// closed; a put may fail because the queue is full (bounded, open) or
// closed, a take because it is empty, and it then also says whether the
// queue was closed (closed and drained, what makes Dequeue return
// ErrClosed).
//
// With laxOpen, an empty take that says the queue was open is legal
// whenever the queue was empty, closed or not: the unbounded queue reads
// its closed flag before it looks for items (see tryDequeue), so a Close
// that lands in between is reported by the next poll. Only that direction
// is lax: a take that reports a closed, drained queue must be one.

const opClose = opTake + 1

type closeOutput struct {
	ok, closed bool
	v          int
}

type closeState struct {
	items  string
	closed bool
}

func closableModel(capacity int, laxOpen bool) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return closeState{} },
		Step: func(state, input, output any) (bool, any) {
			st := state.(closeState)
			in, out := input.(linInput), output.(closeOutput)
			switch in.op {
			case opClose:
				st.closed = true
				return true, st
			case opPut:
				if out.ok {
					if st.closed || capacity > 0 && len([]rune(st.items)) >= capacity {
						return false, state
					}
					st.items += string(rune(in.v))
					return true, st
				}
				if out.closed {
					return st.closed, state
				}
				return !st.closed && capacity > 0 && len([]rune(st.items)) >= capacity, state
			default:
				s := []rune(st.items)
				if !out.ok {
					return len(s) == 0 && (out.closed == st.closed || laxOpen && !out.closed), state
				}
				if len(s) == 0 || int(s[0]) != out.v {
					return false, state
				}
				st.items = string(s[1:])
				return true, st
			}
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(linInput), output.(closeOutput)
			switch {
			case in.op == opClose:
				return "close()"
			case in.op == opPut:
				return "put(" + itoa(in.v) + ") = " + map[bool]string{true: "true", false: "false"}[out.ok] + map[bool]string{true: " (closed)", false: ""}[out.closed]
			case !out.ok:
				return "take() = false" + map[bool]string{true: " (closed)", false: ""}[out.closed]
			}
			return "take() = " + itoa(out.v)
		},
	}
}

// recordCloseHistory is recordHistory with a close: client 0 closes the
// queue at a random point of its operations.
func recordCloseHistory(clients, ops int, put func(int) (ok, closed bool), take func() (v int, ok, closed bool), close func()) []porcupine.Operation {
	closeAt := rand.IntN(ops)
	return recordOps(clients, ops, func(c, i int, rng *rand.Rand) (linInput, any) {
		var out closeOutput
		switch {
		case c == 0 && i == closeAt:
			close()
			return linInput{op: opClose}, out
		case rng.IntN(2) == 0:
			in := linInput{opPut, 1 + c*ops + i}
			out.ok, out.closed = put(in.v)
			return in, out
		}
		out.v, out.ok, out.closed = take()
		return linInput{op: opTake}, out
	})
}

func TestQueue_WithCloseIsLinearizable(t *testing.T) {
	for _, capacity := range []int{1, 4} {
		t.Run("capacity="+itoa(capacity), func(t *testing.T) {
			checkLinearizable(t, closableModel(capacity, false), linRounds(), func() []porcupine.Operation {
				q := NewQueue[bigValue](capacity)
				put := func(v int) (bool, bool) { return q.tryEnqueue(bigValue{v}) }
				take := func() (int, bool, bool) { v, ok, closed := q.tryDequeue(); return v[0], ok, closed }
				return recordCloseHistory(4, 100, put, take, q.Close)
			})
		})
	}
}

func TestUnboundedQueue_WithCloseIsLinearizable(t *testing.T) {
	checkLinearizable(t, closableModel(0, true), linRounds(), func() []porcupine.Operation {
		q := NewUnboundedQueue[bigValue]()
		q.segSlots = 4 // small segments, so histories cross segment boundaries often
		s := q.newSegment()
		q.head.Store(s)
		q.tail.Store(s)
		put := func(v int) (ok, closed bool) {
			defer func() {
				if r := recover(); r != nil {
					ok, closed = false, true // Enqueue on a closed queue panics
				}
			}()
			q.Enqueue(bigValue{v})
			return true, false
		}
		take := func() (int, bool, bool) { v, ok, closed := q.tryDequeue(); return v[0], ok, closed }
		return recordCloseHistory(4, 50, put, take, q.Close)
	})
}
