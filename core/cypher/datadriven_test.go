package cypher_test

import (
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
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

// TestExec runs statements against one in-memory graph per file: "exec"
// prints the columns and rows, or the error.
func TestExec(t *testing.T) {
	datadriven.Walk(t, "testdata/exec", func(t *testing.T, path string) {
		e := cypher.NewEngine(cypher.Options{})
		g := cyphertest.New()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var out strings.Builder
			for _, q := range strings.Split(d.Input, "\n;\n") {
				out.WriteString(run(t, e, g, q))
			}
			return out.String()
		})
	})
}
