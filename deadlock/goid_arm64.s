//go:build !nodeadlock

#include "textflag.h"

// func getg() unsafe.Pointer
// The current goroutine's runtime g, which arm64 Go code keeps in R28 (g).
TEXT ·getg(SB),NOSPLIT|NOFRAME,$0-8
	MOVD g, R0
	MOVD R0, ret+0(FP)
	RET
