package cypher_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/graph"
)

// TestPlanStats runs testdata/planstats against core/graph, which keeps
// label and index statistics, beside the in-memory test graph, which keeps
// none (the planner then ranks scans by fixed scores):
//   - "exec" runs statements on both, each committed, and prints what they
//     return;
//   - "plan" prints EXPLAIN on core/graph; "plan nostats" on the test graph;
//   - "rows" runs a query on both and prints its rows sorted, failing when
//     the two plans' rows differ.
func TestPlanStats(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	g := graph.New(graph.Options{ImmediateVisibility: true})
	mem := cyphertest.New()
	onGraph := func(q string) string {
		tx := g.Begin(graph.TxOptions{})
		out := run(t, e, cypher.NewGraphTx(g, tx), q)
		if _, _, err := tx.Commit(); err != nil {
			t.Fatalf("commit: %v", err)
		}
		return out
	}
	datadriven.RunTest(t, "testdata/planstats", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "exec":
			var out strings.Builder
			for _, q := range strings.Split(d.Input, "\n;\n") {
				a, b := onGraph(q), run(t, e, mem, q)
				if a != b {
					t.Fatalf("%s: core/graph says\n%s\nthe test graph says\n%s", q, a, b)
				}
				if strings.TrimSpace(a) != "" {
					out.WriteString(a)
				}
			}
			return out.String()
		case "plan":
			if d.HasArg("nostats") {
				return planLines(run(t, e, mem, "EXPLAIN "+d.Input))
			}
			return planLines(onGraph("EXPLAIN " + d.Input))
		case "rows":
			a, b := sortedRows(onGraph(d.Input)), sortedRows(run(t, e, mem, d.Input))
			if a != b {
				t.Fatalf("statistics changed the result:\nwith: %s\nwithout: %s", a, b)
			}
			return a
		}
		t.Fatalf("unknown command %s", d.Cmd)
		return ""
	})
}

// planLines drops the column header of an EXPLAIN result and the quotes
// around its lines.
func planLines(out string) string {
	_, rest, _ := strings.Cut(out, "\n")
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(rest, "\n"), "\n") {
		b.WriteString(strings.TrimSuffix(strings.TrimPrefix(l, "'"), "'") + "\n")
	}
	return b.String()
}

// sortedRows keeps the header of a result and sorts its rows.
func sortedRows(out string) string {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	slices.Sort(lines[1:])
	return strings.Join(lines, "\n") + "\n"
}

// TestCachedPlanFollowsStatistics executes one prepared statement before
// and after the statistics change: the join order is chosen at each
// execution, so the same plan drives from whichever side is small now.
func TestCachedPlanFollowsStatistics(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	g := graph.New(graph.Options{ImmediateVisibility: true})
	exec := func(p *cypher.Prepared) string {
		t.Helper()
		tx := g.Begin(graph.TxOptions{})
		defer tx.Commit()
		res, err := e.Execute(cypher.NewGraphTx(g, tx), p, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for {
			rec, ok, err := res.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return b.String()
			}
			b.WriteString(rec[0].(string) + "\n")
		}
	}
	write := func(q string) {
		t.Helper()
		tx := g.Begin(graph.TxOptions{})
		res, err := e.Run(cypher.NewGraphTx(g, tx), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Consume(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	explain, err := e.Prepare("EXPLAIN MATCH (a:A), (b:B) RETURN a, b")
	if err != nil {
		t.Fatal(err)
	}
	write("UNWIND range(1, 50) AS i CREATE (:A {i: i})")
	write("UNWIND range(1, 5) AS i CREATE (:B {i: i})")
	before := exec(explain)
	if !strings.Contains(before, "ScanByLabel(a:A)\n * ScanByLabel(b:B)\n") {
		t.Fatalf("with 50 A and 5 B the plan should drive from B:\n%s", before)
	}
	write("UNWIND range(1, 500) AS i CREATE (:B {i: i})")
	after := exec(explain)
	if !strings.Contains(after, "ScanByLabel(b:B)\n * ScanByLabel(a:A)\n") {
		t.Fatalf("with 50 A and 505 B the same plan should drive from A:\n%s", after)
	}
}
