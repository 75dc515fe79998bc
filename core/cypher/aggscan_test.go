package cypher_test

import (
	"errors"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
)

// The aggregation that reads a scan's vertices directly (core/graph only)
// answers to the guard like the row path: the host's stop and the memory
// limit both end it.
func TestFusedAggregationGuard(t *testing.T) {
	g := graph.New(graph.Options{ImmediateVisibility: true})
	e := cypher.NewEngine(cypher.Options{})
	tx := g.Begin(graph.TxOptions{})
	if _, err := runAll(e, cypher.NewGraphTx(g, tx), "UNWIND range(1, 20000) AS i CREATE (:N {i: i, k: i % 7})", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	run := func(q string, gd *cypher.Guard) error {
		r := g.Begin(graph.TxOptions{ReadOnly: true})
		defer r.Abort()
		p, err := e.Prepare(q)
		if err != nil {
			return err
		}
		res, err := e.ExecuteGuarded(cypher.NewGraphTx(g, r), p, nil, gd)
		if err != nil {
			return err
		}
		defer gd.Release()
		return res.Consume()
	}
	calls := 0
	stop := &cypher.Guard{Interrupt: func() error {
		calls++
		if calls > 1 {
			return errStop
		}
		return nil
	}}
	if err := run("MATCH (n:N) RETURN n.k, count(*)", stop); !errors.Is(err, errStop) {
		t.Fatalf("interrupt: got %v, want the host's error", err)
	}
	if err := run("MATCH (n:N) RETURN n.i, count(*)", &cypher.Guard{Limit: 256 << 10, LimitName: "--query-memory-limit"}); err == nil {
		t.Fatal("20,000 groups under 256 KiB: no memory limit error")
	}
	if err := run("MATCH (n:N) RETURN n.k, count(*), collect(n.i)", &cypher.Guard{Limit: 64 << 10, LimitName: "--query-memory-limit"}); err == nil {
		t.Fatal("collect of 20,000 values under 64 KiB: no memory limit error")
	}
	if err := run("MATCH (n:N) RETURN n.k, count(*)", &cypher.Guard{Limit: 64 << 10}); err != nil {
		t.Fatalf("7 groups under 64 KiB: %v", err)
	}
}
