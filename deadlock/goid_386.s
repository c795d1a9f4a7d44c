//go:build !nodeadlock

#include "textflag.h"

// func getg() unsafe.Pointer
// The current goroutine's runtime g, read from thread-local storage.
TEXT ·getg(SB),NOSPLIT,$0-4
	MOVL (TLS), AX
	MOVL AX, ret+0(FP)
	RET
