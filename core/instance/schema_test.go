package instance

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
)

// TestSnapshotDuringUnacknowledgedSchemaChange: a snapshot taken while
// schema changes wait for their fsync starts at once, at the visible
// timestamp, and holds the schema as of that timestamp: not the index created
// after it, and still the index dropped after it. A crash then loses the
// unsynced changes, and recovery from the snapshot gives exactly the state
// and schema at its timestamp.
func TestSnapshotDuringUnacknowledgedSchemaChange(t *testing.T) {
	w := newWorld(6)
	cfg := Config{NoSnapshotOnStop: true}
	in := w.start(t, cfg)
	w.l.runFor(10 * time.Millisecond)
	g := in.Graph()
	logged := func(ts uint64, ds []graph.Delta, err error) *bool {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		done := new(bool)
		in.Log(ts, ds, func(_ uint64, err error) {
			if err != nil {
				t.Errorf("schema change %d: %v", ts, err)
			}
			*done = true
		})
		return done
	}
	byLabel := graph.SchemaItem{Kind: graph.KindLabelIndex, Name: "N"}
	unique := graph.SchemaItem{Kind: graph.KindUnique, Name: "N", Key: "k"}
	byProp := graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: "N", Key: "k"}
	logged(g.CreateIndex(byLabel))
	logged(g.CreateConstraint(unique))
	for i := range 5 {
		tx := in.Begin(graph.TxOptions{})
		v, _ := tx.CreateVertex()
		_ = tx.AddLabel(v, "N")
		_ = tx.SetVertexProperty(v, "k", int64(i))
		in.Commit(tx, func(_ uint64, err error) {
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	w.l.runFor(100 * time.Millisecond)
	snapTS := g.VisibleTS()
	if snapTS != g.LastCommitTS() {
		t.Fatalf("visible %d, last commit %d: the setup is not acknowledged", snapTS, g.LastCommitTS())
	}
	want := dump(t, g)
	wantSchema := []graph.SchemaItem{byLabel, unique}

	// Schema changes whose fsync takes an hour.
	w.fs.SlowSync(time.Hour)
	created := logged(g.CreateIndex(byProp))
	dropped := logged(g.DropIndex(byLabel))
	w.l.runFor(time.Millisecond) // the WAL write and its fsync start
	w.fs.SlowSync(0)
	snapped := false
	in.Snapshot(func(err error) {
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		snapped = true
	})
	w.l.runFor(time.Second)
	if !snapped || *created || *dropped {
		t.Fatalf("snapshot done %v, schema changes acknowledged %v %v: want the snapshot not to wait", snapped, *created, *dropped)
	}
	snaps := in.st.Snapshots()
	if len(snaps) == 0 || snaps[len(snaps)-1].TS != snapTS {
		t.Fatalf("snapshots %+v, want one at %d", snaps, snapTS)
	}
	_, ds, err := durability.ReadSnapshot(w.fs, snaps[len(snaps)-1].Name)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, ds, dcmp); d != "" {
		t.Fatalf("snapshot at %d differs from the state at that timestamp:\n%s", snapTS, d)
	}

	w.fs.Crash(false)
	w.l.clear()
	in2 := w.start(t, cfg)
	w.l.runFor(10 * time.Millisecond)
	rec := in2.Recovery()
	if rec.Snapshot == nil || rec.Snapshot.TS != snapTS || rec.LastTS != snapTS {
		t.Fatalf("recovery %+v, want the snapshot at %d and nothing after it", rec, snapTS)
	}
	if d := cmp.Diff(wantSchema, in2.Graph().Schema(), dcmp); d != "" {
		t.Fatalf("recovered schema:\n%s", d)
	}
	if d := cmp.Diff(want, dump(t, in2.Graph()), dcmp); d != "" {
		t.Fatalf("recovered state:\n%s", d)
	}
}
