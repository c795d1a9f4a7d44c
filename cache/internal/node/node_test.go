package node

import (
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestNode_MetaFieldsAreIndependent checks that Queue, Freq, Live and the
// reference bit, packed in one word, each keep their value while the
// others change.
func TestNode_MetaFieldsAreIndependent(t *testing.T) {
	var n Node[int, int]
	n.SetQueue(2)
	n.SetFreq(200)
	n.SetLive(true)
	n.Touch()
	if n.Queue() != 2 || n.Freq() != 200 || !n.Live() {
		t.Fatalf("Queue %d, Freq %d, Live %v; want 2, 200, true", n.Queue(), n.Freq(), n.Live())
	}
	n.SetQueue(1)
	n.SetFreq(7)
	n.SetLive(false)
	if n.Queue() != 1 || n.Freq() != 7 || n.Live() {
		t.Fatalf("Queue %d, Freq %d, Live %v; want 1, 7, false", n.Queue(), n.Freq(), n.Live())
	}
	if !n.TakeRef() {
		t.Fatal("TakeRef = false after Touch and other writes; want true")
	}
	if n.TakeRef() {
		t.Fatal("TakeRef = true twice after one Touch")
	}
	if n.Queue() != 1 || n.Freq() != 7 {
		t.Fatalf("TakeRef changed Queue %d or Freq %d", n.Queue(), n.Freq())
	}
}

// TestNode_TouchRacesWithPolicyWrites has readers set the reference bit
// while the policy rewrites Queue and Freq, as the engine allows: no
// write is lost (run it under -race too).
func TestNode_TouchRacesWithPolicyWrites(t *testing.T) {
	var n Node[int, int]
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					n.Touch()
				}
			}
		})
	}
	for i := range 10_000 {
		n.SetQueue(uint8(i % 3))
		n.SetFreq(uint8(i))
		if n.Queue() != uint8(i%3) || n.Freq() != uint8(i) {
			close(stop)
			wg.Wait()
			t.Fatalf("step %d: Queue %d, Freq %d", i, n.Queue(), n.Freq())
		}
		n.TakeRef()
	}
	close(stop)
	wg.Wait()
}
