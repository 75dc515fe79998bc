package graph

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

// people creates vertices :P with the given ages (nil: no age) and returns
// their IDs.
func people(t *testing.T, g *Graph, ages ...value.Value) []int64 {
	tx := g.Begin(TxOptions{})
	var ids []int64
	for _, a := range ages {
		id := must[int64](t)(tx.CreateVertex())
		ok(t, tx.AddLabel(id, "P"))
		if a != nil {
			ok(t, tx.SetVertexProperty(id, "age", a))
		}
		ids = append(ids, id)
	}
	commit(t, tx)
	return ids
}

func TestPropertyIndexScans(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		g := New(Options{ImmediateVisibility: true})
		ids := people(t, g, int64(30), 30.0, int64(20), "30", int64(40), math.NaN(), nil, 25.5)
		if indexed {
			must[uint64](t)(idx(g.CreateIndex(SchemaItem{Kind: KindLabelPropertyIndex, Name: "P", Key: "age"})))
		}
		r := g.Begin(TxOptions{ReadOnly: true})
		eq := r.VerticesByProperty("P", "age", int64(30)).Collect()
		if !sameSet(eq, []int64{ids[0], ids[1]}) {
			t.Fatalf("indexed=%v equality %v", indexed, eq)
		}
		rng := r.VerticesByPropertyRange("P", "age", &Bound{Value: int64(20), Inclusive: false}, &Bound{Value: int64(40), Inclusive: true}).Collect()
		if !sameSet(rng, []int64{ids[0], ids[1], ids[4], ids[7]}) {
			t.Fatalf("indexed=%v range %v", indexed, rng)
		}
		if indexed && !cmp.Equal(rng[len(rng)-1], ids[4]) {
			t.Fatalf("index range not in value order: %v", rng)
		}
		lo := r.VerticesByPropertyRange("P", "age", nil, &Bound{Value: 25.5, Inclusive: false}).Collect()
		if !sameSet(lo, []int64{ids[2]}) {
			t.Fatalf("indexed=%v upper-only %v", indexed, lo)
		}
		str := r.VerticesByPropertyRange("P", "age", &Bound{Value: "", Inclusive: true}, nil).Collect()
		if !sameSet(str, []int64{ids[3]}) {
			t.Fatalf("indexed=%v strings %v", indexed, str)
		}
		if got := r.VerticesByProperty("P", "age", math.NaN()).Collect(); len(got) != 0 {
			t.Fatalf("NaN equality matched %v", got)
		}
		all := r.VerticesByPropertyRange("P", "age", nil, nil).Collect()
		if len(all) != 7 {
			t.Fatalf("indexed=%v any value %v", indexed, all)
		}
		r.Abort()
		// an update moves the vertex within the index
		tx := g.Begin(TxOptions{})
		ok(t, tx.SetVertexProperty(ids[0], "age", int64(99)))
		if got := tx.VerticesByProperty("P", "age", int64(99)).Collect(); !cmp.Equal(got, []int64{ids[0]}) {
			t.Fatalf("own write not in index scan: %v", got)
		}
		commit(t, tx)
		r = g.Begin(TxOptions{ReadOnly: true})
		if got := r.VerticesByProperty("P", "age", int64(30)).Collect(); !cmp.Equal(got, []int64{ids[1]}) {
			t.Fatalf("stale entry returned: %v", got)
		}
		r.Abort()
	}
}

func idx(ts uint64, _ []Delta, err error) (uint64, error) { return ts, err }

func sameSet(a, b []int64) bool {
	m := map[int64]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, c := range m {
		if c != 0 {
			return false
		}
	}
	return len(a) == len(b)
}

