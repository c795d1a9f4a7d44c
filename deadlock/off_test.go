//go:build nodeadlock

package deadlock_test

import (
	"sync"
	"testing"

	"github.com/hotpath/hotpath/deadlock"
)

// With -tags nodeadlock, Mutex and RWMutex are the sync types themselves.
var (
	_ *sync.Mutex   = new(deadlock.Mutex)
	_ *sync.RWMutex = new(deadlock.RWMutex)
)

// The tag really disables detection: an inversion reports nothing.
func TestNodeadlock_DisablesDetection(t *testing.T) {
	if deadlock.Enabled {
		t.Fatal("deadlock.Enabled is true under -tags nodeadlock")
	}
	var reports int
	prev := deadlock.SetOptions(deadlock.Options{OnReport: func(*deadlock.Report) { reports++ }})
	defer deadlock.SetOptions(prev)
	var a, b deadlock.Mutex
	a.Lock()
	b.Lock()
	b.Unlock()
	a.Unlock()
	b.Lock()
	a.Lock()
	a.Unlock()
	b.Unlock()
	var rw deadlock.RWMutex
	rw.RLock()
	rw.RLock() // recursive read locking: reported when enabled
	rw.RUnlock()
	rw.RUnlock()
	deadlock.AssertHeld(&a) // no-op
	if reports != 0 {
		t.Fatalf("%d reports with detection compiled out", reports)
	}
}
