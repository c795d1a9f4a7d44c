package pool

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"pgregory.net/rapid"
)

func newBytes(t testing.TB, o BytesOptions) *Bytes {
	t.Helper()
	p, err := NewBytesWithOptions(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBytes_GetRoundsUpToAPowerOfTwoClass(t *testing.T) {
	p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 4096})
	for _, tc := range []struct{ n, cap int }{
		{0, 64}, {1, 64}, {64, 64}, {65, 128}, {1000, 1024}, {1024, 1024}, {1025, 2048}, {4096, 4096}, {4097, 4097},
	} {
		b := p.Get(tc.n)
		if len(b) != tc.n || cap(b) != tc.cap {
			t.Errorf("Get(%d): len %d cap %d; want len %d cap %d", tc.n, len(b), cap(b), tc.n, tc.cap)
		}
		p.Put(b)
	}
}

func TestBytes_OversizeIsServedByMakeAndNeverPooled(t *testing.T) {
	p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 1024})
	b := p.Get(5000)
	p.Put(b)
	c := p.Get(5000)
	if &b[0] == &c[0] {
		t.Fatal("an oversize buffer came back from the pool")
	}
	st := p.Stats()
	if st.OversizeGets != 2 || st.ForeignPuts != 1 {
		t.Errorf("Stats = %+v; want 2 oversize Gets and 1 foreign Put", st)
	}
	for _, cs := range st.Classes {
		if cs.Idle != 0 {
			t.Errorf("class %d holds %d buffers; want none", cs.Size, cs.Idle)
		}
	}
}

func TestBytes_PutReusesTheBufferAndDoesNotAllocate(t *testing.T) {
	p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 1 << 16})
	b := p.Get(3000)
	p.Put(b)
	if c := p.Get(2049); &c[:1][0] != &b[:1][0] {
		t.Fatal("Get after Put did not reuse the buffer")
	} else {
		p.Put(c)
	}
	if a := testing.AllocsPerRun(1000, func() { p.Put(p.Get(3000)) }); a != 0 {
		t.Errorf("a hit Get and a Put allocated %v times; want 0", a)
	}
	// AllocsPerRun calls f once more than it counts: two buffers, so that
	// neither is Put twice.
	bufs := [][]byte{make([]byte, 100, 512), make([]byte, 100, 512)}
	i := 0
	if a := testing.AllocsPerRun(1, func() { p.Put(bufs[i]); i++ }); a != 0 {
		t.Errorf("Put of a foreign buffer allocated %v times; want 0", a)
	}
}

func TestBytes_PutOfAnOddCapacityGoesToTheClassItCovers(t *testing.T) {
	p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 4096})
	p.Put(make([]byte, 10, 3000)) // covers 2048, not 4096
	st := p.Stats()
	if st.Classes[5].Size != 2048 || st.Classes[5].Idle != 1 {
		t.Fatalf("classes = %+v; want the buffer in class 2048", st.Classes)
	}
	if b := p.Get(2048); cap(b) != 2048 {
		t.Fatalf("Get(2048) cap %d; want 2048 (the pooled buffer trimmed to its class)", cap(b))
	}
	p.Put(make([]byte, 10)) // below MinSize: not pooled
	if st := p.Stats(); st.ForeignPuts != 1 {
		t.Errorf("ForeignPuts = %d; want 1", st.ForeignPuts)
	}
}

// demandRounds holds d buffers of size n at once, rounds times, and
// returns the misses of the last quarter of the rounds.
func demandRounds(p *Bytes, n, d, rounds int) (lateMisses, lateGets uint64) {
	held := make([][]byte, 0, d)
	k := p.classIndex(n)
	var m0, g0 uint64
	for r := range rounds {
		if r == rounds*3/4 {
			cs := p.Stats().Classes[k]
			m0, g0 = cs.Misses, cs.Gets
		}
		for range d {
			held = append(held, p.Get(n))
		}
		for _, b := range held {
			p.Put(b)
		}
		held = held[:0]
	}
	cs := p.Stats().Classes[k]
	return cs.Misses - m0, cs.Gets - g0
}

// The sizing requirement: a class cap that is too small shows as
// misses together with drops and always grows, so the pool cannot settle
// below the demand (bytebufferpool's calibration can).
func TestBytes_CapCannotSettleBelowDemand(t *testing.T) {
	for _, d := range []int{1, 17, 100, 700} {
		p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 4096, MaxIdleBytes: 1 << 30})
		misses, gets := demandRounds(p, 1000, d, 200)
		cs := p.Stats().Classes[p.classIndex(1000)]
		if misses != 0 || cs.Idle < d {
			t.Errorf("demand %d: %d misses in the last %d Gets, %d idle (cap %d); want no misses and all %d kept", d, misses, gets, cs.Idle, cs.Cap, d)
		}
	}
}

