package replsim

import (
	"testing"
)

// TestCalmRestartsWithChecks: a host still down when the faults stop is
// restarted by the calm with its recovery check, and what MAIN had
// promised it is taken at that start. The world's own calm starts every
// host that is down; the scheduled restart used to find it up later,
// serving and confirming in its new life, and checked the old recovery
// against the new promises ("replica r1 recovered up to 53, but MAIN had
// acknowledged 119 as durable on it"). After the calm no host may be
// waiting for a restart, and every run must pass (its recovery checks among them).
func TestCalmRestartsWithChecks(t *testing.T) {
	calmed := 0
	for seed := uint64(1); seed <= 12; seed++ {
		var st runStats
		atHeal := func(r *run) {
			for i, h := range r.hosts {
				if h.Stopping() {
					continue // a clean stop under way restarts it once done
				}
				if r.nem.down[i] || !h.Up() {
					t.Errorf("seed %d: after the calm %s is up %v, waiting for a restart %v", seed, names[i], h.Up(), r.nem.down[i])
				}
			}
		}
		res := Run(seed, Options{SnapshotCatchUp: true, atHeal: atHeal, stats: &st, ArtifactDir: t.TempDir()})
		if res.Err != nil {
			t.Errorf("seed %d: %v", seed, res.Err)
		}
		calmed += st.calmRestarts
	}
	if calmed == 0 {
		t.Fatal("no calm found a host down: the test checks nothing")
	}
	t.Logf("calms restarted %d hosts in 12 seeds", calmed)
}
