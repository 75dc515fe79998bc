package instance

import (
	"errors"
	"flag"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

var crashSeeds = flag.Int("crash-seeds", 300, "seeds for TestInstanceCrashRecovery")

// TestInstanceCrashRecovery drives an instance with random graph
// transactions (vertices, labels, properties, edges, deletes, an index),
// snapshots and disk completions, and crashes it at random points, with and
// without torn writes. After each restart the graph must equal exactly the
// commits up to some timestamp k, in commit order: k at least the last
// completed commit and a timestamp the instance actually committed.
func TestInstanceCrashRecovery(t *testing.T) {
	var cov coverage
	for seed := 1; seed <= *crashSeeds; seed++ {
		instanceCrashSeed(t, uint64(seed), &cov)
		if t.Failed() {
			t.Fatalf("seed %d failed; rerun with -run TestInstanceCrashRecovery -crash-seeds %d", seed, seed)
		}
	}
	t.Logf("coverage: %+v", cov)
	if *crashSeeds >= 100 && (cov.fromSnapshot == 0 || cov.torn == 0 || cov.beyondCompleted == 0 || cov.commits < 1000) {
		t.Fatalf("crashes did not exercise recovery enough: %+v", cov)
	}
}

// coverage counts what the crash test exercised.
type coverage struct {
	lives, commits, fromSnapshot, torn, beyondCompleted, notReady int
}

func instanceCrashSeed(t *testing.T, seed uint64, cov *coverage) {
	w := newWorld(seed)
	cfg := Config{
		Durability: durability.Options{
			SegmentSize:       int64(200 + w.rng.IntN(3000)),
			SnapshotRetention: 1 + w.rng.IntN(3),
			SnapshotChunkSize: 64 + w.rng.IntN(1000),
			SyncDepth:         1 + w.rng.IntN(3), // fsyncs in flight
		},
		SnapshotInterval: time.Duration(1+w.rng.IntN(20)) * time.Millisecond,
		GCInterval:       5 * time.Millisecond,
		SnapshotStep:     1 + w.rng.IntN(8),
	}
	var hist []committed
	var completed uint64
	for life := 0; life < 4; life++ {
		in := w.start(t, cfg)
		k := in.Recovery().LastTS
		cov.lives++
		if in.Recovery().Snapshot != nil {
			cov.fromSnapshot++
		}
		if in.Recovery().TornTail {
			cov.torn++
		}
		if k > completed {
			cov.beyondCompleted++
		}
		if k < completed {
			t.Fatalf("seed %d life %d: recovered up to %d but %d had completed", seed, life, k, completed)
		}
		n := 0
		for n < len(hist) && hist[n].ts <= k {
			n++
		}
		if k != 0 && (n == 0 || hist[n-1].ts != k) {
			t.Fatalf("seed %d life %d: recovered to %d, which was never committed", seed, life, k)
		}
		hist = hist[:n]
		w.l.runFor(20 * time.Millisecond)
		if !in.Ready() {
			// An injected fault failed recovery's own fsync: nothing is
			// acknowledged, so nothing is visible; a restart tries again.
			cov.notReady++
		} else if d := cmp.Diff(reference(t, hist), dump(t, in.Graph()), dcmp); d != "" {
			t.Fatalf("seed %d life %d: graph is not commits up to %d:\n%s", seed, life, k, d)
		}
		completed = k
		steps := w.rng.IntN(60)
		for i := 0; i < steps; i++ {
			switch r := w.rng.IntN(10); {
			case r < 6:
				if ts, ds := randomTx(w, in, func(ts uint64) { completed = max(completed, ts) }); ts != 0 {
					hist = append(hist, committed{ts, ds})
					cov.commits++
				}
			case r < 7:
				in.Snapshot(func(error) {})
			case r < 8 && w.rng.IntN(20) == 0:
				if w.rng.IntN(2) == 0 {
					w.fs.FailNextSync(errors.New("injected EIO"))
				} else {
					w.fs.FailNextWrite(errors.New("injected EIO"))
				}
			default:
				w.l.runFor(time.Duration(w.rng.IntN(3000)) * time.Microsecond)
			}
		}
		w.fs.Crash(w.rng.IntN(2) == 0)
		w.l.clear()
	}
}

// randomTx runs one random write transaction and commits it through the
// instance; it returns the commit's timestamp and deltas, or 0 when the
// transaction failed (a conflict with a not yet visible commit, say).
func randomTx(w *world, in *Instance, onDone func(uint64)) (uint64, []graph.Delta) {
	g := in.Graph()
	if w.rng.IntN(40) == 0 {
		ts, ds, err := g.CreateIndex(graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: "L", Key: "k"})
		if err != nil {
			return 0, nil
		}
		in.Log(ts, ds, func(ts uint64, err error) {
			if err == nil {
				onDone(ts)
			}
		})
		return ts, ds
	}
	tx := in.Begin(graph.TxOptions{})
	nv, _ := g.NextIDs()
	pick := func() int64 { return w.rng.Int64N(nv + 1) }
	var err error
	switch w.rng.IntN(6) {
	case 0, 1:
		var v int64
		if v, err = tx.CreateVertex(); err == nil {
			_ = tx.AddLabel(v, "L")
			err = tx.SetVertexProperty(v, "k", value.List{int64(w.rng.IntN(5)), "x"})
		}
	case 2:
		err = tx.SetVertexProperty(pick(), "k", w.rng.Float64())
	case 3:
		_, err = tx.CreateEdge(pick(), pick(), "E")
	case 4:
		err = tx.DeleteVertex(pick(), true)
	default:
		err = tx.RemoveLabel(pick(), "L")
	}
	if err != nil {
		tx.Abort()
		return 0, nil
	}
	before := g.LastCommitTS()
	in.Commit(tx, func(ts uint64, err error) {
		if err == nil && ts != 0 {
			onDone(ts)
		}
	})
	if g.LastCommitTS() == before {
		return 0, nil // nothing to commit, or refused
	}
	return g.LastCommitTS(), tx.Deltas()
}
