package cypher_test

import (
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
)

// TestSchemaNameOfExistingItem checks, over core/graph, that creating an
// index or constraint that already exists under another name fails and
// keeps the first name, and that a name stays with its item in later
// transactions.
func TestSchemaNameOfExistingItem(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	g := graph.New(graph.Options{ImmediateVisibility: true})
	exec := func(q string) string {
		tx := g.Begin(graph.TxOptions{})
		out := run(t, e, cypher.NewGraphTx(g, tx), q)
		if _, _, err := tx.Commit(); err != nil {
			t.Fatalf("commit: %v", err)
		}
		return out
	}
	for _, q := range []string{"CREATE INDEX by_age FOR (p:P) ON (p.age)", "CREATE CONSTRAINT p_id FOR (p:P) REQUIRE p.id IS UNIQUE"} {
		if got := exec(q); got != "\n" {
			t.Fatalf("%s: %q", q, got)
		}
	}
	for _, c := range []struct{ q, want string }{
		{"CREATE INDEX again FOR (p:P) ON (p.age)", "error: SchemaRuleError (SchemaError): index :P(age) already exists\n"},
		{"CREATE CONSTRAINT again FOR (p:P) REQUIRE p.id IS UNIQUE", "error: SchemaRuleError (SchemaError): unique constraint :P(id) already exists\n"},
		{"SHOW INDEXES YIELD name", "name\n'by_age'\n"},
		{"SHOW CONSTRAINTS YIELD name", "name\n'p_id'\n"},
	} {
		if got := exec(c.q); got != c.want {
			t.Errorf("%s: got %q, want %q", c.q, got, c.want)
		}
	}
}
