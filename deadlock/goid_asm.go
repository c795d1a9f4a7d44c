//go:build !nodeadlock && (amd64 || arm64 || 386)

package deadlock

import "unsafe"

// getg returns the current goroutine's runtime g. Implemented in assembly.
//
//go:noescape
func getg() unsafe.Pointer

const haveGetg = true
