package durability

import (
	"testing"
	"time"

	"github.com/quiverdb/quiver/clock"
)

// schedClock is a clock.Clock on the test's virtual-time queue.
type schedClock struct{ s *sched }

func (c schedClock) Now() time.Time           { return time.Unix(0, 0).Add(c.s.now) }
func (c schedClock) Monotonic() time.Duration { return c.s.now }
func (c schedClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &schedTimer{}
	c.s.After(d, func() {
		if !t.stopped {
			t.stopped = true
			f()
		}
	})
	return t
}

type schedTimer struct{ stopped bool }

func (t *schedTimer) Stop() bool {
	was := !t.stopped
	t.stopped = true
	return was
}

// gatherRig is a Store with a Clock whose commits record the order of
// their completions and the fsync count at each.
type gatherRig struct {
	t    *testing.T
	st   *Store
	s    *sched
	next int64
	done map[int64]bool
}

func newGatherRig(t *testing.T, withClock bool) *gatherRig {
	fs, s, _ := newSimFS(7)
	// one fsync at a time: the window is about the commits that wait for it
	opts := Options{Defer: func(f func()) { s.After(0, f) }, SyncDepth: 1}
	if withClock {
		opts.Clock = schedClock{s}
	}
	st, _, _ := openT(t, fs, opts)
	s.drain()
	return &gatherRig{t: t, st: st, s: s, done: map[int64]bool{}}
}

// commit appends the next transaction; then runs when it completes.
func (r *gatherRig) commit(then func()) int64 {
	r.next++
	i := r.next
	r.st.Append(1, uint64(i), txDeltas(i), func(err error) {
		if err != nil {
			r.t.Fatalf("commit %d: %v", i, err)
		}
		r.done[i] = true
		if then != nil {
			then()
		}
	})
	return i
}

// TestGatherMergesReturningWriters: writers that resubmit as soon as their
// commit completes end up sharing one fsync each round, instead of
// splitting into two groups that alternate (each commit waiting for the
// end of the other group's fsync and then its own).
func TestGatherMergesReturningWriters(t *testing.T) {
	if n := writerRounds(t, true); n > 23 {
		t.Fatalf("%d completion rounds for 20 rounds of 8 writers: batches did not merge", n)
	}
	// Without the window the split persists (what the test guards against).
	if n := writerRounds(t, false); n < 30 {
		t.Fatalf("without gathering: %d completion rounds; the scenario no longer splits", n)
	}
}

// writerRounds runs 8 writers for 20 rounds each and counts the fsyncs
// that completed commits.
func writerRounds(t *testing.T, withClock bool) int {
	r := newGatherRig(t, withClock)
	r.commit(nil) // creates the segment, so the writers meet only fsyncs
	r.s.drain()
	r.done = map[int64]bool{}
	const writers, rounds = 8, 20
	left := writers * rounds
	var writer func()
	writer = func() {
		if left == 0 {
			return
		}
		left--
		// The client's next write arrives a little later, as over a socket.
		r.s.After(10*time.Microsecond, func() { r.commit(writer) })
	}
	// Half the writers start now, half while the first fsync runs: the
	// split that arises on a real loop.
	for range writers / 2 {
		writer()
	}
	r.s.After(50*time.Microsecond, func() {
		for range writers / 2 {
			writer()
		}
	})
	fsyncs := 0
	last := 0
	for r.s.step() {
		if len(r.done) != last {
			fsyncs++
			last = len(r.done)
		}
	}
	if len(r.done) != writers*rounds {
		t.Helper()
		t.Fatalf("%d of %d commits completed", len(r.done), writers*rounds)
	}
	return fsyncs
}

// TestGatherWindowEnds: when the released commits do not come back, the
// ones waiting are written after the window, and nothing completes before
// the fsync that covers it.
func TestGatherWindowEnds(t *testing.T) {
	r := newGatherRig(t, true)
	a := r.commit(nil)
	for len(r.st.inflight) == 0 && r.s.step() { // until a's fsync runs
	}
	b := r.commit(nil) // waits during a's fsync
	for !r.done[a] && r.s.step() {
	}
	if r.done[b] {
		t.Fatal("a commit completed before an fsync covered it")
	}
	if r.st.gather == 0 {
		t.Fatal("no gathering window after a batch completed with a commit waiting")
	}
	for r.s.step() {
	}
	if !r.done[b] {
		t.Fatal("the waiting commit never completed after the window")
	}
	if r.st.gather != 0 || r.st.gatherT != nil {
		t.Fatal("the gathering window did not end")
	}
}

// TestExpectGathersAcknowledgedWriters: on a MAIN whose commits are
// acknowledged some time after their fsync (once replicas confirmed them),
// gathering from the fsync's completion is off (SetGather(false)) and
// Expect, called at acknowledgment, gathers the writers that come back;
// without it they trickle into many more, smaller batches.
func TestExpectGathersAcknowledgedWriters(t *testing.T) {
	with, without := ackedWriterBatches(t, true), ackedWriterBatches(t, false)
	t.Logf("fsyncs for 8 writers x 20 rounds: %d with Expect, %d without", with, without)
	if with > 30 || with*3 > without*2 {
		t.Fatalf("%d fsyncs with Expect, %d without: the acknowledged writers were not gathered", with, without)
	}
}

// ackedWriterBatches runs 8 writers for 20 rounds each whose commits are
// acknowledged 150µs after their fsync, and returns the fsyncs it took.
func ackedWriterBatches(t *testing.T, expect bool) int64 {
	r := newGatherRig(t, true)
	r.st.SetGather(false)
	r.commit(nil)
	r.s.drain()
	r.done = map[int64]bool{}
	base := r.st.stats.Batches
	const writers, rounds = 8, 20
	left := writers * rounds
	var writer, acked func()
	writer = func() {
		if left == 0 {
			return
		}
		left--
		r.s.After(10*time.Microsecond, func() { r.commit(acked) })
	}
	acked = func() { // the replicas confirm a little after MAIN's fsync
		r.s.After(150*time.Microsecond, func() {
			if expect {
				r.st.Expect(1)
			}
			writer()
		})
	}
	for range writers / 2 {
		writer()
	}
	r.s.After(50*time.Microsecond, func() {
		for range writers / 2 {
			writer()
		}
	})
	for r.s.step() {
	}
	if len(r.done) != writers*rounds {
		t.Fatalf("%d of %d commits completed", len(r.done), writers*rounds)
	}
	return r.st.stats.Batches - base
}
