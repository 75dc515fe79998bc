package graph

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

// schemaChain counts the schema versions GC has not unlinked.
func schemaChain(g *Graph) int { return g.Stats().SchemaVersions }

// viaIndex reports whether a label scan of tx walks an index.
func viaIndex(tx *Txn, label string) bool { return tx.VerticesByLabel(label).mode == iterList }

func TestSchemaVisibleFromItsTimestamp(t *testing.T) {
	g := New(Options{})
	tx := g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	ok(t, tx.AddLabel(v, "P"))
	ok(t, g.MarkAcknowledged(commit(t, tx)))
	item := SchemaItem{Kind: KindLabelIndex, Name: "P"}
	before := g.Begin(TxOptions{ReadOnly: true})
	defer before.Abort()
	ts := must[uint64](t)(idx(g.CreateIndex(item)))
	if ts != 2 || !g.HasSchema(item) {
		t.Fatalf("index at %d, listed %v", ts, g.HasSchema(item))
	}
	unacked := g.Begin(TxOptions{ReadOnly: true})
	defer unacked.Abort()
	for _, r := range []*Txn{before, unacked} {
		if r.HasSchema(item) || len(r.Schema()) != 0 || viaIndex(r, "P") {
			t.Fatalf("%v sees an index committed at %d", r, ts)
		}
		if got := r.VerticesByLabel("P").Collect(); !cmp.Equal(got, []int64{v}) {
			t.Fatalf("scan %v", got)
		}
	}
	ok(t, g.MarkAcknowledged(ts))
	after := g.Begin(TxOptions{ReadOnly: true})
	defer after.Abort()
	if !after.HasSchema(item) || !viaIndex(after, "P") || before.HasSchema(item) {
		t.Fatal("the acknowledged index is not used from its timestamp on")
	}
	rc := g.Begin(TxOptions{Isolation: ReadCommitted, ReadOnly: true})
	defer rc.Abort()
	ts2 := must[uint64](t)(idx(g.DropIndex(item)))
	if !rc.HasSchema(item) || !viaIndex(rc, "P") {
		t.Fatal("read committed: an unacknowledged drop took effect")
	}
	ok(t, g.MarkAcknowledged(ts2))
	if rc.HasSchema(item) || viaIndex(rc, "P") {
		t.Fatal("read committed: the acknowledged drop is not seen")
	}
}

// A dropped index stays usable for read-only transactions older than the
// drop; write transactions scan instead, so they see their own later
// writes.
func TestDroppedIndexServesOlderReaders(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	ids := people(t, g, int64(1), int64(2))
	item := SchemaItem{Kind: KindLabelPropertyIndex, Name: "P", Key: "age"}
	label := SchemaItem{Kind: KindLabelIndex, Name: "P"}
	must[uint64](t)(idx(g.CreateIndex(item)))
	must[uint64](t)(idx(g.CreateIndex(label)))
	old := g.Begin(TxOptions{ReadOnly: true})
	defer old.Abort()
	writer := g.Begin(TxOptions{})
	defer writer.Abort()
	must[uint64](t)(idx(g.DropIndex(item)))
	must[uint64](t)(idx(g.DropIndex(label)))
	tx := g.Begin(TxOptions{})
	ok(t, tx.SetVertexProperty(ids[0], "age", int64(2)))
	ok(t, tx.RemoveLabel(ids[1], "P"))
	commit(t, tx)
	g.CollectGarbage()
	it := old.VerticesByProperty("P", "age", int64(1))
	if it.mode != iterList || !viaIndex(old, "P") {
		t.Fatal("a reader older than the drop lost the index")
	}
	if got := it.Collect(); !cmp.Equal(got, []int64{ids[0]}) {
		t.Fatalf("old reader through the dropped index: %v", got)
	}
	if got := old.VerticesByLabel("P").Collect(); !cmp.Equal(got, ids) {
		t.Fatalf("old reader through the dropped label index: %v", got)
	}
	w := must[int64](t)(writer.CreateVertex())
	ok(t, writer.AddLabel(w, "P"))
	ok(t, writer.SetVertexProperty(w, "age", int64(1)))
	if !writer.HasSchema(item) || writer.VerticesByProperty("P", "age", int64(1)).mode == iterList || viaIndex(writer, "P") {
		t.Fatal("a writer walks an index it no longer maintains")
	}
	if got := writer.VerticesByProperty("P", "age", int64(1)).Collect(); !cmp.Equal(got, []int64{ids[0], w}) {
		t.Fatalf("writer's own write missing: %v", got)
	}
	if got := writer.VerticesByLabel("P").Collect(); !cmp.Equal(got, []int64{ids[0], ids[1], w}) {
		t.Fatalf("writer's label scan: %v", got)
	}
}

