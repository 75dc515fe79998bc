package instance

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/graph"
)

// TestSchemaAliasesSurviveCrash: the names users gave an index and a
// constraint come back after a crash, first replayed from the WAL, then
// loaded from a snapshot.
func TestSchemaAliasesSurviveCrash(t *testing.T) {
	w := newWorld(8)
	cfg := Config{NoSnapshotOnStop: true}
	in := w.start(t, cfg)
	w.l.runFor(10 * time.Millisecond)
	byProp := graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: "N", Key: "k", Alias: "n_by_k"}
	unique := graph.SchemaItem{Kind: graph.KindUnique, Name: "N", Key: "id", Alias: "n_id"}
	plain := graph.SchemaItem{Kind: graph.KindLabelIndex, Name: "N"}
	g, acked := in.Graph(), 0
	for _, c := range []struct {
		create func(graph.SchemaItem) (uint64, []graph.Delta, error)
		item   graph.SchemaItem
	}{{g.CreateIndex, byProp}, {g.CreateConstraint, unique}, {g.CreateIndex, plain}} {
		item := c.item
		ts, ds, err := c.create(item)
		if err != nil {
			t.Fatal(err)
		}
		in.Log(ts, ds, func(_ uint64, err error) {
			if err != nil {
				t.Errorf("schema change %v: %v", item, err)
			}
			acked++
		})
		w.l.runFor(50 * time.Millisecond)
	}
	if acked != 3 {
		t.Fatalf("%d of 3 schema changes acknowledged", acked)
	}
	want := []graph.SchemaItem{plain, byProp, unique}

	restart := func(from string) *Instance {
		t.Helper()
		w.fs.Crash(false)
		w.l.clear()
		in := w.start(t, cfg)
		w.l.runFor(10 * time.Millisecond)
		if d := cmp.Diff(want, in.Graph().Schema(), dcmp); d != "" {
			t.Fatalf("schema recovered from the %s (-want +got):\n%s", from, d)
		}
		return in
	}
	in = restart("WAL")
	snapped := false
	in.Snapshot(func(err error) {
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		snapped = true
	})
	w.l.runFor(time.Second)
	if !snapped {
		t.Fatal("snapshot not taken")
	}
	in = restart("snapshot")
	if rec := in.Recovery(); rec.Snapshot == nil {
		t.Fatalf("recovery %+v did not use the snapshot", rec)
	}
}
