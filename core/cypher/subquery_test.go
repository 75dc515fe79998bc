package cypher_test

import (
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/graph"
)

// batchTx is an auto-commit transaction over core/graph as a host would
// give CALL { } IN TRANSACTIONS: CommitBatch commits and carries on in a
// new transaction. committed records the graph's vertex count after each.
type batchTx struct {
	*cypher.GraphTx
	committed []int
}

func (b *batchTx) CommitBatch() error {
	if _, _, err := b.T.Commit(); err != nil {
		return err
	}
	b.committed = append(b.committed, countVertices(b.G))
	b.T = b.G.Begin(graph.TxOptions{})
	return nil
}

func countVertices(g *graph.Graph) int {
	tx := g.Begin(graph.TxOptions{ReadOnly: true})
	defer tx.Abort()
	n := 0
	for it := tx.Vertices(); it.Next(); {
		n++
	}
	return n
}

func newBatchTx() *batchTx {
	g := graph.New(graph.Options{ImmediateVisibility: true})
	return &batchTx{GraphTx: cypher.NewGraphTx(g, g.Begin(graph.TxOptions{}))}
}

func TestCallInTransactionsCommitsBatches(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	b := newBatchTx()
	out := run(t, e, b, "UNWIND range(1, 10) AS i CALL { WITH i CREATE (:B {i: i}) } IN TRANSACTIONS OF 3 ROWS")
	if out != "\n" {
		t.Fatalf("output %q", out)
	}
	if got := b.committed; len(got) != 3 || got[0] != 3 || got[1] != 6 || got[2] != 9 {
		t.Fatalf("vertices after each batch commit %v, want [3 6 9]", got)
	}
	if _, _, err := b.T.Commit(); err != nil { // the host's final commit: the last, partial batch
		t.Fatal(err)
	}
	if n := countVertices(b.G); n != 10 {
		t.Fatalf("%d vertices at the end, want 10", n)
	}
}

// TestCallInTransactionsFailureKeepsEarlierBatches: a failing row fails the
// query; the batches committed before it stay.
func TestCallInTransactionsFailureKeepsEarlierBatches(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	b := newBatchTx()
	out := run(t, e, b, "UNWIND [1, 2, 3, 0, 5] AS i CALL { WITH i CREATE (:B {v: 10 / i}) } IN TRANSACTIONS OF 2 ROWS")
	if !strings.Contains(out, "DivisionByZero") {
		t.Fatalf("output %q, want the division error", out)
	}
	b.T.Abort() // the host rolls the failed batch back
	if n := countVertices(b.G); n != 2 {
		t.Fatalf("%d vertices after the failure, want the first batch's 2", n)
	}
}

// TestCallInTransactionsLoadCSV batches a LOAD CSV, returning rows too.
func TestCallInTransactionsLoadCSV(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{Files: &memFiles{files: csvFiles}})
	b := newBatchTx()
	out := run(t, e, b, "LOAD CSV FROM 'people.csv' WITH HEADER AS row CALL { WITH row CREATE (p:P {name: row.name}) RETURN p.name AS made } IN TRANSACTIONS OF 1 ROW RETURN made")
	if want := "made\n'Ann'\n'Bo, Jr.'\n'Cy'\n"; out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	if got := b.committed; len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("vertices after each batch commit %v, want [1 2 3]", got)
	}
}

func TestCallInTransactionsBadInput(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	for q, want := range map[string]string{
		"UNWIND [1, 2] AS i CALL { WITH i CREATE (:B) } IN TRANSACTIONS OF 0 ROWS":   "positive integer number of rows, got 0",
		"UNWIND [1, 2] AS i CALL { WITH i CREATE (:B) } IN TRANSACTIONS OF 'x' ROWS": "positive integer number of rows, got String",
		"UNWIND [1, 2] AS i CALL { WITH i CREATE (:B) } IN TRANSACTIONS OF 1 BATCH":  "expected ROW",
		"UNWIND [1, 2] AS i CALL { WITH i CREATE (:B) } IN TRANSACTIONS OF i ROWS":   "variable `i` not defined",
	} {
		if out := run(t, e, newBatchTx(), q); !strings.Contains(out, want) {
			t.Errorf("%s: %q, want %q", q, out, want)
		}
	}
	// A transaction that cannot commit mid-query (an explicit one) refuses
	// the clause before the body first runs.
	g := cyphertest.New()
	out := run(t, e, g, "UNWIND [1, 2] AS i CALL { WITH i CREATE (:B) } IN TRANSACTIONS OF 5 ROWS")
	out += run(t, e, g, "MATCH (b:B) RETURN count(b) AS n")
	if !strings.Contains(out, "auto-commit") || !strings.HasSuffix(out, "n\n0\n") {
		t.Errorf("plain transaction: %q", out)
	}
}

func TestCallSubqueryParse(t *testing.T) {
	q, err := cypher.Parse("MATCH (n) CALL { WITH n RETURN 1 AS a UNION ALL RETURN 2 AS a } IN TRANSACTIONS OF 5 ROWS RETURN a")
	if err != nil {
		t.Fatal(err)
	}
	want := "CALL { WITH n AS `n` RETURN 1 AS `a` UNION ALL RETURN 2 AS `a` } IN TRANSACTIONS OF 5 ROWS"
	if got := cypher.Dump(q); !strings.Contains(got, want) {
		t.Errorf("dump:\n%s\nwant a line %s", got, want)
	}
}