// A constraint binds every commit after its timestamp, also of transactions
// that began before it; creating one over violating data leaves nothing.
func TestConstraintBindsLaterCommits(t *testing.T) {
	g := New(Options{})
	ack := func(ts uint64, _ []Delta, err error) uint64 {
		t.Helper()
		ok(t, err)
		ok(t, g.MarkAcknowledged(ts))
		return ts
	}
	ids := people(t, g, int64(1), int64(1))
	ok(t, g.MarkAcknowledged(g.LastCommitTS()))
	uniq := SchemaItem{Kind: KindUnique, Name: "P", Key: "age"}
	last, chain := g.LastCommitTS(), schemaChain(g)
	var ce *ConstraintError
	if _, _, err := g.CreateConstraint(uniq); !errors.As(err, &ce) {
		t.Fatalf("unique over duplicates: %v", err)
	}
	if g.HasSchema(uniq) || g.LastCommitTS() != last || schemaChain(g) != chain || len(g.Schema()) != 0 {
		t.Fatal("a failed constraint left something behind")
	}
	tx := g.Begin(TxOptions{})
	ok(t, tx.SetVertexProperty(ids[1], "age", int64(2)))
	ack(tx.Commit())
	early := g.Begin(TxOptions{}) // begins before the constraint
	v := must[int64](t)(early.CreateVertex())
	ok(t, early.AddLabel(v, "P"))
	ok(t, early.SetVertexProperty(v, "age", int64(2)))
	prepared := g.Begin(TxOptions{})
	p := must[int64](t)(prepared.CreateVertex())
	ok(t, prepared.AddLabel(p, "P"))
	ok(t, prepared.SetVertexProperty(p, "age", int64(3)))
	must[uint64](t)(idx(prepared.Prepare()))
	ts := ack(g.CreateConstraint(uniq))
	if _, _, err := early.Commit(); !errors.As(err, &ce) {
		t.Fatalf("a commit after the constraint at %d was not checked: %v", ts, err)
	}
	dup := g.Begin(TxOptions{})
	d := must[int64](t)(dup.CreateVertex())
	ok(t, dup.AddLabel(d, "P"))
	ok(t, dup.SetVertexProperty(d, "age", int64(3)))
	if _, _, err := dup.Commit(); !errors.As(err, &ce) {
		t.Fatalf("duplicate of a prepared value committed: %v", err)
	}
	must[uint64](t)(idx(prepared.Commit()))
	drop := ack(g.DropConstraint(uniq))
	dup = g.Begin(TxOptions{})
	ok(t, dup.SetVertexProperty(ids[0], "age", int64(3)))
	if got := commit(t, dup); got <= drop {
		t.Fatalf("commit %d not after the drop %d", got, drop)
	}
}

func TestGarbageCollectionOfSchemaVersions(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	people(t, g, int64(1))
	old := g.Begin(TxOptions{ReadOnly: true})
	for _, k := range []string{"a", "b", "c"} {
		must[uint64](t)(idx(g.CreateIndex(SchemaItem{Kind: KindLabelPropertyIndex, Name: "P", Key: k})))
	}
	if st := g.CollectGarbage(); st.Schemas != 0 || schemaChain(g) != 4 {
		t.Fatalf("GC took schema versions an open reader uses: %+v, chain %d", st, schemaChain(g))
	}
	if len(old.Schema()) != 0 {
		t.Fatalf("old reader's schema %v", old.Schema())
	}
	old.Abort()
	if st := g.CollectGarbage(); st.Schemas != 3 || schemaChain(g) != 1 {
		t.Fatalf("gc %+v, chain %d, want one version left", st, schemaChain(g))
	}
	if len(g.Begin(TxOptions{ReadOnly: true}).Schema()) != 3 {
		t.Fatal("the newest schema was collected")
	}
}

