package replication

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fixture is a fault-free world with one MAIN and the given replicas.
func fixture(modes ...Mode) (*scenario, *mainNode) {
	w := newWorld(7)
	w.faults = netFaults{delay: time.Millisecond}
	s := &scenario{w: w, commits: map[uint64]map[uint64]durabilityRecords{}, maxWM: map[string]uint64{}}
	a := s.newMain("main-1", "main-1", Epoch{Num: 1, ID: 11}, nil, &disk{w: w, n: w.node("main-1"), maxSync: 2 * time.Millisecond})
	for i, m := range modes {
		r := s.newRep("r"+string(rune('1'+i)), m)
		if err := a.m.Register(r.name, r.addr, m); err != nil {
			panic(err)
		}
	}
	w.run(50 * time.Millisecond)
	return s, a
}

// step advances the fixture's clock by d.
func (s *scenario) step(d time.Duration) { s.w.run(s.w.now + d) }

func (s *scenario) cutAll(mn *mainNode, r *rep, on bool) { s.w.partition(mn.addr, r.addr, on) }

func statusOf(m *Main, name string) ReplicaStatus {
	for _, st := range m.Status() {
		if st.Name == name {
			return st
		}
	}
	return ReplicaStatus{}
}

func TestSyncWaitsForInSyncReplica(t *testing.T) {
	s, a := fixture(Sync)
	r := s.reps[0]
	if got := a.m.InSync(); !cmp.Equal(got, []string{"r1"}) {
		t.Fatalf("in-sync set %v, want [r1]", got)
	}
	r.st.d.maxSync = 0
	r.st.d.lastEnd = s.w.now + 40*time.Millisecond // the replica's next fsync ends in 40ms
	s.write(a)
	s.step(20 * time.Millisecond)
	if len(s.results) != 0 {
		t.Fatalf("acknowledged before the SYNC replica's fsync: %+v", s.results)
	}
	if a.m.Watermark() != 0 {
		t.Fatalf("watermark %d before the replica confirmed", a.m.Watermark())
	}
	s.step(50 * time.Millisecond)
	if len(s.results) != 1 || s.results[0].Outcome != Acknowledged || len(s.results[0].Warnings) != 0 {
		t.Fatalf("results %+v, want one acknowledgement without warnings", s.results)
	}
	if a.m.Watermark() != 1 || r.r.ReadTS() != 1 {
		t.Fatalf("watermark %d, replica read ts %d, want 1 and 1", a.m.Watermark(), r.r.ReadTS())
	}
	if st := statusOf(a.m, "r1"); st.Status != StatusReady || st.TS != 1 || st.Behind != 0 || !st.InSync {
		t.Fatalf("status %+v", st)
	}
	if len(s.bad) != 0 {
		t.Fatal(s.bad)
	}
}

func TestSyncReplicaTimeoutLeavesSetWithWarningAndRejoins(t *testing.T) {
	s, a := fixture(Sync, Async)
	r1 := s.reps[0]
	s.cutAll(a, r1, true)
	s.write(a)
	s.step(harnessTuning.AckTimeout / 2)
	if len(s.results) != 0 {
		t.Fatalf("acknowledged while the in-sync SYNC replica had not confirmed: %+v", s.results)
	}
	s.step(harnessTuning.AckTimeout)
	if len(s.results) != 1 || s.results[0].Outcome != Acknowledged {
		t.Fatalf("results %+v, want the commit acknowledged after the timeout", s.results)
	}
	if w := s.results[0].Warnings; len(w) != 1 || !strings.Contains(w[0], "r1") {
		t.Fatalf("warnings %q, want one naming r1", w)
	}
	if got := a.m.InSync(); len(got) != 0 {
		t.Fatalf("in-sync set %v after the timeout", got)
	}
	s.cutAll(a, r1, false)
	s.write(a)
	s.step(time.Second)
	if got := a.m.InSync(); !cmp.Equal(got, []string{"r1"}) {
		t.Fatalf("in-sync set %v after healing, want [r1]", got)
	}
	if st := statusOf(a.m, "r1"); st.Status != StatusReady || st.TS != 2 {
		t.Fatalf("status %+v", st)
	}
}

