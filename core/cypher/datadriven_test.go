package cypher_test

import (
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/graph"
)

// TestParse: "parse" prints the canonical AST dump or the error with its
// position and code.
func TestParse(t *testing.T) {
	datadriven.RunTest(t, "testdata/parse", func(t *testing.T, d *datadriven.TestData) string {
		q, err := cypher.Parse(d.Input)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return cypher.Dump(q)
	})
}

// TestExec runs each file's statements twice, against the in-memory test
// graph and against core/graph (one committed transaction per "exec"
// block): "exec" prints the columns and rows, or the error, and both
// storages must print the same.
func TestExec(t *testing.T) {
	datadriven.Walk(t, "testdata/exec", func(t *testing.T, path string) {
		t.Run("cyphertest", func(t *testing.T) {
			e := cypher.NewEngine(cypher.Options{})
			g := cyphertest.New()
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return runBlock(t, e, func() (cypher.Tx, func()) { return g, func() {} }, d.Input)
			})
		})
		t.Run("graph", func(t *testing.T) {
			e := cypher.NewEngine(cypher.Options{})
			g := graph.New(graph.Options{ImmediateVisibility: true})
			begin := func() (cypher.Tx, func()) {
				tx := g.Begin(graph.TxOptions{})
				return cypher.NewGraphTx(g, tx), func() {
					if _, _, err := tx.Commit(); err != nil {
						t.Fatalf("commit: %v", err)
					}
				}
			}
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return runBlock(t, e, begin, d.Input)
			})
		})
	})
}

func runBlock(t *testing.T, e *cypher.Engine, begin func() (cypher.Tx, func()), input string) string {
	var out strings.Builder
	for _, q := range strings.Split(input, "\n;\n") {
		tx, commit := begin()
		out.WriteString(run(t, e, tx, q))
		commit()
	}
	return out.String()
}

// TestPlan: "plan" prints the operators EXPLAIN reports, last first.
func TestPlan(t *testing.T) {
	datadriven.RunTest(t, "testdata/plan", func(t *testing.T, d *datadriven.TestData) string {
		e := cypher.NewEngine(cypher.Options{})
		res, err := e.Run(cyphertest.New(), "EXPLAIN "+d.Input, nil)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		var b strings.Builder
		for {
			rec, ok, err := res.Next()
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			if !ok {
				return b.String()
			}
			b.WriteString(rec[0].(string) + "\n")
		}
	})
}
