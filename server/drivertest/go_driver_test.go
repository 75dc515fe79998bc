package drivertest

import (
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

func TestSmoke(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	res, err := neo4j.ExecuteQuery(c, d, "CREATE (n:User {id: $id, name: 'ann'}) RETURN n", map[string]any{"id": 1},
		neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v %+v", res.Records[0].Values, res.Summary.Counters().NodesCreated())
	res, err = neo4j.ExecuteQuery(c, d, "MATCH (n:User) RETURN n.name AS name", nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res.Records[0].Values)
}
