package instance

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// TestPointPropertiesSurviveWALAndSnapshot stores points of all four
// coordinate systems on a vertex and an edge, recovers them from the WAL
// after a crash, then from the snapshot a clean shutdown writes.
func TestPointPropertiesSurviveWALAndSnapshot(t *testing.T) {
	w := newWorld(42)
	in := w.start(t, Config{})
	w.l.runFor(time.Second)
	points := value.List{
		value.Point{SRID: value.SRIDCartesian, X: 1, Y: -2},
		value.Point{SRID: value.SRIDCartesian3D, X: 1, Y: 2, Z: 3.5},
		value.Point{SRID: value.SRIDWGS84, X: 12.78, Y: 56.7},
		value.Point{SRID: value.SRIDWGS843D, X: -179.5, Y: -89, Z: 8848},
	}
	tx := in.Begin(graph.TxOptions{})
	a, _ := tx.CreateVertex()
	b, _ := tx.CreateVertex()
	for i, p := range points {
		if err := tx.SetVertexProperty(a, string(rune('a'+i)), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.SetVertexProperty(b, "all", points); err != nil {
		t.Fatal(err)
	}
	e, err := tx.CreateEdge(a, b, "NEAR")
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.SetEdgeProperty(e, "at", points[3]); err != nil {
		t.Fatal(err)
	}
	var commitErr error
	in.Commit(tx, func(_ uint64, err error) { commitErr = err })
	w.l.runFor(time.Second)
	if commitErr != nil {
		t.Fatal(commitErr)
	}
	want := dump(t, in.Graph())
	if !hasValue(want, points[3]) {
		t.Fatalf("the committed graph lacks the points: %v", want)
	}

	w.fs.Crash(false)
	w.l.clear()
	in2 := w.start(t, Config{})
	w.l.runFor(time.Second)
	if rec := in2.Recovery(); rec.Records == 0 {
		t.Fatalf("recovery %+v read no WAL record", rec)
	}
	if d := cmp.Diff(want, dump(t, in2.Graph()), dcmp); d != "" {
		t.Fatalf("after WAL recovery (-want +got):\n%s", d)
	}

	in2.Stop(func(err error) {
		if err != nil {
			t.Errorf("clean shutdown: %v", err)
		}
	})
	w.l.runFor(time.Second)
	w.fs.Crash(false)
	w.l.clear()
	in3 := w.start(t, Config{})
	w.l.runFor(time.Second)
	if rec := in3.Recovery(); rec.Snapshot == nil {
		t.Fatalf("recovery %+v did not use the shutdown snapshot", rec)
	}
	if d := cmp.Diff(want, dump(t, in3.Graph()), dcmp); d != "" {
		t.Fatalf("after snapshot recovery (-want +got):\n%s", d)
	}
}

func hasValue(ds []graph.Delta, v value.Value) bool {
	for _, d := range ds {
		if value.Equal(d.Value, v) == value.TriTrue {
			return true
		}
	}
	return false
}
