//go:build !nodeadlock

#include "textflag.h"

// func getg() unsafe.Pointer
// The current goroutine's runtime g, read from thread-local storage the way
// the runtime's own assembly does. Only the pointer is used; the field that
// holds the goroutine id inside it is found at start-up by calibrate.
TEXT ·getg(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET

// func callerPC() uintptr
// The return address of the Go function that called callerPC, read through
// that function's frame pointer. Only valid when called directly from a
// function with a frame (all exported lock methods are go:noinline and have
// one); checked at start-up against runtime.Callers by calibrate.
TEXT ·callerPC(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ 8(BP), AX
	MOVQ AX, ret+0(FP)
	RET
