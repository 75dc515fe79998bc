package graph

import (
	"testing"
)

// TestBulkInPartsEqualsApply: deltas added to a Bulk in parts commit to the
// same graph as one Apply, stay invisible until acknowledged, and an
// aborted Bulk leaves nothing behind.
func TestBulkInPartsEqualsApply(t *testing.T) {
	ds := []Delta{
		{Op: OpCreateVertex, ID: 0}, {Op: OpAddLabel, ID: 0, Name: "A"},
		{Op: OpSetVertexProp, ID: 0, Key: "k", Value: int64(1)},
		{Op: OpCreateVertex, ID: 1},
		{Op: OpCreateEdge, ID: 0, From: 0, To: 1, Name: "R"},
		{Op: OpSetEdgeProp, ID: 0, Key: "w", Value: "x"},
	}
	one := New(Options{})
	if err := one.Apply(7, ds); err != nil {
		t.Fatal(err)
	}
	parts := New(Options{})
	b := parts.BeginBulk()
	for i := 0; i < len(ds); i += 2 {
		if err := b.Add(ds[i : i+2]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(7); err != nil {
		t.Fatal(err)
	}
	if parts.VisibleTS() != 0 {
		t.Fatalf("visible at %d before acknowledgement", parts.VisibleTS())
	}
	for _, g := range []*Graph{one, parts} {
		if err := g.MarkAcknowledged(7); err != nil {
			t.Fatal(err)
		}
	}
	if one.VisibleHash() != parts.VisibleHash() || one.Stats() != parts.Stats() {
		t.Fatalf("bulk differs from apply: %+v vs %+v", parts.Stats(), one.Stats())
	}
	if b.Commit(8) == nil {
		t.Fatal("a committed bulk committed again")
	}

	g := New(Options{})
	b = g.BeginBulk()
	if err := b.Add(ds[:3]); err != nil {
		t.Fatal(err)
	}
	b.Abort()
	if err := g.Apply(1, ds); err != nil {
		t.Fatalf("apply after an aborted bulk: %v", err)
	}
	if err := g.BeginBulk().Add([]Delta{{Op: OpAddLabel, ID: 99, Name: "X"}}); err == nil {
		t.Fatal("a bad delta was accepted")
	}
}
