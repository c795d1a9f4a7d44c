package pool

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
)

// PoisonByte fills, in debug mode, every block of a [Slab] or [Bytes] pool
// and every value of a [Fixed] pool whose type holds no pointers while it is
// in the pool, so a read after Put shows an obviously wrong pattern and a
// write after Put is caught at the block's next Get.
const PoisonByte = 0xDB

// Leak is one block that was handed out and has not been returned.
type Leak struct {
	Block int    // the block's index in its pool
	Stack string // in debug mode the stack of the Get that handed it out; "" otherwise
}

func (l Leak) String() string {
	if l.Stack == "" {
		return fmt.Sprintf("block %d is out (enable Options.Debug for the stack of its Get)", l.Block)
	}
	return fmt.Sprintf("block %d was never returned; it was handed out at:\n%s", l.Block, l.Stack)
}

// tracker is the debug-mode bookkeeping of a Slab or Fixed pool.
type tracker struct {
	mu       sync.Mutex  // protects everything below
	gets     [][]uintptr // per block: the stack of its last Get (kept after Put for the double-Put message)
	puts     [][]uintptr // per block: the stack of its last Put
	poisoned []bool      // per block: poison (or checksum) is valid
	sums     []uint64    // per block (Fixed): checksum of the value after reset
}

func newTracker(n int) *tracker {
	return &tracker{
		gets:     make([][]uintptr, n),
		puts:     make([][]uintptr, n),
		poisoned: make([]bool, n),
		sums:     make([]uint64, n),
	}
}

// callers returns the stack above the pool's exported method.
func callers() []uintptr {
	pc := make([]uintptr, 32)
	return pc[:runtime.Callers(4, pc)]
}

func formatStack(pc []uintptr) string {
	if len(pc) == 0 {
		return "\t(no stack recorded)\n"
	}
	var b strings.Builder
	frames := runtime.CallersFrames(pc)
	for {
		fr, more := frames.Next()
		fmt.Fprintf(&b, "\t%s\n\t\t%s:%d\n", fr.Function, fr.File, fr.Line)
		if !more {
			break
		}
	}
	return b.String()
}

// leaks lists the out blocks of f with their Get stacks when t is not nil.
func leaks(f *freeList, t *tracker) []Leak {
	var out []Leak
	if t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
	}
	for i := range f.n {
		if !f.checkOut(i) {
			continue
		}
		l := Leak{Block: i}
		if t != nil {
			l.Stack = formatStack(t.gets[i])
		}
		out = append(out, l)
	}
	return out
}

//go:noinline
func panicDoublePut(kind string, i int) { panic(doublePutMessage(kind, i, nil)) }

// doublePutMessage names block i of kind and, in debug mode, where it was
// returned and handed out before.
func doublePutMessage(kind string, i int, t *tracker) string {
	msg := fmt.Sprintf("pool: double Put of %s block %d: it is already in the pool", kind, i)
	if t != nil {
		msg += fmt.Sprintf("; it was returned at:\n%sand handed out before that at:\n%s",
			formatStack(t.puts[i]), formatStack(t.gets[i]))
	}
	return msg
}
