//go:build replbug_fsync || replbug_syncack || replbug_readpast || replbug_oldepoch

package replsim

import (
	"strings"
	"testing"

	"github.com/quiverdb/quiver/sim"
)

// plantedSeeds is how many seeds the planted-bug test runs.
const plantedSeeds = 40

// TestPlantedReplicationBug runs the full replication scenario (real
// Cypher through each instance's entry point) with one planted bug of
// core/replication built in (the replbug_* tags, see bug_*_on.go there)
// and counts the seeds on which the scenario's checkers flag it. Below
// 90 % they have gone blind and the test fails. Every seed runs the
// operator failover, which the older-epoch bug needs.
func TestPlantedReplicationBug(t *testing.T) {
	caught := 0
	by := map[string]int{}
	for seed := uint64(1); seed <= plantedSeeds; seed++ {
		r := Run(seed, Options{Failover: 1, ArtifactDir: t.TempDir()})
		if r.Err == nil {
			continue
		}
		caught++
		by[caughtBy(r.Err.Error())]++
		if caught <= 2 {
			t.Logf("caught: %v\n  replay (a binary built with the same tag): %s", r, sim.ReplayLine(Scenario.Name, seed, sim.RunOptions{}))
		}
	}
	rate := float64(caught) / plantedSeeds
	t.Logf("planted bug caught on %d of %d seeds (%.0f%%), by %v", caught, plantedSeeds, 100*rate, by)
	if rate < 0.9 {
		t.Fatalf("catch rate %.0f%% is below 90%%", 100*rate)
	}
}

// caughtBy names the check a failure message comes from.
func caughtBy(msg string) string {
	for _, c := range []struct{ substr, name string }{
		{"which MAIN did not commit", "applied-by-main"},
		{"without a warning naming", "acked-on-in-sync-replicas"},
		{"but MAIN had acknowledged", "in-sync-replica-recovery"},
		{"past the acknowledged watermark", "watermark"},
		{"not a growing prefix", "replica-reads"},
		{"never committed", "replica-reads"},
		{"after healing replica", "convergence"},
		{"missing", "acked-after-heal"},
		{"linearizable", "linearizable"},
	} {
		if strings.Contains(msg, c.substr) {
			return c.name
		}
	}
	return "other"
}
