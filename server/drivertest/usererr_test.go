package drivertest

import (
	"errors"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// TestErrorsInUserTerms: every error a client sees carries a Neo4j status
// code and a message about its query, never an internal package's wording
// such as "graph: uniqueness constraint on :L(p) violated by vertex 1".
func TestErrorsInUserTerms(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	// Schema changes run as auto-commit queries (refused in the explicit
	// transactions ExecuteQuery opens, as in Memgraph).
	run := func(q string) error {
		if strings.Contains(q, "CONSTRAINT") {
			return autoCommit(c, d, q, nil)
		}
		_, err := neo4j.ExecuteQuery(c, d, q, nil, neo4j.EagerResultTransformer)
		return err
	}
	for _, q := range []string{
		"CREATE CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE",
		"CREATE CONSTRAINT ON (n:E) ASSERT EXISTS (n.p)",
		"CREATE (:L {p: 1})",
		"CREATE (:M {p: 1}), (:M {p: 1})",
		"CREATE (:Hub)-[:R]->(:Spoke)",
	} {
		if err := run(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, c := range []struct {
		q, code string
		want    []string
	}{
		{"CREATE (:L {p: 1})", "Neo.ClientError.Schema.ConstraintValidationFailed", []string{"uniqueness constraint on :L(p)"}},
		{"CREATE (:E)", "Neo.ClientError.Schema.ConstraintValidationFailed", []string{"existence constraint on :E(p)"}},
		{"CREATE CONSTRAINT ON (n:M) ASSERT n.p IS UNIQUE", "Neo.ClientError.Schema.ConstraintValidationFailed", []string{"uniqueness constraint on :M(p)"}},
		{"MATCH (h:Hub) DELETE h", "Neo.ClientError.Schema.ConstraintValidationFailed", []string{"DETACH DELETE"}},
		{"CREATE (:X {p: {a: 1}})", "", nil},
	} {
		err := run(c.q)
		var ne *neo4j.Neo4jError
		if !errors.As(err, &ne) {
			t.Errorf("%s: %v is not a Neo4j error", c.q, err)
			continue
		}
		if !strings.HasPrefix(ne.Code, "Neo.") || (c.code != "" && ne.Code != c.code) {
			t.Errorf("%s: code %s, want %s", c.q, ne.Code, c.code)
		}
		for _, bad := range []string{"graph:", "vertex", "context deadline", "durability:", "instance:"} {
			if strings.Contains(ne.Msg, bad) {
				t.Errorf("%s: message %q has internal wording %q", c.q, ne.Msg, bad)
			}
		}
		for _, w := range c.want {
			if !strings.Contains(ne.Msg, w) {
				t.Errorf("%s: message %q lacks %q", c.q, ne.Msg, w)
			}
		}
	}
}

// TestConflictInUserTerms: a lost write-write conflict is transient and
// says to retry, in the user's words.
func TestConflictInUserTerms(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	if _, err := neo4j.ExecuteQuery(c, d, "CREATE (:K {v: 0})", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	s1, s2 := d.NewSession(c, neo4j.SessionConfig{}), d.NewSession(c, neo4j.SessionConfig{})
	defer s1.Close(c)
	defer s2.Close(c)
	tx1, err := s1.BeginTransaction(c)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Close(c)
	tx2, err := s2.BeginTransaction(c)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Close(c)
	if _, err := tx1.Run(c, "MATCH (k:K) SET k.v = 1", nil); err != nil {
		t.Fatal(err)
	}
	r, err := tx2.Run(c, "MATCH (k:K) SET k.v = 2", nil)
	if err == nil {
		_, err = r.Consume(c)
	}
	if err == nil {
		err = tx2.Commit(c)
	}
	var ne *neo4j.Neo4jError
	if !errors.As(err, &ne) || !strings.HasPrefix(ne.Code, "Neo.TransientError.") || strings.Contains(ne.Msg, "graph:") || !strings.Contains(ne.Msg, "retry") {
		t.Errorf("conflict error %v", err)
	}
}
