package sim

import (
	"bytes"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/disk"
	"github.com/quiverdb/quiver/sim/ping"
)

// durableFile creates file "f" on h's node with content a, synced together
// with its directory entry, and returns the open file.
func durableFile(t *testing.T, w *World, h *Host, a []byte) disk.File {
	t.Helper()
	fs := rec(h).env.FS
	f, err := fs.Create("f")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Append(a); err != nil {
		t.Fatal(err)
	}
	synced, dirSynced := false, false
	f.Sync(func(err error) { synced = err == nil })
	fs.SyncDir(".", func(err error) { dirSynced = err == nil })
	w.RunFor(100 * time.Millisecond)
	if !synced || !dirSynced {
		t.Fatal("sync did not complete")
	}
	return f
}

func TestCrashLosesExactlyUnsyncedBytes(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 21, Disk: SimDisk}, 1)
	a, b, c := bytes.Repeat([]byte{'a'}, 100), bytes.Repeat([]byte{'b'}, 50), bytes.Repeat([]byte{'c'}, 30)
	f := durableFile(t, w, h[0], a)
	if err := f.Append(b); err != nil { // written, never synced
		t.Fatal(err)
	}
	if err := f.Append(c); err != nil { // written, sync in flight at the crash
		t.Fatal(err)
	}
	ran := false
	f.Sync(func(error) { ran = true })
	h[0].Crash(false)
	w.RunFor(time.Second)
	if ran {
		t.Fatal("sync completion of a crashed node ran")
	}
	if err := h[0].Start(); err != nil {
		t.Fatal(err)
	}
	got, err := rec(h[0]).env.FS.ReadFile("f")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, a) {
		t.Fatalf("after crash the file holds %d bytes %q..., want exactly the %d synced", len(got), got[:min(len(got), 8)], len(a))
	}
	if lost := h[0].SimDisk().Faults().LostBytes; lost != int64(len(b)+len(c)) {
		t.Fatalf("disk counted %d lost bytes, want %d", lost, len(b)+len(c))
	}
}

func TestTornCrashLeavesPrefix(t *testing.T) {
	a, b := bytes.Repeat([]byte{'a'}, 64), []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	strict := 0
	for seed := uint64(1); seed <= 40; seed++ {
		w, h := recWorld(t, Options{Seed: seed, Disk: SimDisk}, 1)
		f := durableFile(t, w, h[0], a)
		if err := f.Append(b); err != nil {
			t.Fatal(err)
		}
		h[0].Crash(true)
		if err := h[0].Start(); err != nil {
			t.Fatal(err)
		}
		got, err := rec(h[0]).env.FS.ReadFile("f")
		if err != nil {
			t.Fatal(err)
		}
		full := append(append([]byte(nil), a...), b...)
		if len(got) < len(a) || !bytes.Equal(got, full[:len(got)]) {
			t.Fatalf("seed %d: torn crash left %q, not synced data plus a prefix of the last write", seed, got)
		}
		if k := len(got) - len(a); k > 0 && k < len(b) {
			strict++
		}
		if w.Faults()[FaultTornCrash] != 1 {
			t.Fatal("torn crash not counted")
		}
	}
	if strict == 0 {
		t.Fatal("40 torn crashes never kept a strict prefix of the unsynced write")
	}
}

func TestRestartEmptyWipesDisk(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 22, Disk: SimDisk}, 1)
	durableFile(t, w, h[0], []byte("synced data"))
	if err := h[0].RestartEmpty(); err != nil {
		t.Fatal(err)
	}
	fs := rec(h[0]).env.FS
	if _, err := fs.ReadFile("f"); err == nil {
		t.Fatal("file survived RestartEmpty")
	}
	if names, err := fs.List("."); err != nil || len(names) != 0 {
		t.Fatalf("wiped disk lists %v, %v", names, err)
	}
	if w.Faults()[FaultRestartEmpty] != 1 {
		t.Fatal("restart-empty not counted")
	}
}

func TestPausedSyncCompletionWaits(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 23, Disk: SimDisk}, 1)
	f := durableFile(t, w, h[0], []byte("x"))
	var doneAt time.Duration = -1
	if err := f.Append([]byte("y")); err != nil {
		t.Fatal(err)
	}
	f.Sync(func(error) { doneAt = w.Now() })
	h[0].Pause()
	w.RunFor(time.Second)
	if doneAt >= 0 {
		t.Fatal("sync completed on a paused node")
	}
	resumeAt := w.Now()
	h[0].Resume()
	w.RunFor(time.Millisecond)
	if doneAt != resumeAt {
		t.Fatalf("sync completion ran at %v, want at resume %v", doneAt, resumeAt)
	}
}

// TestPingRecoversDurableCount crashes a ping node whose syncs are slow, so
// that it has written more than it synced, and checks that it comes back
// with exactly the synced ticks, which its peers never exceed.
func TestPingRecoversDurableCount(t *testing.T) {
	w := NewWorld(Options{Seed: 24, Disk: SimDisk})
	hosts := pingCluster(w, 3, ping.Config{Limit: 0})
	for _, h := range hosts {
		h.SimDisk().SlowSync(120 * time.Millisecond)
		if err := h.Start(); err != nil {
			t.Fatal(err)
		}
	}
	w.RunFor(2 * time.Second)
	old := hosts[0].Node().(*ping.Node)
	written, durable := old.Written(), old.Durable()
	if written <= durable || durable == 0 {
		t.Fatalf("want unsynced ticks at the crash: written %d, durable %d", written, durable)
	}
	hosts[0].Crash(false)
	if err := hosts[0].Start(); err != nil {
		t.Fatal(err)
	}
	n := hosts[0].Node().(*ping.Node)
	if n.Written() != durable || n.Epoch() != old.Epoch() {
		t.Fatalf("recovered %d ticks of epoch %x, want the %d durable of epoch %x", n.Written(), n.Epoch(), durable, old.Epoch())
	}
	for _, o := range hosts[1:] {
		if e, have, _ := o.Node().(*ping.Node).Have(hosts[0].Addr()); e != old.Epoch() || have > durable {
			t.Fatalf("%s holds %d ticks of epoch %x, more than the %d durable", o.Addr(), have, e, durable)
		}
	}
}

// TestPingScenarioCheckerCatchesDivergence shows the scenario's convergence
// check is not vacuous: a partition that never heals makes it fail.
func TestPingScenarioCheckerCatchesDivergence(t *testing.T) {
	w := NewWorld(Options{Seed: 25, Disk: SimDisk})
	hosts := pingCluster(w, 3, ping.Config{Limit: 20})
	for _, h := range hosts {
		if err := h.Start(); err != nil {
			t.Fatal(err)
		}
	}
	w.Isolate(hosts[2])
	w.RunFor(5 * time.Second)
	if err := checkPing(hosts, 20); err == nil {
		t.Fatal("checkPing passed with an isolated node")
	}
	w.Heal()
	w.RunFor(5 * time.Second)
	if err := checkPing(hosts, 20); err != nil {
		t.Fatalf("after healing: %v", err)
	}
}

var _ node.Node = (*recorder)(nil)

func TestDiskFaultsCounted(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 26, Disk: SimDisk}, 1)
	f := durableFile(t, w, h[0], []byte("x"))
	h[0].SimDisk().FailNextSync(errInjected)
	var got error
	f.Sync(func(err error) { got = err })
	w.RunFor(time.Second)
	if got == nil || w.Faults()[FaultDisk] != 1 {
		t.Fatalf("injected sync failure: err %v, counted %d", got, w.Faults()[FaultDisk])
	}
}
