//go:build !nodeadlock

#include "textflag.h"

// func getg() unsafe.Pointer
// The current goroutine's runtime g, which arm64 Go code keeps in R28 (g).
TEXT ·getg(SB),NOSPLIT|NOFRAME,$0-8
	MOVD g, R0
	MOVD R0, ret+0(FP)
	RET

// func callerPC() uintptr
// The return address of the Go function that called callerPC. Go's arm64
// frames keep the caller's frame pointer at 0(R29) and the saved link
// register (the return address) at 8(R29), as on amd64. Checked at start-up
// against runtime.Callers by calibrate.
TEXT ·callerPC(SB),NOSPLIT|NOFRAME,$0-8
	MOVD 8(R29), R0
	MOVD R0, ret+0(FP)
	RET
