package pool

import (
	"strings"
	"testing"
	"unsafe"
)

// mustPanic runs f and checks that it panics with a message containing
// every one of want.
func mustPanic(t *testing.T, f func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want one mentioning %q", want)
		}
		msg, ok := r.(string)
		if !ok {
			t.Fatalf("panic value %#v is not a string", r)
		}
		if !strings.HasPrefix(msg, "pool: ") {
			t.Errorf("panic %q does not start with \"pool: \"", msg)
		}
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("panic %q does not mention %q", msg, w)
			}
		}
	}()
	f()
}

func newSlab(t testing.TB, size, blocks int, opts Options) *Slab {
	t.Helper()
	s, err := NewSlabWithOptions(size, blocks, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewSlab_RejectsBadInputWithPkgError(t *testing.T) {
	for _, tc := range []struct {
		size, blocks int
		opts         Options
		want         string
	}{
		{0, 1, Options{}, "blockSize must be > 0"},
		{-3, 1, Options{}, "blockSize must be > 0"},
		{8, 0, Options{}, "blocks must be between 1 and"},
		{8, MaxBlocks + 1, Options{}, "blocks must be between 1 and"},
		{maxInt / 2, 4, Options{}, "overflow"},
		{8, 8, Options{Stripes: 3}, "Stripes must be 0 or a power of two"},
		{8, 8, Options{Stripes: -1}, "Stripes must be 0 or a power of two"},
		{8, 8, Options{Stripes: 128}, "Stripes must be 0 or a power of two"},
	} {
		s, err := NewSlabWithOptions(tc.size, tc.blocks, tc.opts)
		if err == nil || s != nil {
			t.Errorf("NewSlabWithOptions(%d, %d, %+v) = %v, %v; want an error", tc.size, tc.blocks, tc.opts, s, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "pool: NewSlab: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSlabWithOptions(%d, %d, %+v) error %q; want it to start with \"pool: NewSlab: \" and mention %q",
				tc.size, tc.blocks, tc.opts, err, tc.want)
		}
	}
}

func TestNewFixed_RejectsBadInputWithPkgError(t *testing.T) {
	if _, err := NewFixed[int](0, nil); err == nil || !strings.HasPrefix(err.Error(), "pool: NewFixed: size must be") {
		t.Errorf("NewFixed(0) error = %v", err)
	}
	if _, err := NewFixed[int](MaxBlocks+1, nil); err == nil || !strings.Contains(err.Error(), "size must be between") {
		t.Errorf("NewFixed(MaxBlocks+1) error = %v", err)
	}
	if _, err := NewFixed[struct{}](4, nil); err == nil || !strings.Contains(err.Error(), "size 0") {
		t.Errorf("NewFixed[struct{}] error = %v", err)
	}
	if _, err := NewFixedWithOptions[int](4, nil, Options{Stripes: 6}); err == nil || !strings.Contains(err.Error(), "Stripes") {
		t.Errorf("NewFixedWithOptions(Stripes: 6) error = %v", err)
	}
}

func TestNewBytes_RejectsBadInputWithPkgError(t *testing.T) {
	for _, o := range []BytesOptions{
		{MinSize: 3},
		{MinSize: -64},
		{MaxSize: 1000},
		{MinSize: 1024, MaxSize: 512},
		{MaxIdleBytes: -1},
	} {
		if _, err := NewBytesWithOptions(o); err == nil || !strings.HasPrefix(err.Error(), "pool: NewBytes: ") {
			t.Errorf("NewBytesWithOptions(%+v) error = %v; want a pool: NewBytes: error", o, err)
		}
	}
}

func TestSlab_DoublePutPanics(t *testing.T) {
	for _, debug := range []bool{false, true} {
		s := newSlab(t, 64, 4, Options{Debug: debug})
		b, _ := s.Get()
		s.Put(b)
		want := []string{"double Put of Slab block 0"}
		if debug {
			want = append(want, "returned at", "TestSlab_DoublePutPanics")
		}
		mustPanic(t, func() { s.Put(b) }, want...)
		if st := s.Stats(); st.InUse != 0 || st.Puts != 1 {
			t.Errorf("after a refused double Put: %+v; want InUse 0, Puts 1", st)
		}
	}
}

func TestSlab_PutOfNeverHandedOutBlockPanics(t *testing.T) {
	s := newSlab(t, 64, 4, Options{})
	b, _ := s.Get()
	other := blockOf(s, 3)
	mustPanic(t, func() { s.Put(other) }, "double Put of Slab block 3")
	s.Put(b)
}

func blockOf(s *Slab, i int) []byte { return s.block(i) }

func TestSlab_ForeignSlicePanics(t *testing.T) {
	s := newSlab(t, 64, 4, Options{})
	mustPanic(t, func() { s.Put(make([]byte, 64)) }, "foreign slice", "not in this Slab")
	other := newSlab(t, 64, 4, Options{})
	b, _ := other.Get()
	mustPanic(t, func() { s.Put(b) }, "foreign slice")
	other.Put(b)
}

func TestSlab_NilSlicePanics(t *testing.T) {
	s := newSlab(t, 64, 4, Options{})
	mustPanic(t, func() { s.Put(nil) }, "nil slice")
}

func TestSlab_SliceReslicedFromTheFrontPanics(t *testing.T) {
	s := newSlab(t, 64, 4, Options{})
	b, _ := s.Get()
	mustPanic(t, func() { s.Put(b[8:]) }, "starts 8 bytes into block 0", "re-sliced from the front")
	s.Put(b)
}

func TestSlab_WronglySizedSlicePanics(t *testing.T) {
	s := newSlab(t, 64, 4, Options{})
	b, _ := s.Get()
	mustPanic(t, func() { s.Put(b[:10:10]) }, "wrongly sized slice", "cap 10, block size 64")
	mustPanic(t, func() { s.Put(b[:0:0]) }, "wrongly sized slice", "cap 0")
	// A slice spanning two blocks from a block start, built by hand.
	s2 := newSlab(t, 64, 4, Options{Stripes: 1})
	x, _ := s2.Get()
	wide := x[:64:64]
	wide = unsafeWiden(wide, 128)
	mustPanic(t, func() { s2.Put(wide) }, "wrongly sized slice", "cap 128")
	s.Put(b)
	s2.Put(x)
}

func TestSlab_ShorterLengthIsTheSameBlock(t *testing.T) {
	s := newSlab(t, 64, 1, Options{})
	b, _ := s.Get()
	s.Put(b[:0])
	b2, ok := s.Get()
	if !ok || &b2[0] != &b[:1][0] || len(b2) != 64 {
		t.Fatalf("Get after Put(b[:0]) = %p len %d, %v; want the same block at full length", b2, len(b2), ok)
	}
	s.Put(b2[:17])
}

func TestFixed_DoublePutPanics(t *testing.T) {
	for _, debug := range []bool{false, true} {
		resets := 0
		p, _ := NewFixedWithOptions(4, func(*int) { resets++ }, Options{Debug: debug})
		v, _ := p.Get()
		p.Put(v)
		want := []string{"double Put of Fixed block 0"}
		if debug {
			want = append(want, "returned at", "TestFixed_DoublePutPanics")
		}
		mustPanic(t, func() { p.Put(v) }, want...)
		if resets != 1 {
			t.Errorf("reset ran %d times; a refused double Put must not reset the value", resets)
		}
	}
}

func TestFixed_ForeignAndNilPointersPanic(t *testing.T) {
	p, _ := NewFixed[int64](4, nil)
	mustPanic(t, func() { p.Put(new(int64)) }, "foreign pointer")
	mustPanic(t, func() { p.Put(nil) }, "nil pointer")
}

func TestFixed_PointerToAFieldPanics(t *testing.T) {
	type pair struct{ a, b int64 }
	p, _ := NewFixed[pair](4, nil)
	v, _ := p.Get()
	mustPanic(t, func() { p.Put((*pair)(unsafePointerAdd(v, 8))) }, "8 bytes into value 0", "pointer to a field")
	p.Put(v)
}

func TestFixed_PanickingResetLeavesTheValueOut(t *testing.T) {
	for _, debug := range []bool{false, true} {
		boom := true
		p, _ := NewFixedWithOptions(2, func(v *int) {
			if boom {
				panic("reset failed")
			}
			*v = 0
		}, Options{Debug: debug})
		v, _ := p.Get()
		func() {
			defer func() {
				if r := recover(); r != "reset failed" {
					t.Fatalf("recovered %v; want the reset's panic", r)
				}
			}()
			p.Put(v)
		}()
		if st := p.Stats(); st.InUse != 1 {
			t.Fatalf("after a panicking reset InUse = %d; want 1 (the value stays out)", st.InUse)
		}
		boom = false
		p.Put(v) // the caller still owns v and can return it
		if st := p.Stats(); st.InUse != 0 {
			t.Fatalf("InUse = %d after the retried Put; want 0", st.InUse)
		}
	}
}

func TestBytes_NegativeGetPanics(t *testing.T) {
	p, _ := NewBytes(64, 1024)
	mustPanic(t, func() { p.Get(-1) }, "negative size -1")
}

// TestBytes_DoublePutPanics checks the check that costs nothing: a buffer
// Put twice in a row by one goroutine is the one its hot slot holds. The
// refused Put must leave the pool as it was: the buffer is handed out once.
func TestBytes_DoublePutPanics(t *testing.T) {
	p, _ := NewBytes(64, 1024)
	b := p.Get(100)
	// Both Puts from the same frame: the hot slot is chosen by stack
	// address, so a second Put from much deeper in the stack may look in
	// another slot (see Bytes.Put).
	var msgs []any
	for range 2 {
		func() {
			defer func() { msgs = append(msgs, recover()) }()
			p.Put(b)
		}()
	}
	if msgs[0] != nil {
		t.Fatalf("the first Put panicked: %v", msgs[0])
	}
	msg, _ := msgs[1].(string)
	for _, w := range []string{"double Put of Bytes buffer", "class 128", "BytesOptions.Debug"} {
		if !strings.Contains(msg, w) {
			t.Fatalf("second Put: panic %q, want it to contain %q", msgs[1], w)
		}
	}
	if st := p.Stats(); st.Classes[1].Idle != 1 {
		t.Fatalf("class 128 holds %d idle buffers after a refused double Put; want 1", st.Classes[1].Idle)
	}
	x, y := p.Get(100), p.Get(100)
	if unsafe.SliceData(x) == unsafe.SliceData(y) {
		t.Fatal("two Gets returned the same buffer after a refused double Put")
	}
}

func TestBytes_DebugDoublePutPanics(t *testing.T) {
	p, _ := NewBytesWithOptions(BytesOptions{MinSize: 64, MaxSize: 1024, Debug: true})
	b := p.Get(100)
	p.Put(b)
	mustPanic(t, func() { p.Put(b) }, "double Put of Bytes buffer", "class 128", "TestBytes_DebugDoublePutPanics")
}
