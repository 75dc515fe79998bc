package graph

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// TestGCPacksBulkRuns checks that garbage collection packs a bulk-created
// run of vertices into one array in ID order, leaves short runs alone, and
// changes nothing any reader sees: the visible hash, a reader's snapshot
// taken before the packing, and later writes and their rollback.
func TestGCPacksBulkRuns(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	for i := range int64(300) {
		id := must[int64](t)(tx.CreateVertex())
		check(t, tx.AddLabel(id, "L"))
		check(t, tx.SetVertexProperty(id, "a", i))
		if i%2 == 0 {
			check(t, tx.SetVertexProperty(id, "b", "x"))
		}
	}
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	before := g.VisibleHash()
	g.CollectGarbage()
	if after := g.VisibleHash(); after != before {
		t.Fatalf("visible hash changed by packing: %x, want %x", after, before)
	}
	tx = g.Begin(TxOptions{}) // a short run: 3 updates, not packed again
	for _, id := range []int64{10, 11, 12} {
		check(t, tx.SetVertexProperty(id, "a", int64(-1)))
	}
	if _, _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	g.CollectGarbage()
	head := func(id int64) *vver { return g.vertices.get(id).head.Load() }
	for id := int64(0); id < 300; id++ {
		if packed := head(id).packed; packed != (id < 10 || id > 12) {
			t.Fatalf("vertex %d packed=%v", id, packed)
		}
	}
	for id := int64(13); id < 299; id++ {
		if d := uintptr(unsafe.Pointer(head(id+1))) - uintptr(unsafe.Pointer(head(id))); d != unsafe.Sizeof(vver{}) {
			t.Fatalf("vertices %d and %d are %d bytes apart, not adjacent", id, id+1, d)
		}
	}
	r := g.Begin(TxOptions{ReadOnly: true})
	if a := must[any](t)(r.VertexProperty(20, "a")); a != int64(20) {
		t.Fatalf("a = %v after packing, want 20", a)
	}
	w := g.Begin(TxOptions{})
	check(t, w.SetVertexProperty(20, "a", int64(99)))
	check(t, w.DeleteVertex(21, true))
	if _, _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if a := must[any](t)(r.VertexProperty(20, "a")); a != int64(20) || !r.HasVertex(21) {
		t.Fatalf("reader's snapshot changed by a later write over a packed version: a = %v", a)
	}
	r.Abort()
	g.CollectGarbage()
	cur := g.Begin(TxOptions{ReadOnly: true})
	defer cur.Abort()
	if a := must[any](t)(cur.VertexProperty(20, "a")); a != int64(99) || cur.HasVertex(21) {
		t.Fatalf("after the write: a = %v, vertex 21 present %v", a, cur.HasVertex(21))
	}
}

// TestGCPackingWithReaders packs run after run of bulk-created vertices while
// other goroutines scan them, so that the race detector (go test -race) sees
// packing publish its copies to readers off the loop; every reader checks
// each vertex it scans still has the property it was created with.
func TestGCPackingWithReaders(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	var stop atomic.Bool
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if err := scanPacked(g); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	packed := 0
	for range 20 {
		tx := g.Begin(TxOptions{})
		var last int64
		for range 2 * packRun {
			last = must[int64](t)(tx.CreateVertex())
			check(t, tx.AddLabel(last, "L"))
			check(t, tx.SetVertexProperty(last, "a", last))
		}
		if _, _, err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		// the readers' snapshots hold the horizon back: collect until the
		// run is packed, which then happens while they scan it
		for try := 0; try < 1000 && !g.vertices.get(last).head.Load().packed; try++ {
			g.CollectGarbage()
			runtime.Gosched()
		}
		if g.vertices.get(last).head.Load().packed {
			packed++
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if packed < 10 {
		t.Fatalf("garbage collection packed %d runs of 20: the test exercised too little", packed)
	}
}

// scanPacked reads every vertex labelled L in one snapshot and checks its
// property a equals its ID.
func scanPacked(g *Graph) error {
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	for it := tx.VerticesByLabel("L"); it.Next(); {
		a, err := tx.VertexProperty(it.ID(), "a")
		if err != nil {
			return err
		}
		if a != it.ID() {
			return fmt.Errorf("vertex %d: a = %v", it.ID(), a)
		}
	}
	return nil
}
