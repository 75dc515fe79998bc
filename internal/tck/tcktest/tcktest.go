// Package tcktest is the shared test suite every tck.Engine adapter must
// pass: the runner's contract (typed errors, all-or-nothing queries,
// snapshots) checked on the adapter itself, before any scenario runs.
package tcktest

import (
	"errors"
	"testing"

	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/internal/tck"
)

// EngineSuite runs the contract tests on engines made by newDB.
func EngineSuite(t *testing.T, newDB tck.Factory) {
	t.Run("ExecuteAndGraph", func(t *testing.T) { executeAndGraph(t, mustNew(t, newDB)) })
	t.Run("FailedQueryLeavesNoTrace", func(t *testing.T) { failedQueryLeavesNoTrace(t, mustNew(t, newDB)) })
	t.Run("SyntaxErrorIsTyped", func(t *testing.T) { syntaxErrorIsTyped(t, mustNew(t, newDB)) })
	t.Run("GraphIsASnapshot", func(t *testing.T) { graphIsASnapshot(t, mustNew(t, newDB)) })
}

func mustNew(t *testing.T, newDB tck.Factory) tck.Engine {
	t.Helper()
	db, err := newDB()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func executeAndGraph(t *testing.T, db tck.Engine) {
	if _, err := db.Execute("CREATE (:A {k: 1})-[:T {w: 2}]->(:B)", nil); err != nil {
		t.Fatal(err)
	}
	res, err := db.Execute("MATCH (n) RETURN n.k AS k ORDER BY k", map[string]value.Value{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Columns) != 1 || res.Columns[0] != "k" || len(res.Rows) != 2 {
		t.Fatalf("result %+v", res)
	}
	g, err := db.Graph()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 2 || len(g.Rels) != 1 || g.Rels[0].Type != "T" || g.Rels[0].Props["w"] != int64(2) {
		t.Fatalf("graph %+v", g)
	}
}

// A failing query has no effect, as in a transaction that rolled back.
func failedQueryLeavesNoTrace(t *testing.T, db tck.Engine) {
	if _, err := db.Execute("CREATE (:A {k: 1})", nil); err != nil {
		t.Fatal(err)
	}
	before, _ := db.Graph()
	// The CREATE runs before the division fails at runtime.
	_, err := db.Execute("UNWIND [1, 0] AS d CREATE (:B) RETURN 1 / d AS boom", nil)
	var qe *tck.QueryError
	if !errors.As(err, &qe) || qe.Phase != "runtime" {
		t.Fatalf("want a runtime QueryError, got %v", err)
	}
	after, _ := db.Graph()
	if se := tck.Diff(before, after); tck.NoSideEffects().Compare(se) != nil {
		t.Fatalf("failed query left side effects %v", se)
	}
	if _, err := db.Execute("MATCH (n:A) SET n.k = 2", nil); err != nil {
		t.Fatal(err)
	}
}

func syntaxErrorIsTyped(t *testing.T, db tck.Engine) {
	_, err := db.Execute("RETURN x", nil)
	var qe *tck.QueryError
	if !errors.As(err, &qe) || qe.Type != "SyntaxError" || qe.Phase != "compile time" || qe.Detail != "UndefinedVariable" {
		t.Fatalf("got %v", err)
	}
}

// Graph returns a snapshot: later writes do not show through it.
func graphIsASnapshot(t *testing.T, db tck.Engine) {
	if _, err := db.Execute("CREATE (:A {k: 1})-[:T {w: 1}]->()", nil); err != nil {
		t.Fatal(err)
	}
	before, _ := db.Graph()
	if _, err := db.Execute("MATCH (n:A)-[r]->() SET n.k = 2, r.w = 2, n:B", nil); err != nil {
		t.Fatal(err)
	}
	after, _ := db.Graph()
	se := tck.Diff(before, after)
	if se["+properties"] != 2 || se["-properties"] != 2 || se["+labels"] != 1 {
		t.Fatalf("side effects %v", se)
	}
}