func TestDeadAsyncReplicaNeverBlocks(t *testing.T) {
	s, a := fixture(Async)
	s.cutAll(a, s.reps[0], true)
	s.write(a)
	s.step(5 * time.Millisecond)
	if len(s.results) != 1 || s.results[0].Outcome != Acknowledged || len(s.results[0].Warnings) != 0 {
		t.Fatalf("results %+v, want an immediate acknowledgement", s.results)
	}
	if st := statusOf(a.m, "r1"); st.Status != StatusReplicating || st.Behind != 1 || st.InSync {
		t.Fatalf("status %+v", st)
	}
}

func TestStrictSyncCommitsAndAborts(t *testing.T) {
	s, a := fixture(StrictSync)
	if !a.m.TwoPhase() {
		t.Fatal("a STRICT_SYNC replica is registered but TwoPhase is false")
	}
	s.write(a)
	s.step(50 * time.Millisecond)
	if len(s.results) != 1 || s.results[0].Outcome != Acknowledged {
		t.Fatalf("results %+v, want the commit acknowledged", s.results)
	}
	s.cutAll(a, s.reps[0], true)
	s.write(a) // ts 2: no vote comes
	s.step(2 * harnessTuning.AckTimeout)
	if len(s.results) != 2 || s.results[1].Outcome != Retryable || !errors.Is(s.results[1].Err, ErrAborted) {
		t.Fatalf("results %+v, want the second aborted as retryable", s.results)
	}
	if _, ok := s.commits[1][2]; ok {
		t.Fatal("the aborted transaction was committed on MAIN")
	}
	// The silent replica left the set: the next write commits without it.
	s.write(a)
	s.step(50 * time.Millisecond)
	if len(s.results) != 3 || s.results[2].Outcome != Acknowledged || len(s.results[2].Warnings) != 1 {
		t.Fatalf("results %+v, want the third acknowledged with a warning", s.results)
	}
}

func TestFencedMainFailsPendingAsUnknown(t *testing.T) {
	s, a := fixture(Sync)
	r := s.reps[0]
	r.st.d.maxSync = time.Hour
	s.write(a)
	s.step(10 * time.Millisecond)
	// A newer MAIN takes the replica over.
	b := s.newMain("main-2", "main-2", Epoch{Num: 2, ID: 22}, nil, &disk{w: s.w, n: s.w.node("main-2"), maxSync: time.Millisecond})
	_ = b.m.Register("r1", r.addr, Sync)
	s.step(time.Second)
	if !a.fenced || !a.m.Fenced() {
		t.Fatal("the old MAIN did not learn of the newer epoch")
	}
	if len(s.results) != 1 || s.results[0].Outcome != Unknown || !errors.Is(s.results[0].Err, ErrFenced) {
		t.Fatalf("results %+v, want the pending commit's outcome unknown", s.results)
	}
	if main, e := r.r.Following(); main != "main-2" || e.Num != 2 {
		t.Fatalf("replica follows %s %v, want main-2 epoch 2", main, e)
	}
	a.m.Commit(99, nil, func(res Result) { s.results = append(s.results, res) })
	if res := s.results[len(s.results)-1]; res.Outcome != Unknown {
		t.Fatalf("a fenced MAIN accepted a commit: %+v", res)
	}
}

func TestReplicaRefusesOlderEpoch(t *testing.T) {
	s, _ := fixture()
	r := s.newRep("r1", Sync)
	r.st.hist = History{{Epoch: Epoch{Num: 5, ID: 1}, LastTS: 0}}
	r.st.main, r.st.epoch = "newer", Epoch{Num: 5, ID: 1}
	r.crash()
	r.st.d.crash()
	r.start()
	old := s.mains[0]
	if err := old.m.Register("r1", "r1", Sync); err != nil {
		t.Fatal(err)
	}
	s.step(200 * time.Millisecond)
	if main, e := r.r.Following(); main != "newer" || e.Num != 5 {
		t.Fatalf("replica follows %s %v after an older MAIN's handshake", main, e)
	}
	if !old.fenced {
		t.Fatal("the older MAIN was not told of the newer epoch")
	}
}

