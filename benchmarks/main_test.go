package benchmarks

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests and benchmarks:
// every cache they build, ours or a peer's, must be closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
