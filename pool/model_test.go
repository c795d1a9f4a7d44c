package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"pgregory.net/rapid"
)

type fataler interface {
	Fatalf(format string, args ...any)
}

// slabModel drives a Slab and a plain model side by side: the set of held
// blocks and the counters the Stats must match. Both the rapid state
// machine and the fuzz target use it.
type slabModel struct {
	s                  *Slab
	blocks, size       int
	stripes            int
	exact              bool           // HighWater must equal the model's peak
	held               map[int][]byte // block index -> the slice Get returned
	order              []int          // held indices in Get order, for picking
	gets, puts, empty  uint64
	peak               int
	stampSeq           uint64
	stamps             map[int]uint64
	lastPutWasRefused  bool
	refusedDoublePuts  int
	refusedForeignPuts int
}

func newSlabModel(t fataler, size, blocks int, opts Options) *slabModel {
	s, err := NewSlabWithOptions(size, blocks, opts)
	if err != nil {
		t.Fatalf("NewSlabWithOptions(%d, %d, %+v): %v", size, blocks, opts, err)
	}
	return &slabModel{s: s, blocks: blocks, size: size, stripes: opts.Stripes,
		exact: opts.Debug || opts.ExactHighWater || blocks <= 32,
		held:  map[int][]byte{}, stamps: map[int]uint64{}}
}

func (m *slabModel) indexOf(b []byte) int {
	return int((uintptr(unsafe.Pointer(unsafe.SliceData(b))) - m.s.base) / uintptr(m.size))
}

func (m *slabModel) took(t fataler, b []byte) {
	if len(b) != m.size || cap(b) != m.size {
		t.Fatalf("block len %d cap %d; want %d", len(b), cap(b), m.size)
	}
	i := m.indexOf(b)
	if _, dup := m.held[i]; dup {
		t.Fatalf("block %d handed out while already held", i)
	}
	m.held[i] = b
	m.order = append(m.order, i)
	m.gets++
	m.peak = max(m.peak, len(m.held))
	m.stampSeq++
	m.stamps[i] = m.stampSeq
	if m.size >= 8 {
		*(*uint64)(unsafe.Pointer(&b[0])) = m.stampSeq
	}
}

func (m *slabModel) get(t fataler) {
	b, ok := m.s.Get()
	if ok != (len(m.held) < m.blocks) {
		t.Fatalf("Get ok = %v with %d of %d blocks held", ok, len(m.held), m.blocks)
	}
	if !ok {
		m.empty++
		return
	}
	m.took(t, b)
}

func (m *slabModel) acquireDone(t fataler) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, err := m.s.Acquire(ctx)
	if (err == nil) != (len(m.held) < m.blocks) {
		t.Fatalf("Acquire(done ctx) err = %v with %d of %d blocks held", err, len(m.held), m.blocks)
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Acquire err = %v; want Canceled", err)
		}
		return
	}
	m.took(t, b)
}

func (m *slabModel) put(t fataler, pick, length int) {
	if len(m.order) == 0 {
		return
	}
	k := pick % len(m.order)
	i := m.order[k]
	m.order = slices.Delete(m.order, k, k+1)
	b := m.held[i]
	delete(m.held, i)
	if m.size >= 8 && *(*uint64)(unsafe.Pointer(&b[0])) != m.stamps[i] {
		t.Fatalf("block %d lost its owner's stamp while held", i)
	}
	m.s.Put(b[:length%(m.size+1)])
	m.puts++
}

// doublePut returns a free block once more and expects the panic.
func (m *slabModel) doublePut(t fataler, pick int) {
	for k := range m.blocks {
		i := (pick + k) % m.blocks
		if _, out := m.held[i]; out {
			continue
		}
		if msg := panicOf(func() { m.s.Put(m.s.block(i)) }); !strings.Contains(msg, fmt.Sprintf("double Put of Slab block %d", i)) {
			t.Fatalf("Put of free block %d: panic %q; want a double Put", i, msg)
		}
		m.refusedDoublePuts++
		return
	}
}

