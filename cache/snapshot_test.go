package cache_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hotpath/hotpath/cache"
)

func snapshotOf(t testing.TB, c *cache.Cache[string, int]) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	return buf.Bytes()
}

func TestSnapshot_RoundTripKeepsEntriesOrderAndTTL(t *testing.T) {
	clock := newFakeClock()
	opts := cache.Options[string, int]{Capacity: 8, Shards: 1, Policy: cache.LRU, Clock: clock}
	c := cache.Must(opts)
	defer c.Close()
	c.Store("a", 1)
	c.StoreTTL("b", 2, 3*tick)
	c.Store("c", 3)
	c.Load("a") // a is the hottest
	snap := snapshotOf(t, c)

	clock.Advance(tick)
	d := cache.Must(opts)
	defer d.Close()
	if n, err := d.ReadFrom(bytes.NewReader(snap)); err != nil || n != int64(len(snap)) {
		t.Fatalf("ReadFrom = %d, %v; want %d, nil", n, err, len(snap))
	}
	var order []string
	cache.OrderedForTest(d, func(k string, _ int) bool { order = append(order, k); return true })
	if !slices.Equal(order, []string{"a", "c", "b"}) {
		t.Fatalf("order after the round trip = %v, want [a c b] (hottest first)", order)
	}
	clock.Advance(2*tick + tick/2)
	if _, ok := d.Load("b"); !ok {
		t.Fatal("b expired early: its time left is counted from the load")
	}
	clock.Advance(tick)
	if _, ok := d.Load("b"); ok {
		t.Fatal("b outlived the 3 ticks it had left")
	}
}

// TestSnapshot_LargerThanTheCacheKeepsTheHottest: loading more entries than
// fit keeps the hottest ones.
func TestSnapshot_LargerThanTheCacheKeepsTheHottest(t *testing.T) {
	big := cache.Must(cache.Options[string, int]{Capacity: 100, Shards: 1, Policy: cache.LRU})
	defer big.Close()
	for i := range 100 {
		big.Store(fmt.Sprint(i), i) // 99 is the hottest
	}
	small := cache.Must(cache.Options[string, int]{Capacity: 10, Shards: 1, Policy: cache.LRU})
	defer small.Close()
	if _, err := small.ReadFrom(bytes.NewReader(snapshotOf(t, big))); err != nil {
		t.Fatal(err)
	}
	for i := 90; i < 100; i++ {
		if _, ok := small.Load(fmt.Sprint(i)); !ok {
			t.Fatalf("hot key %d is missing", i)
		}
	}
}

// TestSnapshot_CorruptOrTruncatedLoadsNothing: every truncation and every
// single-bit flip of a snapshot gives an error and leaves the cache as it
// was.
func TestSnapshot_CorruptOrTruncatedLoadsNothing(t *testing.T) {
	src := cache.Must(cache.Options[string, int]{Capacity: 8, Policy: cache.LRU})
	defer src.Close()
	src.Store("x", 1)
	src.Store("y", 2)
	snap := snapshotOf(t, src)
	dst := cache.Must(cache.Options[string, int]{Capacity: 8, Policy: cache.LRU})
	defer dst.Close()
	dst.Store("keep", 7)
	check := func(what string, data []byte) {
		t.Helper()
		_, err := dst.ReadFrom(bytes.NewReader(data))
		if !errors.Is(err, cache.ErrBadSnapshot) {
			t.Fatalf("%s: ReadFrom error = %v, want ErrBadSnapshot", what, err)
		}
		if dst.Len() != 1 {
			t.Fatalf("%s: the cache has %d entries after a failed load, want 1", what, dst.Len())
		}
	}
	for n := range len(snap) {
		check(fmt.Sprintf("truncated to %d bytes", n), snap[:n])
	}
	for i := range len(snap) * 8 {
		bad := slices.Clone(snap)
		bad[i/8] ^= 1 << (i % 8)
		check(fmt.Sprintf("bit %d flipped", i), bad)
	}
	// A snapshot of other types passes the checksum but not decoding.
	other := cache.Must(cache.Options[int, string]{Capacity: 8, Policy: cache.LRU})
	defer other.Close()
	other.Store(1, "one")
	var buf bytes.Buffer
	other.WriteTo(&buf)
	check("wrong types", buf.Bytes())
}

func TestSnapshot_ReadErrorIsReturned(t *testing.T) {
	c := cache.Must(cache.Options[string, int]{Capacity: 8, Policy: cache.LRU})
	defer c.Close()
	boom := errors.New("disk on fire")
	if _, err := c.ReadFrom(io.MultiReader(bytes.NewReader([]byte("HPSNAP")), errReader{boom})); !errors.Is(err, boom) {
		t.Fatalf("ReadFrom error = %v, want the reader's", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// FuzzSnapshot_ReadFrom feeds arbitrary bytes to ReadFrom, both raw and
// re-wrapped with a valid header and checksum (so the fuzzer reaches the
// gob decoder): it must never panic, and must either load everything or
// nothing.
func FuzzSnapshot_ReadFrom(f *testing.F) {
	src := cache.Must(cache.Options[string, int]{Capacity: 8, Policy: cache.LRU})
	src.Store("a", 1)
	src.StoreTTL("b", 2, time.Hour)
	snap := snapshotOf(f, src)
	src.Close()
	f.Add(snap, false)
	f.Add(snap[16:len(snap)-8], true) // the payload alone
	f.Fuzz(func(t *testing.T, data []byte, wrap bool) {
		if wrap {
			data = cache.WrapSnapshotForTest(data)
		}
		c := cache.Must(cache.Options[string, int]{Capacity: 8, Policy: cache.LRU})
		defer c.Close()
		c.Store("keep", -1)
		_, err := c.ReadFrom(bytes.NewReader(data))
		if err != nil {
			if v, ok := c.Load("keep"); c.Len() != 1 || !ok || v != -1 {
				t.Fatalf("a failed ReadFrom (%v) changed the cache", err)
			}
		}
	})
}
