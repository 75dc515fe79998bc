package graph

import (
	"errors"
	"testing"
)

// logged is a commit record a replica applies in timestamp order.
type logged struct {
	ts     uint64
	deltas []Delta
}

// replay applies the records to a fresh graph, as a replica does.
func replay(t *testing.T, recs []logged) *Graph {
	t.Helper()
	r := New(Options{})
	for _, rec := range recs {
		if err := r.Apply(rec.ts, rec.deltas); err != nil {
			t.Fatalf("replica: applying %d: %v", rec.ts, err)
		}
	}
	return r
}

// The case rapid found (seed 17573361669296178507): vertex 0 is :A without
// k; a transaction that deletes it is prepared; an existence constraint on
// :A(k) is created meanwhile; the prepared transaction aborts. The
// constraint used to pass (it counted the prepared deletion as done), so
// MAIN held a constraint its own data violated and a replica applying the
// records in timestamp order rejected it. Now the creation is a retryable
// conflict while the prepared transaction is undecided, and a constraint
// error once it aborted.
func TestExistenceConstraintWhilePreparedDeleteIsUndecided(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	var recs []logged
	log := func(ts uint64, ds []Delta, err error) {
		t.Helper()
		ok(t, err)
		recs = append(recs, logged{ts, ds})
	}
	tx := g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	ok(t, tx.AddLabel(v, "A"))
	log(tx.Commit())

	del := g.Begin(TxOptions{})
	ok(t, del.DeleteVertex(v, false))
	must[uint64](t)(idx(del.Prepare()))
	exist := SchemaItem{Kind: KindExistence, Name: "A", Key: "k"}
	last := g.LastCommitTS()
	_, _, err := g.CreateConstraint(exist)
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrSerialization) || ce.ID != v {
		t.Fatalf("constraint while a prepared delete of vertex %d is undecided: %v", v, err)
	}
	if g.HasSchema(exist) || g.LastCommitTS() != last {
		t.Fatal("the refused constraint left itself or a timestamp behind")
	}
	del.Abort()
	if _, _, err := g.CreateConstraint(exist); !errors.As(err, new(*ConstraintError)) {
		t.Fatalf("constraint over violating data after the abort: %v", err)
	}
	replay(t, recs)

	// Decided the other way, the constraint is valid and a replica applies
	// the records in timestamp order.
	del = g.Begin(TxOptions{})
	ok(t, del.DeleteVertex(v, false))
	must[uint64](t)(idx(del.Prepare()))
	if _, _, err := g.CreateConstraint(exist); !errors.Is(err, ErrSerialization) {
		t.Fatalf("constraint while a prepared delete is undecided: %v", err)
	}
	log(del.Commit())
	log(g.CreateConstraint(exist))
	if r := replay(t, recs); !r.HasSchema(exist) {
		t.Fatal("replica lacks the constraint")
	}
}

// A prepared transaction that adds a violating vertex fails the creation
// with a constraint error, as before: it commits without another check.
func TestExistenceConstraintOverPreparedViolation(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	v := must[int64](t)(tx.CreateVertex())
	ok(t, tx.AddLabel(v, "A"))
	must[uint64](t)(idx(tx.Prepare()))
	if _, _, err := g.CreateConstraint(SchemaItem{Kind: KindExistence, Name: "A", Key: "k"}); !errors.As(err, new(*ConstraintError)) {
		t.Fatalf("constraint over a prepared violation: %v", err)
	}
	must[uint64](t)(idx(tx.Commit()))
}

// A uniqueness constraint over two equal values, one of which a prepared
// transaction changes, holds only if that transaction commits.
func TestUniqueConstraintWhilePreparedChangeIsUndecided(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	ids := people(t, g, int64(1), int64(1))
	ch := g.Begin(TxOptions{})
	ok(t, ch.SetVertexProperty(ids[1], "age", int64(2)))
	must[uint64](t)(idx(ch.Prepare()))
	uniq := SchemaItem{Kind: KindUnique, Name: "P", Key: "age"}
	if _, _, err := g.CreateConstraint(uniq); !errors.Is(err, ErrSerialization) {
		t.Fatalf("unique while a prepared change is undecided: %v", err)
	}
	must[uint64](t)(idx(ch.Commit()))
	must[uint64](t)(idx(g.CreateConstraint(uniq)))
}

// A commit that takes a unique value which a prepared transaction moves
// away from another vertex would leave a duplicate if that transaction
// aborted: it is a retryable conflict until the transaction is decided.
func TestUniqueCommitWhilePreparedChangeIsUndecided(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	ids := people(t, g, int64(1), int64(5))
	must[uint64](t)(idx(g.CreateConstraint(SchemaItem{Kind: KindUnique, Name: "P", Key: "age"})))
	take := func() error {
		tx := g.Begin(TxOptions{})
		ok(t, tx.SetVertexProperty(ids[1], "age", int64(1)))
		_, _, err := tx.Commit()
		return err
	}
	for _, abort := range []bool{true, false} {
		ch := g.Begin(TxOptions{})
		ok(t, ch.SetVertexProperty(ids[0], "age", int64(2)))
		must[uint64](t)(idx(ch.Prepare()))
		if err := take(); !errors.Is(err, ErrSerialization) {
			t.Fatalf("taking a value a prepared transaction gives up: %v", err)
		}
		if abort {
			ch.Abort()
			if err := take(); !errors.As(err, new(*ConstraintError)) {
				t.Fatalf("duplicate after the abort: %v", err)
			}
			continue
		}
		must[uint64](t)(idx(ch.Commit()))
		ok(t, take())
	}
}

// Apply does not check a created constraint against the data: it replays
// a decision the source made (see Apply).
func TestApplyDoesNotRevalidateConstraints(t *testing.T) {
	g := New(Options{})
	ok(t, g.Apply(1, []Delta{{Op: OpCreateVertex, ID: 0}, {Op: OpAddLabel, ID: 0, Name: "A"}}))
	exist := SchemaItem{Kind: KindExistence, Name: "A", Key: "k"}
	ok(t, g.Apply(2, []Delta{{Op: OpCreateConstraint, Kind: exist.Kind, Name: exist.Name, Key: exist.Key}}))
	if !g.HasSchema(exist) {
		t.Fatal("the applied constraint is missing")
	}
}
