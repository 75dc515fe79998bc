//go:build plantedbug_ackbeforefsync

package regsim

import (
	"testing"

	"github.com/quiverdb/quiver/sim"
)

// TestPlantedAckBeforeFsync runs under the plantedbug_ackbeforefsync build
// tag, which makes group commit acknowledge commits before their fsync
// (core/durability). The scenario's checks must catch it in at least 90%
// of seeds: crashes are aimed inside fsyncs, so acknowledged writes are
// lost in almost every run.
func TestPlantedAckBeforeFsync(t *testing.T) {
	const n = 50
	caught := 0
	for seed := uint64(1); seed <= n; seed++ {
		r := Run(seed, Options{ArtifactDir: t.TempDir()})
		if r.Err != nil {
			caught++
			if caught <= 3 {
				t.Logf("caught: %v\n  replay (a binary built with -tags plantedbug_ackbeforefsync): %s",
					r, sim.ReplayLine(Scenario.Name, seed, sim.RunOptions{}))
			}
		}
	}
	rate := float64(caught) / n
	t.Logf("planted ack-before-fsync bug caught in %d of %d seeds (%.0f%%)", caught, n, 100*rate)
	// What the client history alone shows (linearizability), without the
	// instance-side checks: reported, not required.
	byHistory := 0
	for seed := uint64(1); seed <= n; seed++ {
		if r := Run(seed, Options{ArtifactDir: t.TempDir(), historyOnly: true}); r.Err != nil {
			byHistory++
			if byHistory == 1 {
				t.Logf("e.g. %v", r)
			}
		}
	}
	t.Logf("the client history alone (porcupine) catches it in %d of %d seeds", byHistory, n)
	if rate < 0.9 {
		t.Fatalf("catch rate %.0f%% is below 90%%", 100*rate)
	}
}