func (m *slabModel) foreignPut(t fataler) {
	if msg := panicOf(func() { m.s.Put(make([]byte, m.size)) }); !strings.Contains(msg, "foreign slice") {
		t.Fatalf("Put of a foreign slice: panic %q", msg)
	}
	m.refusedForeignPuts++
}

func (m *slabModel) check(t fataler) {
	st := m.s.Stats()
	if st.Capacity != m.blocks || st.InUse != len(m.held) || st.Gets != m.gets || st.Puts != m.puts || st.EmptyGets != m.empty {
		t.Fatalf("Stats = %+v; model: %d held, %d gets, %d puts, %d empty", st, len(m.held), m.gets, m.puts, m.empty)
	}
	if st.HighWater > m.peak || st.HighWater < len(m.held) || (m.exact && st.HighWater != m.peak) {
		t.Fatalf("HighWater = %d; model peak %d, now %d (blocks %d)", st.HighWater, m.peak, len(m.held), m.blocks)
	}
	var leaked []int
	for _, l := range m.s.Leaks() {
		leaked = append(leaked, l.Block)
	}
	want := slices.Sorted(func(yield func(int) bool) {
		for i := range m.held {
			if !yield(i) {
				return
			}
		}
	})
	if !slices.Equal(leaked, want) {
		t.Fatalf("Leaks = %v; model holds %v", leaked, want)
	}
}

// panicOf runs f and returns its panic message, or "" if it did not panic.
func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestSlab_MatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newSlabModel(t,
			rapid.SampledFrom([]int{1, 8, 24, 64}).Draw(t, "size"),
			rapid.SampledFrom([]int{1, 2, 5, 12, 31, 32, 33, 70, 130}).Draw(t, "blocks"),
			Options{
				Stripes:        rapid.SampledFrom([]int{0, 1, 2, 4}).Draw(t, "stripes"),
				Debug:          rapid.Bool().Draw(t, "debug"),
				ExactHighWater: rapid.Bool().Draw(t, "exact"),
			})
		t.Repeat(map[string]func(*rapid.T){
			"Get":     func(t *rapid.T) { m.get(t) },
			"Acquire": func(t *rapid.T) { m.acquireDone(t) },
			"Put": func(t *rapid.T) {
				m.put(t, rapid.IntRange(0, 100).Draw(t, "pick"), rapid.IntRange(0, 100).Draw(t, "len"))
			},
			"DoublePut":  func(t *rapid.T) { m.doublePut(t, rapid.IntRange(0, 100).Draw(t, "pick")) },
			"ForeignPut": func(t *rapid.T) { m.foreignPut(t) },
			"":           func(t *rapid.T) { m.check(t) },
		})
	})
}

// FuzzSlabOps decodes an op sequence from bytes and checks the Slab against
// the model after every op.
func FuzzSlabOps(f *testing.F) {
	f.Add([]byte{4, 3, 0, 0, 0, 0, 1, 2, 2, 5, 3, 4})
	f.Add([]byte{1, 1, 0, 1, 2, 0, 3, 1, 0, 4})
	f.Add([]byte{16, 2, 0, 0, 0, 0, 0, 2, 7, 2, 9, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		blocks := 1 + int(data[0])%80
		stripes := []int{0, 1, 2, 4}[data[1]%4]
		opts := Options{Stripes: stripes, Debug: data[2]&0x80 != 0, ExactHighWater: data[2]&0x40 != 0}
		size := []int{1, 8, 24, 64}[data[2]&3]
		m := newSlabModel(t, size, blocks, opts)
		for k := 3; k < len(data); k++ {
			arg := 0
			if k+1 < len(data) {
				arg = int(data[k+1])
			}
			switch data[k] % 6 {
			case 0, 1:
				m.get(t)
			case 2:
				m.put(t, arg, arg*7)
				k++
			case 3:
				m.acquireDone(t)
			case 4:
				m.doublePut(t, arg)
				k++
			case 5:
				m.foreignPut(t)
			}
			m.check(t)
		}
	})
}

