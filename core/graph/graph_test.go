package graph

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func commit(t *testing.T, tx *Txn) uint64 {
	t.Helper()
	ts, _, err := tx.Commit()
	ok(t, err)
	return ts
}

func TestCRUDAndDeltas(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	a := must[int64](t)(tx.CreateVertex())
	b := must[int64](t)(tx.CreateVertex())
	ok(t, tx.AddLabel(a, "User"))
	ok(t, tx.AddLabel(a, "Admin"))
	ok(t, tx.SetVertexProperty(a, "name", "ada"))
	ok(t, tx.SetVertexProperty(a, "age", int64(36)))
	e := must[int64](t)(tx.CreateEdge(a, b, "Friend"))
	ok(t, tx.SetEdgeProperty(e, "since", int64(1999)))
	// the transaction sees its own writes
	n := must[value.Node](t)(tx.Vertex(a))
	want := value.Node{ID: a, Labels: []string{"Admin", "User"}, Props: value.Map{"name": "ada", "age": int64(36)}}
	if d := cmp.Diff(want, n); d != "" {
		t.Fatal(d)
	}
	ts, deltas, err := tx.Commit()
	ok(t, err)
	if ts != 1 || len(deltas) != 8 || deltas[0].Op != OpCreateVertex || deltas[6].Op != OpCreateEdge {
		t.Fatalf("ts %d deltas %+v", ts, deltas)
	}
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	rel := must[value.Relationship](t)(r.Edge(e))
	if rel.StartID != a || rel.EndID != b || rel.Type != "Friend" || rel.Props["since"] != int64(1999) {
		t.Fatalf("edge %+v", rel)
	}
	if got := r.Edges(a, Out).Collect(); len(got) != 1 || got[0].To != b {
		t.Fatalf("out %v", got)
	}
	if got := r.Edges(b, In, "Friend").Collect(); len(got) != 1 || got[0].From != a {
		t.Fatalf("in %v", got)
	}
	if got := r.Edges(b, Both, "Other").Collect(); len(got) != 0 {
		t.Fatalf("type filter %v", got)
	}
	if got := r.VerticesByLabel("User").Collect(); !cmp.Equal(got, []int64{a}) {
		t.Fatalf("by label %v", got)
	}
	if err := r.SetVertexProperty(a, "x", int64(1)); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only write: %v", err)
	}
}

func TestVisibilityWaitsForAcknowledgement(t *testing.T) {
	g := New(Options{})
	tx := g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	ts := commit(t, tx)
	r := g.Begin(TxOptions{ReadOnly: true})
	if r.HasVertex(v) {
		t.Fatal("unacknowledged commit visible")
	}
	ok(t, g.MarkAcknowledged(ts))
	if r.HasVertex(v) {
		t.Fatal("snapshot changed under a reader")
	}
	r.Abort()
	r2 := g.Begin(TxOptions{ReadOnly: true})
	if !r2.HasVertex(v) {
		t.Fatal("acknowledged commit invisible")
	}
	if st := g.Stats(); st.OpenSnapshots != 1 || st.VisibleTS != ts || st.OldestSnapshot != ts || st.PendingVertices != 1 {
		t.Fatalf("stats %+v", st)
	}
	r2.Abort()
	if st := g.Stats(); st.OpenSnapshots != 0 {
		t.Fatalf("stats after abort %+v", st)
	}
	if err := g.MarkAcknowledged(ts + 1); !errors.Is(err, ErrTimestamp) {
		t.Fatalf("ack past last commit: %v", err)
	}
}

func TestPreparedHoldsVisibility(t *testing.T) {
	g := New(Options{})
	t1 := g.Begin(TxOptions{})
	a := must[int64](t)(t1.CreateVertex())
	ts1, _, err := t1.Prepare()
	ok(t, err)
	t2 := g.Begin(TxOptions{})
	b := must[int64](t)(t2.CreateVertex())
	ts2 := commit(t, t2)
	ok(t, g.MarkAcknowledged(ts2))
	if g.VisibleTS() >= ts1 {
		t.Fatalf("visible %d passed prepared %d", g.VisibleTS(), ts1)
	}
	t1.Abort()
	if g.VisibleTS() != ts2 {
		t.Fatalf("visible %d after abort, want %d", g.VisibleTS(), ts2)
	}
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	if r.HasVertex(a) || !r.HasVertex(b) {
		t.Fatal("wrong visibility after prepared abort")
	}
}

func TestWriteConflicts(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	commit(t, tx)

	t1 := g.Begin(TxOptions{})
	t2 := g.Begin(TxOptions{})
	ok(t, t1.SetVertexProperty(v, "x", int64(1)))
	err := t2.SetVertexProperty(v, "x", int64(2))
	var ce *ConflictError
	if !errors.As(err, &ce) || !ce.IsRetryable() || !errors.Is(err, ErrSerialization) {
		t.Fatalf("want conflict, got %v", err)
	}
	commit(t, t1)
	// t2's snapshot predates t1's commit: still a conflict under SI
	if err := t2.SetVertexProperty(v, "x", int64(2)); !errors.Is(err, ErrSerialization) {
		t.Fatalf("SI write after newer commit: %v", err)
	}
	t2.Abort()
	// READ_COMMITTED may write over a newer commit
	t3 := g.Begin(TxOptions{Isolation: ReadCommitted})
	t4 := g.Begin(TxOptions{})
	ok(t, t4.SetVertexProperty(v, "x", int64(4)))
	commit(t, t4)
	if got := must[value.Value](t)(t3.VertexProperty(v, "x")); got != int64(4) {
		t.Fatalf("read committed read %v", got)
	}
	ok(t, t3.SetVertexProperty(v, "x", int64(3)))
	commit(t, t3)
	// edge creation conflicts with a concurrent delete of an endpoint
	t5 := g.Begin(TxOptions{})
	t6 := g.Begin(TxOptions{})
	w := must[int64](t)(t5.CreateVertex())
	commit(t, t5)
	ok(t, t6.DeleteVertex(v, false))
	t7 := g.Begin(TxOptions{})
	if _, err := t7.CreateEdge(w, v, "R"); !errors.Is(err, ErrSerialization) {
		t.Fatalf("edge to a vertex being deleted: %v", err)
	}
	t7.Abort()
	commit(t, t6)
}

