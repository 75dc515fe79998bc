package cypher_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
	"pgregory.net/rapid"
)

// fusedVsRows pairs an aggregation the scan feeds directly (by column over
// packed runs) with the same aggregation behind a WITH, which takes the
// row-at-a-time path.
var fusedVsRows = []struct{ fused, rows string }{
	{"MATCH (n:L) RETURN n.a, count(*)", "MATCH (n:L) WITH n AS m RETURN m.a, count(*)"},
	{"MATCH (n:L) RETURN n.a AS k, count(n) AS c", "MATCH (n:L) WITH n AS m RETURN m.a AS k, count(m) AS c"},
	{"MATCH (n:L) RETURN n.b, count(*), count(n.a), min(n.a), max(n.b)", "MATCH (n:L) WITH n AS m RETURN m.b, count(*), count(m.a), min(m.a), max(m.b)"},
	{"MATCH (n:L) RETURN n.a, n.b, count(*)", "MATCH (n:L) WITH n AS m RETURN m.a, m.b, count(*)"},
	{"MATCH (n:L) RETURN count(*), collect(n.a)", "MATCH (n:L) WITH n AS m RETURN count(*), collect(m.a)"},
	{"MATCH (n:L) RETURN count(*), count(n)", "MATCH (n:L) WITH n AS m RETURN count(*), count(m)"},
	{"MATCH (n:L) RETURN 1 AS one, count(*)", "MATCH (n:L) WITH n AS m RETURN 1 AS one, count(*)"},
	{"MATCH (n:L) RETURN n.zz, count(*)", "MATCH (n:L) WITH n AS m RETURN m.zz, count(*)"},
	{"MATCH (n) RETURN n.a, count(*)", "MATCH (n) WITH n AS m RETURN m.a, count(*)"},
	{"MATCH (n:L) RETURN n.a, sum(n.b)", "MATCH (n:L) WITH n AS m RETURN m.a, sum(m.b)"},
}

// records runs q in tx and returns its rows, or the error.
func records(e *cypher.Engine, tx cypher.Tx, q string) ([][]value.Value, error) {
	res, err := e.Run(tx, q, nil)
	if err != nil {
		return nil, err
	}
	var out [][]value.Value
	for {
		r, ok, err := res.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, append([]value.Value(nil), r...))
	}
}

