package graph

import (
	"errors"
	"testing"
)

// labelled commits a vertex with label l and acknowledges it; it returns
// the vertex and the commit's timestamp.
func labelled(t *testing.T, g *Graph, l string) (int64, uint64) {
	t.Helper()
	tx := g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	ok(t, tx.AddLabel(v, l))
	ts := commit(t, tx)
	ok(t, g.MarkAcknowledged(ts))
	return v, ts
}

// held makes a schema change with f and holds it.
func held(t *testing.T, g *Graph, f func(SchemaItem) (uint64, []Delta, error), it SchemaItem) uint64 {
	t.Helper()
	ts, ds, err := f(it)
	ok(t, err)
	ok(t, g.HoldSchema(ts, ds))
	return ts
}

// TestHeldCreateIndex: a held index is invisible to readers and holds
// visibility back, is maintained by writes made while it is held, and is
// gone without a trace when aborted.
func TestHeldCreateIndex(t *testing.T) {
	for _, commitIt := range []bool{true, false} {
		g := New(Options{})
		labelled(t, g, "P")
		item := SchemaItem{Kind: KindLabelIndex, Name: "P"}
		ts := held(t, g, g.CreateIndex, item)
		if _, _, err := g.CreateIndex(SchemaItem{Kind: KindLabelIndex, Name: "Q"}); !errors.Is(err, ErrSerialization) {
			t.Fatalf("a second schema change while one is held: %v", err)
		}
		_, wts := labelled(t, g, "P") // written while the index is held
		if v := g.VisibleTS(); v >= ts {
			t.Fatalf("visible at %d past the held schema change at %d", v, ts)
		}
		if r := g.Begin(TxOptions{ReadOnly: true}); r.HasSchema(item) {
			t.Fatal("a reader sees the held index")
		}
		if !commitIt {
			ok(t, g.AbortSchema(ts))
			if g.HasSchema(item) || g.VisibleTS() != wts {
				t.Fatalf("after the abort: index listed %v, visible %d (want %d)", g.HasSchema(item), g.VisibleTS(), wts)
			}
			if g.Stats().Prepared != 0 {
				t.Fatal("the aborted change is still prepared")
			}
			continue
		}
		ok(t, g.CommitSchema(ts))
		if g.VisibleTS() != wts {
			t.Fatalf("after the commit visible %d, want %d", g.VisibleTS(), wts)
		}
		if n := g.schema.Load().labelIdx[g.mustName("P")].n.Load(); n != 2 {
			t.Fatalf("the committed index holds %d entries, want 2 (one written while it was held)", n)
		}
		if r := g.Begin(TxOptions{ReadOnly: true}); !r.HasSchema(item) {
			t.Fatal("the committed index is not visible")
		}
	}
}

// TestHeldDropIndex: a held drop leaves the index in place and maintained,
// so an abort keeps an index that holds every write made meanwhile; a
// commit drops it at its timestamp.
func TestHeldDropIndex(t *testing.T) {
	for _, commitIt := range []bool{true, false} {
		g := New(Options{})
		item := SchemaItem{Kind: KindLabelIndex, Name: "P"}
		ts0 := must[uint64](t)(idx(g.CreateIndex(item)))
		ok(t, g.MarkAcknowledged(ts0))
		labelled(t, g, "P")
		list := g.schema.Load().labelIdx[g.mustName("P")]
		ts := held(t, g, g.DropIndex, item)
		if !g.HasSchema(item) {
			t.Fatal("the held drop took the index out of the newest schema")
		}
		labelled(t, g, "P")
		if list.n.Load() != 2 {
			t.Fatalf("the index being dropped holds %d entries, want 2", list.n.Load())
		}
		old := g.Begin(TxOptions{ReadOnly: true}) // begun while the drop is held
		if commitIt {
			ok(t, g.CommitSchema(ts))
		} else {
			ok(t, g.AbortSchema(ts))
		}
		if g.HasSchema(item) == commitIt {
			t.Fatalf("decided %v: index listed %v", commitIt, g.HasSchema(item))
		}
		if old.StartTS() >= ts || !old.HasSchema(item) {
			t.Fatalf("a reader at %d, before the drop at %d, lost the index", old.StartTS(), ts)
		}
		old.Abort()
		if r := g.Begin(TxOptions{ReadOnly: true}); r.StartTS() < ts || r.HasSchema(item) == commitIt {
			t.Fatalf("decided %v: a reader at %d sees the index: %v", commitIt, r.StartTS(), r.HasSchema(item))
		}
	}
}

// TestHeldConstraint: writes made while a unique constraint is held are
// checked against it; once it is aborted they are not.
func TestHeldConstraint(t *testing.T) {
	g := New(Options{})
	item := SchemaItem{Kind: KindUnique, Name: "P", Key: "k"}
	ts := held(t, g, g.CreateConstraint, item)
	put := func() error {
		tx := g.Begin(TxOptions{})
		v := must[int64](t)(tx.CreateVertex())
		ok(t, tx.AddLabel(v, "P"))
		ok(t, tx.SetVertexProperty(v, "k", int64(1)))
		_, _, err := tx.Commit()
		return err
	}
	ok(t, put())
	var ce *ConstraintError
	if err := put(); !errors.As(err, &ce) {
		t.Fatalf("a duplicate while the constraint is held: %v", err)
	}
	ok(t, g.AbortSchema(ts))
	ok(t, put())
	if err := g.HoldSchema(ts, nil); err == nil {
		t.Fatal("holding a decided change again")
	}
	if err := g.CommitSchema(ts); err == nil {
		t.Fatal("deciding a change that is not held")
	}
}

// TestRewind: the timestamps an aborted prepare reserved at the top are
// given back, so a replayed commit may take them; nothing prepared or
// acknowledged may be rewound past.
func TestRewind(t *testing.T) {
	g := New(Options{})
	_, ts := labelled(t, g, "P")
	tx := g.Begin(TxOptions{})
	must[int64](t)(tx.CreateVertex())
	pts, _, err := tx.Prepare()
	ok(t, err)
	if err := g.Rewind(ts); err == nil {
		t.Fatal("rewound under a prepared transaction")
	}
	tx.Abort()
	if err := g.Rewind(ts - 1); err == nil {
		t.Fatal("rewound below the acknowledged timestamp")
	}
	ok(t, g.Rewind(ts))
	if g.LastCommitTS() != ts {
		t.Fatalf("last commit %d after rewinding to %d", g.LastCommitTS(), ts)
	}
	ok(t, g.Apply(pts, []Delta{{Op: OpCreateVertex, ID: 100}}))
}
