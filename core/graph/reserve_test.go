package graph

import "testing"

// TestReserve checks that a transaction that reserved room for its deltas
// records them without growing the list again, and that the deltas are
// the same as without the hint.
func TestReserve(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	a := must[int64](t)(tx.CreateVertex())
	tx.Reserve(100)
	c := cap(tx.Deltas())
	if c < 101 {
		t.Fatalf("capacity %d after reserving 100 more", c)
	}
	for range 100 {
		if _, err := tx.CreateEdge(a, a, "T"); err != nil {
			t.Fatal(err)
		}
	}
	if cap(tx.Deltas()) != c || len(tx.Deltas()) != 101 {
		t.Fatalf("deltas %d, capacity %d, want 101 in the reserved %d", len(tx.Deltas()), cap(tx.Deltas()), c)
	}
	if _, ds, err := tx.Commit(); err != nil || len(ds) != 101 || ds[0].Op != OpCreateVertex || ds[100].Op != OpCreateEdge {
		t.Fatalf("commit: %d deltas, %v", len(ds), err)
	}
	tx = g.Begin(TxOptions{})
	tx.Abort()
	tx.Reserve(10) // a finished transaction ignores the hint
	if cap(tx.Deltas()) != 0 {
		t.Fatal("a finished transaction reserved room")
	}
}