// compareFused runs every pair of fusedVsRows in tx and fails on any
// difference: rows, their order, or whether an error was raised.
func compareFused(t *rapid.T, e *cypher.Engine, g *graph.Graph, tx *graph.Txn) {
	t.Helper()
	for _, q := range fusedVsRows {
		got, gerr := records(e, cypher.NewGraphTx(g, tx), q.fused)
		want, werr := records(e, cypher.NewGraphTx(g, tx), q.rows)
		if (gerr != nil) != (werr != nil) {
			t.Fatalf("%s: error %v, row path's %v", q.fused, gerr, werr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %v\nwant %v", q.fused, got, want)
		}
	}
}

// drawProp draws a property value of a mixed type, nil for none: small
// integers (the counted-by-column keys), integers past the dense key
// table, negative ones, integral and other floats (1.0 groups with 1),
// strings.
func drawProp(t *rapid.T, label string) value.Value {
	switch rapid.IntRange(0, 11).Draw(t, label+" kind") {
	case 0:
		return nil
	case 1:
		return float64(rapid.IntRange(-1, 3).Draw(t, label+" integral float"))
	case 2:
		return rapid.Float64Range(-2, 2).Draw(t, label+" float")
	case 3:
		return rapid.StringMatching("[xy]{0,2}").Draw(t, label+" string")
	case 4:
		return rapid.Int64Range(1000, 1<<40).Draw(t, label+" big")
	case 5:
		return rapid.Int64Range(-3, -1).Draw(t, label+" negative")
	}
	return rapid.Int64Range(0, 4).Draw(t, label+" small")
}

// TestFusedAggregateByColumnMatchesRows checks, over random histories of
// bulk loads (packed into runs with columns by garbage collection),
// updates, deletes, label changes and aborted writes, that aggregations
// reading packed runs by column return what the row path returns, for
// readers whose snapshots predate later writes as well as fresh ones.
func TestFusedAggregateByColumnMatchesRows(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	rapid.Check(t, func(t *rapid.T) {
		g := graph.New(graph.Options{ImmediateVisibility: true})
		if rapid.Bool().Draw(t, "label index") {
			if _, _, err := g.CreateIndex(graph.SchemaItem{Kind: graph.KindLabelIndex, Name: "L"}); err != nil {
				t.Fatal(err)
			}
		}
		var readers []*graph.Txn
		defer func() {
			for _, r := range readers {
				r.Abort()
			}
		}()
		nv := int64(0)
		for step := range rapid.IntRange(1, 10).Draw(t, "steps") {
			switch rapid.IntRange(0, 4).Draw(t, fmt.Sprintf("step %d", step)) {
			case 0, 1:
				tx := g.Begin(graph.TxOptions{})
				mode := rapid.IntRange(0, 2).Draw(t, "load's values") // small ints; ints or none; any
				allL := rapid.Bool().Draw(t, "every vertex labelled") // else a run's labels differ
				for range rapid.IntRange(64, 300).Draw(t, "bulk") {
					id, _ := tx.CreateVertex()
					nv++
					if allL || rapid.IntRange(0, 9).Draw(t, "label") > 0 {
						rcheck(t, tx.AddLabel(id, "L"))
					}
					for _, k := range []string{"a", "b"} {
						v := drawProp(t, k)
						switch _, isInt := v.(int64); {
						case mode == 0:
							v = rapid.Int64Range(0, 90).Draw(t, k+" small int")
						case mode == 1 && !isInt && v != nil:
							v = nil
						}
						if v != nil {
							rcheck(t, tx.SetVertexProperty(id, k, v))
						}
					}
				}
				if _, _, err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			case 2:
				tx := g.Begin(graph.TxOptions{})
				for range rapid.IntRange(1, 6).Draw(t, "writes") {
					id := rapid.Int64Range(0, max(nv-1, 0)).Draw(t, "vertex")
					if !tx.HasVertex(id) {
						continue
					}
					switch rapid.IntRange(0, 2).Draw(t, "write") {
					case 0:
						rcheck(t, tx.SetVertexProperty(id, "a", drawProp(t, "new a")))
					case 1:
						rcheck(t, tx.DeleteVertex(id, true))
					case 2:
						rcheck(t, tx.RemoveLabel(id, "L"))
					}
				}
				if rapid.Bool().Draw(t, "abort") {
					tx.Abort()
				} else if _, _, err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			case 3:
				g.CollectGarbage()
			case 4:
				readers = append(readers, g.Begin(graph.TxOptions{ReadOnly: true}))
			}
		}
		g.CollectGarbage()
		fresh := g.Begin(graph.TxOptions{ReadOnly: true})
		defer fresh.Abort()
		for _, r := range append(readers, fresh) {
			compareFused(t, e, g, r)
		}
	})
}

// TestCountByColumnGroups pins the counted-by-column aggregate on a
// packed run of mixed keys: small integers, one past the dense key table,
// a negative one, a float equal to a small integer and vertices without
// the key, with some vertices rewritten after packing.
func TestCountByColumnGroups(t *testing.T) {
	g := graph.New(graph.Options{ImmediateVisibility: true})
	e := cypher.NewEngine(cypher.Options{})
	tx := g.Begin(graph.TxOptions{})
	if _, err := records(e, cypher.NewGraphTx(g, tx), `UNWIND range(0, 499) AS i
		CREATE (:L {a: CASE WHEN i % 50 = 7 THEN 5000 WHEN i % 50 = 8 THEN -1 WHEN i % 50 = 9 THEN null ELSE i % 3 END})`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	g.CollectGarbage()
	tx = g.Begin(graph.TxOptions{})
	if _, err := records(e, cypher.NewGraphTx(g, tx), "MATCH (n:L) WHERE id(n) IN [3, 4, 300] SET n.a = 1.0"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := g.Begin(graph.TxOptions{ReadOnly: true})
	defer r.Abort()
	got, err := records(e, cypher.NewGraphTx(g, r), "MATCH (n:L) RETURN n.a, count(*)")
	if err != nil {
		t.Fatal(err)
	}
	// vertices 0..499: i%3 except 10 of each 5000, -1, null; 3, 4 and 300 (i%3 = 0, 1, 0) now 1.0
	want := [][]value.Value{{int64(0), int64(155)}, {int64(1), int64(159)}, {int64(2), int64(156)}, {int64(5000), int64(10)}, {int64(-1), int64(10)}, {nil, int64(10)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// rcheck fails the rapid test t on err.
func rcheck(t *rapid.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
