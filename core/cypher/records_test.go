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

// recordQueries exercise every operator that rebinds one row in place
// (scans, expansions, UNWIND, projections) under each consumer that passes
// rows through (DISTINCT, SKIP/LIMIT, UNION, OPTIONAL MATCH, filters) or
// keeps them (ORDER BY, aggregation).
var recordQueries = []string{
	"UNWIND range(1, 200) AS x RETURN x, [x, x + 1] AS l",
	"UNWIND range(1, 200) AS x WITH x AS y, x * 2 AS z RETURN y, z",
	"MATCH (n) RETURN n, n.i AS i",
	"MATCH (n)-[r]->(m) RETURN n.i, r, m",
	"MATCH (n)-[r]->(m) RETURN DISTINCT m ORDER BY m.i",
	"MATCH (n)-[r]->(m) RETURN DISTINCT m",
	"MATCH (n) UNWIND [n, n.i] AS v RETURN n, v",
	"MATCH (n) OPTIONAL MATCH (n)-[r]->(m) RETURN n.i, m.i SKIP 3 LIMIT 100",
	"MATCH (n) WHERE n.i % 3 = 0 MATCH (n)-->(m) RETURN n, m",
	"MATCH (n) RETURN n.i AS v UNION ALL MATCH (n)-->(m) RETURN m.i AS v",
	"MATCH (n) RETURN n.i AS v UNION MATCH (n)-->(m) RETURN m.i AS v",
	"MATCH (n)-->(m) WITH n, collect(m.i) AS ms RETURN n.i, ms ORDER BY n.i",
	"MATCH (n)-[*1..2]->(m) RETURN n.i, m.i",
	"MATCH (n) RETURN n.i, [(n)-->(m) | m.i] AS outs, exists((n)<--()) AS hasIn",
	"MATCH (n) CALL { WITH n MATCH (n)-->(m) RETURN m } RETURN n.i, m.i",
}

// recordGraph is a chain of n vertices, each linked to its next two.
func recordGraph(t *testing.T, e *cypher.Engine, tx cypher.Tx, n int) {
	t.Helper()
	q := fmt.Sprintf("UNWIND range(1, %d) AS i CREATE (:N {i: i}) WITH count(*) AS c "+
		"MATCH (a:N), (b:N) WHERE b.i = a.i + 1 OR b.i = a.i + 2 CREATE (a)-[:R {d: b.i - a.i}]->(b)", n)
	res, err := e.Run(tx, q, nil)
	if err == nil {
		err = res.Consume()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Records handed to the caller are theirs: later pulls (which rebind
// rows in place and cut records from shared chunks) never change them.
func TestRecordsStayUnchangedByLaterPulls(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	for _, store := range []string{"cyphertest", "graph"} {
		var tx cypher.Tx
		if store == "cyphertest" {
			tx = cyphertest.New()
		} else {
			g := graph.New(graph.Options{ImmediateVisibility: true})
			tx = cypher.NewGraphTx(g, g.Begin(graph.TxOptions{}))
		}
		recordGraph(t, e, tx, 150)
		for _, q := range recordQueries {
			res, err := e.Run(tx, q, nil)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			var kept [][]value.Value
			var seen []string
			for {
				rec, ok, err := res.Next()
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if !ok {
					break
				}
				kept = append(kept, rec)
				seen = append(seen, renderRecord(rec))
			}
			if len(kept) < 2 {
				t.Fatalf("%s (%s): %d rows, want several", q, store, len(kept))
			}
			for i, rec := range kept {
				if got := renderRecord(rec); got != seen[i] {
					t.Fatalf("%s (%s): record %d was %s when pulled, %s after", q, store, i, seen[i], got)
				}
			}
			if d := distinctRecords(seen); d < len(seen)/2 && !strings.Contains(q, "UNION ALL") {
				t.Errorf("%s (%s): only %d distinct records of %d", q, store, d, len(seen))
			}
		}
	}
}

func renderRecord(rec []value.Value) string {
	parts := make([]string, len(rec))
	for i, v := range rec {
		parts[i] = render(v)
	}
	return strings.Join(parts, " | ")
}

func distinctRecords(recs []string) int {
	set := map[string]bool{}
	for _, r := range recs {
		set[r] = true
	}
	return len(set)
}
