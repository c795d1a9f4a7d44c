package deadlock

import (
	"sync"
	"testing"
)

func TestSmoke(t *testing.T) {
	var got []*Report
	prev := SetOptions(Options{OnReport: func(r *Report) { got = append(got, r) }})
	defer SetOptions(prev)
	var a, b, c Mutex
	a.Lock(); b.Lock(); b.Unlock(); a.Unlock()
	b.Lock(); c.Lock(); c.Unlock(); b.Unlock()
	c.Lock(); a.Lock(); a.Unlock(); c.Unlock()
	for _, r := range got {
		t.Log(r)
	}
	if len(got) != 1 || len(got[0].Cycle) != 3 {
		t.Fatalf("got %d reports", len(got))
	}
}

func BenchmarkSmoke(b *testing.B) {
	b.Run("impl=deadlock", func(b *testing.B) {
		var m Mutex
		for b.Loop() {
			m.Lock()
			m.Unlock()
		}
	})
	b.Run("impl=sync", func(b *testing.B) {
		var m sync.Mutex
		for b.Loop() {
			m.Lock()
			m.Unlock()
		}
	})
	b.Run("impl=deadlock/held=1", func(b *testing.B) {
		var o, m Mutex
		o.Lock()
		for b.Loop() {
			m.Lock()
			m.Unlock()
		}
		o.Unlock()
	})
}
