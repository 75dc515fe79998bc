package graph

import (
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

// hashFixture builds two vertices and an edge between them; how (in how
// many commits, in which order) depends on split, the content does not.
func hashFixture(t *testing.T, g *Graph, split bool) {
	t.Helper()
	tx := g.Begin(TxOptions{})
	a := must[int64](t)(tx.CreateVertex())
	b := must[int64](t)(tx.CreateVertex())
	if split {
		ok(t, tx.AddLabel(a, "Reg"))
		ok(t, tx.AddLabel(a, "A"))
		ok(t, tx.SetVertexProperty(a, "k", int64(1)))
		commit(t, tx)
		tx = g.Begin(TxOptions{})
		ok(t, tx.SetVertexProperty(a, "v", "x"))
		ok(t, tx.SetVertexProperty(a, "tmp", 1.5))
		ok(t, tx.SetVertexProperty(a, "tmp", nil))
	} else {
		ok(t, tx.SetVertexProperty(a, "v", "x"))
		ok(t, tx.AddLabel(a, "A"))
		ok(t, tx.SetVertexProperty(a, "k", int64(1)))
		ok(t, tx.AddLabel(a, "Reg"))
	}
	e := must[int64](t)(tx.CreateEdge(a, b, "E"))
	ok(t, tx.SetEdgeProperty(e, "w", value.List{int64(1), "two"}))
	commit(t, tx)
}

// TestContentHashIsCanonical: the same data hashes the same however it was
// built or replayed, and any change to it changes the hash.
func TestContentHashIsCanonical(t *testing.T) {
	g1, g2 := New(Options{ImmediateVisibility: true}), New(Options{ImmediateVisibility: true})
	hashFixture(t, g1, true)
	hashFixture(t, g2, false)
	base := g1.VisibleHash()
	if g2.VisibleHash() != base {
		t.Fatal("the same data built in a different order hashes differently")
	}
	if New(Options{}).VisibleHash() == base {
		t.Fatal("an empty graph hashes like a full one")
	}
	changes := map[string]func(tx *Txn) error{
		"vertex property": func(tx *Txn) error { return tx.SetVertexProperty(0, "v", "y") },
		"property type":   func(tx *Txn) error { return tx.SetVertexProperty(0, "k", 1.0) },
		"new property":    func(tx *Txn) error { return tx.SetVertexProperty(1, "v", "x") },
		"label":           func(tx *Txn) error { return tx.AddLabel(1, "Reg") },
		"removed label":   func(tx *Txn) error { return tx.RemoveLabel(0, "A") },
		"edge property":   func(tx *Txn) error { return tx.SetEdgeProperty(0, "w", nil) },
		"new edge":        func(tx *Txn) error { _, err := tx.CreateEdge(1, 0, "E"); return err },
		"deleted vertex":  func(tx *Txn) error { return tx.DeleteVertex(1, true) },
		"new vertex":      func(tx *Txn) error { _, err := tx.CreateVertex(); return err },
	}
	for name, change := range changes {
		g := New(Options{ImmediateVisibility: true})
		hashFixture(t, g, true)
		tx := g.Begin(TxOptions{})
		ok(t, change(tx))
		commit(t, tx)
		if g.VisibleHash() == base {
			t.Errorf("%s: hash unchanged", name)
		}
	}
}

// TestVisibleHashIgnoresUnacknowledged: a commit not yet acknowledged is
// not visible, so it does not count until it is.
func TestVisibleHashIgnoresUnacknowledged(t *testing.T) {
	g := New(Options{})
	tx := g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	ok(t, tx.SetVertexProperty(v, "v", int64(1)))
	ts := commit(t, tx)
	ok(t, g.MarkAcknowledged(ts))
	before := g.VisibleHash()
	tx = g.Begin(TxOptions{})
	ok(t, tx.SetVertexProperty(v, "v", int64(2)))
	ts = commit(t, tx)
	if g.VisibleHash() != before {
		t.Fatal("an unacknowledged commit changed the visible hash")
	}
	ok(t, g.MarkAcknowledged(ts))
	if g.VisibleHash() == before {
		t.Fatal("the acknowledged commit did not change the visible hash")
	}
}
