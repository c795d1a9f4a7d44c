//go:build nodeadlock

package deadlock

import "sync"

// Built with -tags nodeadlock, Mutex and RWMutex are the sync types
// themselves (aliases, not wrappers), so they cost exactly what sync costs.
type (
	Mutex   = sync.Mutex
	RWMutex = sync.RWMutex
)

type classImpl struct{}

// SetClass does nothing with -tags nodeadlock.
func SetClass(l sync.Locker, c *Class) {}

// LockNested is l.Lock() with -tags nodeadlock.
func LockNested(l sync.Locker, sub int) { l.Lock() }

// AssertHeld does nothing with -tags nodeadlock.
func AssertHeld(l sync.Locker) {}

// AssertNotHeld does nothing with -tags nodeadlock.
func AssertNotHeld(l sync.Locker) {}

// Enabled reports whether detection is compiled in: false with -tags
// nodeadlock.
const Enabled = false
