package graph

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

// TestSkipListAgainstSortedSlice inserts and removes thousands of mixed
// keys and compares order, membership, seeks and the entry and distinct-key
// counts (planner statistics), and the hash table's first entry of a key,
// with a sorted slice.
func TestSkipListAgainstSortedSlice(t *testing.T) {
	type entry struct {
		key value.Value
		id  int64
	}
	cmpE := func(a, b entry) int {
		if c := compareKeys(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	keys := func() value.Value {
		switch rng.IntN(3) {
		case 0:
			return int64(rng.IntN(50))
		case 1:
			return float64(rng.IntN(50)) / 2
		}
		return string(rune('a' + rng.IntN(20)))
	}
	s := newSkipList(1)
	s.rebuildEq(0) // a small table, so that it grows and collects tombstones
	var model []entry
	for i := 0; i < 20000; i++ {
		e := entry{keys(), int64(rng.IntN(40))}
		pos, found := slices.BinarySearchFunc(model, e, cmpE)
		if rng.IntN(3) == 0 {
			if s.remove(e.key, e.id) != found {
				t.Fatalf("remove %v: skip list and model disagree", e)
			}
			if found {
				model = slices.Delete(model, pos, pos+1)
			}
		} else {
			if s.insert(e.key, e.id) == found {
				t.Fatalf("insert %v: skip list and model disagree", e)
			}
			if !found {
				model = slices.Insert(model, pos, e)
			}
		}
		if i%1000 == 0 || i == 19999 {
			var got []entry
			for n := s.first(); n != nil; n = n.after() {
				got = append(got, entry{n.key, n.id})
				if next := n.after(); n.same.Load() != (next != nil && compareKeys(next.key, n.key) == 0) {
					t.Fatalf("step %d: entry %v says same %v, next %v", i, n.key, n.same.Load(), next)
				}
			}
			if len(got) != len(model) || s.n.Load() != int64(len(model)) {
				t.Fatalf("step %d: %d entries, model %d", i, len(got), len(model))
			}
			distinct := int64(0)
			for j := range model {
				if j == 0 || compareKeys(model[j-1].key, model[j].key) != 0 {
					distinct++
				}
			}
			if s.distinct.Load() != distinct {
				t.Fatalf("step %d: %d distinct keys, model %d", i, s.distinct.Load(), distinct)
			}
			for j := range got {
				if cmpE(got[j], model[j]) != 0 {
					t.Fatalf("step %d: entry %d is %v, model %v", i, j, got[j], model[j])
				}
			}
			// Every key of the domain, present or not, through the table.
			for k := range 50 {
				for _, probe := range []value.Value{int64(k), float64(k) / 2, string(rune('a' + k%20))} {
					at, _ := slices.BinarySearchFunc(model, entry{probe, -1 << 62}, cmpE)
					n := s.seekEq(probe)
					want := at < len(model) && compareKeys(model[at].key, probe) == 0
					if (n != nil) != want || (n != nil && cmpE(entry{n.key, n.id}, model[at]) != 0) {
						t.Fatalf("step %d: seekEq %v: got %v, model index %d", i, probe, n, at)
					}
				}
			}
			probe := keys()
			at, _ := slices.BinarySearchFunc(model, entry{probe, -1 << 62}, cmpE)
			n := s.seek(probe, false)
			if (n == nil) != (at == len(model)) || (n != nil && cmpE(entry{n.key, n.id}, model[at]) != 0) {
				t.Fatalf("seek %v: got %v, model index %d", probe, n, at)
			}
		}
	}
}
