package replication

import (
	"os"
	"strconv"
	"testing"
)

// simSeeds is how many seeds TestSimulation runs (QUIVER_REPL_SEEDS overrides).
func simSeeds() int {
	if n, err := strconv.Atoi(os.Getenv("QUIVER_REPL_SEEDS")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 40
	}
	return 150
}

// TestSimulation runs the seeded scenarios and every checker over them.
func TestSimulation(t *testing.T) {
	var total stats
	for seed := uint64(1); seed <= uint64(simSeeds()); seed++ {
		s := runScenario(seed, false)
		for _, b := range s.bad {
			t.Errorf("seed %d: %s", seed, b)
		}
		total.add(s.stats)
	}
	t.Logf("checked: %+v", total)
	if total.acked == 0 || total.ackChecks == 0 || total.applies == 0 || total.reads == 0 || total.diverged == 0 ||
		total.retryable == 0 || total.snapshots == 0 {
		t.Fatalf("a checker examined nothing: %+v", total)
	}
}

// TestSimulationDeterministic runs seeds twice and compares what happened.
func TestSimulationDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		a, b := runScenario(seed, true), runScenario(seed, true)
		if a.stats != b.stats || a.w.seq != b.w.seq || len(a.bad) != len(b.bad) {
			t.Fatalf("seed %d ran differently: %+v (%d events) vs %+v (%d events)", seed, a.stats, a.w.seq, b.stats, b.w.seq)
		}
	}
}

func (s *stats) add(o stats) {
	s.acked += o.acked
	s.ackChecks += o.ackChecks
	s.applies += o.applies
	s.reads += o.reads
	s.retryable += o.retryable
	s.unknown += o.unknown
	s.diverged += o.diverged
	s.snapshots += o.snapshots
}
