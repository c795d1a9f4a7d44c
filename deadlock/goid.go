//go:build !nodeadlock

package deadlock

import (
	"runtime"
	"strconv"
	"sync"
	"unsafe"
)

// Goroutine identity.
//
// Go offers no public goroutine id. The portable way to learn it is to parse
// the header of runtime.Stack ("goroutine 42 [running]:"), which costs about
// a microsecond: far too slow for a lock's fast path. go-deadlock reads the id
// at a hand-copied offset inside the runtime's g struct, which silently broke
// when the struct changed (Go 1.23, 1.25).
//
// This package reads the g pointer itself in a few lines of assembly (amd64,
// arm64, 386), which depends on no struct layout, and finds the offset of the id
// inside g at start-up by calibration: it parses runtime.Stack in several
// goroutines and keeps the one word offset whose value equals the parsed id in
// every one of them. If the assembly is missing, or no offset or more than one
// offset agrees, the calibration falls back to parsing runtime.Stack on every
// call. No go:linkname is used, and the offset is proven against the portable
// answer on the running binary rather than assumed.
//
// The same start-up check covers callerPC, which reads the call site of a lock
// method through the frame pointer, against runtime.Callers.

// gScanLimit bounds the calibration scan inside g: 32 words. The runtime's
// g is well over that long on every architecture, and the id sits within
// its first 20 words (word 19 on amd64 in Go 1.26).
const gScanLimit = 32 * unsafe.Sizeof(uintptr(0))

var identity struct {
	once   sync.Once
	off    uintptr // offset of the goroutine id inside g; valid when fast
	fast   bool    // goroutine ids come from getg()+off
	pcFast bool    // call sites come from callerPC
	why    string  // when !fast: why the fast path was refused
}

// initIdentity runs the start-up self-check once.
func initIdentity() { identity.once.Do(calibrate) }

// curGoid returns the current goroutine's id.
func curGoid() uint64 {
	if identity.fast {
		return *(*uint64)(unsafe.Add(getg(), identity.off))
	}
	return slowGoid()
}

// stackBufs holds slowGoid's buffers: runtime.Stack makes a local one escape.
var stackBufs = sync.Pool{New: func() any { return new([64]byte) }}

// slowGoid parses the id out of runtime.Stack's first line.
func slowGoid() uint64 {
	buf := stackBufs.Get().(*[64]byte)
	defer stackBufs.Put(buf)
	n := runtime.Stack(buf[:], false)
	b := buf[:n]
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		panic("deadlock: cannot parse runtime.Stack header: " + strconv.Quote(string(b)))
	}
	b = b[len(prefix):]
	var id uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// portableCallerPC returns the call site of the lock method that calls it.
//
//go:noinline
func portableCallerPC() uintptr {
	var pc [1]uintptr
	// 0: runtime.Callers, 1: portableCallerPC, 2: the lock method, 3: its caller.
	runtime.Callers(3, pc[:])
	return pc[0]
}

// calibrate finds the goroutine id's offset inside g and checks callerPC.
func calibrate() {
	identity.pcFast = haveCallerPC && checkCallerPC()
	if !haveGetg {
		identity.why = "no assembly for getg on " + runtime.GOARCH
		return
	}
	const samples = 4
	type sample struct {
		g  unsafe.Pointer
		id uint64
	}
	var got [samples]sample
	var wg sync.WaitGroup
	// The samples run concurrently so that they are distinct live goroutines
	// with distinct ids and distinct g structs.
	release := make(chan struct{})
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = sample{getg(), slowGoid()}
			<-release
		}()
	}
	close(release)
	wg.Wait()
	found, off := 0, uintptr(0)
	for o := uintptr(0); o+8 <= gScanLimit; o += unsafe.Alignof(uintptr(0)) {
		ok := true
		for _, s := range got {
			if s.g == nil || *(*uint64)(unsafe.Add(s.g, o)) != s.id {
				ok = false
				break
			}
		}
		if ok {
			found++
			off = o
		}
	}
	for i := range got {
		for j := range i {
			if got[i].g == got[j].g || got[i].id == got[j].id {
				identity.why = "goroutines did not get distinct g or ids"
				return
			}
		}
	}
	if found != 1 {
		identity.why = "goroutine id offset in g not unique (" + strconv.Itoa(found) + " candidates)"
		return
	}
	identity.off = off
	// Check the calling goroutine too, after the offset is chosen.
	if *(*uint64)(unsafe.Add(getg(), off)) != slowGoid() {
		identity.why = "goroutine id offset disagrees with runtime.Stack"
		return
	}
	identity.fast = true
}

// checkCallerPC reports whether callerPC agrees with runtime.Callers.
func checkCallerPC() bool {
	for range 3 {
		fast, slow := pcProbe()
		if fast == 0 || fast != slow {
			return false
		}
	}
	return true
}

// pcProbe is shaped like a lock method: a go:noinline function with a frame
// that calls callerPC directly.
//
//go:noinline
func pcProbe() (fast, slow uintptr) {
	fast = callerPC()
	var pc [1]uintptr
	runtime.Callers(2, pc[:]) // 0: Callers, 1: pcProbe, 2: its caller
	return fast, pc[0]
}
