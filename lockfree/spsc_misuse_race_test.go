//go:build race

package lockfree

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// TestSPSCQueue_TwoProducersAreReportedByTheRaceDetector checks the promise
// in the SPSCQueue doc: two goroutines enqueueing at the same time is a data
// race on the producer's own index, which a race build reports. It runs the
// misuse in a child process, because a reported race fails the test that
// contains it.
func TestSPSCQueue_TwoProducersAreReportedByTheRaceDetector(t *testing.T) {
	if os.Getenv("LOCKFREE_SPSC_MISUSE") == "1" {
		q := NewSPSCQueue[int](1024)
		var wg sync.WaitGroup
		for p := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 100 {
					q.TryEnqueue(p*100 + i)
				}
			}()
		}
		wg.Wait()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSPSCQueue_TwoProducersAreReportedByTheRaceDetector$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOCKFREE_SPSC_MISUSE=1", "GORACE=halt_on_error=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "WARNING: DATA RACE") || !strings.Contains(string(out), "SPSCQueue") {
		t.Fatalf("two concurrent producers on an SPSCQueue were not reported as a data race (err %v); output:\n%s", err, out)
	}
}

// TestSPSCQueue_CloseByAnotherGoroutineIsReportedByTheRaceDetector checks
// the promise in SPSCQueue.Close's doc: Close is the producer's, and a
// Close from another goroutine while the producer enqueues is a data race
// that a race build reports.
func TestSPSCQueue_CloseByAnotherGoroutineIsReportedByTheRaceDetector(t *testing.T) {
	if os.Getenv("LOCKFREE_SPSC_MISUSE") == "1" {
		q := NewSPSCQueue[int](1 << 16)
		var wg sync.WaitGroup
		wg.Go(func() {
			defer func() { _ = recover() }() // an enqueue after the Close panics
			for i := range 1000 {
				q.TryEnqueue(i)
			}
		})
		wg.Go(q.Close)
		wg.Wait()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSPSCQueue_CloseByAnotherGoroutineIsReportedByTheRaceDetector$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOCKFREE_SPSC_MISUSE=1", "GORACE=halt_on_error=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "WARNING: DATA RACE") || !strings.Contains(string(out), "SPSCQueue") {
		t.Fatalf("a Close racing with the producer of an SPSCQueue was not reported as a data race (err %v); output:\n%s", err, out)
	}
}