func TestDeleteVertexWithEdges(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	a := must[int64](t)(tx.CreateVertex())
	b := must[int64](t)(tx.CreateVertex())
	must[int64](t)(tx.CreateEdge(a, b, "R"))
	must[int64](t)(tx.CreateEdge(a, a, "Self"))
	commit(t, tx)
	tx = g.Begin(TxOptions{})
	if err := tx.DeleteVertex(a, false); !errors.Is(err, ErrHasEdges) {
		t.Fatalf("delete with edges: %v", err)
	}
	if n := tx.Degree(a, Both); n != 2 {
		t.Fatalf("degree %d, want 2 (self-loop once)", n)
	}
	ok(t, tx.DeleteVertex(a, true))
	_, deltas, err := tx.Commit()
	ok(t, err)
	ops := []DeltaOp{deltas[0].Op, deltas[1].Op, deltas[2].Op}
	if !cmp.Equal(ops, []DeltaOp{OpDeleteEdge, OpDeleteEdge, OpDeleteVertex}) {
		t.Fatalf("deltas %v", deltas)
	}
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	if r.HasVertex(a) || r.Degree(b, Both) != 0 || len(r.AllEdges().Collect()) != 0 {
		t.Fatal("detach delete left something")
	}
}

func TestAbortRestores(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	a := must[int64](t)(tx.CreateVertex())
	ok(t, tx.SetVertexProperty(a, "k", "v"))
	commit(t, tx)
	tx = g.Begin(TxOptions{})
	ok(t, tx.SetVertexProperty(a, "k", "changed"))
	b := must[int64](t)(tx.CreateVertex())
	must[int64](t)(tx.CreateEdge(a, b, "R"))
	tx.Abort()
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	if got := must[value.Value](t)(r.VertexProperty(a, "k")); got != "v" {
		t.Fatalf("after abort %v", got)
	}
	if r.HasVertex(b) || r.Degree(a, Both) != 0 {
		t.Fatal("aborted creations visible")
	}
	if s := g.vertices.get(a); s.out.Load() != nil {
		t.Fatal("aborted edge left in adjacency")
	}
	if err := tx.SetVertexProperty(a, "k", "x"); !errors.Is(err, ErrTxDone) {
		t.Fatalf("write after abort: %v", err)
	}
}

func TestInvalidValues(t *testing.T) {
	g := New(Options{})
	tx := g.Begin(TxOptions{})
	defer tx.Abort()
	v := must[int64](t)(tx.CreateVertex())
	for _, bad := range []value.Value{7, value.Node{}, value.List{int64(1), nil}, struct{}{}} {
		if err := tx.SetVertexProperty(v, "k", bad); !errors.Is(err, ErrInvalidValue) {
			t.Fatalf("%T accepted: %v", bad, err)
		}
	}
	if err := tx.SetVertexProperty(99, "k", int64(1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing vertex: %v", err)
	}
}

func TestConflictDoomsTransaction(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	a := must[int64](t)(tx.CreateVertex())
	b := must[int64](t)(tx.CreateVertex())
	commit(t, tx)
	holder := g.Begin(TxOptions{})
	ok(t, holder.DeleteVertex(b, false))
	loser := g.Begin(TxOptions{})
	// the edge conflicts with the deletion of b
	if _, err := loser.CreateEdge(a, b, "R"); !errors.Is(err, ErrSerialization) {
		t.Fatalf("want conflict, got %v", err)
	}
	if err := loser.SetVertexProperty(a, "k", int64(2)); !errors.Is(err, ErrSerialization) {
		t.Fatalf("doomed transaction wrote: %v", err)
	}
	if _, _, err := loser.Commit(); !errors.Is(err, ErrSerialization) {
		t.Fatalf("doomed commit: %v", err)
	}
	commit(t, holder)
	// a is free: the doomed transaction left nothing behind
	tx = g.Begin(TxOptions{})
	ok(t, tx.SetVertexProperty(a, "k", int64(3)))
	commit(t, tx)
}

func TestEdgesBothInIDOrder(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	a := must[int64](t)(tx.CreateVertex())
	b := must[int64](t)(tx.CreateVertex())
	e0 := must[int64](t)(tx.CreateEdge(a, b, "R"))
	e1 := must[int64](t)(tx.CreateEdge(b, a, "R"))
	e2 := must[int64](t)(tx.CreateEdge(a, a, "S"))
	e3 := must[int64](t)(tx.CreateEdge(a, b, "S"))
	var got []int64
	for it := tx.Edges(a, Both); it.Next(); {
		got = append(got, it.Edge().ID)
	}
	if !cmp.Equal(got, []int64{e0, e1, e2, e3}) {
		t.Fatalf("Both order %v", got)
	}
	got = got[:0]
	for it := tx.Edges(a, Both, "S"); it.Next(); {
		got = append(got, it.Edge().ID)
	}
	if !cmp.Equal(got, []int64{e2, e3}) {
		t.Fatalf("Both order with type %v", got)
	}
	tx.Abort()
}
