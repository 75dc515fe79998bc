package cypher_test

import (
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// With only a label index, property lookups are left to the engine (which
// walks that index) instead of core/graph's scan of every vertex. Each
// transaction plans with the indexes as of its snapshot.
func TestGraphTxLeavesLabelIndexToEngine(t *testing.T) {
	g := graph.New(graph.Options{ImmediateVisibility: true})
	adapter := func() *cypher.GraphTx {
		tx := g.Begin(graph.TxOptions{})
		t.Cleanup(tx.Abort)
		return cypher.NewGraphTx(g, tx)
	}
	a := adapter()
	if _, ok := a.VerticesByLabelProp("L", "p", int64(1)); !ok {
		t.Fatal("no index: want core/graph's filtered scan")
	}
	if err := a.CreateIndex("L", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.VerticesByLabelProp("L", "p", int64(1)); !ok {
		t.Fatal("an index created after the snapshot was planned with")
	}
	a = adapter()
	if _, ok := a.VerticesByLabelProp("L", "p", int64(1)); ok {
		t.Fatal("label index only: want the engine's label scan")
	}
	if _, ok := a.VerticesByLabelPropRange("L", "p", &cypher.Bound{Value: int64(0), Inclusive: true}, nil); ok {
		t.Fatal("label index only: want the engine's label scan for ranges")
	}
	if err := a.CreateIndex("L", "p", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := adapter().VerticesByLabelProp("L", "p", int64(1)); !ok {
		t.Fatal("label+property index: want the index lookup")
	}
}

// plainTx hides every optional interface of the Tx it wraps, so the engine
// takes its general paths (ExportTx's absence included).
type plainTx struct{ cypher.Tx }

// Nodes and relationships exported through ExportTx (one lookup, nothing
// copied) equal those the engine builds from VertexLabels, VertexProps and
// EdgeProps, in the transaction's own writes too, and a result's maps are
// the caller's: changing one changes nothing the next query returns.
func TestExportTxMatchesGeneralExport(t *testing.T) {
	g := graph.New(graph.Options{ImmediateVisibility: true})
	tx := g.Begin(graph.TxOptions{})
	t.Cleanup(tx.Abort)
	gt := cypher.NewGraphTx(g, tx)
	if _, ok := cypher.Tx(gt).(cypher.ExportTx); !ok {
		t.Fatal("GraphTx does not implement ExportTx")
	}
	e := cypher.NewEngine(cypher.Options{})
	run(t, e, gt, "CREATE (:B:A {name: 'x', n: 1})-[:R {w: 2.5}]->(:C), (:Empty)")
	for _, q := range []string{
		"MATCH (n) RETURN n ORDER BY id(n)",
		"MATCH ()-[r]->() RETURN r",
		"MATCH p = ()-[]->() RETURN p",
	} {
		fast, general := run(t, e, gt, q), run(t, e, plainTx{gt}, q)
		if fast != general {
			t.Errorf("%s:\nExportTx:\n%s\ngeneral:\n%s", q, fast, general)
		}
	}
	res, err := e.Run(gt, "MATCH (n:A) RETURN n", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := res.Next()
	if err != nil {
		t.Fatal(err)
	}
	n := rec[0].(value.Node)
	n.Props["name"] = "changed"
	n.Labels[0] = "Changed"
	if got := run(t, e, gt, "MATCH (n:A) RETURN n.name, labels(n)"); !strings.Contains(got, "'x' | ['A', 'B']") {
		t.Errorf("a result's node shares the graph's state: after changing it, the graph holds\n%s", got)
	}
}
