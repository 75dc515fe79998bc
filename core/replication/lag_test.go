package replication

import (
	"testing"
	"time"
)

// TestStatusReportsLag: an ASYNC replica cut off from MAIN falls behind by
// the commits made since, and its lag is the age of the oldest of them;
// once the link heals both return to zero.
func TestStatusReportsLag(t *testing.T) {
	s, a := fixture(Async)
	s.write(a)
	s.step(50 * time.Millisecond)
	if st := statusOf(a.m, "r1"); st.Behind != 0 || st.Lag != 0 || st.Status != StatusReady {
		t.Fatalf("status %+v, want caught up", st)
	}
	s.cutAll(a, s.reps[0], true)
	first := s.w.now
	for range 5 {
		s.write(a)
		s.step(10 * time.Millisecond)
	}
	st := statusOf(a.m, "r1")
	if st.Behind != 5 || st.Lag != s.w.now-first {
		t.Fatalf("status %+v, want 5 behind and lag %v", st, s.w.now-first)
	}
	s.cutAll(a, s.reps[0], false)
	s.step(time.Second)
	if st := statusOf(a.m, "r1"); st.Behind != 0 || st.Lag != 0 {
		t.Fatalf("status %+v after healing, want caught up", st)
	}
}

// TestAckWaitAfterFsync: OnAcknowledged hears how long each commit waited
// for the replicas after MAIN's own fsync: a SYNC replica whose fsync is
// slower than MAIN's makes the commit wait the difference, and one that
// confirmed before MAIN's fsync returned costs nothing.
func TestAckWaitAfterFsync(t *testing.T) {
	s, a := deferredFixture(Sync)
	var waits []time.Duration
	a.m.cfg.OnAcknowledged = func(d time.Duration) { waits = append(waits, d) }
	s.w.faults = netFaults{}
	r := s.reps[0]
	commit := func(mainSync, repSync time.Duration) {
		r.st.d.maxSync, a.d.maxSync = 0, 0
		ts := a.nextTS
		a.nextTS++
		rec := durabilityRecord(a.epoch.Num, ts, a.lastTS)
		a.lastTS = ts
		s.commits[a.epoch.Num][ts] = rec
		s.w.at(mainSync, func() { a.m.Durable(ts) }) // MAIN's fsync returns after mainSync
		r.st.d.lastEnd = s.w.now + repSync           // the replica's after repSync
		a.m.Commit(ts, nil, func(Result) {})
		a.m.Flush()
		s.step(50 * time.Millisecond)
	}
	commit(time.Millisecond, 5*time.Millisecond)
	commit(5*time.Millisecond, time.Millisecond)
	if len(waits) != 2 || waits[0] != 4*time.Millisecond || waits[1] != 0 {
		t.Fatalf("waits after MAIN's fsync %v, want [4ms 0s]", waits)
	}
}
