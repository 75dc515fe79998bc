package drivertest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/server"
)

// names runs a SHOW statement that yields names, as an auto-commit query.
func names(t *testing.T, c context.Context, d neo4j.DriverWithContext, q string) []string {
	t.Helper()
	sess := d.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	res, err := sess.Run(c, q, nil)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	recs, err := res.Collect(c)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out := []string{}
	for _, r := range recs {
		out = append(out, r.Values[0].(string))
	}
	return out
}

// TestSchemaNames: Neo4j 5 index and constraint names given through the
// Go driver are listed by SHOW INDEXES and SHOW CONSTRAINTS, refused a
// second time with Neo4j's codes, kept over a restart, and dropped by name.
func TestSchemaNames(t *testing.T) {
	dir := t.TempDir()
	withDir := func(cfg *server.Config) { cfg.DataDirectory = dir }
	s := startServer(t, withDir)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	for _, tc := range []struct{ q, want string }{
		{"CREATE INDEX person_name FOR (p:Person) ON (p.name)", ""},
		{"CREATE CONSTRAINT person_id FOR (p:Person) REQUIRE p.id IS UNIQUE", ""},
		{"CREATE INDEX FOR (p:Person) ON (p.born)", ""},
		{"CREATE INDEX person_name FOR (m:Movie) ON (m.title)", "Neo.ClientError.Schema.IndexWithNameAlreadyExists"},
		{"CREATE CONSTRAINT person_name FOR (m:Movie) REQUIRE m.title IS UNIQUE", "Neo.ClientError.Schema.ConstraintWithNameAlreadyExists"},
		{"CREATE INDEX person_id IF NOT EXISTS FOR (m:Movie) ON (m.title)", ""},
	} {
		if err := autoCommit(c, d, tc.q, nil); code(err) != tc.want || (tc.want == "" && err != nil) {
			t.Errorf("%s: got %q (%v), want %q", tc.q, code(err), err, tc.want)
		}
	}
	check := func(d neo4j.DriverWithContext, when string, indexes, constraints []string) {
		t.Helper()
		if diff := cmp.Diff(indexes, names(t, c, d, "SHOW INDEXES YIELD name")); diff != "" {
			t.Errorf("%s: SHOW INDEXES (-want +got):\n%s", when, diff)
		}
		if diff := cmp.Diff(constraints, names(t, c, d, "SHOW CONSTRAINTS YIELD name")); diff != "" {
			t.Errorf("%s: SHOW CONSTRAINTS (-want +got):\n%s", when, diff)
		}
	}
	check(d, "created", []string{"index_Person_born", "person_name"}, []string{"person_id"})

	s.Stop()
	s = startServer(t, withDir)
	d = driver(t, s, neo4j.AuthToken{})
	check(d, "restarted", []string{"index_Person_born", "person_name"}, []string{"person_id"})
	for _, q := range []string{"DROP INDEX person_name", "DROP CONSTRAINT person_id", "DROP INDEX person_name IF EXISTS"} {
		if err := autoCommit(c, d, q, nil); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	check(d, "dropped", []string{"index_Person_born"}, []string{})
}
