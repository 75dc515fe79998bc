package graph

import (
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
