package replsim

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/check"
	"github.com/quiverdb/quiver/sim/simtest"
)

var seeds = flag.Int("replication-seeds", 200, "seeds for TestReplicationScenario")

// sweepStats sums what many runs checked.
type sweepStats struct {
	runs     int
	sum      runStats
	examined map[string]int
	faults   sim.FaultCounts
	lag      lagStats
}

func (s *sweepStats) add(r sim.Result, st runStats) {
	s.runs++
	s.faults.Add(r.Faults)
	s.sum.acked += st.acked
	s.sum.warned += st.warned
	s.sum.reads += st.reads
	s.sum.samples += st.samples
	s.sum.conflicts += st.conflicts
	s.sum.ops += st.ops
	s.sum.restarts += st.restarts
	s.sum.aimed += st.aimed
	s.sum.diskFaults += st.diskFaults
	s.sum.failovers += st.failovers
	s.sum.fenced += st.fenced
	s.sum.lost += st.lost
	s.lag.add(st.lag)
	if s.examined == nil {
		s.examined = map[string]int{}
	}
	for _, rp := range st.reports {
		s.examined[rp.Checker] += rp.Examined
	}
}

// TestReplicationScenario runs many seeds; each must pass its own checks,
// and over all of them every checker must have examined something and the
// nemesis must have injected every kind of fault.
func TestReplicationScenario(t *testing.T) {
	var s sweepStats
	for seed := uint64(1); seed <= uint64(*seeds); seed++ {
		var st runStats
		r := Run(seed, Options{stats: &st, ArtifactDir: t.TempDir()})
		if r.Err != nil {
			t.Fatalf("%v\nreplay: %s", r, sim.ReplayLine(Scenario.Name, seed, sim.RunOptions{}))
		}
		s.add(r, st)
	}
	t.Logf("%d seeds: %d writes acknowledged (%d with a warning), %d refused, %d failovers (%d writes refused by the fenced MAIN, %d acknowledged writes lost to them), %d replica restarts (%d aimed inside an fsync), %d disk faults, %d replica reads, %d watermark samples",
		*seeds, s.sum.acked, s.sum.warned, s.sum.conflicts, s.sum.failovers, s.sum.fenced, s.sum.lost, s.sum.restarts, s.sum.aimed, s.sum.diskFaults, s.sum.reads, s.sum.samples)
	t.Logf("examined: %v", s.examined)
	t.Logf("ASYNC lag: mean %.2f transactions / %v, max %d transactions / %v (behind in %d of %d samples)",
		s.lag.meanTxns(), s.lag.meanTime(), s.lag.maxTxns, s.lag.maxTime, s.lag.behindSample, s.lag.samples)
	t.Logf("faults: %s", s.faults)
	for _, c := range []string{"applied-by-main", "convergence", "acked-on-in-sync-replicas", "acked-after-heal", "in-sync-replica-recovery", "replica-reads", "linearizable", "followed-epochs"} {
		if s.examined[c] == 0 {
			t.Errorf("checker %s examined nothing", c)
		}
	}
	if s.sum.warned == 0 || s.sum.failovers == 0 || s.sum.aimed == 0 || s.sum.lag.samples == 0 && s.lag.samples == 0 {
		t.Errorf("the runs saw too little: %+v", s.sum)
	}
	for _, k := range []sim.FaultKind{sim.FaultPartition, sim.FaultClog, sim.FaultDrop, sim.FaultDuplicate, sim.FaultDelay,
		sim.FaultCrash, sim.FaultTornCrash, sim.FaultStop, sim.FaultRestartEmpty, sim.FaultPause} {
		if s.faults[k] == 0 {
			t.Errorf("no %s fault in %d seeds: %s", k, *seeds, s.faults)
		}
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
		if err := r.waitServing(); err != nil {
			t.Fatal(err)
		}
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
	// A seed whose r2 the operator does not wipe and register again after
	// the heal (MAIN's crashes can leave it diverged): that would remove
	// the planted vertex.
	for seed := uint64(3); seed < 30; seed++ {
		var st runStats
		r := Run(seed, Options{atHeal: plant, Failover: -1, stats: &st})
		if st.resynced > 0 {
			continue
		}
		if r.Err == nil || !strings.Contains(r.Err.Error(), "replica r2") {
			t.Fatalf("a vertex only on a replica went unnoticed: %v", r)
		}
		return
	}
	t.Fatal("every seed resynced a replica after the heal")
}

// TestFailoverFencesOldMain: in a forced failover the old MAIN, talking to
// r2 with its older epoch, is refused and stops taking writes.
func TestFailoverFencesOldMain(t *testing.T) {
	fenced := 0
	for seed := uint64(1); seed <= 5; seed++ {
		var st runStats
		r := Run(seed, Options{Failover: 1, stats: &st, FaultTime: time.Second})
		if r.Err != nil {
			t.Fatalf("%v", r)
		}
		fenced += st.fenced
	}
	if fenced == 0 {
		t.Fatal("the old MAIN refused no write after the failover")
	}
}

var _ = check.ModeSync
