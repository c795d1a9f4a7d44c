package wtinylfu

import (
	"testing"

	"pgregory.net/rapid"
)

// TestSlotIndex_AgreesWithAMap drives a slotIndex with puts, deletes and
// lookups, at up to half its table full so that probe runs meet and wrap,
// and checks every key's lookup against a map.
func TestSlotIndex_AgreesWithAMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		const capacity = 16
		var x slotIndex
		x.init(capacity)
		keys := make([]uint64, capacity) // slot → key, as a mini's keys
		model := map[uint64]int32{}
		free := []int32{}
		for s := range int32(capacity) {
			free = append(free, s)
		}
		// 320 keys, some differing only in their top bits.
		key := rapid.Custom(func(t *rapid.T) uint64 {
			return rapid.Uint64Range(0, 7).Draw(t, "hi")<<61 | rapid.Uint64Range(1, 40).Draw(t, "lo")
		})
		t.Repeat(map[string]func(*rapid.T){
			"put": func(t *rapid.T) {
				h := key.Draw(t, "h")
				if _, ok := model[h]; ok || len(free) == 0 {
					t.Skip()
				}
				s := free[len(free)-1]
				free = free[:len(free)-1]
				keys[s] = h
				x.put(h, s)
				model[h] = s
			},
			"del": func(t *rapid.T) {
				h := key.Draw(t, "h")
				s, ok := model[h]
				if !ok {
					t.Skip()
				}
				x.del(h, keys)
				delete(model, h)
				free = append(free, s)
			},
			"": func(t *rapid.T) {
				for lo := uint64(1); lo <= 40; lo++ {
					for hi := uint64(0); hi < 8; hi++ {
						h := hi<<61 | lo
						s, ok := x.get(h, keys)
						want, wantOK := model[h]
						if ok != wantOK || (ok && s != want) {
							t.Fatalf("get(%#x) = %d, %v; the map has %d, %v", h, s, ok, want, wantOK)
						}
					}
				}
			},
		})
	})
}
