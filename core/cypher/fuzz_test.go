package cypher_test

import (
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
)

var fuzzSeeds = []string{
	"MATCH (a:A {x: 1})-[r:R*1..2]->(b) WHERE a.y > 2 RETURN a, count(*) ORDER BY a.y SKIP 1 LIMIT 3",
	"CREATE (a:A {name: 'x'})-[:R]->(b) SET a.v = [1, 2.5, 'x'] RETURN a",
	"UNWIND range(1, 10) AS x WITH x WHERE x % 2 = 0 RETURN collect(x), sum(x), avg(x)",
	"MERGE (a:A {k: 1}) ON CREATE SET a += {z: 1} ON MATCH SET a:B RETURN a{.*}",
	"MATCH p = (a)--(b) DETACH DELETE p",
	"RETURN [x IN [1, 2, null] WHERE x > 1 | x ^ 2], reduce(s = 0, y IN [1] | s + y), CASE 1 WHEN 1 THEN 'a' END",
	"OPTIONAL MATCH (n) RETURN n UNION ALL MATCH (n) RETURN n",
	"RETURN 'a' STARTS WITH 'a', 'b' =~ 'b+', 1 IN [1], -9223372036854775808, 0x1f, 1e309",
	"CREATE INDEX ON :A(x)",
	"MATCH (a) WHERE exists((a)-->()) RETURN [(a)-->(b) | b.x]",
	"MATCH (a:A) FOREACH (i IN range(1, 2) | CREATE (a)-[:T]->(:C {i: i}) SET a.n = i)",
	"MATCH (n) WHERE id(n) = 1 AND n.x > 0 CALL db.nothing() YIELD x RETURN x",
	"MATCH (n) WHERE EXISTS { MATCH (n)-->(m) WITH count(m) AS c WHERE c > 0 RETURN c } RETURN n",
	"RETURN point({x: 1, y: 2.5, z: 3}).crs, point.distance(point({longitude: 1, latitude: 2}), point({longitude: 3, latitude: 4, crs: 'WGS-84'})) < 1",
	"LOAD CSV FROM 'f.csv' WITH HEADER IGNORE BAD DELIMITER ';' QUOTE '\\'' NULLIF '' AS row RETURN row",
	"MATCH (a) CALL { WITH a MATCH (a)-->(b) RETURN b UNION RETURN a AS b } RETURN b",
	"UNWIND range(1, 3) AS i CALL { WITH i CREATE (:X {i: i}) } IN TRANSACTIONS OF 2 ROWS",
	"MATCH p = (a:A)-[r:R *BFS ..3 (e, n | n.x > 0)]-(b) RETURN p, size(r)",
	"MATCH (a:A)-[*WSHORTEST 2 (e, n | coalesce(e.w, 1)) t (e, n | true)]->(b) RETURN t",
	"MATCH (a:A), (b:B) MATCH p = allShortestPaths((a)-[*ALLSHORTEST (e, n | 1) w]-(b)) RETURN p",
	"MATCH (a:A), (b:B) RETURN [p = shortestPath((a)-[*]-(b)) | length(p)]",
	// Scopes over slot rows: shadowing at several depths, swaps, nulls
	// against unbound, subqueries and pattern expressions per row.
	"MATCH (x:A) RETURN [x IN [x.x, 1] | [x IN [x, x + 1] WHERE x > 1 | reduce(x = 0, y IN [x] | x + y)]], any(x IN [(x)-->(y) | y] WHERE (x)-->())",
	"WITH 1 AS a, 2 AS b WITH a AS b, b AS a, * ORDER BY a RETURN a, b",
	"OPTIONAL MATCH (n:Nope) WITH n MATCH (m) WHERE n IS NULL OR (n)-->(m) RETURN n, m, exists((n)-->()), [(n)-->(k) | k]",
	"MATCH (a) CALL { WITH a CALL { WITH a MATCH (a)-[r {w: 1, w: 2}]->(b) RETURN b } RETURN b AS c UNION ALL RETURN a AS c } RETURN a, collect(c)",
	"MATCH (a) WHERE EXISTS { MATCH (a)-->(b) WHERE [c IN [(b)-->(d) | d] WHERE exists((c)<--(a))] <> [] } RETURN a",
	"UNWIND [1, 1, 2] AS k MERGE (n:A {x: k}) ON MATCH SET n += {y: k} FOREACH (i IN [k] | SET n.z = i) WITH n, k DELETE n RETURN k",
}

// FuzzParse: no input makes the parser panic; errors are *cypher.Error.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := cypher.Parse(q); err != nil {
			if _, ok := err.(*cypher.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
	})
}

// FuzzEngine runs arbitrary statements against a small graph: nothing may
// surface as an internal error (a recovered panic).
func FuzzEngine(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		g := cyphertest.New()
		e := cypher.NewEngine(cypher.Options{})
		for _, setup := range []string{"CREATE (:A {x: 1})-[:R {w: 1}]->(:B {x: 2})-[:R]->(:A {x: 3})"} {
			if _, err := drain(e, g, setup); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := drain(e, g, q); err != nil {
			ce, ok := err.(*cypher.Error)
			if !ok || ce.Code == cypher.CodeInternal {
				t.Fatalf("%q: %v", q, err)
			}
		}
	})
}

func drain(e *cypher.Engine, g cypher.Tx, q string) (int, error) {
	res, err := e.Run(g, q, nil)
	if err != nil {
		return 0, err
	}
	n := 0
	for n < 10000 {
		_, ok, err := res.Next()
		if err != nil || !ok {
			return n, err
		}
		n++
	}
	return n, nil
}

// TestDeepNesting: pathological nesting is a syntax error, not a stack
// overflow.
func TestDeepNesting(t *testing.T) {
	for _, q := range []string{
		"RETURN " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000),
		"RETURN " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000),
		"RETURN " + strings.Repeat("NOT ", 100_000) + "true",
		"RETURN " + strings.Repeat("- ", 100_000) + "1",
		"RETURN true" + strings.Repeat(" AND true", 200_000),
		"RETURN m" + strings.Repeat(".k", 200_000),
	} {
		_, err := cypher.Parse(q)
		ce, ok := err.(*cypher.Error)
		if !ok || ce.Detail != "UnexpectedSyntax" {
			t.Fatalf("want a syntax error, got %v", err)
		}
	}
	if _, err := cypher.Parse("RETURN " + strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100)); err != nil {
		t.Fatalf("100 levels must parse: %v", err)
	}
	if _, err := cypher.Parse("UNWIND [" + strings.Repeat("1, ", 150_000) + "1] AS x RETURN count(x)"); err != nil {
		t.Fatalf("a long flat list must parse: %v", err)
	}
}
