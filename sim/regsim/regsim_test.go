package regsim

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/simtest"
)

var seeds = flag.Int("register-seeds", 200, "seeds for TestRegisterScenario")

// TestRegisterScenario runs many seeds; each must pass its own checks, and
// over all of them the nemesis must have crashed (torn and clean, many of
// them inside an fsync), restarted and failed the disk, and the checker
// must have examined operations of every outcome.
func TestRegisterScenario(t *testing.T) {
	var total sim.FaultCounts
	var stats runStats
	checked := 0
	start := time.Now()
	for seed := uint64(1); seed <= uint64(*seeds); seed++ {
		var st runStats
		r := Run(seed, Options{ArtifactDir: t.TempDir(), stats: &st})
		stats.aimed += st.aimed
		stats.aimedDirty += st.aimedDirty
		stats.restarts += st.restarts
		stats.replays += st.replays
		if r.Err != nil {
			t.Fatalf("%v\nreplay: %s", r, sim.ReplayLine(Scenario.Name, seed, sim.RunOptions{}))
		}
		if r.Checked == 0 {
			t.Fatalf("seed %d: the checker examined nothing: %v", seed, r)
		}
		total.Add(r.Faults)
		checked += r.Checked
	}
	wall := time.Since(start)
	t.Logf("%d seeds in %v (%.1f seeds/s), %d operations checked; faults: %s",
		*seeds, wall.Round(time.Millisecond), float64(*seeds)/wall.Seconds(), checked, total)
	t.Logf("%d crashes aimed inside an fsync, %d of them with unsynced data on the disk; %d restarts; %d comparisons with the WAL",
		stats.aimed, stats.aimedDirty, stats.restarts, stats.replays)
	if total[sim.FaultCrash] == 0 || total[sim.FaultTornCrash] == 0 || total[sim.FaultDisk] == 0 {
		t.Fatalf("the nemesis did not crash (torn and not) and fail the disk: %s", total)
	}
	// A few aimed syncs have nothing unsynced (a directory sync, a segment
	// already synced), and a restart that crashes again before it is ready
	// is not compared; most must be both.
	if stats.aimedDirty < stats.aimed*8/10 || stats.replays < stats.restarts*8/10 {
		t.Fatalf("crashes aimed %d, %d at unsynced data; %d restarts, %d WAL comparisons", stats.aimed, stats.aimedDirty, stats.restarts, stats.replays)
	}
}

// TestRegisterDeterminism: the register scenario joins the simulator's
// determinism check (same seed, same run, here and in a fresh process).
func TestRegisterDeterminism(t *testing.T) {
	simtest.Determinism(t, 20, Scenario)
}

// TestWALComparisonCatchesDivergence plants a commit in the instance's graph
// that its WAL never saw; the comparison with the WAL replay must fail.
func TestWALComparisonCatchesDivergence(t *testing.T) {
	plant := func(r *run) {
		r.w.After(50*time.Millisecond, func() {
			g := r.inst().Graph()
			tx := g.Begin(graph.TxOptions{})
			v, err := tx.CreateVertex()
			if err == nil {
				err = tx.SetVertexProperty(v, "planted", int64(1))
			}
			ts, _, err2 := tx.Commit()
			if err != nil || err2 != nil {
				t.Error(err, err2)
				return
			}
			if err := g.MarkAcknowledged(ts); err != nil {
				t.Error(err)
			}
		})
	}
	r := Run(5, Options{atHeal: plant})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "WAL") {
		t.Fatalf("a commit missing from the WAL went unnoticed: %v", r)
	}
}
