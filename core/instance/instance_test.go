package instance

import (
	"container/heap"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/sim/simdisk"
)

// loop is a virtual-time event queue: the simulated disk's completions and
// the clock's timers run from it, one at a time.
type loop struct {
	now time.Duration
	seq int
	q   evq
}

type ev struct {
	at        time.Duration
	seq       int
	f         func()
	cancelled *bool
}

type evq []ev

func (q evq) Len() int { return len(q) }
func (q evq) Less(i, j int) bool {
	return q[i].at < q[j].at || q[i].at == q[j].at && q[i].seq < q[j].seq
}
func (q evq) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *evq) Push(x any)   { *q = append(*q, x.(ev)) }
func (q *evq) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func (l *loop) After(d time.Duration, f func()) { l.add(d, f) }

func (l *loop) add(d time.Duration, f func()) *bool {
	l.seq++
	c := new(bool)
	heap.Push(&l.q, ev{at: l.now + d, seq: l.seq, f: f, cancelled: c})
	return c
}

func (l *loop) step() bool {
	for len(l.q) > 0 {
		e := heap.Pop(&l.q).(ev)
		l.now = e.at
		if !*e.cancelled {
			e.f()
			return true
		}
	}
	return false
}

// runFor runs events due within d.
func (l *loop) runFor(d time.Duration) {
	end := l.now + d
	for len(l.q) > 0 && l.q[0].at <= end {
		l.step()
	}
	l.now = end
}

// clear drops every pending event (a crash of the node).
func (l *loop) clear() { l.q = nil }

// Clock methods: the loop's virtual time is both wall and monotonic.
func (l *loop) Now() time.Time           { return time.Unix(0, 0).Add(l.now) }
func (l *loop) Monotonic() time.Duration { return l.now }
func (l *loop) AfterFunc(d time.Duration, f func()) clock.Timer {
	return timer{l.add(d, f)}
}

type timer struct{ c *bool }

func (t timer) Stop() bool {
	was := !*t.c
	*t.c = true
	return was
}

type world struct {
	l   *loop
	fs  *simdisk.FS
	rng *rand.Rand
}

func newWorld(seed uint64) *world {
	l := &loop{}
	return &world{l: l, fs: simdisk.New(l, rand.New(rand.NewPCG(seed, 7))), rng: rand.New(rand.NewPCG(seed, 11))}
}

func (w *world) start(t *testing.T, cfg Config) *Instance {
	t.Helper()
	in := New(cfg)
	if err := in.Start(w.env()); err != nil {
		t.Fatalf("start: %v", err)
	}
	return in
}

// env is the node environment of the world's instance.
func (w *world) env() node.Env {
	return node.Env{Clock: w.l, FS: w.fs, Rand: rand.New(rand.NewPCG(1, 2)), Log: zap.NewNop()}
}

// dump is the whole visible graph as the deltas that rebuild it.
func dump(t *testing.T, g *graph.Graph) []graph.Delta {
	t.Helper()
	tx := g.Begin(graph.TxOptions{ReadOnly: true})
	defer tx.Abort()
	var ds []graph.Delta
	if err := tx.SnapshotDeltas(func(d graph.Delta) error { ds = append(ds, d); return nil }); err != nil {
		t.Fatal(err)
	}
	return ds
}

// committed is one commit's timestamp and deltas.
type committed struct {
	ts uint64
	ds []graph.Delta
}

// reference builds the graph of the given commits.
func reference(t *testing.T, hist []committed) []graph.Delta {
	t.Helper()
	g := graph.New(graph.Options{ImmediateVisibility: true})
	for _, c := range hist {
		if err := g.Apply(c.ts, c.ds); err != nil {
			t.Fatal(err)
		}
	}
	if len(hist) > 0 {
		_ = g.MarkAcknowledged(hist[len(hist)-1].ts)
	}
	return dump(t, g)
}

var dcmp = cmp.Options{cmpopts.EquateEmpty()}

func TestCommitVisibleOnlyAfterFsync(t *testing.T) {
	w := newWorld(1)
	in := w.start(t, Config{})
	w.l.runFor(time.Second)
	if !in.Ready() {
		t.Fatal("not ready after recovery")
	}
	tx := in.Begin(graph.TxOptions{})
	v, _ := tx.CreateVertex()
	_ = tx.SetVertexProperty(v, "k", int64(1))
	var gotTS uint64
	var gotErr error = errors.New("pending")
	in.Commit(tx, func(ts uint64, err error) { gotTS, gotErr = ts, err })
	if in.Graph().VisibleTS() != 0 || gotErr == nil {
		t.Fatal("commit visible or completed before its fsync")
	}
	w.l.runFor(time.Second)
	if gotErr != nil || gotTS == 0 || in.Graph().VisibleTS() != gotTS {
		t.Fatalf("after fsync: ts %d err %v visible %d", gotTS, gotErr, in.Graph().VisibleTS())
	}
}

func TestWALFailureRefusesWrites(t *testing.T) {
	w := newWorld(2)
	in := w.start(t, Config{})
	w.l.runFor(time.Second)
	w.fs.FailNextSync(errors.New("EIO"))
	var errs []error
	for i := 0; i < 2; i++ {
		tx := in.Begin(graph.TxOptions{})
		_, _ = tx.CreateVertex()
		in.Commit(tx, func(_ uint64, err error) { errs = append(errs, err) })
		w.l.runFor(time.Second)
	}
	if len(errs) != 2 || !errors.Is(errs[0], ErrNotDurable) || !errors.Is(errs[1], ErrNotDurable) {
		t.Fatalf("errors %v", errs)
	}
	if in.Graph().VisibleTS() != 0 {
		t.Fatal("a commit whose fsync failed became visible")
	}
}

