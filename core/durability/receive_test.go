package durability

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/graph"
)

// branchDeltas is commit ts of a history that branched from txDeltas'
// after fork: it creates vertices no prefix state has.
func branchDeltas(ts uint64) []graph.Delta {
	id := int64(1000 + ts)
	return []graph.Delta{{Op: graph.OpCreateVertex, ID: id}, {Op: graph.OpSetVertexProp, ID: id, Key: "b", Value: id}}
}

// oldHistory is the receiving store's own history: commits 1..fork as
// txDeltas, then fork+1..last as branchDeltas.
type oldHistory struct{ fork, last uint64 }

func (h oldHistory) deltas(ts uint64) []graph.Delta {
	if ts <= h.fork {
		return txDeltas(int64(ts))
	}
	return branchDeltas(ts)
}

// state is the model after commits 1..j of the history.
func (h oldHistory) state(j uint64) *model {
	m := newModel()
	for ts := uint64(1); ts <= j; ts++ {
		if err := m.apply(h.deltas(ts)); err != nil {
			panic(err)
		}
	}
	return m
}

// snapshotPieces is the file of a snapshot of commits 1..k, cut into
// pieces of at most size bytes.
func snapshotPieces(t *testing.T, k int64, size int) [][]byte {
	t.Helper()
	frames, err := encodeSnapshot(SnapshotInfo{Epoch: 2, TS: uint64(k), NextVertexID: k + 1}, prefixState(k).source(), 40)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range frames {
		all = append(all, f...)
	}
	var out [][]byte
	for len(all) > 0 {
		n := min(size, len(all))
		out = append(out, all[:n])
		all = all[n:]
	}
	return out
}

// TestReceiveSnapshotReplacesState: a received snapshot replaces the
// store's whole state, whether the store held a prefix of the sender's
// history or a branch of it reaching past the snapshot, and a crash at any
// point of the install recovers either a prefix of the old state or the
// snapshot, never a mix; after the install the WAL continues from the
// snapshot's timestamp.
func TestReceiveSnapshotReplacesState(t *testing.T) {
	const k = 12 // the snapshot holds commits 1..12
	cases := []oldHistory{{fork: 5, last: 5}, {fork: 6, last: 20}, {fork: 12, last: 16}, {fork: 0, last: 0}}
	seen := map[string]int{}
	for _, h := range cases {
		for crashAt := 0; crashAt < 40; crashAt++ {
			t.Run(fmt.Sprintf("fork%d-last%d-crash%d", h.fork, h.last, crashAt), func(t *testing.T) {
				seen[receiveSeed(t, h, crashAt, k)]++
			})
		}
	}
	if seen["installed"] == 0 || seen["snapshot"] == 0 || seen["old"] == 0 || seen["old-shorter"] == 0 {
		t.Fatalf("crash points did not cover every outcome: %v", seen)
	}
	// The empty snapshot at 0 (from a MAIN without commits) wipes too.
	for crashAt := 0; crashAt < 40; crashAt += 3 {
		t.Run(fmt.Sprintf("empty-crash%d", crashAt), func(t *testing.T) {
			receiveSeed(t, oldHistory{fork: 0, last: 9}, crashAt, 0)
		})
	}
}

// receiveSeed installs a snapshot of commits 1..k over history h, crashes
// after crashAt events, and checks what recovery finds; it returns which
// state that was.
func receiveSeed(t *testing.T, h oldHistory, crashAt int, k int64) string {
	fs, s, _ := newSimFS(uint64(crashAt)*31 + h.last)
	opts := Options{SegmentSize: 150, SnapshotRetention: 5}
	st, _, _ := openT(t, fs, opts)
	for ts := uint64(1); ts <= h.last; ts++ {
		st.Append(1, ts, h.deltas(ts), func(error) {})
		if ts == h.last/2 || ts == h.last-1 { // own snapshots, one maybe past the fork
			st.Snapshot(SnapshotInfo{Epoch: 1, TS: ts}, h.state(ts).source(), func(error) {})
		}
		s.drain()
	}
	r, err := st.ReceiveSnapshot(uint64(k))
	if err != nil {
		t.Fatal(err)
	}
	got := newModel()
	for _, p := range snapshotPieces(t, k, 50) {
		if err := r.Write(p, got.apply); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(prefixState(k).v, got.v, dcmp); d != "" {
		t.Fatalf("received deltas differ:\n%s", d)
	}
	installed := false
	r.Finish(func(err error) {
		if err != nil {
			t.Fatalf("install: %v", err)
		}
		installed = true
	})
	for i := 0; i < crashAt && s.step(); i++ {
	}
	if installed {
		for ts := uint64(k + 1); ts <= uint64(k+3); ts++ {
			st.Append(2, ts, txDeltas(int64(ts)), func(error) {})
		}
		s.drain()
	}
	fs.Crash(crashAt%2 == 0)
	st2, m, rec := openT(t, fs, opts)
	s.drain()
	_ = st2
	switch {
	case installed:
		checkPrefix(t, m, k+3)
		return "installed"
	case rec.LastTS == uint64(k) && rec.Snapshot != nil && rec.Snapshot.Epoch == 2:
		checkPrefix(t, m, k)
		return "snapshot"
	}
	if rec.LastTS > h.last {
		t.Fatalf("recovered to %d, past the old history's %d", rec.LastTS, h.last)
	}
	if d := cmp.Diff(h.state(rec.LastTS).v, m.v, dcmp); d != "" {
		t.Fatalf("recovered neither the snapshot nor a prefix of the old state (at %d):\n%s", rec.LastTS, d)
	}
	if rec.LastTS < h.last {
		return "old-shorter"
	}
	return "old"
}

// TestReceiveSnapshotRejectsDamage: a piece with a flipped bit, a snapshot
// of another timestamp and one cut short are refused as corruption, and
// the store keeps its state.
func TestReceiveSnapshotRejectsDamage(t *testing.T) {
	fs, s, _ := newSimFS(3)
	st, _, _ := openT(t, fs, Options{})
	st.Append(1, 1, txDeltas(1), func(error) {})
	s.drain()
	var ce *CorruptionError
	pieces := snapshotPieces(t, 6, 64)

	r, _ := st.ReceiveSnapshot(6)
	bad := append([]byte(nil), pieces[1]...)
	bad[len(bad)/2] ^= 1
	_ = r.Write(pieces[0], newModel().apply)
	if err := r.Write(bad, newModel().apply); !errors.As(err, &ce) {
		t.Fatalf("a flipped bit: %v", err)
	}
	r.Abort()

	r, _ = st.ReceiveSnapshot(7)
	if err := r.Write(pieces[0], newModel().apply); !errors.As(err, &ce) {
		t.Fatalf("a snapshot of another timestamp: %v", err)
	}
	r.Abort()

	r, _ = st.ReceiveSnapshot(6)
	into := newModel()
	for _, p := range pieces[:len(pieces)-1] {
		if err := r.Write(p, into.apply); err != nil {
			t.Fatal(err)
		}
	}
	var ferr error
	r.Finish(func(err error) { ferr = err })
	if !errors.As(ferr, &ce) {
		t.Fatalf("a snapshot cut short: %v", ferr)
	}
	s.drain()
	fs.Crash(false)
	_, m, _ := openT(t, fs, Options{})
	checkPrefix(t, m, 1)
}
