//go:build replbug_fsync || replbug_syncack || replbug_readpast || replbug_oldepoch

package replsim

import (
	"testing"

	"github.com/quiverdb/quiver/sim"
)

// plantedSeeds is how many seeds each measurement of the planted-bug test
// counts.
const plantedSeeds = 40

// TestPlantedReplicationBug runs the full replication scenario (real
// Cypher through each instance's entry point) with one planted bug of
// core/replication built in (the replbug_* tags, see bug_*_on.go there)
// and measures the catch rate of all checkers together and of each
// checker named for the bug (plantedCheckers) alone, the others turned
// off. Each must catch it in at least 90 % of the seeds, or it has gone
// blind and the test fails. Seeds are taken in order, skipping those of
// the kind the bug cannot show in (plantedFailover), so every failing seed
// replays with the line printed.
func TestPlantedReplicationBug(t *testing.T) {
	measure := func(only string) float64 {
		caught, seeds := 0, 0
		for seed := uint64(1); seeds < plantedSeeds; seed++ {
			var st runStats
			r := Run(seed, Options{only: only, stats: &st, ArtifactDir: t.TempDir()})
			if (plantedFailover > 0 && !st.failover) || (plantedFailover < 0 && st.failover) || (plantedWaited && !st.waited) {
				continue // a seed of the other kind (see plantedFailover, plantedWaited)
			}
			seeds++
			if r.Err != nil {
				caught++
				if caught == 1 && only == "" {
					t.Logf("caught: %v\n  replay (a binary built with the same tag): %s", r, sim.ReplayLine(Scenario.Name, seed, sim.RunOptions{}))
				}
			}
		}
		rate := float64(caught) / float64(seeds)
		name := only
		if name == "" {
			name = "all checkers"
		}
		t.Logf("%-26s caught on %d of %d seeds (%.0f%%)", name, caught, seeds, 100*rate)
		return rate
	}
	if rate := measure(""); rate < 0.9 {
		t.Errorf("the scenario's catch rate %.0f%% is below 90%%", 100*rate)
	}
	for _, name := range plantedCheckers {
		if rate := measure(name); rate < 0.9 {
			t.Errorf("checker %s alone catches %.0f%%, below 90%%", name, 100*rate)
		}
	}
	for _, name := range plantedReported {
		measure(name) // reported, not required
	}
}
