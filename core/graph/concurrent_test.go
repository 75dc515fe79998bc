package graph

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentSnapshotReaders runs read-only transactions on other
// goroutines while the owner transfers balances between accounts, churns
// edges, drops and recreates indexes, collects garbage (schema versions
// included) and acknowledges commits. Every snapshot must see the same
// total, stable values and a stable schema; run with -race. A second writer
// attaches edges at the same accounts while the first is open.
func TestConcurrentSnapshotReaders(t *testing.T) {
	const accounts, total = 20, 20 * 100
	g := New(Options{})
	for _, it := range []SchemaItem{
		{Kind: KindLabelPropertyIndex, Name: "Acct", Key: "bal"},
		{Kind: KindLabelIndex, Name: "Tmp"},
		{Kind: KindEdgeTypeIndex, Name: "T"},
	} {
		_, _, err := g.CreateIndex(it)
		ok(t, err)
	}
	tx := g.Begin(TxOptions{})
	ids := make([]int64, accounts)
	for i := range ids {
		ids[i] = must[int64](t)(tx.CreateVertex())
		ok(t, tx.AddLabel(ids[i], "Acct"))
		ok(t, tx.SetVertexProperty(ids[i], "bal", int64(100)))
	}
	ok(t, g.MarkAcknowledged(commit(t, tx)))

	var stop atomic.Bool
	var checked atomic.Int64
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if err := checkSnapshot(g, ids, total, r); err != nil {
					errs <- err
					return
				}
				checked.Add(1)
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		a, b := ids[rng.IntN(accounts)], ids[rng.IntN(accounts)]
		tx := g.Begin(TxOptions{})
		var side *Txn // a concurrent writer attaching an edge at a too
		if i%3 == 1 {
			side = g.Begin(TxOptions{})
			must[int64](t)(side.CreateEdge(b, a, "T"))
		}
		ba := must[any](t)(tx.VertexProperty(a, "bal")).(int64)
		bb := must[any](t)(tx.VertexProperty(b, "bal")).(int64)
		if a != b {
			ok(t, tx.SetVertexProperty(a, "bal", ba-1))
			ok(t, tx.SetVertexProperty(b, "bal", bb+1))
		}
		if i%3 == 0 {
			must[int64](t)(tx.CreateEdge(a, b, "T"))
		}
		if i%5 == 0 {
			for it := tx.Edges(a, Out); it.Next(); {
				ok(t, tx.DeleteEdge(it.Edge().ID))
				break
			}
		}
		if i%4 == 0 { // churn vertices that come and go with their edges
			x := must[int64](t)(tx.CreateVertex())
			ok(t, tx.AddLabel(x, "Tmp"))
			must[int64](t)(tx.CreateEdge(x, a, "T"))
		}
		if i%4 == 2 {
			for it := tx.VerticesByLabel("Tmp"); it.Next(); {
				ok(t, tx.DeleteVertex(it.ID(), true))
				break
			}
		}
		if i%7 == 0 {
			tx.Abort()
		} else {
			ok(t, g.MarkAcknowledged(commit(t, tx)))
		}
		if side != nil {
			ok(t, g.MarkAcknowledged(commit(t, side)))
		}
		if i%40 == 0 {
			toggleIndex(t, g, SchemaItem{Kind: KindLabelPropertyIndex, Name: "Acct", Key: "bal"})
			toggleIndex(t, g, SchemaItem{Kind: KindLabelIndex, Name: "Tmp"})
		}
		if i%50 == 0 {
			g.CollectGarbage()
		}
	}
	for checked.Load() < 10 {
		if len(errs) > 0 {
			break
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// toggleIndex drops the index if it exists, else creates it, and
// acknowledges the change.
func toggleIndex(t *testing.T, g *Graph, item SchemaItem) {
	change := g.CreateIndex
	if g.HasSchema(item) {
		change = g.DropIndex
	}
	ts, _, err := change(item)
	ok(t, err)
	ok(t, g.MarkAcknowledged(ts))
}

func checkSnapshot(g *Graph, ids []int64, total int64, r int) (err error) {
	if r == 2 {
		return readCommitted(g, ids)
	}
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	schema := tx.Schema()
	defer func() {
		if now := tx.Schema(); err == nil && !slices.Equal(now, schema) {
			err = fmt.Errorf("reader %d: schema changed inside a snapshot: %v, then %v", r, schema, now)
		}
	}()
	sum := int64(0)
	first := map[int64]int64{}
	for _, id := range ids {
		v, err := tx.VertexProperty(id, "bal")
		if err != nil {
			return err
		}
		first[id] = v.(int64)
		sum += v.(int64)
		for it := tx.Edges(id, Both, "T"); it.Next(); {
			if !tx.HasEdge(it.Edge().ID) {
				return errors.New("adjacency yielded an invisible edge")
			}
		}
	}
	if sum != total {
		return fmt.Errorf("reader %d: snapshot %d sums to %d, want %d", r, tx.StartTS(), sum, total)
	}
	n := 0
	for it := tx.VerticesByPropertyRange("Acct", "bal", &Bound{Value: int64(-1 << 40), Inclusive: true}, nil); it.Next(); n++ {
		v, _ := tx.VertexProperty(it.ID(), "bal")
		if v.(int64) != first[it.ID()] {
			return fmt.Errorf("reader %d: value of %d changed inside a snapshot", r, it.ID())
		}
	}
	if n != len(ids) {
		return fmt.Errorf("reader %d: index scan saw %d accounts, want %d", r, n, len(ids))
	}
	tmp := tx.VerticesByLabel("Tmp").Collect()
	all := len(tx.Vertices().Collect())
	if all != len(ids)+len(tmp) {
		return fmt.Errorf("reader %d: %d vertices, want %d accounts + %d temporary", r, all, len(ids), len(tmp))
	}
	for _, x := range tmp {
		if tx.Degree(x, Out, "T") != 1 {
			return fmt.Errorf("reader %d: temporary vertex %d lost its edge", r, x)
		}
	}
	for it := tx.EdgesByType("T"); it.Next(); {
		e := it.Edge()
		if !tx.HasVertex(e.From) || !tx.HasVertex(e.To) {
			return fmt.Errorf("reader %d: edge %d dangles", r, e.ID)
		}
	}
	return nil
}

// readCommitted reads under READ_COMMITTED, which sees new commits between
// reads: every account is always there and its balance is an integer, but
// sums may mix snapshots.
func readCommitted(g *Graph, ids []int64) error {
	tx := g.Begin(TxOptions{ReadOnly: true, Isolation: ReadCommitted})
	defer tx.Abort()
	for _, id := range ids {
		v, err := tx.VertexProperty(id, "bal")
		if err != nil {
			return err
		}
		if _, ok := v.(int64); !ok {
			return fmt.Errorf("read committed: balance of %d is %T", id, v)
		}
		tx.Degree(id, Both)
	}
	if n := len(tx.VerticesByLabel("Acct").Collect()); n != len(ids) {
		return fmt.Errorf("read committed: %d accounts, want %d", n, len(ids))
	}
	return nil
}
