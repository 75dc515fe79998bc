package server

import (
	"context"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// TestNeo4jToolingAndIntrospection runs, through the Go driver and in read
// access mode where tools do, the calls Neo4j tools and Memgraph users make
// first: they used to fail at once.
func TestNeo4jToolingAndIntrospection(t *testing.T) {
	s, _ := startLogged(t, nil)
	d := connect(t, s, neo4j.NoAuth())
	ctx := context.Background()
	write := func(q string) {
		if _, err := neo4j.ExecuteQuery(ctx, d, q, nil, neo4j.EagerResultTransformer); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	read := func(q string) []*neo4j.Record {
		r, err := neo4j.ExecuteQuery(ctx, d, q, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithReadersRouting())
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return r.Records
	}
	// Schema changes run as auto-commit queries: like Memgraph, Quiver
	// refuses them in the explicit transactions ExecuteQuery opens.
	schema := func(q string) {
		sess := d.NewSession(ctx, neo4j.SessionConfig{})
		defer sess.Close(ctx)
		res, err := sess.Run(ctx, q, nil)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	write("CREATE (:User {name: 'ann'})-[:FOLLOWS]->(:User {name: 'bob'})")
	schema("CREATE CONSTRAINT user_name IF NOT EXISTS FOR (u:User) REQUIRE u.name IS UNIQUE")
	schema("CREATE CONSTRAINT user_name IF NOT EXISTS FOR (u:User) REQUIRE u.name IS UNIQUE")
	schema("CREATE INDEX IF NOT EXISTS FOR (u:User) ON (u.age)")

	if r := read("CALL db.labels()"); len(r) != 1 || r[0].Values[0] != "User" {
		t.Errorf("db.labels(): %v", r)
	}
	if r := read("CALL db.relationshipTypes()"); len(r) != 1 || r[0].Values[0] != "FOLLOWS" {
		t.Errorf("db.relationshipTypes(): %v", r)
	}
	if r := read("CALL db.propertyKeys()"); len(r) != 1 || r[0].Values[0] != "name" {
		t.Errorf("db.propertyKeys(): %v", r)
	}
	if r := read("CALL dbms.components() YIELD versions RETURN versions[0] AS v"); len(r) != 1 || r[0].Values[0] != Version {
		t.Errorf("dbms.components(): %v", r)
	}
	if r := read("SHOW INDEXES"); len(r) != 1 {
		t.Errorf("SHOW INDEXES: %v", r)
	}
	if r := read("SHOW CONSTRAINTS"); len(r) != 1 {
		t.Errorf("SHOW CONSTRAINTS: %v", r)
	}
	if r := read("SHOW VERSION"); len(r) != 1 || r[0].Values[0] != Version {
		t.Errorf("SHOW VERSION: %v", r)
	}
	if r := read("SHOW DATABASE"); len(r) != 1 {
		t.Errorf("SHOW DATABASE: %v", r)
	}
	if r := read("CALL mg.procedures() YIELD name RETURN count(*) AS n"); r[0].Values[0].(int64) < 5 {
		t.Errorf("mg.procedures(): %v", r)
	}
	if r := read("MATCH (u:User {name: 'ann'}) RETURN elementId(u) = toString(id(u)), timestamp() > 1700000000000"); r[0].Values[0] != true || r[0].Values[1] != true {
		t.Errorf("elementId(), timestamp(): %v", r[0].Values)
	}
	config := map[string]string{}
	for _, r := range read("SHOW CONFIG") {
		config[r.Values[0].(string)] = r.Values[2].(string)
	}
	if config["bolt-port"] != "0" || config["data-directory"] == "" {
		t.Errorf("SHOW CONFIG: %v", config)
	}
	if _, ok := config["auth-password"]; ok {
		t.Error("SHOW CONFIG shows the password")
	}
	info := map[string]any{}
	for _, r := range read("SHOW STORAGE INFO") {
		info[r.Values[0].(string)] = r.Values[1]
	}
	if info["vertex_count"] != int64(2) || info["edge_count"] != int64(1) {
		t.Errorf("SHOW STORAGE INFO counts: %v", info)
	}
	for _, k := range []string{"memory_res", "peak_memory_res", "memory_tracked", "disk_usage"} {
		v, _ := info[k].(string)
		if !strings.HasSuffix(v, "B") || v == "0B" {
			t.Errorf("SHOW STORAGE INFO %s = %v", k, info[k])
		}
	}
	sess := d.NewSession(ctx, neo4j.SessionConfig{})
	defer sess.Close(ctx)
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close(ctx)
	r, err := tx.Run(ctx, "SHOW INDEXES", nil)
	if err == nil {
		_, err = r.Collect(ctx)
	}
	if err != nil {
		t.Errorf("SHOW INDEXES in an explicit transaction: %v", err)
	}
}
