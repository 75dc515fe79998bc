package sim_test

import (
	"testing"

	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/simtest"
)

// TestDeterminism runs 200 ping scenarios twice each in this process and
// replays a sample in a fresh process, requiring identical fingerprints, and
// checks that the nemesis exercised every fault kind over those seeds.
func TestDeterminism(t *testing.T) {
	results := simtest.Determinism(t, 200, sim.PingScenario)
	if results == nil {
		return // the fresh process
	}
	var faults sim.FaultCounts
	var events uint64
	for _, r := range results {
		faults.Add(r.Faults)
		events += r.Events
	}
	t.Logf("%d events per run on average, faults: %v", events/uint64(len(results)), faults)
	for k, n := range faults {
		if n == 0 {
			t.Errorf("no %v fault in %d seeds: the nemesis does not exercise it", sim.FaultKind(k), len(results))
		}
	}
}
