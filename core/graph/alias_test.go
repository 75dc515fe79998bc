package graph

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSchemaAliases checks that a user's name for an index or constraint is
// kept per schema version, shipped in the create delta, rebuilt by Apply and
// snapshots, unique among items, and not needed to find or drop the item.
func TestSchemaAliases(t *testing.T) {
	g := New(Options{})
	byName := SchemaItem{Kind: KindLabelPropertyIndex, Name: "P", Key: "age", Alias: "ages"}
	unique := SchemaItem{Kind: KindUnique, Name: "P", Key: "id", Alias: "ids"}
	plain := SchemaItem{Kind: KindLabelIndex, Name: "P"}
	before := g.Begin(TxOptions{ReadOnly: true})
	ts1, ds, err := g.CreateIndex(byName)
	ok(t, err)
	if want := []Delta{{Op: OpCreateIndex, Name: "P", Key: "age", Kind: KindLabelPropertyIndex, Alias: "ages"}}; !cmp.Equal(ds, want) {
		t.Fatalf("create delta %+v, want %+v", ds, want)
	}
	ts2, _, err := g.CreateConstraint(unique)
	ok(t, err)
	ts3, _, err := g.CreateIndex(plain)
	ok(t, err)
	ok(t, g.MarkAcknowledged(ts3))

	if _, _, err := g.CreateIndex(SchemaItem{Kind: KindLabelPropertyIndex, Name: "Q", Key: "x", Alias: "ids"}); !errors.Is(err, ErrSchema) {
		t.Fatalf("second item named ids: %v", err)
	}
	if _, _, err := g.CreateIndex(SchemaItem{Kind: KindLabelPropertyIndex, Name: "P", Key: "age", Alias: "other"}); !errors.Is(err, ErrSchema) {
		t.Fatalf("same index under another name: %v", err)
	}
	want := []SchemaItem{plain, byName, unique}
	if d := cmp.Diff(want, g.Schema()); d != "" {
		t.Fatalf("schema (-want +got):\n%s", d)
	}
	if len(before.Schema()) != 0 {
		t.Fatalf("older snapshot sees %v", before.Schema())
	}
	before.Abort()
	if !g.HasSchema(SchemaItem{Kind: KindUnique, Name: "P", Key: "id"}) {
		t.Fatal("item not found without its alias")
	}

	// a replica replays the log, a fresh graph a snapshot: both keep the names
	replica := New(Options{})
	for i, step := range []struct {
		ts   uint64
		item SchemaItem
		op   DeltaOp
	}{{ts1, byName, OpCreateIndex}, {ts2, unique, OpCreateConstraint}, {ts3, plain, OpCreateIndex}} {
		d := Delta{Op: step.op, Name: step.item.Name, Key: step.item.Key, Kind: step.item.Kind, Alias: step.item.Alias}
		if err := replica.Apply(step.ts, []Delta{d}); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	snap := g.Begin(TxOptions{ReadOnly: true})
	fresh := New(Options{})
	ok(t, fresh.Apply(ts3, snap.SchemaDeltas()))
	snap.Abort()
	for name, h := range map[string]*Graph{"replica": replica, "snapshot": fresh} {
		if d := cmp.Diff(want, h.Schema()); d != "" {
			t.Fatalf("%s schema (-want +got):\n%s", name, d)
		}
	}

	// dropping needs no alias, and frees the name
	ts4, _, err := g.DropConstraint(SchemaItem{Kind: KindUnique, Name: "P", Key: "id"})
	ok(t, err)
	ok(t, g.MarkAcknowledged(ts4))
	reuse := SchemaItem{Kind: KindExistence, Name: "P", Key: "id", Alias: "ids"}
	ts5, _, err := g.CreateConstraint(reuse)
	ok(t, err)
	ok(t, g.MarkAcknowledged(ts5))
	if d := cmp.Diff([]SchemaItem{plain, byName, reuse}, g.Schema()); d != "" {
		t.Fatalf("after drop and reuse (-want +got):\n%s", d)
	}
}
