//go:build replbug_syncack

package replsim

import "testing"

// TestPlantedStrictAckEarly runs under the replbug_syncack build tag, where
// MAIN acknowledges commits without waiting for its SYNC and STRICT_SYNC
// replicas: the scenario must fail at least 90% of the seeds that drew a
// STRICT_SYNC replica.
func TestPlantedStrictAckEarly(t *testing.T) {
	strict, caught := 0, 0
	for seed := uint64(1); strict < 20 && seed < 200; seed++ {
		var st runStats
		r := Run(seed, Options{stats: &st, ArtifactDir: t.TempDir()})
		if !st.strict {
			continue // not a STRICT_SYNC seed
		}
		strict++
		if r.Err != nil {
			caught++
		}
	}
	rate := float64(caught) / float64(max(strict, 1))
	t.Logf("planted early acknowledgement caught in %d of %d STRICT_SYNC seeds (%.0f%%)", caught, strict, 100*rate)
	if strict < 20 || rate < 0.9 {
		t.Fatalf("catch rate %.0f%% over %d STRICT_SYNC seeds, want at least 90%% over 20", 100*rate, strict)
	}
}
