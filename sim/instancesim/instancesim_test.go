package instancesim

import (
	"flag"
	"testing"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/instance"
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
			t.Fatalf("%v\nreplay: %s", r, sim.ReplayLine(Scenario.Name, seed, sim.RunOptions{}))
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
	simtest.Determinism(t, 10, Scenario)
}

// TestFingerprintFoldsState: two runs of a seed that differ only in state,
// with no event to show it (a commit applied straight to the graph, a synced
// byte flipped on the disk), have different fingerprints; the same run
// without the planted difference keeps its fingerprint.
func TestFingerprintFoldsState(t *testing.T) {
	const seed = 3
	base := Run(seed, Options{})
	if base.Err != nil {
		t.Fatal(base)
	}
	if again := Run(seed, Options{BeforeEnd: func(*sim.World) {}}); again.Fingerprint != base.Fingerprint {
		t.Fatalf("an empty BeforeEnd changed the fingerprint: %v vs %v", again, base)
	}
	plants := map[string]func(w *sim.World){
		"graph": func(w *sim.World) {
			g := w.Hosts()[0].Node().(*instance.Instance).Graph()
			tx := g.Begin(graph.TxOptions{})
			v, err := tx.CreateVertex()
			if err == nil {
				err = tx.SetVertexProperty(v, "planted", int64(1))
			}
			ts, _, err2 := tx.Commit()
			if err != nil || err2 != nil {
				t.Fatal(err, err2)
			}
			if err := g.MarkAcknowledged(ts); err != nil {
				t.Fatal(err)
			}
		},
		"disk": func(w *sim.World) {
			fs := w.Hosts()[0].SimDisk()
			names, err := fs.List("wal")
			if err != nil || len(names) == 0 {
				t.Fatalf("no WAL segment to flip a bit in: %v %v", names, err)
			}
			if err := fs.FlipBit("wal/"+names[0], 0); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, plant := range plants {
		r := Run(seed, Options{BeforeEnd: plant})
		if r.Events != base.Events || r.SimTime != base.SimTime {
			t.Fatalf("%s: the plant changed the run itself: %v vs %v", name, r, base)
		}
		if r.Fingerprint == base.Fingerprint {
			t.Errorf("%s: a planted state difference left the fingerprint at %016x", name, r.Fingerprint)
		}
	}
}
