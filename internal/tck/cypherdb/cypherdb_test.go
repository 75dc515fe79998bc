package cypherdb

import (
	"errors"
	"testing"

	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/internal/tck"
)

func TestExecuteAndGraph(t *testing.T) {
	db, _ := New()
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
func TestFailedQueryLeavesNoTrace(t *testing.T) {
	db, _ := New()
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

func TestSyntaxErrorIsTyped(t *testing.T) {
	db, _ := New()
	_, err := db.Execute("RETURN x", nil)
	var qe *tck.QueryError
	if !errors.As(err, &qe) || qe.Type != "SyntaxError" || qe.Phase != "compile time" || qe.Detail != "UndefinedVariable" {
		t.Fatalf("got %v", err)
	}
}

// Graph returns a snapshot: later writes do not show through it.
func TestGraphIsASnapshot(t *testing.T) {
	db, _ := New()
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
