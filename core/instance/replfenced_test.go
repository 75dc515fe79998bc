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