func TestLabelAndEdgeTypeIndexes(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	ids := people(t, g, nil, nil, nil)
	tx := g.Begin(TxOptions{})
	e1 := must[int64](t)(tx.CreateEdge(ids[0], ids[1], "K"))
	must[int64](t)(tx.CreateEdge(ids[1], ids[2], "L"))
	commit(t, tx)
	must[uint64](t)(idx(g.CreateIndex(SchemaItem{Kind: KindLabelIndex, Name: "P"})))
	must[uint64](t)(idx(g.CreateIndex(SchemaItem{Kind: KindEdgeTypeIndex, Name: "K"})))
	if _, err := idx(g.CreateIndex(SchemaItem{Kind: KindLabelIndex, Name: "P"})); !errors.Is(err, ErrSchema) {
		t.Fatalf("duplicate index: %v", err)
	}
	tx = g.Begin(TxOptions{})
	ok(t, tx.RemoveLabel(ids[1], "P"))
	e3 := must[int64](t)(tx.CreateEdge(ids[2], ids[0], "K"))
	commit(t, tx)
	r := g.Begin(TxOptions{ReadOnly: true})
	if got := r.VerticesByLabel("P").Collect(); !cmp.Equal(got, []int64{ids[0], ids[2]}) {
		t.Fatalf("label index %v", got)
	}
	var es []int64
	for it := r.EdgesByType("K"); it.Next(); {
		es = append(es, it.Edge().ID)
	}
	if !cmp.Equal(es, []int64{e1, e3}) {
		t.Fatalf("edge type index %v", es)
	}
	r.Abort()
	g.CollectGarbage()
	if n := g.schema.Load().labelIdx[g.mustName("P")].n.Load(); n != 2 {
		t.Fatalf("label index holds %d entries after GC, want 2", n)
	}
	must[uint64](t)(idx(g.DropIndex(SchemaItem{Kind: KindLabelIndex, Name: "P"})))
	if g.HasSchema(SchemaItem{Kind: KindLabelIndex, Name: "P"}) {
		t.Fatal("dropped index still listed")
	}
	r = g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	if got := r.VerticesByLabel("P").Collect(); !cmp.Equal(got, []int64{ids[0], ids[2]}) {
		t.Fatalf("label scan without index %v", got)
	}
}

func (g *Graph) mustName(n string) uint32 {
	id, _ := g.names.lookup(n)
	return id
}

func TestConstraints(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	ids := people(t, g, int64(1), int64(2), nil)
	exist := SchemaItem{Kind: KindExistence, Name: "P", Key: "age"}
	var ce *ConstraintError
	if _, err := idx(g.CreateConstraint(exist)); !errors.As(err, &ce) || ce.VertexID != ids[2] || ce.Label != "P" || ce.Property != "age" {
		t.Fatalf("existence over bad data: %v", err)
	}
	tx := g.Begin(TxOptions{})
	ok(t, tx.DeleteVertex(ids[2], false))
	commit(t, tx)
	must[uint64](t)(idx(g.CreateConstraint(exist)))
	uniq := SchemaItem{Kind: KindUnique, Name: "P", Key: "age"}
	must[uint64](t)(idx(g.CreateConstraint(uniq)))

	tx = g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	ok(t, tx.AddLabel(v, "P"))
	if _, _, err := tx.Commit(); !errors.As(err, &ce) || ce.Kind != KindExistence {
		t.Fatalf("missing property committed: %v", err)
	}
	tx = g.Begin(TxOptions{})
	v = must[int64](t)(tx.CreateVertex())
	ok(t, tx.AddLabel(v, "P"))
	ok(t, tx.SetVertexProperty(v, "age", 2.0))
	if _, _, err := tx.Commit(); !errors.As(err, &ce) || ce.Kind != KindUnique {
		t.Fatalf("duplicate committed: %v", err)
	}
	// two concurrent transactions: the second to commit fails
	t1, t2 := g.Begin(TxOptions{}), g.Begin(TxOptions{})
	for _, tx := range []*Txn{t1, t2} {
		v := must[int64](t)(tx.CreateVertex())
		ok(t, tx.AddLabel(v, "P"))
		ok(t, tx.SetVertexProperty(v, "age", int64(7)))
	}
	commit(t, t1)
	if _, _, err := t2.Commit(); !errors.As(err, &ce) {
		t.Fatalf("concurrent duplicate committed: %v", err)
	}
	// swapping values inside one transaction is fine
	tx = g.Begin(TxOptions{})
	ok(t, tx.SetVertexProperty(ids[0], "age", int64(2)))
	ok(t, tx.SetVertexProperty(ids[1], "age", int64(1)))
	commit(t, tx)
	must[uint64](t)(idx(g.DropConstraint(uniq)))
	tx = g.Begin(TxOptions{})
	ok(t, tx.SetVertexProperty(ids[0], "age", int64(1)))
	commit(t, tx)
}

