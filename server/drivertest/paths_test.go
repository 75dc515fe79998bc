package drivertest

import (
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// TestShortestPathsAndSubqueriesOverBolt: paths found by *BFS, *WSHORTEST
// and shortestPath arrive as driver paths; CALL { } subqueries run; a
// negative weight is a client error.
func TestShortestPathsAndSubqueriesOverBolt(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	if _, err := neo4j.ExecuteQuery(c, d, `CREATE (a:C {n: 'a'})-[:R {w: 1}]->(b:C {n: 'b'})-[:R {w: 1}]->(c:C {n: 'c'}),
		(a)-[:R {w: 5}]->(c)`, nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		"MATCH (a:C {n: 'a'}), (c:C {n: 'c'}) MATCH p = (a)-[*BFS]->(c) RETURN p":                        1,
		"MATCH (a:C {n: 'a'}), (c:C {n: 'c'}) MATCH p = (a)-[*WSHORTEST (e, n | e.w) w]->(c) RETURN p":   2,
		"MATCH (a:C {n: 'a'}), (c:C {n: 'c'}) MATCH p = shortestPath((a)-[*]-(c)) RETURN p":              1,
		"MATCH (a:C {n: 'a'}), (c:C {n: 'c'}) MATCH p = (a)-[*ALLSHORTEST (e, n | 1) w]->(c) RETURN p":   1,
		"MATCH (a:C {n: 'a'}) CALL { WITH a MATCH p = (a)-[*BFS ..2]->(:C {n: 'c'}) RETURN p } RETURN p": 1,
	} {
		res, err := neo4j.ExecuteQuery(c, d, q, nil, neo4j.EagerResultTransformer)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if len(res.Records) != 1 {
			t.Errorf("%s: %d rows, want 1", q, len(res.Records))
			continue
		}
		p, ok := res.Records[0].Values[0].(dbtype.Path)
		if !ok || len(p.Relationships) != want || p.Nodes[0].Props["n"] != "a" || p.Nodes[len(p.Nodes)-1].Props["n"] != "c" {
			t.Errorf("%s: path %+v, want %d relationships from a to c", q, res.Records[0].Values[0], want)
		}
	}
	if _, err := neo4j.ExecuteQuery(c, d, "MATCH (a:C)-[:R]->(b) CREATE (a)-[:N {w: -2}]->(b)", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	_, err := neo4j.ExecuteQuery(c, d, "MATCH (a:C {n: 'a'})-[*WSHORTEST (e, n | e.w) w]->(b) RETURN w", nil, neo4j.EagerResultTransformer)
	if err == nil || !strings.Contains(err.Error(), "must not be negative") || code(err) != "Neo.ClientError.Statement.ArgumentError" {
		t.Errorf("negative weight: %v (%s)", err, code(err))
	}
}
