package pad

import (
	"testing"
	"unsafe"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCacheLinePadIsOneLine(t *testing.T) {
	if got := unsafe.Sizeof(CacheLinePad{}); got != CacheLineSize {
		t.Fatalf("unsafe.Sizeof(CacheLinePad{}) = %d, want %d", got, CacheLineSize)
	}
}
