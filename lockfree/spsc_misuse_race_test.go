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
	expectRaceReport(t, "two concurrent producers on an SPSCQueue")
}

// expectRaceReport runs the calling test again in a child process with
// LOCKFREE_SPSC_MISUSE=1, where it commits the misuse, and fails unless the
// race detector reports a data race in SPSCQueue there. It runs the misuse
// in a child because a reported race fails the test that contains it.
func expectRaceReport(t *testing.T, misuse string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOCKFREE_SPSC_MISUSE=1", "GORACE=halt_on_error=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "WARNING: DATA RACE") || !strings.Contains(string(out), "SPSCQueue") {
		t.Fatalf("%s not reported as a data race (err %v); output:\n%s", misuse, err, out)
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
	expectRaceReport(t, "a Close racing with the producer of an SPSCQueue")
}
