package replsim

import (
	"os"
	"testing"
)

// TestKnownIssues runs what the scenario still finds broken, only when
// QUIVER_KNOWN_ISSUES is set: replica crashes and failing disks together
// with SnapshotCatchUp, and every instance restoring its replication state
// on startup, with MAIN crashed too (a restarted replica recovers less
// than MAIN had acknowledged as durable on it). It logs every failing seed
// of the first 40 and fails if any.
func TestKnownIssues(t *testing.T) {
	if os.Getenv("QUIVER_KNOWN_ISSUES") == "" {
		t.Skip("set QUIVER_KNOWN_ISSUES=1 to run the scenario's known failures")
	}
	for _, snap := range []bool{true, false} {
		for seed := uint64(1); seed <= 40; seed++ {
			if r := Run(seed, Options{SnapshotCatchUp: snap, knownIssues: true, ArtifactDir: t.TempDir()}); r.Err != nil {
				t.Errorf("SnapshotCatchUp=%v seed %d: %v", snap, seed, r.Err)
			}
		}
	}
}
