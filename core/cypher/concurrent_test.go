package cypher_test

import (
	"sync"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
)

// A Prepared plan is shared by the read sessions that run it at once (the
// real host runs snapshot reads on their own goroutines): executing it
// must write nothing the plan holds (its layout of slots, the slots and
// compiled patterns resolved into its expressions). Run with -race.
func TestPreparedPlanRunsConcurrently(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	g := graph.New(graph.Options{ImmediateVisibility: true})
	tx := g.Begin(graph.TxOptions{})
	recordGraph(t, e, cypher.NewGraphTx(g, tx), 60)
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"MATCH (n:N) WHERE n.i =~ '1.*' OR toString(n.i) =~ '2.*' RETURN n.i, [x IN [n.i, n.i + 1] WHERE x % 2 = 0 | [y IN [x] | y * 2]] AS l ORDER BY n.i",
		"MATCH (n:N) RETURN n.i, [(n)-[r {d: 1}]->(m) | m.i] AS ones, exists((n)<-[:R]-()) AS hasIn, reduce(s = 0, m IN [(n)-->(m) | m] | s + m.i) AS sum ORDER BY n.i",
		"MATCH (n:N) WHERE EXISTS { MATCH (n)-->(m) WHERE m.i > n.i + 1 } WITH n, count(*) AS c RETURN collect(n.i) AS l, sum(c) AS s",
		"MATCH (n:N) CALL { WITH n MATCH (n)-[*1..2]->(m) RETURN count(m) AS reach } RETURN n.i, reach ORDER BY n.i",
		"UNWIND range(1, 60) AS i MATCH (n:N {i: i}) RETURN DISTINCT n.i % 7 AS k, any(z IN [(n)-->(m) | m.i] WHERE z > 30) AS big ORDER BY k, big",
	}
	for _, q := range queries {
		p, err := e.Prepare(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		want := drainPrepared(t, e, g, p)
		if want == "" {
			t.Fatalf("%s: no rows", q)
		}
		var wg sync.WaitGroup
		got := make([]string, 4)
		for w := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					got[w] = drainPrepared(t, e, g, p)
				}
			}()
		}
		wg.Wait()
		for w, s := range got {
			if s != want {
				t.Fatalf("%s: reader %d got\n%s\nwant\n%s", q, w, s, want)
			}
		}
	}
}

// drainPrepared runs p in a read-only transaction of its own and renders
// its records.
func drainPrepared(t *testing.T, e *cypher.Engine, g *graph.Graph, p *cypher.Prepared) string {
	tx := g.Begin(graph.TxOptions{ReadOnly: true})
	defer tx.Abort()
	res, err := e.Execute(cypher.NewGraphTx(g, tx), p, nil)
	if err != nil {
		t.Error(err)
		return ""
	}
	out := ""
	for {
		rec, ok, err := res.Next()
		if err != nil {
			t.Error(err)
			return out
		}
		if !ok {
			return out
		}
		out += renderRecord(rec) + "\n"
	}
}
