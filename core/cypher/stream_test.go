package cypher_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/value"
)

// stepRows drains res through StepRows in steps of budget rows of work and
// batches of at most max records, rendering what Next would.
func stepRows(t *testing.T, res *cypher.Result, budget, max int) (string, int) {
	t.Helper()
	var b strings.Builder
	steps := 0
	for done := false; !done; {
		var recs [][]value.Value
		var err error
		recs, done, err = res.StepRows(budget, max)
		if err != nil {
			t.Fatalf("step %d: %v", steps, err)
		}
		if len(recs) > max {
			t.Fatalf("step %d: %d records, over the %d asked", steps, len(recs), max)
		}
		steps++
		for _, rec := range recs {
			for _, v := range rec {
				b.WriteString(render(v) + " ")
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "%+v\n", res.Stats())
	return b.String(), steps
}

// TestStepRowsMatchesNext: a streaming write drained through StepRows, in
// small steps and batches, produces exactly the rows and counters of one
// Next-driven run, whatever sits above the writes (aggregation, ORDER BY,
// LIMIT, DISTINCT, a barrier write below a read).
func TestStepRowsMatchesNext(t *testing.T) {
	queries := []string{
		"UNWIND range(1, 300) AS i CREATE (n:N {i: i}) RETURN n.i AS i",
		"UNWIND range(1, 300) AS i CREATE (n:N {i: i}) WITH n WHERE n.i % 3 = 0 RETURN count(*) AS c, sum(n.i) AS s",
		"UNWIND range(1, 200) AS i CREATE (n:M {i: i}) RETURN n.i AS i ORDER BY i DESC LIMIT 3",
		"UNWIND range(1, 200) AS i CREATE (n:M {i: i}) RETURN n.i AS i LIMIT 3",
		"UNWIND range(1, 200) AS i CREATE (n:M {i: i % 7}) RETURN DISTINCT n.i AS i",
		"UNWIND range(1, 100) AS i CREATE (a:A {i: i})-[r:R {w: i}]->(b:B) RETURN a, r, b",
		"MATCH (n:N) WHERE n.i > 100 SET n.big = true RETURN n.i AS i, n.big AS b",
		"UNWIND range(1, 120) AS i MERGE (k:K {i: i % 40}) SET k.seen = coalesce(k.seen, 0) + 1 RETURN k.i AS i, k.seen AS s",
		"UNWIND range(1, 50) AS i CREATE (n:X {i: i}) WITH n MATCH (m:N) WHERE m.i = n.i RETURN n.i, m.i",
		"UNWIND range(1, 100) AS i CALL { WITH i CREATE (s:S {i: i}) RETURN s } RETURN s.i AS i, s",
		"MATCH (n:N) WHERE n.i < 60 CALL { WITH n CREATE (n)-[:R]->(m:M {i: n.i}) RETURN m } RETURN n, m",
		"UNWIND range(1, 40) AS i CREATE (:S {i: i}) WITH i CALL { WITH i MATCH (s:S {i: i}) CREATE (s)-[:R]->(t:T) RETURN t } RETURN i, t",
		"UNWIND range(1, 100) AS i CREATE (a:A {i: i}) RETURN a.i AS i UNION ALL MATCH (a:A) WHERE a.i > 90 SET a.i = -a.i RETURN a.i AS i",
		"UNWIND range(1, 50) AS i CREATE (a:A {i: i % 5}) RETURN a.i AS i UNION MATCH (n:N) WHERE n.i < 20 RETURN n.i AS i",
		"MATCH (n:N) RETURN n.i AS i UNION ALL UNWIND range(1, 50) AS i CALL { WITH i CREATE (s:S {i: i}) RETURN s } RETURN s.i AS i",
	}
	for _, q := range queries {
		e := cypher.NewEngine(cypher.Options{})
		res, err := e.Run(seeded(t), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := drained(t, res)
		res, err = e.Run(seeded(t), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Streams() {
			t.Errorf("%s: does not stream", q)
			continue
		}
		got, steps := stepRows(t, res, 7, 5)
		if got != want {
			t.Errorf("%s:\nstepped:\n%s\nin one go:\n%s", q, got, want)
		}
		if steps < 5 {
			t.Errorf("%s: finished in %d steps", q, steps)
		}
	}
}

// TestWritesThatDoNotStream: a CALL { } that changes existing entities per
// row (a later row's work could change what an earlier row returned), a
// UNION holding one, and a CALL { } IN TRANSACTIONS inside a UNION keep
// their rows until the work is done.
func TestWritesThatDoNotStream(t *testing.T) {
	for _, q := range []string{
		"UNWIND range(1, 3) AS i CALL { WITH i MERGE (s:S {i: i % 2}) SET s.n = i RETURN s } RETURN s",
		"MATCH (n:N) CALL { WITH n SET n.x = 1 RETURN n AS m } RETURN m",
		"UNWIND range(1, 3) AS i CALL { WITH i CALL { WITH i MATCH (s:N) DELETE s } RETURN i AS j } RETURN j",
		"CREATE (n:U) RETURN n UNION MATCH (n:N) CALL { WITH n SET n.x = 1 RETURN n AS m } RETURN m AS n",
		"UNWIND range(1, 3) AS i CALL { WITH i CREATE (:B) } IN TRANSACTIONS RETURN i UNION RETURN 0 AS i",
	} {
		res, err := cypher.NewEngine(cypher.Options{}).Run(seeded(t), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Streams() {
			t.Errorf("%s streams", q)
		}
		res.Close()
	}
}

// TestPipelinedCreateHoldsNoRows: the bulk-load shape (UNWIND or LOAD CSV
// into a single CREATE, returning what it made) runs as a pipeline: under
// a 4 MiB query memory limit (range() holds 2.3 MiB of it) it creates and
// returns 100,000 rows pulled in batches, while the same write with a
// second, eager clause fails on the limit.
func TestPipelinedCreateHoldsNoRows(t *testing.T) {
	const q = "UNWIND range(1, 100000) AS x CREATE (w:W {x: x}) RETURN w.x AS x, id(w) AS id"
	e, g := cypher.NewEngine(cypher.Options{}), seeded(t)
	p, err := e.Prepare(q)
	if err != nil {
		t.Fatal(err)
	}
	gd := &cypher.Guard{Limit: 4 << 20, LimitName: "--query-memory-limit"}
	res, err := e.ExecuteGuarded(g, p, nil, gd)
	if err != nil {
		t.Fatal(err)
	}
	next := int64(1)
	for done := false; !done; {
		var recs [][]value.Value
		recs, done, err = res.StepRows(1024, 1000)
		if err != nil {
			t.Fatalf("after %d rows: %v", next-1, err)
		}
		for _, rec := range recs {
			if rec[0] != next {
				t.Fatalf("row %d is %v", next, rec)
			}
			next++
		}
	}
	if next != 100001 || res.Stats().NodesCreated != 100000 {
		t.Fatalf("%d rows, stats %+v", next-1, res.Stats())
	}
	if gd.Peak() > 3<<20 {
		t.Fatalf("the guard counted a peak of %d bytes", gd.Peak())
	}
	_, err = drainGuarded(e, seeded(t), "UNWIND range(1, 100000) AS x CREATE (w:W {x: x}) SET w.y = 1 RETURN w.x",
		&cypher.Guard{Limit: 4 << 20, LimitName: "--query-memory-limit"})
	if err == nil || !strings.Contains(err.Error(), "memory limit") {
		t.Fatalf("the eager write: %v, want the memory limit", err)
	}
}

// TestStreamedUnionPartsWriteInOrder: a UNION of writes streams, each
// part's writes after the parts before it: the second part sees the
// first's vertex, and the first part's row, produced before the second
// part wrote, shows the vertex as the first part left it (a clause never
// observes a later clause's writes).
func TestStreamedUnionPartsWriteInOrder(t *testing.T) {
	const q = "CREATE (n:U {x: 1}) RETURN n, n.x AS x UNION ALL MATCH (n:U) SET n.x = 2 RETURN n, n.x AS x"
	res, err := cypher.NewEngine(cypher.Options{}).Run(seeded(t), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Streams() {
		t.Fatal("the UNION does not stream")
	}
	got, _ := stepRows(t, res, 1, 1)
	if want := "(:U {x: 1}) 1 \n(:U {x: 2}) 2 \n"; !strings.HasPrefix(got, want) {
		t.Fatalf("rows:\n%s\nwant them to begin\n%s", got, want)
	}
}
