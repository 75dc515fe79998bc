package graph

import (
	"errors"
	"slices"
	"testing"
)

// edgesAt lists the edges a fresh reader sees at v, both directions.
func edgesAt(g *Graph, v int64) []int64 {
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	var out []int64
	for it := r.Edges(v, Both); it.Next(); {
		out = append(out, it.Edge().ID)
	}
	slices.Sort(out)
	return out
}

func TestConcurrentEdgeCreationCommutes(t *testing.T) {
	g := New(Options{})
	tx := g.Begin(TxOptions{})
	hub := must[int64](t)(tx.CreateVertex())
	a := must[int64](t)(tx.CreateVertex())
	b := must[int64](t)(tx.CreateVertex())
	ok(t, g.MarkAcknowledged(commit(t, tx)))

	t1 := g.Begin(TxOptions{})
	t2 := g.Begin(TxOptions{Isolation: ReadCommitted})
	t3 := g.Begin(TxOptions{})
	ok(t, t3.SetVertexProperty(hub, "k", int64(1))) // a plain write of the hub commutes too
	e1 := must[int64](t)(t1.CreateEdge(a, hub, "R"))
	e2 := must[int64](t)(t2.CreateEdge(hub, b, "R"))
	e3 := must[int64](t)(t3.CreateEdge(hub, hub, "S"))
	before := g.VisibleTS()
	ts2 := commit(t, t2)
	ts1 := commit(t, t1)
	ts3 := commit(t, t3)
	ok(t, g.MarkAcknowledged(ts2))
	if got := edgesAt(g, hub); !slices.Equal(got, []int64{e2}) {
		t.Fatalf("at %d: %v, want only %d", ts2, got, e2)
	}
	ok(t, g.MarkAcknowledged(ts1))
	if got := edgesAt(g, hub); !slices.Equal(got, []int64{e1, e2}) {
		t.Fatalf("at %d: %v", ts1, got)
	}
	ok(t, g.MarkAcknowledged(ts3))
	if got := edgesAt(g, hub); !slices.Equal(got, []int64{e1, e2, e3}) {
		t.Fatalf("at %d: %v", ts3, got)
	}
	if before >= ts2 {
		t.Fatal("commits were visible before they were acknowledged")
	}
	g.CollectGarbage()
	if got := edgesAt(g, hub); !slices.Equal(got, []int64{e1, e2, e3}) {
		t.Fatalf("after GC: %v", got)
	}
}

func TestAbortedEdgeLeavesOthers(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	hub := must[int64](t)(tx.CreateVertex())
	commit(t, tx)
	t1 := g.Begin(TxOptions{})
	t2 := g.Begin(TxOptions{})
	e1 := must[int64](t)(t1.CreateEdge(hub, hub, "R"))
	must[int64](t)(t2.CreateEdge(hub, hub, "R"))
	t2.Abort()
	commit(t, t1)
	if got := edgesAt(g, hub); !slices.Equal(got, []int64{e1}) {
		t.Fatalf("edges %v, want %d", got, e1)
	}
	if n := len(g.vertices.get(hub).out.Load().view()); n != 1 {
		t.Fatalf("out adjacency holds %d entries after the abort, want 1", n)
	}
}

func TestDeleteConflictsWithEdgeCreation(t *testing.T) {
	setup := func() (*Graph, int64, int64) {
		g := New(Options{})
		tx := g.Begin(TxOptions{})
		v := must[int64](t)(tx.CreateVertex())
		w := must[int64](t)(tx.CreateVertex())
		ok(t, g.MarkAcknowledged(commit(t, tx)))
		return g, v, w
	}
	isConflict := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrSerialization) {
			t.Fatalf("%s: want a conflict, got %v", what, err)
		}
	}
	for _, detach := range []bool{false, true} {
		// the edge first, uncommitted; then the deletion
		g, v, w := setup()
		adder, deleter := g.Begin(TxOptions{}), g.Begin(TxOptions{})
		must[int64](t)(adder.CreateEdge(w, v, "R"))
		isConflict(t, "delete beside an uncommitted edge", deleter.DeleteVertex(v, detach))
		deleter.Abort()
		commit(t, adder)

		// the edge committed after the deleter's snapshot (not yet acknowledged)
		g, v, w = setup()
		deleter = g.Begin(TxOptions{})
		rc := g.Begin(TxOptions{Isolation: ReadCommitted})
		adder = g.Begin(TxOptions{})
		must[int64](t)(adder.CreateEdge(v, w, "R"))
		ok(t, g.MarkAcknowledged(commit(t, adder)-1))
		isConflict(t, "delete after an edge committed past the snapshot", deleter.DeleteVertex(v, detach))
		deleter.Abort()
		isConflict(t, "read-committed delete beside an unacknowledged edge", rc.DeleteVertex(w, detach))
		rc.Abort()

		// the deletion first; then the edge, before and after its commit
		g, v, w = setup()
		deleter, adder = g.Begin(TxOptions{}), g.Begin(TxOptions{})
		late := g.Begin(TxOptions{})
		ok(t, deleter.DeleteVertex(v, detach))
		_, err := adder.CreateEdge(w, v, "R")
		isConflict(t, "edge to a vertex being deleted", err)
		adder.Abort()
		commit(t, deleter)
		_, err = late.CreateEdge(v, w, "R")
		isConflict(t, "edge to a vertex deleted after the snapshot", err)
		late.Abort()
	}
	// an edge deleted before the snapshot does not hold the vertex
	g, v, w := setup()
	tx := g.Begin(TxOptions{})
	e := must[int64](t)(tx.CreateEdge(v, w, "R"))
	ok(t, g.MarkAcknowledged(commit(t, tx)))
	tx = g.Begin(TxOptions{})
	ok(t, tx.DeleteEdge(e))
	ok(t, g.MarkAcknowledged(commit(t, tx)))
	tx = g.Begin(TxOptions{})
	ok(t, tx.DeleteVertex(v, false))
	commit(t, tx)
}