// Apply (a replica, WAL replay) publishes schema deltas at the record's
// timestamp; a failing record keeps none of them.
func TestApplySchemaAtItsTimestamp(t *testing.T) {
	g := New(Options{})
	item := SchemaItem{Kind: KindLabelPropertyIndex, Name: "P", Key: "age"}
	create := Delta{Op: OpCreateIndex, Name: "P", Key: "age", Kind: KindLabelPropertyIndex}
	ok(t, g.Apply(1, []Delta{{Op: OpCreateVertex, ID: 0}, {Op: OpAddLabel, ID: 0, Name: "P"}, {Op: OpSetVertexProp, ID: 0, Key: "age", Value: int64(4)}}))
	ok(t, g.MarkAcknowledged(1))
	if err := g.Apply(2, []Delta{create, {Op: OpDeleteVertex, ID: 9}}); !errors.Is(err, ErrBadDelta) {
		t.Fatalf("bad record applied: %v", err)
	}
	if g.HasSchema(item) || g.LastCommitTS() != 1 || schemaChain(g) != 1 {
		t.Fatal("a failed Apply kept its schema change")
	}
	ok(t, g.Apply(2, []Delta{create}))
	ok(t, g.Apply(3, []Delta{{Op: OpSetVertexProp, ID: 0, Key: "age", Value: int64(5)}}))
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	if !g.HasSchema(item) || r.HasSchema(item) {
		t.Fatal("an applied index is visible before its timestamp is acknowledged")
	}
	ok(t, g.MarkAcknowledged(3))
	r2 := g.Begin(TxOptions{ReadOnly: true})
	defer r2.Abort()
	it := r2.VerticesByProperty("P", "age", int64(5))
	if !r2.HasSchema(item) || it.mode != iterList {
		t.Fatal("the applied index is not used after its timestamp")
	}
	if got := it.Collect(); !cmp.Equal(got, []int64{0}) {
		t.Fatalf("index lookup after Apply: %v", got)
	}
	if got := r.VerticesByProperty("P", "age", value.Value(int64(4))).Collect(); !cmp.Equal(got, []int64{0}) {
		t.Fatalf("older reader: %v", got)
	}
}

// A snapshot at T holds the schema as of T: not a change committed after T,
// still an item dropped after T.
func TestSnapshotDeltasHoldTheSchemaAtTheSnapshot(t *testing.T) {
	g := New(Options{})
	a := SchemaItem{Kind: KindLabelIndex, Name: "A"}
	b := SchemaItem{Kind: KindExistence, Name: "B", Key: "k"}
	ok(t, g.MarkAcknowledged(must[uint64](t)(idx(g.CreateIndex(a)))))
	snap := g.Begin(TxOptions{ReadOnly: true})
	defer snap.Abort()
	must[uint64](t)(idx(g.CreateConstraint(b)))
	ok(t, g.MarkAcknowledged(must[uint64](t)(idx(g.DropIndex(a)))))
	var ds []Delta
	ok(t, snap.SnapshotDeltas(func(d Delta) error { ds = append(ds, d); return nil }))
	want := []Delta{{Op: OpCreateIndex, Name: "A", Kind: KindLabelIndex}}
	if d := cmp.Diff(want, ds); d != "" {
		t.Fatalf("snapshot at %d:\n%s", snap.StartTS(), d)
	}
	now := g.Begin(TxOptions{ReadOnly: true})
	defer now.Abort()
	if d := cmp.Diff([]SchemaItem{b}, now.Schema()); d != "" {
		t.Fatal(d)
	}
}
