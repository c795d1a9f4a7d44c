//go:build !nodeadlock && !amd64 && !arm64

package deadlock

// callerPC has no fast implementation on this architecture; identity.pcFast
// stays false and portableCallerPC is used instead.
func callerPC() uintptr { return 0 }

const haveCallerPC = false
