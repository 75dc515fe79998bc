package replsim

import (
	"flag"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/simtest"
)

var seeds = flag.Int("replication-seeds", 30, "seeds for TestReplicationScenario")

// TestReplicationScenario runs many seeds; each must pass its own checks,
// and over all of them the nemesis must have partitioned and clogged links.
func TestReplicationScenario(t *testing.T) {
	var total sim.FaultCounts
	var sum runStats
	for seed := uint64(1); seed <= uint64(*seeds); seed++ {
		var st runStats
		r := Run(seed, Options{stats: &st})
		if r.Err != nil {
			t.Fatalf("%v\nreplay: %s", r, sim.ReplayLine(Scenario.Name, seed, sim.RunOptions{}))
		}
		total.Add(r.Faults)
		sum.acked += st.acked
		sum.syncOK += st.syncOK
		sum.warned += st.warned
		sum.reads += st.reads
		sum.samples += st.samples
		sum.conflicts += st.conflicts
	}
	t.Logf("%d seeds: %d writes acknowledged (%d checked on the SYNC replica, %d with a warning naming it), %d conflicts, %d replica reads, %d watermark samples; faults: %s",
		*seeds, sum.acked, sum.syncOK, sum.warned, sum.conflicts, sum.reads, sum.samples, total)
	if sum.syncOK == 0 || sum.warned == 0 || sum.reads == 0 {
		t.Fatalf("the checks saw too little: %+v", sum)
	}
	if total[sim.FaultPartition] == 0 || total[sim.FaultClog] == 0 {
		t.Fatalf("the nemesis did not partition and clog: %s", total)
	}
}

// TestReplicationDeterminism: the replication scenario joins the
// simulator's determinism check.
func TestReplicationDeterminism(t *testing.T) {
	simtest.Determinism(t, 10, Scenario)
}

// TestConvergenceCatchesDivergence plants a vertex in a replica's graph
// that MAIN never wrote; the convergence check must fail.
func TestConvergenceCatchesDivergence(t *testing.T) {
	plant := func(r *run) {
		g := r.inst(2).Graph()
		tx := g.Begin(graph.TxOptions{})
		if _, err := tx.CreateVertex(); err != nil {
			t.Fatal(err)
		}
		ts, _, err := tx.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if err := g.MarkAcknowledged(ts); err != nil {
			t.Fatal(err)
		}
	}
	r := Run(3, Options{atHeal: plant})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "replica 2") {
		t.Fatalf("a vertex only on a replica went unnoticed: %v", r)
	}
}
