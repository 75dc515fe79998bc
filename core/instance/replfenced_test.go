package instance

import (
	"testing"
	"time"
)

// TestFencedRestartedMainServesNoEmptyGraph: a MAIN that restarts while a
// newer MAIN exists (r1, promoted while it was down, leads r2 in a newer
// term) resumes its term, is refused by the replicas and stops taking
// writes. Its recovered commits were never acknowledged under its new
// term, so it shows none of them: it must refuse reads rather than answer
// from an empty graph (its registers would read as never written), and
// still answer admin statements so an operator can see what it is.
func TestFencedRestartedMainServesNoEmptyGraph(t *testing.T) {
	r := newRWorld(t, 21, "main", "r1", "r2")
	r.setup()
	r.hosts["main"].Crash(false)
	r.must("r1", "SET REPLICATION ROLE TO MAIN")
	r.must("r1", `REGISTER REPLICA r2 SYNC TO "r2:10000"`)
	r.must("r1", "CREATE (:K {v: 2})")
	r.restart("main")
	m := r.inst("main")
	if !r.w.RunUntilTrue(r.w.Now()+5*time.Second, func() bool { return m.writable() != nil }) {
		t.Fatalf("the restarted MAIN was never fenced (epoch %d, r1's %d)", m.epoch, r.inst("r1").epoch)
	}
	if m.Graph().VisibleTS() >= m.Recovery().LastTS {
		t.Fatalf("the fenced MAIN shows %d of its recovered %d: the test needs them hidden", m.Graph().VisibleTS(), m.Recovery().LastTS)
	}
	rows, _, err := r.exec("main", "MATCH (n:K) RETURN count(n)", nil)
	if err == nil {
		t.Fatalf("the fenced MAIN answered a read from a graph without its recovered commits: %v", rows)
	}
	if !Retryable(err) {
		t.Fatalf("the refusal is not retryable: %v", err)
	}
	if got := r.role("main"); got != "main" {
		t.Fatalf("SHOW REPLICATION ROLE on the fenced MAIN: %q", got)
	}
}

// TestReplicaSnapshotKeepsItsCommitsEpoch: a replica restarted with its
// replication state counts its next term number past its history (it
// would need a new term for commits of its own); a snapshot it writes
// after that must still name the epoch of the commit it ends at, MAIN's.
// Restarted from that snapshot alone, the replica must find its history
// reaching its last commit, not give its commits a term of its own that a
// MAIN of an older epoch would take for a newer MAIN (and stop, fenced).
func TestReplicaSnapshotKeepsItsCommitsEpoch(t *testing.T) {
	cfg := Config{NoSnapshotOnStop: true, SnapshotInterval: 20 * time.Millisecond}
	r := newRWorldConfig(t, 22, cfg, "main", "r1")
	r.setup()
	r.restart("r1")
	r.writes(2)
	r.awaitAll("ready")
	r1 := r.inst("r1")
	last := r1.Graph().LastCommitTS()
	if !r.w.RunUntilTrue(r.w.Now()+time.Second, func() bool { return r1.lastSnapTS == last }) {
		t.Fatalf("r1 never wrote a snapshot at its last commit %d", last)
	}
	r.hosts["r1"].Crash(false)
	r.restart("r1")
	if rec := r.inst("r1").Recovery(); rec.Records != 0 || rec.Snapshot == nil || rec.LastTS != last {
		t.Fatalf("r1 recovered %+v, want the snapshot at %d alone", rec, last)
	}
	want := r.inst("main").main.History().Last().Epoch
	if got := r.inst("r1").replica.History().Last(); got.Epoch != want || got.LastTS != last {
		t.Fatalf("the restarted replica's history ends with %v at %d, want MAIN's %v at %d", got.Epoch, got.LastTS, want, last)
	}
	r.writes(1)
	r.awaitAll("ready")
	if err := r.inst("main").writable(); err != nil {
		t.Fatalf("MAIN stopped taking writes: %v", err)
	}
}
