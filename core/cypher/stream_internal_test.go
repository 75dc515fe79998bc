package cypher

import "testing"

// TestPipelinedCreateChoice: only a lone CREATE among clauses that read
// nothing of the graph runs as a pipeline.
func TestPipelinedCreateChoice(t *testing.T) {
	for q, want := range map[string]bool{
		"UNWIND $rows AS r CREATE (n:P {id: r.id}) RETURN n":                                     true,
		"LOAD CSV FROM 'f.csv' WITH HEADER AS row CREATE (n:P {name: row.name})":                 true,
		"UNWIND range(1, 9) AS i WITH i * 2 AS j CREATE (n {j: j}) RETURN n.j, count(*) LIMIT 3": true,
		"CREATE (n) RETURN n":                                                   true,
		"UNWIND range(1, 9) AS i CREATE (a) CREATE (b)":                         false,
		"MATCH (m) UNWIND range(1, 9) AS i CREATE (n)":                          false,
		"UNWIND range(1, 9) AS i CREATE (n) WITH n MATCH (m) RETURN m":          false,
		"UNWIND range(1, 9) AS i CREATE (n) RETURN size([(n)-->(m) | m])":       false,
		"UNWIND range(1, 9) AS i CREATE (n) RETURN EXISTS { MATCH (x) }":        false,
		"UNWIND [x IN range(1, 9) WHERE EXISTS { MATCH (y) }] AS i CREATE (n)":  false,
		"UNWIND range(1, 9) AS i CREATE (n) SET n.x = 1":                        false,
		"UNWIND range(1, 9) AS i CREATE (n) RETURN n UNION CREATE (n) RETURN n": false,
		"UNWIND range(1, 9) AS i CALL { WITH i CREATE (n) } RETURN i":           false,
		"EXPLAIN UNWIND range(1, 9) AS i CREATE (n)":                            false,
	} {
		q0, err := Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := pipelinedCreate(q0) != nil; got != want {
			t.Errorf("%s: pipelined %v, want %v", q, got, want)
		}
	}
}
