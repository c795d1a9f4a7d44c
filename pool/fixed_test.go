package pool

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type conn struct {
	owner int64
	buf   [56]byte
}

func TestFixed_GetReturnsResetValuesAndFailsOnlyWhenAllAreOut(t *testing.T) {
	p, err := NewFixed(3, func(c *conn) { *c = conn{} })
	if err != nil {
		t.Fatal(err)
	}
	var held []*conn
	for range 3 {
		c, ok := p.Get()
		if !ok || c.owner != 0 {
			t.Fatalf("Get = %+v, %v; want a zero value", c, ok)
		}
		c.owner = 42
		held = append(held, c)
	}
	if _, ok := p.Get(); ok {
		t.Fatal("Get succeeded with every value out")
	}
	for _, c := range held {
		p.Put(c)
	}
	for range 3 {
		c, _ := p.Get()
		if c.owner != 0 {
			t.Fatalf("value not reset: %+v", c)
		}
		defer p.Put(c)
	}
}

func TestFixed_GetAndPutDoNotAllocate(t *testing.T) {
	p, _ := NewFixed[conn](16, func(c *conn) { c.owner = 0 })
	if a := testing.AllocsPerRun(1000, func() {
		c, _ := p.Get()
		p.Put(c)
	}); a != 0 {
		t.Errorf("Get+Put allocated %v times; want 0", a)
	}
}

func TestFixed_AcquireWaitsAndHonoursCancel(t *testing.T) {
	p, _ := NewFixed[conn](1, nil)
	c, _ := p.Get()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire = %v; want DeadlineExceeded", err)
	}
	done := make(chan *conn)
	go func() {
		v, err := p.Acquire(context.Background())
		if err != nil {
			t.Errorf("Acquire: %v", err)
		}
		done <- v
	}()
	for p.fl.waiters.Waiting() == 0 {
		time.Sleep(time.Millisecond)
	}
	p.Put(c)
	if v := <-done; v != c {
		t.Fatal("Acquire returned another value")
	}
	p.Put(c)
	if st := p.Stats(); st.Waits != 2 || st.InUse != 0 {
		t.Errorf("Stats = %+v; want 2 waits, nothing in use", st)
	}
}

func TestFixed_NoValueIsEverHeldByTwoOwners(t *testing.T) {
	for _, stripes := range []int{1, 2, 0} {
		p, _ := NewFixedWithOptions(5, func(c *conn) { c.owner = 0 }, Options{Stripes: stripes})
		goroutines := max(4, 2*runtime.GOMAXPROCS(0))
		iters := 20000
		if testing.Short() {
			iters = 2000
		}
		var total atomic.Int64
		var wg sync.WaitGroup
		for g := int64(1); g <= int64(goroutines); g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range iters {
					var c *conn
					if i%4 == 0 {
						var err error
						if c, err = p.Acquire(context.Background()); err != nil {
							t.Errorf("Acquire: %v", err)
							return
						}
					} else {
						var ok bool
						if c, ok = p.Get(); !ok {
							continue
						}
					}
					if prev := atomic.SwapInt64(&c.owner, g); prev != 0 {
						t.Errorf("value handed to %d while %d held it (or not reset)", g, prev)
					}
					total.Add(1)
					if i%16 == 0 {
						runtime.Gosched()
					}
					if cur := atomic.LoadInt64(&c.owner); cur != g {
						t.Errorf("goroutine %d: value taken over by %d", g, cur)
					}
					p.Put(c)
				}
			}()
		}
		wg.Wait()
		if st := p.Stats(); st.InUse != 0 || st.Gets != uint64(total.Load()) || st.Puts != st.Gets {
			t.Errorf("stripes=%d: Stats = %+v; want InUse 0, Gets = Puts = %d", stripes, st, total.Load())
		}
	}
}

func TestFixed_DebugCatchesUseAfterPutAndReportsLeaks(t *testing.T) {
	p, _ := NewFixedWithOptions(2, func(c *conn) { *c = conn{} }, Options{Debug: true, Stripes: 1})
	c, _ := p.Get()
	d, _ := p.Get()
	p.Put(c)
	leaks := p.Leaks()
	if len(leaks) != 1 || leaks[0].Block != 1 || !strings.Contains(leaks[0].Stack, "TestFixed_DebugCatchesUseAfterPutAndReportsLeaks") {
		t.Fatalf("Leaks = %v; want value 1 with its Get stack", leaks)
	}
	c.buf[3] = 1 // use after Put
	mustPanic(t, func() { p.Get() }, "Fixed value 0 was written after it was Put", "use after Put")
	p.Put(d)
}

func TestFixed_DebugPoisonsPointerFreeValuesAndRestoresThemOnGet(t *testing.T) {
	p, _ := NewFixedWithOptions(1, func(c *conn) { *c = conn{owner: 7} }, Options{Debug: true})
	c, _ := p.Get()
	c.owner = 42
	p.Put(c)
	if uint64(c.owner) != poison64 || c.buf[0] != PoisonByte { // a read after Put shows the poison
		t.Fatalf("a returned value reads %#x; want the poison", c.owner)
	}
	d, _ := p.Get()
	if d != c || d.owner != 7 {
		t.Fatalf("Get after Put = %+v; want the reset value back", d.owner)
	}
	p.Put(d)
}

func TestFixed_DebugChecksumsValuesWithPointers(t *testing.T) {
	type node struct {
		next *int
		n    int
	}
	p, _ := NewFixedWithOptions(1, func(v *node) { *v = node{} }, Options{Debug: true, Stripes: 1})
	if p.shadow != nil {
		t.Fatal("a T with pointers must not be poisoned")
	}
	v, _ := p.Get()
	p.Put(v)
	if v.next != nil || v.n != 0 {
		t.Fatalf("value with pointers reads %+v after Put; want its reset value", *v)
	}
	v.n = 3 // use after Put
	mustPanic(t, func() { p.Get() }, "Fixed value 0 was written after it was Put (its checksum changed)")
}

func TestPointerFree(t *testing.T) {
	type flat struct {
		a int
		b [3]float64
		c struct{ d uint8 }
	}
	type deep struct {
		a int
		s string
	}
	for _, tc := range []struct {
		v    any
		want bool
	}{
		{int(0), true}, {flat{}, true}, {[0]*int{}, true}, {[2]int{}, true},
		{deep{}, false}, {"", false}, {[]int(nil), false}, {(*int)(nil), false},
		{map[int]int(nil), false}, {[1]*int{}, false},
	} {
		if got := pointerFree(reflect.TypeOf(tc.v)); got != tc.want {
			t.Errorf("pointerFree(%T) = %v; want %v", tc.v, got, tc.want)
		}
	}
}