// With demand that varies, the cap follows the peak and the misses stay
// rare.
func TestBytes_CapFollowsAVaryingDemand(t *testing.T) {
	p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 4096, MaxIdleBytes: 1 << 30})
	r := rand.New(rand.NewPCG(1, 2))
	var held [][]byte
	for range 20000 {
		d := 50 + r.IntN(50)
		for range d {
			held = append(held, p.Get(500))
		}
		for _, b := range held {
			p.Put(b)
		}
		held = held[:0]
	}
	cs := p.Stats().Classes[p.classIndex(500)]
	if ratio := float64(cs.Misses) / float64(cs.Gets); ratio > 0.01 || cs.Cap+int(p.nHot) < 99 {
		t.Errorf("miss ratio %.4f (%d of %d), cap %d; want < 1%% and room for the peak demand 99", ratio, cs.Misses, cs.Gets, cs.Cap)
	}
}

// A burst raises a class's cap; once demand falls back the surplus is
// released, so the burst does not pin memory.
func TestBytes_BurstDoesNotPinMemory(t *testing.T) {
	p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 4096, MaxIdleBytes: 1 << 30})
	demandRounds(p, 1000, 1000, 20) // burst
	k := p.classIndex(1000)
	if idle := p.Stats().Classes[k].Idle; idle < 500 {
		t.Fatalf("after the burst the class keeps %d buffers; want the cap to have grown", idle)
	}
	demandRounds(p, 1000, 4, 20000) // quiet
	cs := p.Stats().Classes[k]
	if cs.Idle > 16 || cs.Cap > 16 {
		t.Errorf("after the burst and a long quiet spell: idle %d, cap %d; want both near the demand 4", cs.Idle, cs.Cap)
	}
	p.Trim()
	if cs := p.Stats().Classes[k]; cs.Idle != 0 {
		t.Errorf("Trim left %d idle buffers", cs.Idle)
	}
}

// bytebufferpool calibrates one default size from the most frequent
// requests; a rare large size is then allocated at every call. Here each
// size has its own class, so the rare size is pooled too.
func TestBytes_RareLargeSizesArePooledToo(t *testing.T) {
	p := newBytes(t, BytesOptions{})
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		n := 100
		if r.IntN(20) == 0 {
			n = 60 << 10
		}
		b := p.Get(n)
		if len(b) != n || cap(b) < n {
			t.Fatalf("Get(%d): len %d cap %d", n, len(b), cap(b))
		}
		p.Put(b)
	}
	st := p.Stats()
	for _, n := range []int{100, 60 << 10} {
		cs := st.Classes[p.classIndex(n)]
		if cs.Misses > 2 {
			t.Errorf("size %d: %d misses of %d Gets; want the first only", n, cs.Misses, cs.Gets)
		}
	}
}

func TestBytes_ConcurrentUseHandsEachBufferToOneOwner(t *testing.T) {
	p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 8192, MaxIdleBytes: 64 << 10})
	var wg sync.WaitGroup
	var mu sync.Mutex
	owners := map[uintptr]int{}
	iters := 5000
	if testing.Short() {
		iters = 500
	}
	for g := 1; g <= 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for range iters {
				n := 1 + r.IntN(8192)
				b := p.Get(n)
				key := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
				mu.Lock()
				if o := owners[key]; o != 0 {
					t.Errorf("buffer %#x handed to %d while %d holds it", key, g, o)
				}
				owners[key] = g
				mu.Unlock()
				stamp(b, uint64(g))
				if !stamped(b, uint64(g)) {
					t.Errorf("goroutine %d: buffer written by another owner", g)
				}
				mu.Lock()
				delete(owners, key)
				mu.Unlock()
				p.Put(b)
			}
		}()
	}
	wg.Wait()
	st := p.Stats()
	var gets, puts uint64
	for _, cs := range st.Classes {
		gets += cs.Gets
		puts += cs.Puts
		if cs.Idle > cs.Cap && cs.Idle > cs.MaxCap {
			t.Errorf("class %d keeps %d buffers over its cap %d", cs.Size, cs.Idle, cs.Cap)
		}
	}
	if gets != puts || gets != uint64(6*iters) || st.InUse != 0 {
		t.Errorf("gets %d puts %d InUse %d; want %d, %d, 0", gets, puts, st.InUse, 6*iters, 6*iters)
	}
}

