package cypher_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
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

// asyncBatchTx commits a batch the way a durable host does: StartBatch
// only starts the commit, and the transaction is unusable (T nil, so any
// use fails the query) until the host finishes it between two Steps.
type asyncBatchTx struct {
	*cypher.GraphTx
	pending   bool
	committed []int
}

func (b *asyncBatchTx) StartBatch() error {
	if _, _, err := b.T.Commit(); err != nil {
		return err
	}
	b.pending, b.T = true, nil
	return nil
}

// finish completes the pending commit and begins the next transaction.
func (b *asyncBatchTx) finish() {
	b.committed = append(b.committed, countVertices(b.G))
	b.pending, b.T = false, b.G.Begin(graph.TxOptions{})
}

// TestCallInTransactionsAsyncEndsTheStep: with a host whose batch commits
// finish later, the engine ends its Step right after starting each batch
// and touches the transaction again only once the host resumed it; the
// batches are the same as with a synchronous host. Outside a Step, and
// under PROFILE, it refuses.
func TestCallInTransactionsAsyncEndsTheStep(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	g := graph.New(graph.Options{ImmediateVisibility: true})
	b := &asyncBatchTx{GraphTx: cypher.NewGraphTx(g, g.Begin(graph.TxOptions{}))}
	res, err := e.Run(b, "UNWIND range(1, 10) AS i CALL { WITH i CREATE (:B {i: i}) } IN TRANSACTIONS OF 3 ROWS RETURN count(*) AS c", nil)
	if err != nil {
		t.Fatal(err)
	}
	for steps := 0; ; steps++ {
		done, err := res.Step(1000)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
		if !b.pending {
			t.Fatalf("step %d ended without a batch to wait for", steps)
		}
		b.finish()
	}
	rec, _, err := res.Next()
	if err != nil || rec[0] != int64(10) {
		t.Fatalf("%v %v", rec, err)
	}
	if got := b.committed; len(got) != 3 || got[0] != 3 || got[1] != 6 || got[2] != 9 {
		t.Fatalf("vertices after each batch commit %v, want [3 6 9]", got)
	}
	for _, q := range []string{
		"UNWIND range(1, 10) AS i CALL { WITH i CREATE (:B {i: i}) } IN TRANSACTIONS OF 3 ROWS",
		"PROFILE UNWIND range(1, 10) AS i CALL { WITH i CREATE (:B {i: i}) } IN TRANSACTIONS OF 3 ROWS",
	} {
		if out := run(t, e, b, q); !strings.Contains(out, "cannot run under PROFILE") {
			t.Errorf("%s outside a Step: %q", q, out)
		}
	}
}

// TestCallInTransactionsGraphInput: an input that reads the graph is read
// whole before the first batch commits (one snapshot, as Neo4j's outer
// transaction), so every matched vertex is updated once, however the
// batches fall.
func TestCallInTransactionsGraphInput(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	b := newBatchTx()
	run(t, e, b, "UNWIND range(1, 25) AS i CREATE (:N {i: i})")
	out := run(t, e, b, "MATCH (n:N) CALL { WITH n SET n.v = coalesce(n.v, 0) + 1 CREATE (:Log {i: n.i}) } IN TRANSACTIONS OF 4 ROWS RETURN count(*) AS c")
	if out != "c\n25\n" {
		t.Fatalf("output %q", out)
	}
	if _, _, err := b.T.Commit(); err != nil {
		t.Fatal(err)
	}
	b.T = b.G.Begin(graph.TxOptions{})
	if out := run(t, e, b, "MATCH (n:N) RETURN count(*) AS c, sum(n.v) AS v"); out != "c | v\n25 | 25\n" {
		t.Fatalf("after: %q", out)
	}
	if len(b.committed) != 6 {
		t.Fatalf("%d batch commits, want 6 full batches of 4 rows", len(b.committed))
	}
}

// TestCallInTransactionsErrors: the error of a failing batch says which
// batch it was and keeps its status code; nesting is refused.
func TestCallInTransactionsErrors(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	out := run(t, e, newBatchTx(), "UNWIND range(1, 10) AS i CALL { WITH i CREATE (:B {v: 1 / (i - 7)}) } IN TRANSACTIONS OF 3 ROWS")
	if !strings.Contains(out, "batch 3 (input rows 7 to 9) failed and was rolled back; the 2 batches before it stay committed") ||
		!strings.Contains(out, "DivisionByZero") {
		t.Errorf("failing batch: %q", out)
	}
	for _, q := range []string{
		"UNWIND [1] AS i CALL { WITH i CALL { WITH i CREATE (:B) } IN TRANSACTIONS } RETURN i",
		"FOREACH (i IN [1] | CALL { CREATE (:B) } IN TRANSACTIONS)",
	} {
		if out := run(t, e, newBatchTx(), q); !strings.Contains(out, "cannot be nested") {
			t.Errorf("%s: %q", q, out)
		}
	}
	p, err := e.Prepare("UNWIND [1] AS i CALL { WITH i CREATE (:B) } IN TRANSACTIONS")
	if err != nil || !p.InTransactions() {
		t.Errorf("InTransactions: %v", err)
	}
	if p, _ := e.Prepare("UNWIND [1] AS i CALL { WITH i CREATE (:B) }"); p.InTransactions() {
		t.Error("a plain CALL { } reports IN TRANSACTIONS")
	}
}

// TestCallInTransactionsReadOnlyBody: a body that only reads has nothing to
// commit per batch, so it runs in any transaction.
func TestCallInTransactionsReadOnlyBody(t *testing.T) {
	out := run(t, cypher.NewEngine(cypher.Options{}), cyphertest.New(), "UNWIND [1, 2, 3] AS x CALL { WITH x RETURN x * 2 AS y } IN TRANSACTIONS OF 2 ROWS RETURN y")
	if out != "y\n2\n4\n6\n" {
		t.Fatalf("output %q", out)
	}
}

