package engine

import (
	"github.com/hotpath/hotpath/cache/internal/node"
	"runtime"
	"testing"
	"unsafe"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDefaultShards_KeepsShardsLargeEnough(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, capacity := range []int{1, 100, MinShardCapacity, 2*MinShardCapacity - 1, 10_000, 100_000, 10_000_000} {
		n := DefaultShards(capacity, MinShardCapacity)
		if n < 1 || n&(n-1) != 0 {
			t.Errorf("DefaultShards(%d) = %d, not a power of two", capacity, n)
		}
		if n > 1 && capacity/n < MinShardCapacity {
			t.Errorf("DefaultShards(%d) = %d: shards of %d entries, under %d", capacity, n, capacity/n, MinShardCapacity)
		}
		if n > 4*procs*2 {
			t.Errorf("DefaultShards(%d) = %d, more than the next power of two of 4×GOMAXPROCS (%d)", capacity, n, 4*procs)
		}
	}
	if n := DefaultShards(10_000_000, MinShardCapacity); n < 4*procs {
		t.Errorf("DefaultShards(10M) = %d, want at least 4×GOMAXPROCS = %d", n, 4*procs)
	}
}

func TestReadBuffer_DrainsInOrderAndReportsFull(t *testing.T) {
	var b readBuffer[int, int]
	nodes := make([]nodeT, readBufferSize+1)
	for i := range readBufferSize {
		if !b.add(&nodes[i]) {
			t.Fatalf("add %d reported a full buffer of size %d", i, readBufferSize)
		}
	}
	if b.add(&nodes[readBufferSize]) {
		t.Fatalf("add to a full buffer reported success")
	}
	var got []*nodeT
	b.drainLocked(func(n *nodeT) { got = append(got, n) })
	if len(got) != readBufferSize {
		t.Fatalf("drained %d records, want %d", len(got), readBufferSize)
	}
	for i, n := range got {
		if n != &nodes[i] {
			t.Fatalf("record %d drained out of order", i)
		}
	}
	if !b.add(&nodes[0]) {
		t.Fatal("add after a drain reported a full buffer")
	}
}

type nodeT = node.Node[int, int]

// TestNode_StaysInThe64ByteSizeClass: the optional features keep their
// per-entry data beside the node, so a cache of int keys and values pays 64
// bytes a node whatever it is configured with (one more field would move
// every node to the 80-byte size class).
func TestNode_StaysInThe64ByteSizeClass(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the size is asserted for 64-bit platforms")
	}
	if got := unsafe.Sizeof(nodeT{}); got != 64 {
		t.Fatalf("node.Node[int, int] is %d bytes, want 64", got)
	}
}

// TestSetCapacity_ShrinksTheTables: a shard whose capacity is lowered
// evicts down to it and its table then takes no more room than the table
// of an engine built at the lower capacity and filled; raised again, the
// shards fill to the higher capacity.
func TestSetCapacity_ShrinksTheTables(t *testing.T) {
	e := newLRUEngine(40_000, 4)
	for k := range 40_000 {
		e.Store(k, k, 0)
	}
	e.SetCapacity(4000)
	built := newLRUEngine(4000, 4)
	for k := range 40_000 {
		built.Store(k, k, 0)
	}
	for i := range e.shards {
		if got, want := e.shards[i].m.Slots(), built.shards[i].m.Slots(); got > want {
			t.Errorf("shard %d: %d slots after SetCapacity(4000), %d in an engine built at 4,000", i, got, want)
		}
	}
	if n := e.Len(); n != 4000 {
		t.Fatalf("Len = %d after SetCapacity(4000)", n)
	}
	e.SetCapacity(40_000)
	for k := range 100_000 { // enough that every shard fills its share
		e.Store(k, k, 0)
	}
	if n := e.Len(); n != 40_000 {
		t.Fatalf("Len = %d after SetCapacity(40000) and 100,000 stores", n)
	}
}