func TestGarbageCollection(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	ids := people(t, g, int64(1))
	v := ids[0]
	old := g.Begin(TxOptions{ReadOnly: true})
	for i := range 5 {
		tx := g.Begin(TxOptions{})
		ok(t, tx.SetVertexProperty(v, "age", int64(i+10)))
		commit(t, tx)
	}
	g.CollectGarbage()
	if got := must[value.Value](t)(old.VertexProperty(v, "age")); got != int64(1) {
		t.Fatalf("GC broke an open snapshot: %v", got)
	}
	old.Abort()
	st := g.CollectGarbage()
	if st.Versions != 5 || chainLen(g, v) != 1 {
		t.Fatalf("gc %+v chain %d", st, chainLen(g, v))
	}
	tx := g.Begin(TxOptions{})
	w := must[int64](t)(tx.CreateVertex())
	must[int64](t)(tx.CreateEdge(v, w, "R"))
	commit(t, tx)
	tx = g.Begin(TxOptions{})
	ok(t, tx.DeleteVertex(w, true))
	commit(t, tx)
	st = g.CollectGarbage()
	if st.Vertices != 1 || st.Edges != 1 || g.vertices.get(v).out.Load() != nil || g.vertices.get(w).head.Load() != nil {
		t.Fatalf("deleted objects not collected: %+v", st)
	}
	if len(g.vDirty) != 0 || len(g.eDirty) != 0 {
		t.Fatalf("dirty lists not drained: %v %v", g.vDirty, g.eDirty)
	}
}

func chainLen(g *Graph, id int64) int {
	n := 0
	for v := g.vertices.get(id).head.Load(); v != nil; v = v.prev.Load() {
		n++
	}
	return n
}

func TestApplyAndSnapshotRoundTrip(t *testing.T) {
	src := New(Options{ImmediateVisibility: true})
	must[uint64](t)(idx(src.CreateIndex(SchemaItem{Kind: KindLabelPropertyIndex, Name: "P", Key: "age"})))
	ids := people(t, src, int64(5), "x", nil)
	tx := src.Begin(TxOptions{})
	e := must[int64](t)(tx.CreateEdge(ids[0], ids[1], "R"))
	ok(t, tx.SetEdgeProperty(e, "w", 1.5))
	ok(t, tx.DeleteVertex(ids[2], false))
	commit(t, tx)

	// replay the log
	replica := New(Options{})
	replayed := 0
	logTS := uint64(0)
	for _, step := range [][]Delta{{{Op: OpCreateIndex, Name: "P", Key: "age", Kind: KindLabelPropertyIndex}}} {
		logTS++
		ok(t, replica.Apply(logTS, step))
		replayed++
	}
	snap := src.Begin(TxOptions{ReadOnly: true})
	var all []Delta
	ok(t, snap.SnapshotDeltas(func(d Delta) error { all = append(all, d); return nil }))
	fresh := New(Options{})
	ok(t, fresh.Apply(7, all))
	ok(t, fresh.MarkAcknowledged(7))
	r := fresh.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	if d := cmp.Diff(dump(t, snap), dump(t, r)); d != "" {
		t.Fatal(d)
	}
	snap.Abort()
	if !fresh.HasSchema(SchemaItem{Kind: KindLabelPropertyIndex, Name: "P", Key: "age"}) {
		t.Fatal("schema not restored")
	}
	if err := fresh.Apply(7, nil); !errors.Is(err, ErrTimestamp) {
		t.Fatalf("old timestamp applied: %v", err)
	}
	if err := fresh.Apply(8, []Delta{{Op: OpAddLabel, ID: 42, Name: "X"}}); !errors.Is(err, ErrBadDelta) {
		t.Fatalf("bad delta applied: %v", err)
	}
	if replayed != 1 {
		t.Fatal("replay did not run")
	}
}

