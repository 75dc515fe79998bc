package replsim

import (
	"testing"
)

// TestReplicaReadLivesFollowIncarnations replays seeds where the calm
// before the operator failover restarted a crashed replica (sim.Nemesis
// starts every host that is down) before the scenario's own restart
// counted a new life: its reads after the restart, which rightly show
// only what it showed when its state was saved, were judged as reads of
// the life before and failed "not a growing prefix of MAIN's log". A
// read's life is now the host's incarnation. Each seed must pass
// outright: a seed failing another way would hide the one replayed.
func TestReplicaReadLivesFollowIncarnations(t *testing.T) {
	for _, seed := range []uint64{49, 134, 191} {
		r := Run(seed, Options{ArtifactDir: t.TempDir()})
		if r.Err != nil {
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
		r := Run(seed, Options{ArtifactDir: t.TempDir()})
		if r.Err != nil {
			t.Errorf("seed %d: %v", seed, r.Err)
		}
	}
}

// TestRestoredReplicasNeedNoExemption: a replica that restores its role on
// restart shows only what MAIN had acknowledged (the read timestamp its
// state file saved), so nothing it recovered is exempt from the watermark
// checks (the exemption for replicas restarted as standalone MAINs is
// gone with RestoreReplicationState always on), and restarted replicas
// are watched.
func TestRestoredReplicasNeedNoExemption(t *testing.T) {
	var sum runStats
	for seed := uint64(1); seed <= 12; seed++ {
		var st runStats
		r := Run(seed, Options{stats: &st, ArtifactDir: t.TempDir()})
		if r.Err != nil {
			t.Errorf("seed %d: %v", seed, r.Err)
		}
		sum.restarts += st.restarts
		sum.samples += st.samples
	}
	if sum.restarts == 0 || sum.samples == 0 {
		t.Fatalf("no restarted replica was watched: %+v", sum)
	}
}