func TestBytes_DebugCatchesUseAfterPutAndReportsLeaks(t *testing.T) {
	p := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 1024, Debug: true})
	b := p.Get(100)
	p.Put(b)
	if b[:1][0] != PoisonByte {
		t.Fatalf("a pooled buffer reads %#x; want the poison", b[:1][0])
	}
	b[:2][1] = 7 // use after Put
	mustPanic(t, func() { p.Get(100) }, "was written after it was Put", "byte 1", "TestBytes_DebugCatchesUseAfterPutAndReportsLeaks")

	q := newBytes(t, BytesOptions{MinSize: 64, MaxSize: 1024, Debug: true})
	x := q.Get(10)
	y := q.Get(500)
	q.Put(x)
	leaks := q.Leaks()
	if len(leaks) != 1 || leaks[0].Size != 512 || leaks[0].Addr != uintptr(unsafe.Pointer(&y[0])) ||
		!strings.Contains(leaks[0].String(), "TestBytes_DebugCatchesUseAfterPutAndReportsLeaks") {
		t.Fatalf("Leaks = %v; want the 512-byte buffer with its Get stack", leaks)
	}
	q.Put(y)
	if l := q.Leaks(); len(l) != 0 {
		t.Fatalf("Leaks = %v after every buffer was returned", l)
	}
}

func TestBytes_MatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lo := 1 << rapid.IntRange(0, 6).Draw(t, "minShift")
		hi := lo << rapid.IntRange(0, 5).Draw(t, "classes")
		p, err := NewBytesWithOptions(BytesOptions{MinSize: lo, MaxSize: hi,
			MaxIdleBytes: rapid.IntRange(1, 4*hi).Draw(t, "idle"), Debug: rapid.Bool().Draw(t, "debug")})
		if err != nil {
			t.Fatal(err)
		}
		var held [][]byte
		gets := make([]uint64, len(p.classes))
		puts := make([]uint64, len(p.classes))
		var oversize, foreign uint64
		t.Repeat(map[string]func(*rapid.T){
			"Get": func(t *rapid.T) {
				n := rapid.IntRange(0, 2*hi).Draw(t, "n")
				b := p.Get(n)
				if len(b) != n {
					t.Fatalf("Get(%d) len %d", n, len(b))
				}
				if n > hi {
					oversize++
					if cap(b) != n {
						t.Fatalf("oversize Get(%d) cap %d", n, cap(b))
					}
					return
				}
				want := max(lo, ceilPow2(n))
				if cap(b) != want {
					t.Fatalf("Get(%d) cap %d; want %d", n, cap(b), want)
				}
				gets[p.classIndex(n)]++
				held = append(held, b)
			},
			"Put": func(t *rapid.T) {
				if len(held) == 0 {
					return
				}
				k := rapid.IntRange(0, len(held)-1).Draw(t, "pick")
				b := held[k]
				held = append(held[:k], held[k+1:]...)
				puts[p.classIndex(cap(b))]++
				p.Put(b[:rapid.IntRange(0, len(b)).Draw(t, "len")])
			},
			"PutForeign": func(t *rapid.T) {
				p.Put(make([]byte, 0, 2*hi+1))
				foreign++
			},
			"Trim": func(t *rapid.T) { p.Trim() },
			"": func(t *rapid.T) {
				st := p.Stats()
				if st.OversizeGets != oversize || st.ForeignPuts != foreign || st.InUse != len(held) {
					t.Fatalf("Stats = %+v; model oversize %d foreign %d held %d", st, oversize, foreign, len(held))
				}
				for k, cs := range st.Classes {
					if cs.Gets != gets[k] || cs.Puts != puts[k] || cs.Idle > cs.Cap+int(p.nHot) || cs.Cap > cs.MaxCap || cs.Hits+cs.Misses != cs.Gets {
						t.Fatalf("class %d: %+v; model gets %d puts %d", cs.Size, cs, gets[k], puts[k])
					}
				}
				if p.dbg != nil && len(p.Leaks()) != len(held) {
					t.Fatalf("Leaks = %d; model holds %d", len(p.Leaks()), len(held))
				}
			},
		})
	})
}

func FuzzBytesOps(f *testing.F) {
	f.Add([]byte{6, 3, 10, 200, 1, 0, 2, 3, 1})
	f.Add([]byte{0, 0, 0, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		lo := 1 << (data[0] % 7)
		hi := lo << (data[1] % 5)
		p, err := NewBytesWithOptions(BytesOptions{MinSize: lo, MaxSize: hi, MaxIdleBytes: 3 * hi, Debug: data[1]&0x80 != 0})
		if err != nil {
			t.Fatal(err)
		}
		var held [][]byte
		for k := 2; k < len(data); k++ {
			switch data[k] % 4 {
			case 0, 1:
				n := int(data[k]) * hi / 128
				b := p.Get(n)
				if len(b) != n || cap(b) < n || (n <= hi && cap(b) > max(lo, 2*n)) {
					t.Fatalf("Get(%d): len %d cap %d", n, len(b), cap(b))
				}
				held = append(held, b)
			case 2:
				if len(held) > 0 {
					p.Put(held[0])
					held = held[1:]
				}
			case 3:
				p.Trim()
			}
			st := p.Stats()
			for _, cs := range st.Classes {
				if cs.Idle > cs.Cap+int(p.nHot) || cs.Cap > cs.MaxCap {
					t.Fatalf("class %+v over its cap", cs)
				}
			}
		}
	})
}
