package deadlock

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Kind says what a [Report] is about.
type Kind int

const (
	// LockOrder: the locks in Report.Cycle were taken in orders that form
	// a cycle. Goroutines that follow those orders at the same time can
	// deadlock, whether or not they did in this run.
	LockOrder Kind = iota + 1
	// WaitTimeout: a Lock or RLock waited longer than Options.WaitTimeout.
	// Report.Holders names the goroutines holding the lock, with their stacks.
	WaitTimeout
	// Recursive: a goroutine acquired a lock it already holds (a certain
	// self-deadlock for Lock, and for RLock one that needs only a waiting
	// writer), or, with lock classes, a second lock of a class it holds
	// (two goroutines doing so in opposite orders deadlock). Report.Cycle
	// holds the one edge from the held lock to the new one.
	Recursive
)

func (k Kind) String() string {
	switch k {
	case LockOrder:
		return "LockOrder"
	case WaitTimeout:
		return "WaitTimeout"
	case Recursive:
		return "Recursive"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Mode is how a lock was acquired.
type Mode uint8

const (
	Write    Mode = iota // Mutex.Lock, RWMutex.Lock
	Read                 // RWMutex.RLock, RLocker().Lock
	TryWrite             // a successful TryLock: adds no edge into the lock
	TryRead              // a successful TryRLock: adds no edge into the lock
)

// IsRead reports whether m is a shared (read) acquisition.
func (m Mode) IsRead() bool { return m == Read || m == TryRead }

func (m Mode) String() string {
	switch m {
	case Write:
		return "Lock"
	case Read:
		return "RLock"
	case TryWrite:
		return "TryLock"
	case TryRead:
		return "TryRLock"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// LockInfo identifies a lock in a report.
type LockInfo struct {
	Addr  uintptr // address of the Mutex or RWMutex
	Type  string  // "Mutex" or "RWMutex"
	Class string  // the lock's class name, if it has one (see SetClass), with "/n" for subclass n (see LockNested)
}

func (l LockInfo) String() string {
	s := fmt.Sprintf("%s %#x", l.Type, l.Addr)
	if l.Class != "" {
		s += " (class " + l.Class + ")"
	}
	return s
}

// Edge is one step of a lock-order cycle: goroutine Goroutine acquired To
// while it held From.
type Edge struct {
	From, To         LockInfo
	FromMode, ToMode Mode
	Goroutine        uint64 // id of the goroutine that took To while holding From
	// FromStack is where From was acquired: its call site, followed by the
	// callers that were still on the stack when To was acquired (only the
	// call site when the function that took From had already returned).
	// Return PCs, as runtime.Callers gives them.
	FromStack []uintptr
	// ToStack is the stack that acquired To, from its call site outwards.
	ToStack []uintptr
}

// Goroutine is a goroutine named in a WaitTimeout report.
type Goroutine struct {
	ID    uint64
	Mode  Mode   // for a holder: how it holds the lock
	Stack string // its stack when the report was made, as runtime.Stack prints it
}

// Report describes one potential or actual deadlock. Reports are
// deduplicated until the next [SetOptions]: a cycle once per distinct set of
// acquisition sites and modes, a WaitTimeout once per lock and waiting call
// site.
type Report struct {
	Kind Kind
	// Cycle, for LockOrder, holds one edge per lock in the cycle (len ≥ 2),
	// each edge's To being the next edge's From; the first edge is the one
	// whose acquisition closed the cycle. For Recursive it holds one edge.
	Cycle []Edge
	// NeedsWriter is set when the cycle blocks only if some goroutine is
	// waiting to write-lock one of its RWMutexes: a goroutine that RLocks a
	// lock that another goroutine holds only for reading blocks only behind a
	// waiting writer. Go's RWMutex does block new readers behind a waiting
	// writer, so such a cycle is still a deadlock waiting to happen.
	NeedsWriter bool

	// For WaitTimeout:
	Lock    LockInfo      // the lock waited for
	Waited  time.Duration // how long the waiter had waited when reported
	Waiter  Goroutine     // the goroutine that waits
	Holders []Goroutine   // the goroutines holding the lock (several readers possible)
}

// String renders r for a human: the cycle or the waiter and holders, with
// symbolized stacks.
func (r *Report) String() string {
	var b strings.Builder
	switch r.Kind {
	case LockOrder, Recursive:
		if r.Kind == LockOrder {
			fmt.Fprintf(&b, "deadlock: lock-order cycle of %d locks", len(r.Cycle))
		} else {
			b.WriteString("deadlock: recursive locking")
		}
		if r.NeedsWriter {
			b.WriteString(" (blocks when a writer is waiting on a read-held RWMutex)")
		}
		b.WriteString("\n")
		for i, e := range r.Cycle {
			fmt.Fprintf(&b, "\n[%d] goroutine %d took %s (%s) while holding %s (%s)\n",
				i+1, e.Goroutine, e.To, e.ToMode, e.From, e.FromMode)
			fmt.Fprintf(&b, "  %s acquired at:\n", e.From)
			writeStack(&b, e.FromStack)
			fmt.Fprintf(&b, "  %s acquired at:\n", e.To)
			writeStack(&b, e.ToStack)
		}
	case WaitTimeout:
		fmt.Fprintf(&b, "deadlock: goroutine %d waited %v for %s\n", r.Waiter.ID, r.Waited, r.Lock)
		if len(r.Holders) == 0 {
			b.WriteString("\nholder unknown (released meanwhile, or past the tracked depth)\n")
		}
		for _, h := range r.Holders {
			fmt.Fprintf(&b, "\nheld (%s) by goroutine %d:\n%s\n", h.Mode, h.ID, indent(h.Stack))
		}
		fmt.Fprintf(&b, "\nwaiter goroutine %d:\n%s\n", r.Waiter.ID, indent(r.Waiter.Stack))
	default:
		fmt.Fprintf(&b, "deadlock: %v report\n", r.Kind)
	}
	return b.String()
}

func writeStack(b *strings.Builder, pcs []uintptr) {
	if len(pcs) == 0 {
		b.WriteString("    (no stack)\n")
		return
	}
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		fmt.Fprintf(b, "    %s\n        %s:%d\n", f.Function, f.File, f.Line)
		if !more {
			break
		}
	}
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (stack not found)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
