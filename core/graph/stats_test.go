package graph

import (
	"slices"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

// TestPlannerStatistics follows label counts, the vertex count and an
// index's entries and distinct values through commits, an abort, label
// removal, deletion and a property change, and checks that a replica
// applying the same deltas reports the same figures (index figures once
// GC has pruned the entries of old values).
func TestPlannerStatistics(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	replica := New(Options{ImmediateVisibility: true})
	commit := func(tx *Txn) {
		t.Helper()
		ts, ds, err := tx.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) > 0 {
			if err := replica.Apply(ts, ds); err != nil {
				t.Fatal(err)
			}
			if err := replica.MarkAcknowledged(ts); err != nil {
				t.Fatal(err)
			}
		}
	}
	ts, ds, err := g.CreateIndex(SchemaItem{Kind: KindLabelPropertyIndex, Name: "A", Key: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := replica.Apply(ts, ds); err != nil {
		t.Fatal(err)
	}
	check := func(step string, a, b, all, entries, distinct int64) {
		t.Helper()
		for i, gr := range []*Graph{g, replica} {
			name := [...]string{"main", "replica"}[i]
			// GC prunes index entries of old values that no snapshot reads.
			gr.CollectGarbage()
			r := gr.Begin(TxOptions{ReadOnly: true})
			e, d, ok := r.IndexStats("A", "x")
			r.Abort()
			if got := [...]int64{gr.LabelCount("A"), gr.LabelCount("B"), gr.VertexCount(), e, d}; got != [...]int64{a, b, all, entries, distinct} || !ok {
				t.Fatalf("%s, %s: A B vertices entries distinct = %v (index %v), want %v", step, name, got, ok, [...]int64{a, b, all, entries, distinct})
			}
		}
	}
	tx := g.Begin(TxOptions{})
	var ids []int64
	for i, x := range []int64{1, 1, 2} {
		id := must[int64](t)(tx.CreateVertex())
		ids = append(ids, id)
		if err := tx.AddLabel(id, "A"); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if err := tx.AddLabel(id, "B"); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.SetVertexProperty(id, "x", x); err != nil {
			t.Fatal(err)
		}
	}
	if n := g.LabelCount("A"); n != 0 {
		t.Fatalf("uncommitted labels counted: %d", n)
	}
	commit(tx)
	check("created", 3, 2, 3, 3, 2)

	tx = g.Begin(TxOptions{})
	if err := tx.AddLabel(must[int64](t)(tx.CreateVertex()), "A"); err != nil {
		t.Fatal(err)
	}
	tx.Abort()
	check("aborted", 3, 2, 3, 3, 2)

	tx = g.Begin(TxOptions{})
	if err := tx.RemoveLabel(ids[1], "B"); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetVertexProperty(ids[2], "x", int64(1)); err != nil {
		t.Fatal(err)
	}
	commit(tx)
	check("label removed, value changed", 3, 1, 3, 3, 1)

	tx = g.Begin(TxOptions{})
	if err := tx.DeleteVertex(ids[2], true); err != nil {
		t.Fatal(err)
	}
	commit(tx)
	check("deleted", 2, 0, 2, 2, 1)

	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	if _, _, ok := r.IndexStats("A", "y"); ok {
		t.Fatal("stats for an index that does not exist")
	}
	if n := g.LabelCount("Nope"); n != 0 {
		t.Fatalf("unknown label counted %d", n)
	}
}

// TestSeekInto checks that an equality seek reusing a spent iterator finds
// what a fresh one finds, with and without an index, and allocates nothing.
func TestSeekInto(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		g := New(Options{ImmediateVisibility: true})
		if indexed {
			if _, _, err := g.CreateIndex(SchemaItem{Kind: KindLabelPropertyIndex, Name: "A", Key: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		tx := g.Begin(TxOptions{})
		for i := range int64(30) {
			id := must[int64](t)(tx.CreateVertex())
			if err := tx.AddLabel(id, "A"); err != nil {
				t.Fatal(err)
			}
			if err := tx.SetVertexProperty(id, "x", i%7); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		r := g.Begin(TxOptions{ReadOnly: true})
		var it *VertexIter
		for _, x := range []value.Value{int64(3), float64(3), int64(9), "3", int64(0)} {
			want := r.VerticesByProperty("A", "x", x).Collect()
			it = r.VerticesByPropertyInto(it, "A", "x", x)
			if got := it.Collect(); !slices.Equal(got, want) {
				t.Fatalf("indexed %v, x = %v: reused iterator found %v, fresh %v", indexed, x, got, want)
			}
		}
		if n := testing.AllocsPerRun(100, func() {
			it = r.VerticesByPropertyInto(it, "A", "x", int64(5))
			for it.Next() {
			}
		}); n != 0 {
			t.Fatalf("indexed %v: a reused seek allocates %v times", indexed, n)
		}
		r.Abort()
	}
}
