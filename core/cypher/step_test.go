package cypher_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
)

// TestStepMatchesNext: an updating query run in small Steps yields several
// times and then produces exactly the rows and counters of one Next-driven
// run, whatever sits above the writes (aggregation, ORDER BY, FOREACH,
// DELETE).
func TestStepMatchesNext(t *testing.T) {
	queries := []string{
		"UNWIND range(1, 300) AS i CREATE (n:N {i: i}) WITH n WHERE n.i % 3 = 0 RETURN count(*) AS c, sum(n.i) AS s",
		"UNWIND range(1, 200) AS i CREATE (n:M {i: i}) RETURN n.i AS i ORDER BY i DESC LIMIT 3",
		"UNWIND range(1, 50) AS i FOREACH (j IN range(1, 4) | CREATE (:F {i: i, j: j})) RETURN count(*) AS c",
		"MATCH (n:N) WHERE n.i > 100 DETACH DELETE n RETURN count(*) AS c",
		"UNWIND range(1, 100) AS i CALL { WITH i CREATE (:S {i: i}) } RETURN count(*) AS c",
		"UNWIND range(1, 100) AS i CALL { WITH i UNWIND range(1, 3) AS j CREATE (s:S {i: i, j: j}) RETURN count(s) AS n } RETURN sum(n) AS c",
		"UNWIND range(1, 120) AS i MERGE (k:K {i: i % 40}) SET k.seen = coalesce(k.seen, 0) + 1 RETURN count(DISTINCT k) AS c",
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
		steps := 0
		for {
			done, err := res.Step(7)
			if err != nil {
				t.Fatalf("%s: step %d: %v", q, steps, err)
			}
			steps++
			if done {
				break
			}
		}
		if steps < 5 { // a top-level CALL { } yields between its input rows
			t.Errorf("%s: finished in %d steps of 7 rows", q, steps)
		}
		if got := drained(t, res); got != want {
			t.Errorf("%s:\nstepped:\n%s\nin one go:\n%s", q, got, want)
		}
	}
}

// seeded is a test graph holding the same 150 :N vertices every time.
func seeded(t *testing.T) *cyphertest.Graph {
	g := cyphertest.New()
	res, err := cypher.NewEngine(cypher.Options{}).Run(g, "UNWIND range(1, 150) AS i CREATE (:N {i: i})", nil)
	if err == nil {
		err = res.Consume()
	}
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// drained renders a result's rows and final counters.
func drained(t *testing.T, res *cypher.Result) string {
	var b strings.Builder
	for {
		rec, ok, err := res.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		for _, v := range rec {
			b.WriteString(render(v) + " ")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%+v\n", res.Stats())
	return b.String()
}
