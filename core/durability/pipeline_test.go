package durability

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/quiverdb/quiver/sim/simdisk"
)

// pipeRig is a Store with two fsyncs in flight on a simulated disk whose
// sync latencies the test dictates, one per Sync, in call order.
type pipeRig struct {
	t    *testing.T
	fs   *simdisk.FS
	st   *Store
	s    *sched
	lat  []time.Duration
	errs map[int64]error // completed commits and their results
	seq  []int64         // completion order
}

func newPipeRig(t *testing.T) *pipeRig {
	fs, s, _ := newSimFS(11)
	st, _, _ := openT(t, fs, Options{SyncDepth: 2})
	r := &pipeRig{t: t, fs: fs, st: st, s: s, errs: map[int64]error{}}
	s.drain()
	r.commit(1) // creates the segment: later syncs are group commits only
	s.drain()
	r.errs, r.seq = map[int64]error{}, nil
	fs.SetSyncLatency(func(*rand.Rand) time.Duration {
		if len(r.lat) == 0 {
			return time.Millisecond
		}
		d := r.lat[0]
		r.lat = r.lat[1:]
		return d
	})
	return r
}

func (r *pipeRig) commit(i int64) {
	r.st.Append(1, uint64(i), txDeltas(i), func(err error) {
		if _, dup := r.errs[i]; dup {
			r.t.Fatalf("commit %d completed twice", i)
		}
		r.errs[i] = err
		r.seq = append(r.seq, i)
	})
}

// TestSecondFsyncStartsWhileFirstRuns: a commit arriving during an fsync
// gets its own fsync at once (a second handle), a third waits for a free
// slot, and batches complete in order even when the later fsync returns
// first.
func TestSecondFsyncStartsWhileFirstRuns(t *testing.T) {
	r := newPipeRig(t)
	r.lat = []time.Duration{10 * time.Millisecond, 2 * time.Millisecond, time.Millisecond}
	r.commit(2) // fsync A, 10 ms
	r.commit(3) // fsync B, 2 ms, on the second handle
	r.commit(4) // waits: two in flight
	r.commit(5)
	if len(r.st.inflight) != 2 || len(r.st.waiting) != 2 {
		t.Fatalf("%d batches in flight and %d commits waiting, want 2 and 2", len(r.st.inflight), len(r.st.waiting))
	}
	if r.st.handles[0] == r.st.handles[1] || r.st.handles[1] == nil {
		t.Fatal("the two fsyncs do not use two handles")
	}
	for r.s.now < 5*time.Millisecond && r.s.step() {
	}
	if len(r.seq) != 0 {
		t.Fatalf("commits %v completed before the first fsync returned", r.seq)
	}
	for len(r.seq) < 4 && r.s.step() {
	}
	want := []int64{2, 3, 4, 5}
	for i, ts := range r.seq {
		if ts != want[i] || r.errs[ts] != nil {
			t.Fatalf("completions %v (%v), want %v without errors", r.seq, r.errs, want)
		}
	}
	if got := r.st.GroupStats(); got.Batches < 3 {
		t.Fatalf("stats %+v: want a third batch for 4 and 5", got)
	}
}

// TestFailedFirstFsyncFailsSecond: the later batch's fsync succeeds first,
// then the earlier one fails: both batches fail, and the Store stops.
func TestFailedFirstFsyncFailsSecond(t *testing.T) {
	r := newPipeRig(t)
	r.lat = []time.Duration{10 * time.Millisecond, time.Millisecond}
	r.fs.FailNextSync(errors.New("EIO"))
	r.commit(2) // fails, late
	r.commit(3) // succeeds, early
	for r.s.step() {
	}
	for _, ts := range []int64{2, 3} {
		if !errors.Is(r.errs[ts], ErrFailed) {
			t.Fatalf("commit %d: %v, want ErrFailed (errors %v)", ts, r.errs[ts], r.errs)
		}
	}
	r.commit(4)
	if !errors.Is(r.errs[4], ErrFailed) {
		t.Fatalf("commit after the failure: %v", r.errs[4])
	}
}

// TestFailedFsyncReachesTheOtherHandle: the earlier batch's fsync fails
// first; the later one, on the other handle, hears of the failure too (as
// Linux reports it per open file description), and both batches fail.
func TestFailedFsyncReachesTheOtherHandle(t *testing.T) {
	r := newPipeRig(t)
	r.lat = []time.Duration{time.Millisecond, 10 * time.Millisecond}
	r.fs.FailNextSync(errors.New("EIO"))
	r.commit(2)
	r.commit(3)
	for r.s.step() {
	}
	if !errors.Is(r.errs[2], ErrFailed) || !errors.Is(r.errs[3], ErrFailed) {
		t.Fatalf("errors %v, want both failed", r.errs)
	}
}

// TestEarlierBatchHearsLaterFailure: the later batch's fsync fails first
// (its write-back may have covered the earlier batch's pages), then the
// earlier batch's fsync returns. Sharing one handle, the earlier fsync
// would report success, the error having gone to the later one; on its own
// handle it reports the failure, so no commit of either batch succeeds.
func TestEarlierBatchHearsLaterFailure(t *testing.T) {
	r := newPipeRig(t)
	r.lat = []time.Duration{10 * time.Millisecond, time.Millisecond}
	r.commit(2)
	r.fs.FailNextSync(errors.New("EIO"))
	r.commit(3)
	for r.s.step() {
	}
	if !errors.Is(r.errs[2], ErrFailed) || !errors.Is(r.errs[3], ErrFailed) {
		t.Fatalf("errors %v, want both failed", r.errs)
	}
	if n := r.fs.Faults().UnreportedSyncErrors; n != 0 {
		t.Fatalf("%d fsyncs missed the failure", n)
	}
}

// TestSecondFsyncOnlyEarly: with a Clock, a commit arriving early in an
// fsync gets a second fsync at once; one arriving when the fsync has run
// more than half as long as the last one took waits for it instead.
func TestSecondFsyncOnlyEarly(t *testing.T) {
	fs, s, _ := newSimFS(12)
	fs.SetSyncLatency(func(*rand.Rand) time.Duration { return 4 * time.Millisecond })
	st, _, _ := openT(t, fs, Options{SyncDepth: 2, Clock: schedClock{s}})
	done := 0
	commit := func(i int64) {
		st.Append(1, uint64(i), txDeltas(i), func(err error) {
			if err != nil {
				t.Fatalf("commit %d: %v", i, err)
			}
			done++
		})
	}
	at := func(d time.Duration, f func()) { // runs f at d from now, running what comes before
		ran := false
		s.After(d, func() { f(); ran = true })
		for !ran && s.step() {
		}
	}
	commit(1) // creates the segment; its fsync measures 4 ms
	s.drain()
	commit(2)
	at(time.Millisecond, func() { commit(3) })
	if len(st.inflight) != 2 {
		t.Fatalf("%d fsyncs in flight 1 ms into the first, want 2", len(st.inflight))
	}
	s.drain()
	commit(4)
	at(3*time.Millisecond, func() { commit(5) })
	if len(st.inflight) != 1 || len(st.waiting) != 1 {
		t.Fatalf("3 ms into a 4 ms fsync: %d in flight, %d waiting; want 1 and 1", len(st.inflight), len(st.waiting))
	}
	s.drain()
	if done != 5 {
		t.Fatalf("%d of 5 commits completed", done)
	}
}
