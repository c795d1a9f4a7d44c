package pool_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/hotpath/hotpath/pool"
)

func ExampleSlab() {
	// 4 blocks of 4 KiB, allocated once.
	slab, err := pool.NewSlab(4096, 4)
	if err != nil {
		panic(err)
	}
	buf, ok := slab.Get()
	if !ok {
		panic("all blocks are out")
	}
	n := copy(buf, "request body")
	fmt.Println(string(buf[:n]), len(buf))
	slab.Put(buf[:n]) // b[:n] is the same block
	st := slab.Stats()
	fmt.Println(st.Gets, st.Puts, st.InUse, st.HighWater)
	// Output:
	// request body 4096
	// 1 1 0 1
}

func ExampleSlab_Acquire() {
	slab, _ := pool.NewSlab(64, 1)
	held, _ := slab.Get()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // nothing will be returned in time
	_, err := slab.Acquire(ctx)
	fmt.Println(err)
	slab.Put(held)
	buf, err := slab.Acquire(context.Background())
	fmt.Println(len(buf), err)
	slab.Put(buf)
	// Output:
	// context canceled
	// 64 <nil>
}

func ExampleSlab_Put_doublePut() {
	slab, _ := pool.NewSlab(64, 2)
	buf, _ := slab.Get()
	slab.Put(buf)
	defer func() { fmt.Println(recover()) }()
	slab.Put(buf)
	// Output:
	// pool: double Put of Slab block 0: it is already in the pool
}

func ExampleSlab_Leaks() {
	slab, _ := pool.NewSlabWithOptions(64, 2, pool.Options{Debug: true})
	_, _ = slab.Get() // never returned
	for _, l := range slab.Leaks() {
		fmt.Println(l.Block, strings.Contains(l.Stack, "ExampleSlab_Leaks"))
	}
	// Output:
	// 0 true
}

type request struct {
	id   int
	tags []string
}

func ExampleFixed() {
	reqs, _ := pool.NewFixed(128, func(r *request) {
		r.id = 0
		r.tags = r.tags[:0] // keep the backing array
	})
	r, _ := reqs.Get()
	r.id = 7
	r.tags = append(r.tags, "hot")
	reqs.Put(r)
	r, _ = reqs.Get()
	fmt.Println(r.id, len(r.tags), cap(r.tags) > 0)
	reqs.Put(r)
	// Output:
	// 0 0 true
}

func ExampleBytes() {
	bufs, _ := pool.NewBytes(64, 1<<16)
	b := bufs.Get(1000) // from the 1024-byte class
	fmt.Println(len(b), cap(b))
	bufs.Put(b)
	b = bufs.Get(600) // the same buffer
	bufs.Put(b)
	big := bufs.Get(1 << 20) // above MaxSize: made, never pooled
	bufs.Put(big)
	st := bufs.Stats()
	c := st.Classes[4]
	fmt.Println(c.Size, c.Gets, c.Hits, c.Misses, st.OversizeGets, st.ForeignPuts)
	// Output:
	// 1000 1024
	// 1024 2 1 1 1 1
}
