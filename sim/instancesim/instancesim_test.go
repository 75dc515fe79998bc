package instancesim

import (
	"flag"
	"testing"

	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/simtest"
)

var seeds = flag.Int("instance-seeds", 60, "seeds for TestInstanceScenario")

// TestInstanceScenario runs many seeds; each must pass its own checks.
func TestInstanceScenario(t *testing.T) {
	var total sim.FaultCounts
	for seed := uint64(1); seed <= uint64(*seeds); seed++ {
		r := Run(seed, Options{})
		if r.Err != nil {
			t.Fatalf("%v\nreplay: go test ./sim/instancesim -run TestInstanceScenario -instance-seeds %d", r, seed)
		}
		for k := range total {
			total[k] += r.Faults[k]
		}
	}
	t.Logf("faults over %d seeds: %s", *seeds, total)
	if total[sim.FaultCrash]+total[sim.FaultTornCrash] == 0 || total[sim.FaultTornCrash] == 0 || total[sim.FaultDisk] == 0 {
		t.Fatalf("the nemesis did not crash (torn and not) and fail the disk: %s", total)
	}
}

// TestInstanceDeterminism: the instance joins the simulator's determinism
// check (same seed, same run, here and in a fresh process).
func TestInstanceDeterminism(t *testing.T) {
	simtest.Determinism(t, 10, func(seed uint64, trace func(string)) sim.Result {
		return Run(seed, Options{Trace: trace})
	})
}
