package replsim

import (
	"strings"
	"testing"
)

// TestReplicaReadLivesFollowIncarnations replays seeds where the calm
// before the operator failover restarted a crashed replica (sim.Nemesis
// starts every host that is down) before the scenario's own restart
// counted a new life: its reads after the restart, which rightly show
// only what it showed when its state was saved, were judged as reads of
// the life before and failed "not a growing prefix of MAIN's log". A
// read's life is now the host's incarnation.
func TestReplicaReadLivesFollowIncarnations(t *testing.T) {
	for _, seed := range []uint64{49, 134, 191} {
		r := Run(seed, Options{knownIssues: true, ArtifactDir: t.TempDir()})
		if r.Err != nil && strings.Contains(r.Err.Error(), "not a growing prefix") {
			t.Errorf("seed %d: %v", seed, r.Err)
		}
	}
}

// TestWatermarkSampledWhereMainRaisesIt replays seeds where the scenario
// missed a watermark MAIN had acknowledged and sent: seed 193, where MAIN
// raised it to 204, sent it to r2 and crashed within the watcher's
// millisecond (the sample said 203; MAIN's watermark is now read once more
// before MAIN is crashed or stopped), and seed 18, where a restarted MAIN
// acknowledged its recovered commits under its new term and sent 80 to r1
// before it was ready (the watcher read only a ready MAIN; it now reads
// MAIN from its start).
func TestWatermarkSampledWhereMainRaisesIt(t *testing.T) {
	for _, seed := range []uint64{18, 193} {
		r := Run(seed, Options{knownIssues: true, ArtifactDir: t.TempDir()})
		if r.Err != nil && strings.Contains(r.Err.Error(), "past the acknowledged watermark") {
			t.Errorf("seed %d: %v", seed, r.Err)
		}
	}
}

// TestRestoredReplicasNeedNoExemption: a replica that restores its role on
// restart shows only what MAIN had acknowledged (the read timestamp its
// state file saved), so with RestoreReplicationState nothing is exempt
// from the watermark checks; without it a restarted replica came back a
// standalone MAIN showing all it recovered, and the exemption is used.
func TestRestoredReplicasNeedNoExemption(t *testing.T) {
	var restored, plain runStats
	for seed := uint64(1); seed <= 12; seed++ {
		var st runStats
		r := Run(seed, Options{knownIssues: true, stats: &st, ArtifactDir: t.TempDir()})
		if r.Err != nil && strings.Contains(r.Err.Error(), "watermark") {
			t.Errorf("seed %d: %v", seed, r.Err)
		}
		restored.restarts += st.restarts
		restored.samples += st.samples
		restored.exempt += st.exempt
	}
	for _, seed := range []uint64{18, 20, 27} { // seeds with replicas restarted as standalone MAINs
		var ps runStats
		Run(seed, Options{stats: &ps, ArtifactDir: t.TempDir()})
		plain.exempt += ps.exempt
	}
	if restored.restarts == 0 || restored.samples == 0 {
		t.Fatalf("no restarted replica was watched: %+v", restored)
	}
	if restored.exempt != 0 {
		t.Errorf("%d samples exempt with the role restored", restored.exempt)
	}
	if plain.exempt == 0 {
		t.Error("without restoring roles no sample was exempt: the exemption may be dead")
	}
}
