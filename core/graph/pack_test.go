package graph

import (
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