func TestDivergedReplicaIsReportedAndLeftAlone(t *testing.T) {
	s, a := fixture()
	r := s.newRep("r1", Sync)
	// The replica holds a transaction of MAIN's term that MAIN never
	// committed (say, MAIN lost an unsynced tail it had shipped).
	s.commits[1][1] = durabilityRecord(1, 1, 0)
	r.st.hist = History{{Epoch: a.epoch, LastTS: 1}}
	r.st.d.recs, r.st.d.synced = []durabilityRecords{durabilityRecord(1, 1, 0)}, 1
	r.start()
	if err := a.m.Register("r1", "r1", Sync); err != nil {
		t.Fatal(err)
	}
	s.step(100 * time.Millisecond)
	st := statusOf(a.m, "r1")
	if st.Status != StatusDiverged || !strings.Contains(st.Reason, "diverged") || st.InSync {
		t.Fatalf("status %+v, want diverged", st)
	}
	if r.r.Diverged() == "" {
		t.Fatal("the replica was not told it diverged")
	}
	s.write(a)
	s.step(100 * time.Millisecond)
	if r.r.Applied() != 1 {
		t.Fatalf("a diverged replica was sent transactions (applied %d)", r.r.Applied())
	}
	if err := a.m.Drop("r1"); err != nil {
		t.Fatal(err)
	}
	if err := a.m.Drop("r1"); err == nil {
		t.Fatal("dropping an unknown replica succeeded")
	}
}

func TestCatchUpFromWALThenSnapshot(t *testing.T) {
	s, a := fixture()
	for range 100 { // more than MAIN keeps in memory
		s.write(a)
		s.step(time.Millisecond)
	}
	s.step(20 * time.Millisecond)
	a.log.retired = 10 // the WAL lost its first records
	r := s.newRep("r1", Sync)
	r.st.badPieces = 1 // a damaged piece: the replica refuses that snapshot, MAIN sends another
	if err := a.m.Register("r1", "r1", Sync); err != nil {
		t.Fatal(err)
	}
	s.step(time.Millisecond)
	if st := statusOf(a.m, "r1"); st.Status != StatusInvalid && st.Status != StatusRecovery {
		t.Fatalf("status %+v while connecting", st)
	}
	s.step(500 * time.Millisecond)
	if s.stats.snapshots != 2 {
		t.Fatalf("%d snapshots sent, want 2 (the first was refused as damaged)", s.stats.snapshots)
	}
	if r.r.Failed() != nil {
		t.Fatalf("a damaged snapshot stopped the replica: %v", r.r.Failed())
	}
	if st := statusOf(a.m, "r1"); st.Status != StatusReady || st.TS != 100 || !st.InSync {
		t.Fatalf("status %+v after catch-up", st)
	}
	s.checkConvergence()
	if len(s.bad) != 0 {
		t.Fatal(s.bad)
	}
	if d := cmp.Diff(a.m.History(), r.r.History(), cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("replica history differs from MAIN's (-main +replica):\n%s", d)
	}
}

func TestRegisterValidates(t *testing.T) {
	_, a := fixture(Sync)
	for _, c := range []struct{ name, addr string }{{"r1", "x:1"}, {"other", "r1"}, {"", "y:1"}} {
		if err := a.m.Register(c.name, c.addr, Async); err == nil {
			t.Errorf("Register(%q, %q) succeeded", c.name, c.addr)
		}
	}
	if err := a.m.Register("z", "z:1", Mode(9)); err == nil {
		t.Error("Register accepted an invalid mode")
	}
}

func TestCommitOutOfOrderFails(t *testing.T) {
	s, a := fixture(Async)
	s.write(a)
	var got Result
	a.m.Commit(1, nil, func(r Result) { got = r })
	if got.Outcome != Unknown || !errors.Is(got.Err, ErrOutOfOrder) {
		t.Fatalf("result %+v, want ErrOutOfOrder", got)
	}
}

