package sim

import (
	"strings"
	"testing"
	"time"
)

// TestDeterminismDivergenceFinder checks that Divergence finds nothing in a
// deterministic run and that FirstDivergence pinpoints a planted
// nondeterminism: a world event whose time depends on state shared across runs.
func TestDeterminismDivergenceFinder(t *testing.T) {
	if _, _, _, d := Divergence(5, PingOptions{}); d {
		t.Fatal("Divergence reported a difference in a deterministic run")
	}
	runs := 0
	line, a, b, d := FirstDivergence(func(trace func(string)) {
		runs++
		w := NewWorld(Options{Seed: 1, Trace: trace})
		w.After(time.Second, func() {})
		w.After(time.Duration(runs)*time.Millisecond, func() {}) // differs between runs
		w.RunFor(2 * time.Second)
	})
	if !d || line != 1 || !strings.Contains(a, " 1ms world") || !strings.Contains(b, " 2ms world") {
		t.Fatalf("planted divergence reported at line %d: %q vs %q (diverged %v)", line, a, b, d)
	}
}

// TestPingChecksCatchPlantedBug plants a durability bug (ticks shipped before
// they are synced) and requires the scenario's checks to fail some seeds,
// and that the same seeds pass without the bug.
func TestPingChecksCatchPlantedBug(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= 100; seed++ {
		if r := RunPingScenario(seed, PingOptions{ShipUnsynced: true}); r.Err != nil {
			caught++
			if r := RunPingScenario(seed, PingOptions{}); r.Err != nil {
				t.Fatalf("seed %d fails without the bug too: %v", seed, r)
			}
		}
	}
	if caught == 0 {
		t.Fatal("100 seeds with ticks shipped before sync: no check failed")
	}
	t.Logf("planted bug caught in %d of 100 seeds", caught)
}
