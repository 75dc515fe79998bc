package cypher_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// recycler runs prepared reads on core/graph through one engine handle,
// recycling each result once it is drained, as a session does.
type recycler struct {
	t    *testing.T
	e    *cypher.Engine
	g    *graph.Graph
	last *cypher.Result
}

func newRecycler(t *testing.T) *recycler {
	return &recycler{t: t, e: cypher.NewEngine(cypher.Options{}), g: graph.New(graph.Options{ImmediateVisibility: true})}
}

// write runs q in a committed write transaction, on another handle (which
// leaves the reads' recycled result alone).
func (rc *recycler) write(q string) {
	rc.t.Helper()
	tx := rc.g.Begin(graph.TxOptions{})
	res, err := rc.e.WithRand(nil).Run(cypher.NewGraphTx(rc.g, tx), q, nil)
	if err != nil {
		rc.t.Fatal(err)
	}
	if err := res.Consume(); err != nil {
		rc.t.Fatal(err)
	}
	if _, _, err := tx.Commit(); err != nil {
		rc.t.Fatal(err)
	}
}

// read executes p in a read-only transaction, returns its rows one a line,
// and recycles its result. reused reports whether the engine handed out
// the previous read's result again.
func (rc *recycler) read(p *cypher.Prepared, params map[string]value.Value) (rows string, reused bool) {
	rc.t.Helper()
	tx := rc.g.Begin(graph.TxOptions{ReadOnly: true})
	defer tx.Abort()
	res, err := rc.e.Execute(cypher.NewGraphTx(rc.g, tx), p, params)
	if err != nil {
		rc.t.Fatal(err)
	}
	reused = res == rc.last
	var b strings.Builder
	for {
		rec, ok, err := res.Next()
		if err != nil {
			rc.t.Fatal(err)
		}
		if !ok {
			break
		}
		fmt.Fprintln(&b, rec...)
	}
	res.Close()
	rc.e.Recycle(res)
	rc.last = res
	return b.String(), reused
}

func (rc *recycler) prepare(q string) *cypher.Prepared {
	rc.t.Helper()
	p, err := rc.e.Prepare(q)
	if err != nil {
		rc.t.Fatal(err)
	}
	return p
}

// TestRecycledPointReads runs an index seek again and again through
// recycled results: each execution reuses the last one's memory (and its
// operators, which building read no statistics for) and still finds the
// vertex its own parameter names, or none.
func TestRecycledPointReads(t *testing.T) {
	rc := newRecycler(t)
	rc.write("CREATE INDEX ON :User(id)")
	rc.write("UNWIND range(0, 99) AS i CREATE (:User {id: i, name: 'u' + toString(i)})")
	p := rc.prepare("MATCH (n:User {id: $id}) RETURN n.name")
	other := rc.prepare("MATCH (n:User) WHERE n.id < 2 RETURN n.id")
	for i, id := range []int64{5, 7, 7, 1000, 42, 0} {
		got, reused := rc.read(p, map[string]value.Value{"id": id})
		want := fmt.Sprintf("u%d\n", id)
		if id == 1000 {
			want = ""
		}
		if got != want {
			t.Fatalf("$id = %d: got %q, want %q", id, got, want)
		}
		if i > 0 && !reused {
			t.Fatalf("$id = %d: the engine did not reuse the recycled result", id)
		}
	}
	if got, _ := rc.read(other, nil); got != "0\n1\n" {
		t.Fatalf("another plan after the recycled seek: %q", got)
	}
	if got, _ := rc.read(p, map[string]value.Value{"id": int64(3)}); got != "u3\n" {
		t.Fatalf("the seek after another plan: %q", got)
	}
}

// TestRecycledPlanFollowsStatistics is TestCachedPlanFollowsStatistics
// through recycled results: a plan whose join order came from the
// statistics is built again at each execution, so it drives from whichever
// label is rarer now. The driving side is the outer loop: its value stays
// while the other side's changes.
func TestRecycledPlanFollowsStatistics(t *testing.T) {
	rc := newRecycler(t)
	rc.write("UNWIND range(1, 50) AS i CREATE (:A {i: i})")
	rc.write("UNWIND range(1, 5) AS i CREATE (:B {i: i})")
	p := rc.prepare("MATCH (a:A), (b:B) RETURN a.i, b.i")
	outer := func() string {
		t.Helper()
		rows, _ := rc.read(p, nil)
		l := strings.Split(strings.TrimSpace(rows), "\n")
		if len(l) < 2 {
			t.Fatalf("want rows, got %q", rows)
		}
		a0, b0, _ := strings.Cut(l[0], " ")
		a1, b1, _ := strings.Cut(l[1], " ")
		switch {
		case a0 == a1 && b0 != b1:
			return "A"
		case b0 == b1 && a0 != a1:
			return "B"
		}
		t.Fatalf("rows %q show no outer loop", rows)
		return ""
	}
	rc.read(p, nil)
	if _, reused := rc.read(p, nil); !reused {
		t.Fatal("the engine did not reuse the recycled result")
	}
	for range 3 {
		if o := outer(); o != "B" {
			t.Fatalf("with 50 A and 5 B the plan should drive from B, drives from %s", o)
		}
	}
	rc.write("UNWIND range(1, 500) AS i CREATE (:B {i: i})")
	if _, reused := rc.read(p, nil); !reused {
		t.Fatal("the engine did not reuse the recycled result after the write")
	}
	for range 3 {
		if o := outer(); o != "A" {
			t.Fatalf("with 50 A and 505 B the recycled plan should drive from A, drives from %s", o)
		}
	}
}