func TestBehindIsUnknownPastTheTail(t *testing.T) {
	s, a := fixture(Async)
	s.cutAll(a, s.reps[0], true)
	for range harnessTuning.Tail + 10 {
		s.write(a)
	}
	s.step(10 * time.Millisecond)
	if st := statusOf(a.m, "r1"); st.Behind != -1 || st.TS != 0 {
		t.Fatalf("status %+v, want behind -1 (uncountable) at ts 0", st)
	}
}

func TestRivalTermWithTheSameNumberIsFenced(t *testing.T) {
	s, a := fixture(Sync)
	r := s.reps[0]
	rival := s.newMain("main-x", "main-x", Epoch{Num: 1, ID: 777}, nil, &disk{w: s.w, n: s.w.node("main-x"), maxSync: time.Millisecond})
	if err := rival.m.Register("r1", r.addr, Sync); err != nil {
		t.Fatal(err)
	}
	s.step(100 * time.Millisecond)
	if main, _ := r.r.Following(); main != a.uuid {
		t.Fatalf("replica follows %s, want the first MAIN of its term", main)
	}
	if !rival.fenced || a.fenced {
		t.Fatalf("rival fenced %v, first MAIN fenced %v; want only the rival", rival.fenced, a.fenced)
	}
}

// TestDivergedReplicaResyncedAfterDropAndRegister: a diverged replica is
// left alone while registered; dropped and registered again, it is sent a
// snapshot that replaces its branch, and then follows MAIN.
func TestDivergedReplicaResyncedAfterDropAndRegister(t *testing.T) {
	s, a := fixture()
	r := s.newRep("r1", Sync)
	s.commits[1][1] = durabilityRecord(1, 1, 0)
	r.st.hist = History{{Epoch: a.epoch, LastTS: 1}}
	r.st.d.recs, r.st.d.synced = []durabilityRecords{durabilityRecord(1, 1, 0)}, 1
	r.start()
	if err := a.m.Register("r1", "r1", Sync); err != nil {
		t.Fatal(err)
	}
	s.step(100 * time.Millisecond)
	if st := statusOf(a.m, "r1"); st.Status != StatusDiverged {
		t.Fatalf("status %+v, want diverged", st)
	}
	if err := a.m.Drop("r1"); err != nil {
		t.Fatal(err)
	}
	if err := a.m.Register("r1", "r1", Sync); err != nil {
		t.Fatal(err)
	}
	s.step(500 * time.Millisecond)
	s.write(a)
	s.write(a)
	s.step(500 * time.Millisecond)
	if s.stats.snapshots != 1 {
		t.Fatalf("%d snapshots sent, want 1", s.stats.snapshots)
	}
	if st := statusOf(a.m, "r1"); st.Status != StatusReady {
		t.Fatalf("status %+v after the resync", st)
	}
	if r.r.Diverged() != "" {
		t.Fatalf("the replica still believes it diverged: %s", r.r.Diverged())
	}
	s.checkConvergence()
	if len(s.bad) != 0 {
		t.Fatal(s.bad)
	}
}

func TestFork(t *testing.T) {
	ep := func(n uint64) Epoch { return Epoch{Num: n, ID: n * 7} }
	main := History{{ep(1), 10}, {ep(3), 20}}
	for _, c := range []struct {
		r    History
		want uint64
	}{
		{History{{ep(1), 10}, {ep(3), 15}}, 15},
		{History{{ep(1), 12}}, 10},
		{History{{ep(1), 8}}, 8},
		{History{{ep(1), 10}, {ep(2), 14}}, 10},
		{History{{Epoch{Num: 1, ID: 99}, 4}}, 0},
		{nil, 0},
	} {
		if got := Fork(main, c.r); got != c.want {
			t.Errorf("Fork(%v, %v) = %d, want %d", main, c.r, got, c.want)
		}
	}
}
