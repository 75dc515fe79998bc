package sim

import (
	"github.com/quiverdb/quiver/sim/ping"
	"testing"
	"time"
)

// TestNemesisRespectsLimits runs crash, pause and wipe faults with at most
// one host down at a time and wipes allowed on one host only, checking both
// limits every millisecond, and checks that Calm brings every host back.
func TestNemesisRespectsLimits(t *testing.T) {
	w := NewWorld(Options{Seed: 31, Disk: SimDisk})
	hosts := pingCluster(w, 5, ping.Config{Limit: 0})
	for _, h := range hosts {
		if err := h.Start(); err != nil {
			t.Fatal(err)
		}
	}
	m := NewNemesis(w, hosts, Profile{Crash: true, Pause: true, RestartEmpty: true, Gap: 20 * time.Millisecond})
	m.MaxDown = 1
	m.MayWipe = func(h *Host) bool { return h == hosts[0] }
	m.Run(20 * time.Second)
	maxDown := 0
	var check func()
	check = func() {
		maxDown = max(maxDown, m.down())
		for _, h := range hosts[1:] {
			if w.Faults()[FaultRestartEmpty] > 0 && h.SimDisk().Faults().Wipes > 0 {
				t.Fatalf("%s wiped, only %s may be", h.Addr(), hosts[0].Addr())
			}
		}
		if w.Now() < 20*time.Second {
			w.After(time.Millisecond, check)
		}
	}
	w.After(0, check)
	w.RunUntil(20 * time.Second)
	f := w.Faults()
	if maxDown != 1 || f[FaultCrash]+f[FaultTornCrash] == 0 || f[FaultPause] == 0 || f[FaultRestartEmpty] == 0 {
		t.Fatalf("max down %d (want 1), faults %v", maxDown, f)
	}
	if err := m.Calm(); err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if !h.Up() || h.Paused() {
			t.Fatalf("%s not running after Calm", h.Addr())
		}
	}
}