// dump renders what a transaction sees, for comparisons.
func dump(t *testing.T, tx *Txn) map[string]any {
	out := map[string]any{}
	for it := tx.Vertices(); it.Next(); {
		n := must[value.Node](t)(tx.Vertex(it.ID()))
		out["v"+itoa(n.ID)] = n
	}
	for it := tx.AllEdges(); it.Next(); {
		r := must[value.Relationship](t)(tx.Edge(it.Edge().ID))
		out["e"+itoa(r.ID)] = r
	}
	return out
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func TestUniqueAcrossPreparedTransactions(t *testing.T) {
	g := New(Options{})
	must[uint64](t)(idx(g.CreateConstraint(SchemaItem{Kind: KindUnique, Name: "P", Key: "age"})))
	t1, t2 := g.Begin(TxOptions{}), g.Begin(TxOptions{})
	for _, tx := range []*Txn{t1, t2} {
		v := must[int64](t)(tx.CreateVertex())
		ok(t, tx.AddLabel(v, "P"))
		ok(t, tx.SetVertexProperty(v, "age", int64(7)))
	}
	must[uint64](t)(idx(t1.Prepare()))
	var ce *ConstraintError
	if _, _, err := t2.Prepare(); !errors.As(err, &ce) {
		t.Fatalf("second prepare of a duplicate: %v", err)
	}
	must[uint64](t)(idx(t1.Commit()))
}

func TestGarbageCollectionInSteps(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	ids := people(t, g, int64(0), int64(1), int64(2), int64(3), int64(4))
	for round := range 3 {
		tx := g.Begin(TxOptions{})
		for _, id := range ids {
			ok(t, tx.SetVertexProperty(id, "age", int64(round+10)))
		}
		commit(t, tx)
	}
	steps := 0
	for more := true; more; steps++ {
		_, more = g.CollectGarbageStep(2)
	}
	if steps < 3 { // 20 queued writes (with repeats) at 2 per step
		t.Fatalf("%d steps: the budget was not respected", steps)
	}
	for _, id := range ids {
		if n := chainLen(g, id); n != 1 {
			t.Fatalf("vertex %d keeps %d versions", id, n)
		}
	}
}

func TestIndexBuiltOverAbortedWritesLeavesNoEntries(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	ok(t, tx.AddLabel(v, "P"))
	ok(t, tx.SetVertexProperty(v, "age", int64(3)))
	must[int64](t)(tx.CreateEdge(v, v, "R"))
	for _, it := range []SchemaItem{
		{Kind: KindLabelPropertyIndex, Name: "P", Key: "age"},
		{Kind: KindLabelIndex, Name: "P"},
		{Kind: KindEdgeTypeIndex, Name: "R"},
	} {
		must[uint64](t)(idx(g.CreateIndex(it)))
	}
	sc := g.schema.Load()
	p, age, r := g.mustName("P"), g.mustName("age"), g.mustName("R")
	if sc.propIdx[[2]uint32{p, age}].list.n.Load() != 1 || sc.labelIdx[p].n.Load() != 1 || sc.typeIdx[r].n.Load() != 1 {
		t.Fatal("index build missed the uncommitted writes")
	}
	tx.Abort()
	if n := sc.propIdx[[2]uint32{p, age}].list.n.Load() + sc.labelIdx[p].n.Load() + sc.typeIdx[r].n.Load(); n != 0 {
		t.Fatalf("%d index entries survive the abort", n)
	}
}
