package engine

import (
	"testing"
)

// TestKeyHash_SpreadsIntegerKeys checks the integer keys' hash on the key
// sets that break weak mixes: sequential keys, keys that differ only in
// their upper half, and keys that are multiples of a power of two. Each of
// the 16 values of the top four bits (which choose the shard) and of the
// low four bits (which choose the table's group) must get its share within
// 10 % (the share is 4,096 keys, its standard deviation 62).
func TestKeyHash_SpreadsIntegerKeys(t *testing.T) {
	const n = 1 << 16
	sets := map[string]func(i int) uint64{
		"sequential":   func(i int) uint64 { return uint64(i) },
		"upper half":   func(i int) uint64 { return uint64(i) << 32 },
		"multiples":    func(i int) uint64 { return uint64(i) << 12 },
		"negative int": func(i int) uint64 { return uint64(-i) },
	}
	h64 := newKeyHash[uint64]()
	h32 := newKeyHash[int32]()
	if h64.words != 8 || h32.words != 4 {
		t.Fatalf("words = %d, %d for uint64 and int32 keys, want 8 and 4", h64.words, h32.words)
	}
	check := func(name string, sum func(i int) uint64) {
		var top, low [16]int
		for i := range n {
			h := sum(i)
			top[h>>60]++
			low[h&15]++
		}
		for b := range 16 {
			for _, c := range []struct {
				where string
				got   int
			}{{"top", top[b]}, {"low", low[b]}} {
				if c.got < n/16*9/10 || c.got > n/16*11/10 {
					t.Errorf("%s: %s bits %d got %d of %d keys, want %d ± 10 %%", name, c.where, b, c.got, n, n/16)
				}
			}
		}
	}
	for name, key := range sets {
		check(name+" uint64", func(i int) uint64 { return h64.sum(key(i)) })
	}
	check("sequential int32", func(i int) uint64 { return h32.sum(int32(i)) })
	check("multiples int32", func(i int) uint64 { return h32.sum(int32(i << 12)) })
}

// TestKeyHash_IsSeeded checks that two engines hash the same keys apart,
// for integer keys and for others, and that one engine hashes a key the
// same way every time.
func TestKeyHash_IsSeeded(t *testing.T) {
	a, b := newKeyHash[int](), newKeyHash[int]()
	sa, sb := newKeyHash[string](), newKeyHash[string]()
	same, sameS := 0, 0
	for i := range 64 {
		if a.sum(i) != a.sum(i) {
			t.Fatalf("key %d hashed two ways by one engine", i)
		}
		if a.sum(i) == b.sum(i) {
			same++
		}
		k := string(rune('a' + i))
		if sa.sum(k) == sb.sum(k) {
			sameS++
		}
	}
	if same > 0 || sameS > 0 {
		t.Fatalf("two engines agreed on %d int and %d string hashes of 64; want seeds of their own", same, sameS)
	}
}

var hashSink uint64

// BenchmarkKeyHash compares the hash of int keys with the hash/maphash path
// that every key type took before (the same method, told to fall back):
//
//	go test -run '^$' -bench KeyHash -count 6 ./cache/internal/engine/
func BenchmarkKeyHash(b *testing.B) {
	for _, impl := range []string{"engine", "maphash"} {
		b.Run("impl="+impl, func(b *testing.B) {
			h := newKeyHash[int]()
			if impl == "maphash" {
				h.words = 0
			}
			for i := 0; b.Loop(); i++ {
				hashSink += h.sum(i)
			}
		})
	}
}
