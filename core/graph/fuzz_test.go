package graph

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

// decodeDeltas turns fuzz bytes into deltas over a small domain of IDs,
// names and values, five bytes per delta.
func decodeDeltas(data []byte) []Delta {
	names := []string{"A", "B", "k", ""}
	vals := []value.Value{nil, int64(1), 2.5, "s", value.List{int64(1)}, value.Node{}, true}
	var ds []Delta
	for len(data) >= 5 {
		b := data[:5]
		data = data[5:]
		ds = append(ds, Delta{
			Op:    DeltaOp(b[0] % 14),
			ID:    int64(b[1]%8) - 1,
			From:  int64(b[2] % 6),
			To:    int64(b[2] / 6 % 6),
			Name:  names[b[3]%4],
			Key:   names[b[3]/4%4],
			Kind:  b[4] % 7,
			Value: vals[b[4]/7%7],
		})
	}
	return ds
}

// FuzzApply replays arbitrary deltas on a small graph: Apply must never
// panic, and a rejected transaction must leave the data unchanged.
func FuzzApply(f *testing.F) {
	f.Add([]byte{1, 6, 0, 0, 0, 3, 6, 0, 0, 0})
	f.Add([]byte{6, 7, 1, 0, 0, 7, 0, 0, 0, 0, 2, 0, 0, 0, 0})
	f.Add([]byte{9, 0, 0, 1, 2, 4, 1, 0, 1, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := New(Options{ImmediateVisibility: true})
		tx := g.Begin(TxOptions{})
		a, _ := tx.CreateVertex()
		b, _ := tx.CreateVertex()
		if err := tx.AddLabel(a, "A"); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.CreateEdge(a, b, "R"); err != nil {
			t.Fatal(err)
		}
		ts, _, err := tx.Commit()
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, g)
		ds := decodeDeltas(data)
		if err := g.Apply(ts+1, ds); err != nil {
			if d := cmp.Diff(before, snapshot(t, g)); d != "" {
				t.Fatalf("rejected Apply changed the data (%v):\n%s", err, d)
			}
			return
		}
		if err := g.MarkAcknowledged(ts + 1); err != nil {
			t.Fatal(err)
		}
		g.CollectGarbage()
		var nv, ne int64
		for _, d := range snapshot(t, g) {
			switch d.Op {
			case OpCreateVertex:
				nv++
			case OpCreateEdge:
				ne++
			}
		}
		if st := g.Stats(); st.Vertices != nv || st.Edges != ne {
			t.Fatalf("stats count %d vertices, %d edges; the graph has %d and %d", st.Vertices, st.Edges, nv, ne)
		}
	})
}

// snapshot renders the visible graph through SnapshotDeltas.
func snapshot(t *testing.T, g *Graph) []Delta {
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	var out []Delta
	if err := r.SnapshotDeltas(func(d Delta) error {
		if d.Op != OpCreateIndex && d.Op != OpCreateConstraint {
			out = append(out, d)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