func TestSnapshotStopAndRestart(t *testing.T) {
	w := newWorld(3)
	cfg := Config{SnapshotInterval: 50 * time.Millisecond}
	in := w.start(t, cfg)
	for i := 0; i < 30; i++ {
		tx := in.Begin(graph.TxOptions{})
		v, _ := tx.CreateVertex()
		_ = tx.AddLabel(v, "N")
		in.Commit(tx, func(uint64, error) {})
		w.l.runFor(10 * time.Millisecond)
	}
	ts, ds, err := in.Graph().CreateIndex(graph.SchemaItem{Kind: graph.KindLabelIndex, Name: "N"})
	if err != nil {
		t.Fatal(err)
	}
	in.Log(ts, ds, func(uint64, error) {})
	w.l.runFor(time.Second)
	want := dump(t, in.Graph())
	snaps, _ := w.fs.List("snapshots")
	if len(snaps) == 0 {
		t.Fatal("no periodic snapshot")
	}
	stopped := 0
	in.Stop(func(err error) {
		if err != nil {
			t.Errorf("clean shutdown: %v", err)
		}
		stopped++
	})
	w.l.runFor(time.Second)
	in.Stop(func(error) { stopped++ }) // after the end: reports at once
	if stopped != 2 {
		t.Fatalf("Stop's done ran %d times for two Stops, want 2", stopped)
	}
	w.fs.Crash(false)
	w.l.clear()
	in2 := w.start(t, cfg)
	w.l.runFor(time.Millisecond * 10)
	rec := in2.Recovery()
	if rec.Snapshot == nil || rec.Snapshot.TS != ts || rec.Records != 0 {
		t.Fatalf("recovery %+v, want the shutdown snapshot at %d and no WAL", rec, ts)
	}
	if d := cmp.Diff(want, dump(t, in2.Graph()), dcmp); d != "" {
		t.Fatal(d)
	}
	// New vertices never reuse IDs.
	tx := in2.Begin(graph.TxOptions{})
	v, _ := tx.CreateVertex()
	if v < 30 {
		t.Fatalf("new vertex reused id %d", v)
	}
	tx.Abort()
}

func TestCorruptionRefusesToStart(t *testing.T) {
	w := newWorld(4)
	cfg := Config{Durability: durability.Options{SegmentSize: 200}}
	in := w.start(t, cfg)
	for i := 0; i < 30; i++ {
		tx := in.Begin(graph.TxOptions{})
		_, _ = tx.CreateVertex()
		in.Commit(tx, func(uint64, error) {})
		w.l.runFor(10 * time.Millisecond)
	}
	names, _ := w.fs.List("wal")
	if len(names) < 3 {
		t.Fatalf("segments %v", names)
	}
	bad := "wal/" + names[1]
	if err := w.fs.FlipBit(bad, 40); err != nil {
		t.Fatal(err)
	}
	w.fs.Crash(false)
	w.l.clear()
	env := node.Env{Clock: w.l, FS: w.fs, Log: zap.NewNop()}
	err := New(cfg).Start(env)
	var ce *durability.CorruptionError
	if !errors.As(err, &ce) || ce.File != bad {
		t.Fatalf("got %v, want corruption in %s", err, bad)
	}
	cfg.Durability.StartDespiteCorruption = true
	in2 := w.start(t, cfg)
	if !in2.Recovery().SkippedCorrupt || in2.Recovery().LastTS == 0 {
		t.Fatalf("recovery %+v", in2.Recovery())
	}
}

// TestIndexAfterRecoveredIDReservation: a snapshot taken after the newest
// vertices and edges were deleted records next IDs past every slot; after
// recovery, creating indexes (which walk all IDs) must not trip over that.
func TestIndexAfterRecoveredIDReservation(t *testing.T) {
	w := newWorld(5)
	in := w.start(t, Config{GCInterval: time.Millisecond})
	commit := func(f func(tx *graph.Txn)) {
		tx := in.Begin(graph.TxOptions{})
		f(tx)
		in.Commit(tx, func(_ uint64, err error) {
			if err != nil {
				t.Fatal(err)
			}
		})
		w.l.runFor(10 * time.Millisecond)
	}
	var a, b int64
	commit(func(tx *graph.Txn) {
		a, _ = tx.CreateVertex()
		b, _ = tx.CreateVertex()
		_, _ = tx.CreateEdge(a, b, "E")
	})
	commit(func(tx *graph.Txn) { _ = tx.DeleteVertex(b, true) })
	in.Snapshot(func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	})
	w.l.runFor(time.Second)
	w.fs.Crash(false)
	w.l.clear()
	in2 := w.start(t, Config{})
	w.l.runFor(10 * time.Millisecond)
	for _, item := range []graph.SchemaItem{{Kind: graph.KindLabelIndex, Name: "L"}, {Kind: graph.KindEdgeTypeIndex, Name: "E"}} {
		if _, _, err := in2.Graph().CreateIndex(item); err != nil {
			t.Fatal(err)
		}
	}
	tx := in2.Begin(graph.TxOptions{})
	if v, _ := tx.CreateVertex(); v <= b {
		t.Fatalf("vertex id %d reused (deleted %d)", v, b)
	}
	tx.Abort()
}
