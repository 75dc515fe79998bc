package instance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
)

// commitOne commits one new vertex on in and runs the loop until done.
func commitOne(t *testing.T, w *world, in *Instance) {
	t.Helper()
	tx := in.Begin(graph.TxOptions{})
	if _, err := tx.CreateVertex(); err != nil {
		t.Fatal(err)
	}
	in.Commit(tx, func(_ uint64, err error) {
		if err != nil {
			t.Errorf("commit: %v", err)
		}
	})
	w.l.runFor(time.Second)
}

// TestLifecycleCallbacks checks that readiness and the end of a clean
// shutdown reach the host as callbacks, once each, only after the fsyncs
// they stand for have completed.
func TestLifecycleCallbacks(t *testing.T) {
	w := newWorld(5)
	commitOne(t, w, w.start(t, Config{NoSnapshotOnStop: true}))
	w.fs.Crash(false)
	w.l.clear()

	var ready []error
	env := w.env()
	env.Ready = func(err error) { ready = append(ready, err) }
	in := New(Config{})
	if err := in.Start(env); err != nil {
		t.Fatal(err)
	}
	if len(ready) != 0 || in.Ready() {
		t.Fatal("ready before recovery's fsync completed")
	}
	w.l.runFor(time.Second)
	if len(ready) != 1 || ready[0] != nil || !in.Ready() {
		t.Fatalf("ready calls %v, want one nil", ready)
	}
	commitOne(t, w, in)
	var stopped []error
	in.Stop(func(err error) { stopped = append(stopped, err) })
	if len(stopped) != 0 {
		t.Fatal("Stop reported done before its writes were synced")
	}
	w.l.runFor(time.Second)
	if len(stopped) != 1 || stopped[0] != nil {
		t.Fatalf("stop calls %v, want one nil", stopped)
	}
	if snaps, _ := w.fs.List("snapshots"); len(snaps) != 1 {
		t.Fatalf("snapshots after a clean shutdown: %v, want one", snaps)
	}
	if len(ready) != 1 {
		t.Fatalf("ready called again: %v", ready)
	}
}

// TestReadyReportsFailure: when recovery's own fsync fails, the host hears
// the error instead of waiting for a readiness that never comes.
func TestReadyReportsFailure(t *testing.T) {
	w := newWorld(6)
	commitOne(t, w, w.start(t, Config{NoSnapshotOnStop: true}))
	w.l.clear()
	var ready []error
	env := w.env()
	env.Ready = func(err error) { ready = append(ready, err) }
	w.fs.FailNextSync(errors.New("injected EIO"))
	in := New(Config{})
	if err := in.Start(env); err != nil {
		t.Fatal(err)
	}
	w.l.runFor(time.Second)
	if len(ready) != 1 || !errors.Is(ready[0], ErrNotDurable) || in.Ready() {
		t.Fatalf("ready calls %v, want one ErrNotDurable", ready)
	}
}

// TestWALDisabled: with DisableWAL no WAL file is ever written; commits
// complete at once and persist only in snapshots: a clean shutdown's
// snapshot keeps them all, and a crash loses those after the last snapshot.
func TestWALDisabled(t *testing.T) {
	w := newWorld(7)
	cfg := Config{Durability: durability.Options{DisableWAL: true}}
	in := w.start(t, cfg)
	w.l.runFor(time.Second)
	for range 5 {
		commitOne(t, w, in)
	}
	noWAL := func() {
		t.Helper()
		names, _ := w.fs.List("wal")
		for _, n := range names {
			if strings.HasSuffix(n, ".wal") {
				t.Fatalf("a WAL segment was written: %v", names)
			}
		}
	}
	noWAL()
	if got := in.Graph().VisibleTS(); got == 0 {
		t.Fatal("commits not visible")
	}
	stopped := false
	in.Stop(func(err error) { stopped = err == nil })
	w.l.runFor(time.Second)
	if !stopped {
		t.Fatal("clean shutdown failed")
	}
	noWAL()
	w.fs.Crash(false)
	w.l.clear()

	in = w.start(t, cfg)
	w.l.runFor(time.Second)
	if n := countVertices(in.Graph()); n != 5 {
		t.Fatalf("after a clean shutdown: %d vertices, want the 5 of the shutdown snapshot", n)
	}
	commitOne(t, w, in)
	w.fs.Crash(false)
	w.l.clear()
	in = w.start(t, cfg)
	w.l.runFor(time.Second)
	if n := countVertices(in.Graph()); n != 5 {
		t.Fatalf("after a crash: %d vertices, want 5 (the commit after the snapshot is lost)", n)
	}
	noWAL()
}

func countVertices(g *graph.Graph) int {
	tx := g.Begin(graph.TxOptions{ReadOnly: true})
	defer tx.Abort()
	n := 0
	for it := tx.Vertices(); it.Next(); {
		n++
	}
	return n
}

// TestWALDisabledStopReportsLostSnapshot: with the WAL off the shutdown
// snapshot is the only copy of the data, so its failure is the shutdown's
// error, not just a log line.
func TestWALDisabledStopReportsLostSnapshot(t *testing.T) {
	w := newWorld(8)
	in := w.start(t, Config{Durability: durability.Options{DisableWAL: true}})
	commitOne(t, w, in)
	w.fs.FailNextWrite(errors.New("injected EIO"))
	var stopErr error
	stopped := false
	in.Stop(func(err error) { stopErr, stopped = err, true })
	w.l.runFor(time.Second)
	if !stopped || stopErr == nil {
		t.Fatalf("stopped %v with %v, want the snapshot's failure", stopped, stopErr)
	}
}