const poison64 uint64 = 0x0101010101010101 * PoisonByte

// fixedModel is the model of a Fixed[[4]uint64] whose reset zeroes values.
type fixedModel struct {
	p          *Fixed[[4]uint64]
	n          int
	held       []*[4]uint64
	resets     int
	gets, puts uint64
	peak       int
	seq        uint64
}

func TestFixed_MatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &fixedModel{n: rapid.SampledFrom([]int{1, 2, 5, 10, 40, 100}).Draw(t, "size")}
		opts := Options{
			Stripes:        rapid.SampledFrom([]int{0, 1, 2}).Draw(t, "stripes"),
			Debug:          rapid.Bool().Draw(t, "debug"),
			ExactHighWater: rapid.Bool().Draw(t, "exact"),
		}
		p, err := NewFixedWithOptions(m.n, func(v *[4]uint64) {
			m.resets++
			*v = [4]uint64{}
		}, opts)
		if err != nil {
			t.Fatal(err)
		}
		m.p = p
		t.Repeat(map[string]func(*rapid.T){
			"Get": func(t *rapid.T) {
				v, ok := p.Get()
				if ok != (len(m.held) < m.n) {
					t.Fatalf("Get ok = %v with %d of %d held", ok, len(m.held), m.n)
				}
				if !ok {
					return
				}
				if *v != ([4]uint64{}) {
					t.Fatalf("Get returned %v; want a reset value", *v)
				}
				if slices.Contains(m.held, v) {
					t.Fatalf("value %p handed out twice", v)
				}
				m.seq++
				*v = [4]uint64{m.seq, m.seq, m.seq, m.seq}
				m.held = append(m.held, v)
				m.gets++
				m.peak = max(m.peak, len(m.held))
			},
			"Put": func(t *rapid.T) {
				if len(m.held) == 0 {
					return
				}
				k := rapid.IntRange(0, len(m.held)-1).Draw(t, "pick")
				v := m.held[k]
				if v[0] == 0 || v[0] != v[3] {
					t.Fatalf("held value changed: %v", *v)
				}
				m.held = slices.Delete(m.held, k, k+1)
				p.Put(v)
				m.puts++
				// A read after Put (allowed here, to check the pool) sees the
				// reset value, or in debug mode the poison.
				want := [4]uint64{}
				if p.dbg != nil {
					want = [4]uint64{poison64, poison64, poison64, poison64}
				}
				if *v != want {
					t.Fatalf("after Put the value reads %x; want %x", *v, want)
				}
			},
			"DoublePut": func(t *rapid.T) {
				for i := range m.n {
					v := &p.vals[i]
					if slices.Contains(m.held, v) {
						continue
					}
					if msg := panicOf(func() { p.Put(v) }); !strings.Contains(msg, "double Put of Fixed") {
						t.Fatalf("double Put: panic %q", msg)
					}
					return
				}
			},
			"": func(t *rapid.T) {
				st := p.Stats()
				if st.InUse != len(m.held) || st.Gets != m.gets || st.Puts != m.puts || uint64(m.resets) != m.puts {
					t.Fatalf("Stats = %+v, resets %d; model %d held, %d gets, %d puts", st, m.resets, len(m.held), m.gets, m.puts)
				}
				exact := opts.Debug || opts.ExactHighWater || m.n <= 32
				if st.HighWater > m.peak || st.HighWater < len(m.held) || (exact && st.HighWater != m.peak) {
					t.Fatalf("HighWater = %d; model peak %d, now %d", st.HighWater, m.peak, len(m.held))
				}
				if len(p.Leaks()) != len(m.held) {
					t.Fatalf("Leaks = %d; model holds %d", len(p.Leaks()), len(m.held))
				}
			},
		})
	})
}
