package graph

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

// TestVertexIterProperty checks that the iterator reads the current
// vertex's properties as VertexProperty does, for keys it resolved before,
// keys new to it, keys no vertex has, and past the end.
func TestVertexIterProperty(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	for i := range int64(6) {
		id, err := tx.CreateVertex()
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.AddLabel(id, "L"); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"a", "b", "c", "d", "e"} {
			if i%2 == 0 || k == "a" {
				if err := tx.SetVertexProperty(id, k, i); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	for _, it := range []*VertexIter{r.VerticesByLabel("L"), r.Vertices()} {
		n := 0
		for it.Next() {
			n++
			for _, k := range []string{"a", "b", "c", "d", "e", "zz", "a"} {
				want, _ := r.VertexProperty(it.ID(), k)
				if got := it.Property(k); !value.Equal(got, want).IsTrue() && !(got == nil && want == nil) {
					t.Fatalf("vertex %d key %s: Property %v, VertexProperty %v", it.ID(), k, got, want)
				}
			}
		}
		if n != 6 {
			t.Fatalf("iterated %d vertices, want 6", n)
		}
		if v := it.Property("a"); v != nil {
			t.Fatalf("past the end: %v", v)
		}
	}
}

// TestNextPropsMatchesNext checks that NextProps yields exactly the vertices
// and property values Next and Property yield, for every block size, with
// and without a label index, for a reader whose snapshot predates later
// updates, deletions and creations, and for a writer seeing its own
// uncommitted changes.
func TestNextPropsMatchesNext(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		g := New(Options{ImmediateVisibility: true})
		if indexed {
			if _, _, err := g.CreateIndex(SchemaItem{Kind: KindLabelIndex, Name: "L"}); err != nil {
				t.Fatal(err)
			}
		}
		rng := rand.New(rand.NewPCG(7, 8))
		mutate(t, g, rng, 3000) // spans several chunks
		old := g.Begin(TxOptions{ReadOnly: true})
		mutate(t, g, rng, 500)
		w := g.Begin(TxOptions{})
		for id := int64(0); id < 3000; id += 7 {
			if w.HasVertex(id) {
				check(t, w.SetVertexProperty(id, "a", "own"))
			}
		}
		cur := g.Begin(TxOptions{ReadOnly: true})
		for _, tx := range []*Txn{old, cur, w} {
			for _, block := range []int{1, 3, 256, 1000} {
				compareBlocks(t, tx, block)
			}
		}
		old.Abort()
		cur.Abort()
		w.Abort()
	}
}

// mutate commits n random changes: creations with labels and properties,
// property updates, label removals and deletions.
func mutate(t *testing.T, g *Graph, rng *rand.Rand, n int) {
	t.Helper()
	tx := g.Begin(TxOptions{})
	for range n {
		id := rng.Int64N(g.nextVID.Load() + 1)
		switch op := rng.IntN(10); {
		case op < 5 || !tx.HasVertex(id):
			nid, err := tx.CreateVertex()
			check(t, err)
			if rng.IntN(4) > 0 {
				check(t, tx.AddLabel(nid, "L"))
			}
			check(t, tx.AddLabel(nid, "M"))
			for _, k := range []string{"a", "b", "c"} {
				if rng.IntN(3) > 0 {
					check(t, tx.SetVertexProperty(nid, k, rng.Int64N(2000)-1000))
				}
			}
		case op < 8:
			check(t, tx.SetVertexProperty(id, []string{"a", "b"}[rng.IntN(2)], rng.Int64N(50)))
		case op < 9:
			check(t, tx.RemoveLabel(id, "L"))
		default:
			check(t, tx.DeleteVertex(id, true))
		}
	}
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// compareBlocks checks NextProps in blocks of size block against Next.
func compareBlocks(t *testing.T, tx *Txn, block int) {
	t.Helper()
	keys := []string{"b", "zz", "a"}
	var wantIDs []int64
	var wantVals []value.Value
	for it := tx.VerticesByLabel("L"); it.Next(); {
		wantIDs = append(wantIDs, it.ID())
		for _, k := range keys {
			wantVals = append(wantVals, it.Property(k))
		}
	}
	if len(wantIDs) < 500 {
		t.Fatalf("only %d vertices: the test needs more", len(wantIDs))
	}
	ids, vals := make([]int64, block), make([]value.Value, block*len(keys))
	var gotIDs []int64
	var gotVals []value.Value
	it := tx.VerticesByLabel("L")
	for n := it.NextProps(keys, ids, vals); n > 0; n = it.NextProps(keys, ids, vals) {
		gotIDs = append(gotIDs, ids[:n]...)
		gotVals = append(gotVals, vals[:n*len(keys)]...)
		if last := it.Property("a"); last != vals[(n-1)*len(keys)+2] {
			t.Fatalf("Property after a block: %v, want %v", last, vals[(n-1)*len(keys)+2])
		}
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Fatalf("block %d: ids differ: %d vertices, want %d", block, len(gotIDs), len(wantIDs))
	}
	for i := range wantVals {
		if gotVals[i] != wantVals[i] {
			t.Fatalf("block %d: vertex %d key %s: %v, want %v", block, gotIDs[i/len(keys)], keys[i%len(keys)], gotVals[i], wantVals[i])
		}
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
