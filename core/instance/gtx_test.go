package instance

import (
	"errors"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
)

// A schema change through the engine is kept for the WAL; transactions list
// it from snapshots after its acknowledged timestamp.
func TestGtxRecordsSchemaChanges(t *testing.T) {
	g := graph.New(graph.Options{})
	x := newGtx(g, g.Begin(graph.TxOptions{}))
	defer x.t.Abort()
	if err := x.CreateIndex("L", "p", ""); err != nil {
		t.Fatal(err)
	}
	if err := x.CreateConstraint(cypher.ConstraintInfo{Kind: "unique", Label: "L", Property: "q"}); err != nil {
		t.Fatal(err)
	}
	if len(x.schema) != 2 || len(x.schema[0].deltas) == 0 || x.schema[1].ts <= x.schema[0].ts {
		t.Fatalf("schema changes not recorded: %+v", x.schema)
	}
	if got := x.Indexes(); len(got) != 0 {
		t.Fatalf("indexes created after the snapshot listed: %+v", got)
	}
	if err := g.MarkAcknowledged(x.schema[1].ts); err != nil {
		t.Fatal(err)
	}
	y := newGtx(g, g.Begin(graph.TxOptions{}))
	defer y.t.Abort()
	if got := y.Indexes(); len(got) != 1 || got[0].Label != "L" || got[0].Property != "p" {
		t.Fatalf("indexes: %+v", got)
	}
}

// A lost write-write conflict is kept raw, for a retryable answer.
func TestGtxNotesConflicts(t *testing.T) {
	g := graph.New(graph.Options{ImmediateVisibility: true})
	setup := newGtx(g, g.Begin(graph.TxOptions{}))
	id, err := setup.CreateVertex([]string{"X"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := setup.t.Commit(); err != nil {
		t.Fatal(err)
	}
	a := newGtx(g, g.Begin(graph.TxOptions{}))
	b := newGtx(g, g.Begin(graph.TxOptions{}))
	defer a.t.Abort()
	defer b.t.Abort()
	if err := a.SetVertexProp(id, "v", int64(1)); err != nil {
		t.Fatal(err)
	}
	err = b.SetVertexProp(id, "v", int64(2))
	var ce *cypher.Error
	if !errors.As(err, &ce) || ce.Code != "Neo.TransientError.Transaction.Outdated" {
		t.Fatalf("conflicting write: %v", err)
	}
	if !errors.Is(b.conflict, graph.ErrSerialization) {
		t.Fatalf("conflict not noted: %v", b.conflict)
	}
	if a.conflict != nil {
		t.Fatalf("winner noted a conflict: %v", a.conflict)
	}
}
