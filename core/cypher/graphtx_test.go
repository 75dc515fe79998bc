package cypher_test

import (
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
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
