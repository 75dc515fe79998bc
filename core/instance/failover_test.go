package instance

import (
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// followRestartedMain sets up main, r1 and r2, restarts MAIN (a new term,
// whose handshake r1 and r2 follow without any transaction of it), and
// cuts MAIN off: the state an operator fails over from. It returns the
// restarted MAIN's epoch number.
func followRestartedMain(t *testing.T, seed uint64) (*rworld, uint64) {
	r := newRWorld(t, seed, "main", "r1", "r2")
	r.setup()
	before := r.inst("main").epoch
	r.restart("main")
	r.awaitAll("ready")
	e := r.inst("main").epoch
	if e <= before {
		t.Fatalf("the restarted MAIN's term is epoch %d, not above %d", e, before)
	}
	for _, n := range []string{"r1", "r2"} {
		if _, f := r.inst(n).replica.Following(); f.Num != e {
			t.Fatalf("%s follows epoch %v, want the restarted MAIN's %d", n, f, e)
		}
		if got := r.inst(n).replica.History().Last().Epoch.Num; got == e {
			t.Fatalf("%s holds a transaction of epoch %d: the test needs a term it only shook hands with", n, e)
		}
	}
	r.w.Partition(r.hosts["main"], r.hosts["r1"])
	r.w.Partition(r.hosts["main"], r.hosts["r2"])
	return r, e
}

// promote makes r1 MAIN, registers r2 on it and checks that r1 takes a
// write, replicated to r2, in a term numbered above seen.
func promote(t *testing.T, r *rworld, seen uint64) {
	t.Helper()
	r.must("r1", "SET REPLICATION ROLE TO MAIN")
	r.must("r1", `REGISTER REPLICA r2 SYNC TO "r2:10000"`)
	follows := r.w.RunUntilTrue(5*time.Second, func() bool {
		_, f := r.inst("r2").replica.Following()
		m := r.inst("r1").main
		return r.inst("r1").fenced == nil && m != nil && f == m.History().Last().Epoch
	})
	if !follows {
		t.Fatalf("r2 never followed the promoted r1 (r1 deposed: %v)", r.inst("r1").fenced)
	}
	if got := r.inst("r1").epoch; got <= seen {
		t.Fatalf("the promoted r1 began epoch %d, not above epoch %d it followed", got, seen)
	}
	if _, _, err := r.exec("r1", "CREATE (:AfterFailover)", nil); err != nil {
		t.Fatalf("write on the promoted r1: %v", err)
	}
	ok := r.w.RunUntilTrue(5*time.Second, func() bool {
		return r.inst("r2").Graph().VisibleHash() == r.inst("r1").Graph().VisibleHash()
	})
	if !ok || r.inst("r1").main.Fenced() {
		t.Fatalf("r2 never caught up with the promoted r1 (r1 fenced: %v)", r.inst("r1").main.Fenced())
	}
}

// TestPromotedReplicaTakesANewerEpoch: a replica that followed a MAIN's
// term without receiving a transaction of it (the handshake after a MAIN
// restart) and is then promoted must begin a term above that one. It used
// to reuse the number: the other replica, following the old MAIN's term of
// that number, refused it as a rival term and fenced the promoted MAIN.
func TestPromotedReplicaTakesANewerEpoch(t *testing.T) {
	r, e := followRestartedMain(t, 31)
	promote(t, r, e)
}

// TestFollowedEpochSurvivesRestart: the epoch a replica followed is in its
// state file, so after a restart, even one that does not restore the
// replica role (a standalone MAIN), its next term is numbered above it.
func TestFollowedEpochSurvivesRestart(t *testing.T) {
	for _, restore := range []bool{true, false} {
		r, e := followRestartedMain(t, 32)
		r.restore["r1"] = restore
		r.restart("r1")
		if restore {
			if got := r.role("r1"); got != "replica" {
				t.Fatalf("r1 restarted as %q", got)
			}
			promote(t, r, e)
			continue
		}
		r.must("r1", `REGISTER REPLICA r2 SYNC TO "r2:10000"`)
		if got := r.inst("r1").epoch; got <= e {
			t.Fatalf("the restarted standalone r1 began epoch %d, not above epoch %d it followed", got, e)
		}
	}
}

// TestFencedMainCanBeDemoted: a MAIN that learns of a newer MAIN refuses
// writes with an error that says so (not a WAL failure), and the operator
// makes it a replica of the new MAIN without a restart.
func TestFencedMainCanBeDemoted(t *testing.T) {
	r, e := followRestartedMain(t, 33)
	promote(t, r, e)
	r.w.Heal()
	r.w.Partition(r.hosts["main"], r.hosts["r1"])
	old := r.inst("main")
	// The old MAIN talks to r2 again, which refuses its older epoch.
	ok := r.w.RunUntilTrue(5*time.Second, func() bool { return old.main.Fenced() })
	if !ok {
		t.Fatal("the old MAIN was never fenced by r2's refusal")
	}
	_, _, err := r.exec("main", "CREATE (:Stale)", nil)
	if err == nil || !Retryable(err) {
		t.Fatalf("write on the fenced MAIN: %v, want a retryable refusal", err)
	}
	for _, bad := range []string{"WAL", "restarted", "outcome unknown"} {
		if strings.Contains(err.Error(), bad) {
			t.Fatalf("the fenced MAIN's refusal mentions %q: %v", bad, err)
		}
	}
	if !strings.Contains(err.Error(), "newer MAIN") {
		t.Fatalf("the fenced MAIN's refusal does not name the newer MAIN: %v", err)
	}
	r.must("main", "DROP REPLICA r1")
	r.must("main", "DROP REPLICA r2")
	r.must("main", "SET REPLICATION ROLE TO REPLICA WITH PORT 7687")
	r.w.Heal()
	r.must("r1", `REGISTER REPLICA main ASYNC TO "main:7687"`)
	ok = r.w.RunUntilTrue(5*time.Second, func() bool {
		for _, row := range r.must("r1", "SHOW REPLICAS") {
			st := row[4].(value.Map)["memgraph"].(value.Map)["status"]
			if row[0] == "main" && st == "ready" {
				return old.Graph().VisibleHash() == r.inst("r1").Graph().VisibleHash()
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("the demoted MAIN never caught up with r1: %v", r.must("r1", "SHOW REPLICAS"))
	}
	if _, f := old.replica.Following(); f.Num <= e {
		t.Fatalf("the demoted MAIN follows epoch %v, not the new MAIN's", f)
	}
}

// TestReplicaSnapshotKeepsItsCommitsEpoch: a snapshot records the epoch of
// the commit it ends at. A restarted replica's epoch counter runs ahead of
// the terms it holds, and a snapshot written then used to record the
// counter: recovered from it, the replica took its last commit for one
// made outside every term, invented a term of its own numbered above
// MAIN's, and refused MAIN as stale, which fenced MAIN and left the
// replica behind for good.
func TestReplicaSnapshotKeepsItsCommitsEpoch(t *testing.T) {
	r := newRWorld(t, 34, "main", "r1")
	r.setup()
	want := r.inst("main").epoch
	r.restart("r1")
	r.awaitAll("ready")
	snapped := false
	r.inst("r1").Snapshot(func(err error) {
		if err != nil {
			t.Errorf("snapshot on r1: %v", err)
		}
		snapped = true
	})
	if !r.w.RunUntilTrue(5*time.Second, func() bool { return snapped }) {
		t.Fatal("the replica's snapshot never finished")
	}
	r.restart("r1")
	rec := r.inst("r1").Recovery()
	if rec.Snapshot == nil || rec.Records != 0 {
		t.Fatalf("r1 did not recover from its snapshot alone: %+v", rec)
	}
	if rec.LastEpoch != want {
		t.Fatalf("r1's snapshot says its last commit is of epoch %d, MAIN's term is %d", rec.LastEpoch, want)
	}
	if got := r.inst("r1").replica.History().Last().Epoch.Num; got != want {
		t.Fatalf("the restarted r1's history ends in epoch %d, want MAIN's %d", got, want)
	}
	r.writes(2)
	r.awaitAll("ready")
	if r.inst("main").main.Fenced() {
		t.Fatal("MAIN was fenced by its own replica")
	}
}

// TestPromotedReplicaOutnumbersATermItNeverSaw: r1, cut off from MAIN,
// never heard of the term MAIN began when it restarted; r2 follows that
// term. The operator promotes r1 and registers r2 on it: r1's term takes
// the same number, and r2 refuses it as a rival. The refusal used to
// depose r1 for good; a term that an operator's REGISTER REPLICA began and
// no replica answered yet is begun again above the epoch r2 reports
// instead. The old MAIN, whose term r2 had followed, is still deposed when
// it comes back.
func TestPromotedReplicaOutnumbersATermItNeverSaw(t *testing.T) {
	r := newRWorld(t, 35, "main", "r1", "r2")
	r.setup()
	r.w.Partition(r.hosts["main"], r.hosts["r1"])
	r.restart("main")
	e := r.inst("main").epoch
	if _, f := r.inst("r2").replica.Following(); f.Num != e {
		t.Fatalf("r2 follows %v, want the restarted MAIN's epoch %d", f, e)
	}
	if _, f := r.inst("r1").replica.Following(); f.Num >= e {
		t.Fatalf("r1 follows %v: it must not have heard of epoch %d", f, e)
	}
	r.w.Partition(r.hosts["main"], r.hosts["r2"])
	promote(t, r, e)
	if r.inst("r1").fenced != nil {
		t.Fatalf("the promoted r1 is deposed: %v", r.inst("r1").fenced)
	}
	r.w.Heal()
	r.w.Partition(r.hosts["main"], r.hosts["r1"])
	if !r.w.RunUntilTrue(5*time.Second, func() bool { return r.inst("main").main.Fenced() }) {
		t.Fatal("the old MAIN was never fenced")
	}
	r.w.RunFor(time.Second)
	if m := r.inst("main"); m.main == nil || !m.main.Fenced() || m.fenced == nil {
		t.Fatal("the old MAIN, whose term r2 followed, began a new term instead of staying deposed")
	}
	if _, f := r.inst("r2").replica.Following(); f.Num != r.inst("r1").epoch {
		t.Fatalf("r2 follows %v, not the promoted r1's epoch %d", f, r.inst("r1").epoch)
	}
}
