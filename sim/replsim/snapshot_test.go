package replsim

import (
	"testing"

	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/simtest"
)

// TestReplicationSnapshotCatchUp runs the scenario with MAIN's WAL retired
// quickly, so replicas cut off by the nemesis catch up through snapshots;
// every check of the scenario holds, and some seeds do take that path.
func TestReplicationSnapshotCatchUp(t *testing.T) {
	installs, seedsWith := 0, 0
	for seed := uint64(1); seed <= uint64(*seeds); seed++ {
		n := 0
		r := Run(seed, Options{SnapshotCatchUp: true, BeforeEnd: func(w *sim.World) {
			for _, h := range w.Hosts() { // a failover makes any host a replica
				n += h.Node().(*instance.Instance).InstalledSnapshots()
			}
		}})
		if r.Err != nil {
			t.Fatalf("%v (seed %d, SnapshotCatchUp)", r, seed)
		}
		installs += n
		if n > 0 {
			seedsWith++
		}
	}
	t.Logf("%d snapshots installed, in %d of %d seeds", installs, seedsWith, *seeds)
	if seedsWith == 0 || seedsWith*5 < *seeds {
		t.Fatalf("only %d of %d seeds caught a replica up through a snapshot", seedsWith, *seeds)
	}
}

// TestReplicationSnapshotDeterminism: the snapshot path is deterministic.
func TestReplicationSnapshotDeterminism(t *testing.T) {
	simtest.Determinism(t, 5, sim.Scenario{Name: "replication-snapshot", Run: func(seed uint64, o sim.RunOptions) sim.Result {
		return Run(seed, Options{SnapshotCatchUp: true, FaultTime: o.FaultTime, LivenessTime: o.LivenessTime, Trace: o.Trace, BeforeEnd: o.BeforeEnd})
	}})
}
