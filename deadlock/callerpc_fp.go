//go:build !nodeadlock && (amd64 || arm64)

package deadlock

// callerPC returns the return address of its caller's frame: the call site
// of the exported lock method that calls it. Implemented in assembly.
func callerPC() uintptr

const haveCallerPC = true
