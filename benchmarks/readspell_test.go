package benchmarks

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestHotKeysSurviveAReadOnlySpell asks whether a cache's eviction policy
// sees the reads that make a key hot. A cache of 10,000 entries is filled;
// a hot tenth of it is then read 100 times a key on average while nothing
// is written, from one goroutine and from four; then 10,000 newcomers
// arrive, each missed, stored and read three times (cache-aside), and the
// test counts the hot keys still cached. A frequency-aware policy that saw
// the reads rates the hot keys far above the newcomers and keeps them; one
// that dropped them sees keys used once and lets the newcomers push them
// out.
//
// It fails if hotpath (W-TinyLFU, which samples reads under contention and
// weighs the sample) keeps fewer than 90 % of the hot keys; the frequency-
// aware peers' counts are logged beside it:
//
//	cd benchmarks && go test -run HotKeysSurviveAReadOnlySpell -v .
func TestHotKeysSurviveAReadOnlySpell(t *testing.T) {
	const capacity = 10_000
	const hot = capacity / 10
	for _, readers := range []int{1, 4} {
		for _, im := range cacheImpls {
			switch im.name {
			case "hotpath", "otter", "theine", "ristretto":
			default: // recency-only or unbounded: no frequency to keep hot keys by
				continue
			}
			c := im.new(capacity, 0)
			for k := range capacity {
				c.Set(k, k)
			}
			settle(c)
			var wg sync.WaitGroup
			for g := range readers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(g), 1))
					for range 100 * hot / readers {
						c.Get(r.IntN(hot))
					}
				})
			}
			wg.Wait()
			for k := capacity; k < 2*capacity; k++ {
				if _, ok := c.Get(k); !ok {
					c.Set(k, k)
				}
				for range 3 {
					c.Get(k)
				}
			}
			settle(c)
			kept := 0
			for k := range hot {
				if _, ok := c.Get(k); ok {
					kept++
				}
			}
			c.Close()
			t.Logf("%d reader goroutines  %-10s hot keys kept: %4d of %d", readers, im.name, kept, hot)
			if im.name == "hotpath" && kept < hot*9/10 {
				t.Errorf("%d reader goroutines: hotpath kept %d of %d hot keys, want at least 90 %%", readers, kept, hot)
			}
		}
	}
}

// settle lets a cache apply what it buffered: Wait where the cache has it
// (theine, ristretto), otter's CleanUp, and a pause for work a peer hands
// to a goroutine of its own.
func settle(c kv) {
	switch c := c.(type) {
	case interface{ Wait() }:
		c.Wait()
	case otterKV:
		c.c.CleanUp()
	}
	time.Sleep(10 * time.Millisecond)
}
