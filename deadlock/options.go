package deadlock

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure the detector. They are process-wide: set them with
// [SetOptions], typically at the start of main or of a test.
type Options struct {
	// OnReport receives every report, once per distinct report (see
	// [Report]). nil: the report is printed to Output. A LockOrder or
	// Recursive report is delivered on the goroutine that found it, before
	// that goroutine blocks on the lock; a WaitTimeout report on a timer's
	// goroutine while the waiter still waits. OnReport runs holding none of
	// this package's internal locks (it may lock deadlock.Mutexes); a panic
	// in it propagates out of the Lock call that triggered the report, with
	// that lock not acquired (on the timer's goroutine, where it would end
	// the process, it is printed to stderr instead). The process is never
	// ended by this package.
	OnReport func(*Report)

	// WaitTimeout reports a Lock or RLock that has waited longer than this,
	// naming the holders and their stacks. The timer is armed only when the
	// lock is contended (never on the uncontended path). 0: off.
	WaitTimeout time.Duration

	// Output is where reports are printed when OnReport is nil. nil: os.Stderr.
	Output io.Writer
}

var settings struct {
	mu   sync.Mutex // serializes SetOptions and resets of seen
	opts atomic.Pointer[Options]
	seen map[uint64]struct{} // keys of delivered reports, under mu
}

// SetOptions replaces the options and returns the previous ones. It is safe
// to call concurrently with locking. It also forgets which reports were
// delivered, so a report seen before may be delivered again.
func SetOptions(o Options) (previous Options) {
	settings.mu.Lock()
	defer settings.mu.Unlock()
	p := settings.opts.Swap(&o)
	settings.seen = nil
	if p != nil {
		return *p
	}
	return Options{}
}

func loadOptions() *Options {
	if p := settings.opts.Load(); p != nil {
		return p
	}
	return &Options{}
}

// TB is the part of testing.TB that [FailOnReport] needs, so that this
// package does not import testing.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}

// FailOnReport makes every report fail tb (through tb.Errorf, so the test
// goes on) until tb's cleanup, which restores the previous options. Use it
// at the start of a test, or in TestMain through a wrapper, to run a suite
// with detection on. It keeps the other options as they are. Tests using it
// must not run in parallel with tests that set other options.
func FailOnReport(tb TB) {
	tb.Helper()
	o := *loadOptions()
	o.OnReport = func(r *Report) { tb.Errorf("%s", r) }
	prev := SetOptions(o)
	tb.Cleanup(func() { SetOptions(prev) })
}
