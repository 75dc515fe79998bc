package replication

import (
	"math/rand/v2"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/sim/simdisk"
)

// After lets simdisk schedule its completions on the world's loop.
func (w *world) After(d time.Duration, f func()) { w.at(d, f) }

type noTarget struct{}

func (noTarget) LoadSnapshot(durability.SnapshotInfo, []graph.Delta) error { return nil }
func (noTarget) ApplyCommit(*durability.Record) error                      { return nil }

// TestCatchUpThroughDurabilityCursor runs catch-up against a real WAL on
// the simulated disk: a replica registered after 300 commits, more than
// MAIN keeps in memory, receives them through durability's Cursor.
func TestCatchUpThroughDurabilityCursor(t *testing.T) {
	w := newWorld(3)
	w.faults = netFaults{delay: time.Millisecond}
	fs := simdisk.New(w, rand.New(rand.NewPCG(1, 2)))
	st, _, err := durability.Open(fs, zap.NewNop(), durability.Options{SegmentSize: 4 << 10}, noTarget{})
	if err != nil {
		t.Fatal(err)
	}
	s := &scenario{w: w, commits: map[uint64]map[uint64]durability.Record{}, maxWM: map[string]uint64{}}
	a := s.newMain("main-1", "main-1", Epoch{Num: 1, ID: 5}, nil, &disk{w: w, n: w.node("main-1"), maxSync: time.Millisecond})
	a.m.cfg.Log = StoreLog{Store: st, Chunk: 512}
	const n = 300
	for range n {
		ts := a.nextTS
		a.nextTS++
		ds := []graph.Delta{{Op: graph.OpSetVertexProp, ID: int64(ts % 7), Key: "k", Value: int64(ts)}}
		rec := durability.Record{Epoch: 1, TS: ts, PrevTS: a.lastTS, Deltas: ds}
		a.lastTS = ts
		s.commits[1][ts] = rec
		a.d.recs = append(a.d.recs, rec)
		st.Append(1, ts, ds, func(err error) {
			if err != nil {
				t.Errorf("append %d: %v", ts, err)
			}
			a.d.synced = max(a.d.synced, int(ts)) // the fake disk mirrors the store for the checkers
			a.m.Durable(ts)
		})
		a.m.Commit(ts, ds, func(res Result) { s.result(a, res) })
	}
	w.run(time.Second)
	if a.m.Watermark() != n {
		t.Fatalf("watermark %d, want %d", a.m.Watermark(), n)
	}
	r := s.newRep("r1", Async)
	if err := a.m.Register("r1", "r1", Async); err != nil {
		t.Fatal(err)
	}
	w.run(w.now + time.Millisecond)
	if got := statusOf(a.m, "r1").Status; got != StatusRecovery && got != StatusInvalid {
		t.Fatalf("status %s right after registering a replica 300 commits behind", got)
	}
	w.run(w.now + 2*time.Second)
	if got := r.st.d.durableTS(); got != n {
		t.Fatalf("replica holds up to %d, want %d", got, n)
	}
	s.checkConvergence()
	if len(s.bad) != 0 {
		t.Fatal(s.bad)
	}
}
