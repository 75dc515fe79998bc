//go:build replbug_fsync || replbug_syncack || replbug_readpast || replbug_oldepoch

package replication

import "testing"

// catchSeeds is how many seeds the planted-bug test runs.
const catchSeeds = 40

// TestCatchPlantedBug runs with one planted bug built in (see bug_*_on.go)
// and counts the seeds on which the checkers flag a violation. Every
// scenario includes a failover so the epoch checks have work. Below 90 %
// the checkers have gone blind and the test fails.
func TestCatchPlantedBug(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= catchSeeds; seed++ {
		s := runScenario(seed, true)
		if len(s.bad) > 0 {
			caught++
			if caught == 1 {
				t.Logf("first catch, seed %d: %s", seed, s.bad[0])
			}
		}
	}
	rate := float64(caught) / catchSeeds
	t.Logf("planted bug caught on %d of %d seeds (%.0f%%)", caught, catchSeeds, 100*rate)
	if rate < 0.9 {
		t.Fatalf("catch rate %.0f%% is below 90%%", 100*rate)
	}
}
