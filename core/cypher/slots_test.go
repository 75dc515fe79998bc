package cypher_test

import (
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// hubGraph is a vertex :Hub with edges to n others.
func hubGraph(t *testing.T, n int) *graph.Graph {
	t.Helper()
	g := graph.New(graph.Options{ImmediateVisibility: true})
	tx := g.Begin(graph.TxOptions{})
	hub, err := tx.CreateVertex()
	if err == nil {
		err = tx.AddLabel(hub, "Hub")
	}
	for i := 0; i < n && err == nil; i++ {
		var id int64
		if id, err = tx.CreateVertex(); err == nil {
			_, err = tx.CreateEdge(hub, id, "R")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return g
}

// Reading rows allocates no row per row: UNWIND, scans, expansions and
// projections rebind slots of one row in place (they used to copy a map
// per row); what is left is boxing the entity references a row binds.
func TestReadRowsAllocateLittlePerRow(t *testing.T) {
	const n = 2000
	g := hubGraph(t, n)
	list := make(value.List, n)
	for i := range list {
		list[i] = int64(1000 + i)
	}
	params := map[string]value.Value{"l": list}
	e := cypher.NewEngine(cypher.Options{})
	// refs is how many entity references a row binds: each is boxed
	// into its interface (one small allocation), which rows do not avoid.
	for _, c := range []struct {
		q    string
		refs int
	}{
		{"UNWIND $l AS x RETURN count(x)", 0},
		{"UNWIND $l AS x RETURN x, x AS y", 0},
		{"UNWIND $l AS x WITH x AS y, x AS z RETURN count(z)", 0},
		{"MATCH (h:Hub)-->(m) RETURN count(m)", 2},
		{"MATCH (h:Hub)-[r]->(m) RETURN count(r)", 2},
		{"MATCH (m) WITH m RETURN count(m)", 1},
	} {
		q := c.q
		count := func() {
			tx := g.Begin(graph.TxOptions{ReadOnly: true})
			defer tx.Abort()
			res, err := e.Run(cypher.NewGraphTx(g, tx), q, params)
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Consume(); err != nil {
				t.Fatal(err)
			}
		}
		count() // plan it
		if allocs := testing.AllocsPerRun(3, count); allocs > float64(n/4+c.refs*n) {
			t.Errorf("%s: %.0f allocations for %d rows", q, allocs, n)
		}
	}
}

// Every binary operator the parser builds is resolved to its enum, so
// that evaluation never switches on its spelling.
func TestBinaryOperatorsAreResolved(t *testing.T) {
	e, g := cypher.NewEngine(cypher.Options{}), cyphertest.New()
	for _, c := range []struct{ expr, want string }{
		{"1 + 2", "3"}, {"5 - 7", "-2"}, {"3 * 4", "12"}, {"7 / 2", "3"}, {"7 % 4", "3"}, {"2 ^ 3 = 8.0", "true"},
		{"1 = 1", "true"}, {"1 <> 1", "false"}, {"1 < 2", "true"}, {"1 > 2", "false"}, {"2 <= 2", "true"},
		{"1 >= 2", "false"}, {"2 IN [1, 2]", "true"}, {"'ab' STARTS WITH 'a'", "true"},
		{"'ab' ENDS WITH 'a'", "false"}, {"'abc' CONTAINS 'bc'", "true"}, {"'abc' =~ 'a.c'", "true"},
		{"true AND false", "false"}, {"true OR false", "true"}, {"true XOR true", "false"},
		{"1 < 2 < 3", "true"}, {"[1] + 2", "[1, 2]"}, {"'a' + 1", "'a1'"},
		{"duration('P1D') + duration('P1D') = duration('P2D')", "true"},
		{"9223372036854775807 + 1 = 0", "error"},
	} {
		out := run(t, e, g, "RETURN "+c.expr+" AS v")
		got := strings.TrimPrefix(strings.TrimSuffix(out, "\n"), "v\n")
		if c.want == "error" {
			if !strings.Contains(out, "error") {
				t.Errorf("%s: %q, want an error", c.expr, out)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s = %q, want %s", c.expr, got, c.want)
		}
	}
}

// Slots keep apart what a map of names kept apart: a nested scope that
// shadows a name, a variable bound to null and one not bound, the names of
// a subquery and of its outer query.
func TestSlotScoping(t *testing.T) {
	e, g := cypher.NewEngine(cypher.Options{}), cyphertest.New()
	for _, c := range []struct{ query, want string }{
		{"WITH 10 AS x RETURN [x IN [1, 2] | x * 2] AS l, x", "[2, 4] | 10"},
		{"WITH 1 AS x RETURN reduce(x = 0, y IN [1, 2, 3] | x + y) AS s, x", "6 | 1"},
		{"WITH 5 AS x RETURN any(x IN [1, 2] WHERE x = 2) AS a, x", "true | 5"},
		{"OPTIONAL MATCH (n:Nothing) RETURN n", "null"},
		{"WITH 1 AS a CALL { WITH a RETURN a + 1 AS b } RETURN a, b", "1 | 2"},
		{"WITH 1 AS a CALL { RETURN 2 AS b } RETURN a, b", "1 | 2"},
		{"UNWIND [1, 2] AS x WITH x WHERE x > 1 RETURN x", "2"},
		{"RETURN 1 AS x UNION RETURN 1 AS x", "1"},
	} {
		out := run(t, e, g, c.query)
		lines := strings.SplitN(strings.TrimSuffix(out, "\n"), "\n", 2)
		if len(lines) != 2 || lines[1] != c.want {
			t.Errorf("%s:\n%s\nwant %s", c.query, out, c.want)
		}
	}
	// A variable a clause does not bind is still undefined after it.
	if out := run(t, e, g, "WITH 1 AS a CALL { RETURN 2 AS b } WITH b RETURN a"); !strings.Contains(out, "not defined") {
		t.Errorf("a is out of scope: %s", out)
	}
}

// A pattern predicate keeps its operators for the rows of an execution
// instead of planning them per row (it allocated a plan per row), and
// answers for each row.
func TestPatternPredicateKeepsItsOperators(t *testing.T) {
	const n = 2000
	g := hubGraph(t, n)
	e := cypher.NewEngine(cypher.Options{})
	wtx := g.Begin(graph.TxOptions{})
	res, err := e.Run(cypher.NewGraphTx(g, wtx), "MATCH (h:Hub)-->(m) WITH h, m LIMIT 500 CREATE (m)-[:B]->(h)", nil)
	if err == nil {
		err = res.Consume()
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := wtx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query string
		want  int64
	}{
		{"MATCH (h:Hub)-->(m) WHERE NOT (m)-->(h) RETURN count(*) AS c", n - 500},
		{"MATCH (h:Hub)-->(m) WHERE exists((m)-[:B]->(h)) RETURN count(*) AS c", 500},
		{"MATCH (h:Hub)-->(m) RETURN sum(size([(m)-->(x) | 1])) AS c", 500},
		{"MATCH (h:Hub)-->(m) WHERE EXISTS { (m)-->(x) WHERE x = h } RETURN count(*) AS c", 500},
	} {
		var got int64
		count := func() {
			tx := g.Begin(graph.TxOptions{ReadOnly: true})
			defer tx.Abort()
			res, err := e.Run(cypher.NewGraphTx(g, tx), c.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := res.Next()
			if err != nil {
				t.Fatal(err)
			}
			got = rec[0].(int64)
			if err := res.Consume(); err != nil {
				t.Fatal(err)
			}
		}
		count()
		if got != c.want {
			t.Errorf("%s = %d, want %d", c.query, got, c.want)
		}
		if allocs := testing.AllocsPerRun(3, count); allocs > 6*n {
			t.Errorf("%s: %.0f allocations for %d rows", c.query, allocs, n)
		}
	}
}