// snapBatchTx is a batchTx that also offers the statement-start snapshot
// (InputSnapshotTx), begun with the statement as a host does.
type snapBatchTx struct {
	*batchTx
	snap *cypher.GraphTx
}

func (s *snapBatchTx) InputSnapshot() cypher.Tx { return s.snap }

// newSnapBatchTx is newBatchTx's graph with n :N vertices committed, and
// a statement's transaction and its snapshot begun over it.
func newSnapBatchTx(t *testing.T, n int) *snapBatchTx {
	b := newBatchTx()
	run(t, cypher.NewEngine(cypher.Options{}), b, fmt.Sprintf("UNWIND range(1, %d) AS i CREATE (:N {i: i})", n))
	if _, _, err := b.T.Commit(); err != nil {
		t.Fatal(err)
	}
	b.T = b.G.Begin(graph.TxOptions{})
	return &snapBatchTx{batchTx: b, snap: cypher.NewGraphTx(b.G, b.G.Begin(graph.TxOptions{ReadOnly: true}))}
}

// TestCallInTransactionsSnapshotInput: with a statement-start snapshot the
// graph-reading input is read lazily, yet produces what the held input
// produces: the :N vertices the batches create are not in it (the
// statement ends, one copy each), and its memory is not held (the guard's
// peak stays under 64 KiB for 20,000 rows, where the held input's passes
// 1 MiB). An input that writes itself is still held whole, and sees its
// own write.
func TestCallInTransactionsSnapshotInput(t *testing.T) {
	const n = 20000
	const q = "MATCH (n:N) CALL { WITH n SET n.v = coalesce(n.v, 0) + 1 CREATE (:N {i: -n.i}) } IN TRANSACTIONS OF 100 ROWS RETURN count(*) AS c"
	e := cypher.NewEngine(cypher.Options{})
	peaks := map[string]int64{}
	for _, snapshot := range []bool{true, false} {
		s := newSnapBatchTx(t, n)
		var tx cypher.Tx = s
		if !snapshot {
			tx = s.batchTx
		}
		gd := &cypher.Guard{}
		p, err := e.Prepare(q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.ExecuteGuarded(tx, p, nil, gd)
		if err != nil {
			t.Fatal(err)
		}
		rec, _, err := res.Next()
		if err != nil || rec[0] != int64(n) {
			t.Fatalf("snapshot %v: %v %v", snapshot, rec, err)
		}
		if len(s.committed) != n/100 || s.committed[0] != n+100 {
			t.Fatalf("snapshot %v: %d batches, vertices after the first %d", snapshot, len(s.committed), s.committed[0])
		}
		peaks[fmt.Sprint(snapshot)] = gd.Peak()
		if out := run(t, e, s.batchTx, "MATCH (n:N) RETURN count(*) AS c, sum(n.v) AS v"); out != fmt.Sprintf("c | v\n%d | %d\n", 2*n, n) {
			t.Fatalf("snapshot %v: %q", snapshot, out)
		}
	}
	if peaks["true"] > 64<<10 || peaks["false"] < 1<<20 {
		t.Fatalf("guard peaks %v: want the snapshot's under 64 KiB and the held input's over 1 MiB", peaks)
	}
	t.Logf("guard peaks %v", peaks)
	s := newSnapBatchTx(t, 10)
	out := run(t, e, s, "CREATE (:N {i: 0}) WITH 1 AS one MATCH (n:N) CALL { WITH n SET n.v = 1 } IN TRANSACTIONS OF 3 ROWS RETURN count(*) AS c")
	if out != "c\n11\n" {
		t.Fatalf("an input that writes: %q", out)
	}
}

// TestCallInTransactionsRowsByBatch: the rows of CALL { } IN TRANSACTIONS
// come out of StepRows a whole batch at a time, just as the batch's commit
// starts (never a row of a batch still running), exported from the
// batch's own transaction: an entity shows what its batch committed, not
// what later batches made of it.
func TestCallInTransactionsRowsByBatch(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	g := graph.New(graph.Options{ImmediateVisibility: true})
	b := &asyncBatchTx{GraphTx: cypher.NewGraphTx(g, g.Begin(graph.TxOptions{}))}
	res, err := e.Run(b, "UNWIND range(1, 7) AS i CALL { WITH i MERGE (k:K) SET k.n = coalesce(k.n, 0) + 1 RETURN k } IN TRANSACTIONS OF 2 ROWS RETURN i, k", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Streams() || !res.Batched() {
		t.Fatalf("streams %v, batched %v", res.Streams(), res.Batched())
	}
	var got []string
	for done := false; !done; {
		var recs [][]value.Value
		recs, done, err = res.StepRows(1000, 1)
		if err != nil {
			t.Fatal(err)
		}
		var batch []string
		for _, rec := range recs {
			batch = append(batch, render(rec[0])+" "+render(rec[1]))
		}
		if len(batch) > 0 {
			got = append(got, strings.Join(batch, ", "))
		}
		if b.pending {
			b.finish()
		} else if !done && len(recs) > 0 {
			t.Fatalf("rows %v returned while their batch was still running", batch)
		}
	}
	want := []string{"1 (:K {n: 2}), 2 (:K {n: 2})", "3 (:K {n: 4}), 4 (:K {n: 4})", "5 (:K {n: 6}), 6 (:K {n: 6})", "7 (:K {n: 7})"}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Fatalf("batches of rows:\n%q\nwant\n%q", got, want)
	}
}
