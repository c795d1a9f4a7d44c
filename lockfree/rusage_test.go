//go:build unix

package lockfree

import (
	"context"
	"syscall"
	"testing"
	"time"
)

func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestQueue_IdleDequeueUsesNoCPU measures the CPU time of the whole process
// while four consumers wait 200 ms on empty queues. xsync's deprecated
// blocking Dequeue, a runtime.Gosched loop, burns a core per consumer
// (2.25 s of CPU in 3 s of idling); a parked consumer burns nothing.
func TestQueue_IdleDequeueUsesNoCPU(t *testing.T) {
	q := NewQueue[int](8)
	u := NewUnboundedQueue[int]()
	s := NewSPSCQueue[int](8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { q.Dequeue(ctx); done <- struct{}{} }()
	go func() { q.Dequeue(ctx); done <- struct{}{} }()
	go func() { u.Dequeue(ctx); done <- struct{}{} }()
	go func() { s.Dequeue(ctx); done <- struct{}{} }()
	waitUntil(t, "the consumers park", func() bool {
		return q.notEmpty.Waiting() == 2 && u.notEmpty.Waiting() == 1 && s.notEmpty.Waiting() == 1
	})
	const idle = 200 * time.Millisecond
	before := cpuTime(t)
	time.Sleep(idle)
	used := cpuTime(t) - before
	cancel()
	for range 4 {
		<-done
	}
	// A spinning consumer would use about idle of CPU each; allow a tenth
	// of one for the test process itself (timers, the garbage collector).
	if used > idle/10 {
		t.Errorf("four idle consumers used %v of CPU in %v; want under %v (parked)", used, idle, idle/10)
	}
	t.Logf("CPU time used by the process during %v with four idle consumers: %v", idle, used)
}
