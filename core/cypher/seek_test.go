package cypher_test

import (
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/value"
)

// countingTx counts the label scans and index seeks the engine asks for.
type countingTx struct {
	*cyphertest.Graph
	scans, seeks int
}

func (c *countingTx) VerticesByLabel(label string) cypher.IDIter {
	c.scans++
	return c.Graph.VerticesByLabel(label)
}

func (c *countingTx) VerticesByLabelProp(label, key string, v value.Value) (cypher.IDIter, bool) {
	c.seeks++
	return c.Graph.VerticesByLabelProp(label, key, v)
}

// TestSeekFromBoundValues checks that values known only when the scan runs
// (UNWIND rows, earlier matches, IN lists) drive index seeks at run time,
// not label scans: one seek per lookup and no scan of the label.
func TestSeekFromBoundValues(t *testing.T) {
	g := cyphertest.New()
	e := cypher.NewEngine(cypher.Options{})
	for _, q := range []string{"CREATE INDEX ON :User(id)", "UNWIND range(0, 99) AS i CREATE (:User {id: i, next: (i + 1) % 100})"} {
		if _, err := runAll(e, g, q, nil); err != nil {
			t.Fatal(err)
		}
	}
	batch := value.List{}
	for i := range int64(50) {
		batch = append(batch, value.Map{"a": i, "b": 99 - i})
	}
	cases := []struct {
		query        string
		params       map[string]value.Value
		rows, scans  int
		seeks, stats int64
	}{
		{"UNWIND $batch AS row MATCH (a:User {id: row.a}), (b:User {id: row.b}) CREATE (a)-[:Friend]->(b)", map[string]value.Value{"batch": batch}, 0, 0, 100, 50},
		{"MATCH (b:User) MATCH (a:User {id: b.next}) RETURN a", nil, 100, 1, 100, 0},
		{"MATCH (n:User) WHERE n.id IN $ids RETURN n", map[string]value.Value{"ids": value.List{int64(1), int64(5), int64(5), nil}}, 2, 0, 3, 0}, // a seek per non-null element
	}
	for _, c := range cases {
		tx := &countingTx{Graph: g}
		res, err := runAll(e, tx, c.query, c.params)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if res.rows != c.rows || tx.scans != c.scans || int64(tx.seeks) != c.seeks || res.created != c.stats {
			t.Errorf("%s: %d rows, %d label scans, %d seeks, %d relationships created; want %d, %d, %d, %d",
				c.query, res.rows, tx.scans, tx.seeks, res.created, c.rows, c.scans, c.seeks, c.stats)
		}
	}
}

type ran struct {
	rows    int
	created int64
}

func runAll(e *cypher.Engine, tx cypher.Tx, q string, params map[string]value.Value) (ran, error) {
	res, err := e.Run(tx, q, params)
	if err != nil {
		return ran{}, err
	}
	n := 0
	for {
		_, ok, err := res.Next()
		if err != nil {
			return ran{}, err
		}
		if !ok {
			return ran{n, res.Stats().RelationshipsCreated}, nil
		}
		n++
	}
}
