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
			in, out := input.(linInput), output.(linOutput)
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
			in, out := input.(linInput), output.(linOutput)
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
	var clock atomic.Int64
	var mu sync.Mutex
	var history []porcupine.Operation
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			local := make([]porcupine.Operation, 0, ops)
			for i := range ops {
				doPut := rng.IntN(2) == 0
				if !mayPut(c) {
					doPut = false
				} else if !mayTake(c) {
					doPut = true
				}
				var in linInput
				var out linOutput
				call := clock.Add(1)
				if doPut {
					in = linInput{opPut, 1 + c*ops + i}
					out.ok = put(in.v)
				} else {
					in = linInput{op: opTake}
					out.v, out.ok = take()
				}
				ret := clock.Add(1)
				local = append(local, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
				if rng.IntN(8) == 0 {
					runtime.Gosched()
				}
			}
			mu.Lock()
			history = append(history, local...)
			mu.Unlock()
		}()
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
