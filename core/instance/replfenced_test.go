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

// TestRestoredInstallHistoryIsSaved: a replica that crashed while
// installing a snapshot from MAIN comes back with that snapshot's epoch
// history (the state file names the install). It must write that history
// before it writes a snapshot of its own: once its own snapshot replaces
// the installed one, the install record no longer applies, and the older
// history the file still held made the next restart take its commits for
// commits outside any term, invent a term of its own and fence MAIN.
func TestRestoredInstallHistoryIsSaved(t *testing.T) {
	restored := 0
	for d := 0; d < 40; d += 2 {
		r := installingSnapshot(t, uint64(400+d), time.Duration(d)*time.Millisecond)
		r.hosts["r1"].Crash(false)
		r.restart("r1")
		if r.inst("r1").Recovery().Snapshot != nil {
			restored++ // came back as the installed snapshot
		}
		r.writes(3)
		r.awaitAll("ready")
		r.must("r1", "CREATE SNAPSHOT")
		r.hosts["r1"].Crash(false)
		r.restart("r1")
		last := r.inst("r1").Graph().LastCommitTS()
		if h := r.inst("r1").replica.History().Last(); h.Epoch != r.inst("main").main.History().Last().Epoch || h.LastTS != last {
			t.Fatalf("delay %d: the twice restarted replica's history ends with %v at %d, its last commit is %d", d, h.Epoch, h.LastTS, last)
		}
		r.writes(1)
		r.awaitAll("ready")
		if r.inst("main").main.Fenced() {
			t.Fatalf("delay %d: MAIN was fenced by its replica", d)
		}
	}
	if restored == 0 {
		t.Fatal("no restart came back as the installed snapshot: the test checks nothing")
	}
	t.Logf("%d of 20 restarts came back as the installed snapshot", restored)
}
