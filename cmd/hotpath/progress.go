package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressInterval is how often the progress line is redrawn at most: often
// enough to look alive, rarely enough to cost nothing.
const progressInterval = 100 * time.Millisecond

// progress draws one status line ("hotpath: zipf: 12/48 replays, 3.1 s") on
// a terminal, redrawn in place with a carriage return. It is safe for
// concurrent use by the replay workers. A progress whose writer is not a
// terminal prints nothing, so pipes, files and tests see clean output.
type progress struct {
	w     io.Writer // nil: silent
	start time.Time

	mu    sync.Mutex // protects the fields below
	label string
	done  int
	total int
	last  time.Time // when the line was last drawn
	shown bool      // a line is on the screen
}

// newProgress returns a progress that draws on w if w is a terminal.
func newProgress(w io.Writer) *progress {
	p := &progress{start: time.Now()}
	if isTerminal(w) {
		p.w = w
	}
	return p
}

// isTerminal reports whether w is a character device, such as a terminal.
// (golang.org/x/term would tell a terminal from /dev/null; a status line
// sent to /dev/null does no harm.)
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// begin starts a stage of total steps (0 for a stage that is not counted,
// such as reading a file) and draws it.
func (p *progress) begin(label string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.label, p.done, p.total = label, 0, total
	p.drawLocked(true)
}

// step counts one finished step of the current stage.
func (p *progress) step() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.drawLocked(p.done == p.total)
}

// finish clears the line, so that what follows starts on a clean line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progress) drawLocked(force bool) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.last) < progressInterval {
		return
	}
	p.last = now
	p.shown = true
	if p.total == 0 {
		fmt.Fprintf(p.w, "\r\x1b[Khotpath: %s, %.1f s", p.label, now.Sub(p.start).Seconds())
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[Khotpath: %s: %d/%d, %.1f s", p.label, p.done, p.total, now.Sub(p.start).Seconds())
}
