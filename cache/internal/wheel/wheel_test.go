package wheel

import (
	"testing"

	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/hotpath/hotpath/cache/internal/node"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestWheel_ExpiresExactlyTheDueEntries schedules, reschedules and cancels
// entries at delays from nanoseconds to years and checks, against a plain
// set, that Advance never expires an entry early, that ExpireDue expires
// every due entry, and that no entry is expired twice.
func TestWheel_ExpiresExactlyTheDueEntries(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		start := rapid.Int64Range(1, 1<<50).Draw(t, "start")
		w := New[int, int](start)
		now := start
		nodes := make([]*node.Node[int, int], 16)
		scheduled := map[int]bool{}
		delay := rapid.OneOf(
			rapid.Int64Range(1, 1<<30),     // within the first bucket
			rapid.Int64Range(1<<30, 1<<42), // minutes to hours
			rapid.Int64Range(1<<42, 1<<52), // days to months
			rapid.Int64Range(1<<52, 1<<60), // beyond the last level
		)
		expire := func(n *node.Node[int, int]) {
			if !scheduled[n.Key] {
				t.Fatalf("entry %d expired but was not scheduled", n.Key)
			}
			if n.ExpireAt.Load() > now {
				t.Fatalf("entry %d expired at %d, before its time %d", n.Key, now, n.ExpireAt.Load())
			}
			delete(scheduled, n.Key)
		}
		t.Repeat(map[string]func(*rapid.T){
			"Schedule": func(t *rapid.T) {
				i := rapid.IntRange(0, len(nodes)-1).Draw(t, "i")
				if nodes[i] == nil {
					nodes[i] = &node.Node[int, int]{Key: i}
				}
				nodes[i].ExpireAt.Store(now + delay.Draw(t, "delay"))
				w.Schedule(nodes[i])
				scheduled[i] = true
			},
			"Cancel": func(t *rapid.T) {
				i := rapid.IntRange(0, len(nodes)-1).Draw(t, "i")
				if nodes[i] != nil {
					w.Cancel(nodes[i])
					delete(scheduled, i)
				}
			},
			"Advance": func(t *rapid.T) {
				now += delay.Draw(t, "step")
				w.Advance(now, expire)
			},
			"ExpireDue": func(t *rapid.T) {
				now += rapid.Int64Range(0, 1<<31).Draw(t, "step")
				w.ExpireDue(now, expire)
				for i := range scheduled {
					if nodes[i].ExpireAt.Load() <= now {
						t.Fatalf("entry %d due at %d still scheduled at %d", i, nodes[i].ExpireAt.Load(), now)
					}
				}
			},
			"": func(t *rapid.T) {
				if w.Len() != len(scheduled) {
					t.Fatalf("Len = %d, want %d", w.Len(), len(scheduled))
				}
			},
		})
	})
}

func TestWheel_ClearForgetsEverything(t *testing.T) {
	w := New[int, int](1)
	n := &node.Node[int, int]{}
	n.ExpireAt.Store(100)
	w.Schedule(n)
	w.Clear()
	if w.Len() != 0 || n.WNext != nil {
		t.Fatalf("after Clear: Len %d, node still linked: %v", w.Len(), n.WNext != nil)
	}
	w.Advance(1<<40, func(*node.Node[int, int]) { t.Fatal("a cleared entry expired") })
}
