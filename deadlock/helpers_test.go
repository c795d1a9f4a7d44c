package deadlock_test

import (
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

// goid parses the calling goroutine's id from runtime.Stack, the portable way.
func goid() uint64 {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	id, _ := strconv.ParseUint(s[:strings.IndexByte(s, ' ')], 10, 64)
	return id
}

func unsafePtr[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }
