package sim

import (
	"crypto/rand"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/disk"
	"github.com/quiverdb/quiver/net"
)

func TestDriftWithinBound(t *testing.T) {
	const rho = 0.01
	w, hosts := recWorld(t, Options{Seed: 11, Drift: rho}, 20)
	start := make([]time.Duration, len(hosts))
	for i, h := range hosts {
		start[i] = h.Clock().Monotonic()
		rec(h).after(10 * time.Second)
	}
	w.RunFor(100 * time.Second)
	lo, hi := 2.0, 0.0
	for i, h := range hosts {
		elapsed := h.Clock().Monotonic() - start[i]
		ratio := float64(elapsed) / float64(100*time.Second)
		if ratio < 1-rho || ratio > 1+rho {
			t.Errorf("%s: monotonic advanced %v in 100s of true time, outside ρ=%v", h.Addr(), elapsed, rho)
		}
		lo, hi = min(lo, ratio), max(hi, ratio)
		// The 10 s timer fired when the host's own clock said 10 s had passed.
		fired := rec(h).fired
		if len(fired) != 1 {
			t.Fatalf("%s: timer fired %d times", h.Addr(), len(fired))
		}
		want := time.Duration(float64(10*time.Second) / h.Clock().Rate())
		if d := fired[0] - want; d < 0 || d > time.Microsecond {
			t.Errorf("%s: 10s timer at rate %v fired at true %v, want %v", h.Addr(), h.Clock().Rate(), fired[0], want)
		}
	}
	if hi-lo < rho/2 {
		t.Fatalf("20 hosts' rates span only [%v, %v]: drift does not happen", lo, hi)
	}
}

func TestWallStepDoesNotMoveMonotonic(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 12, Drift: 0.01}, 1)
	c := h[0].Clock()
	rec(h[0]).after(time.Second)
	w.RunFor(100 * time.Millisecond)
	mono, wall := c.Monotonic(), c.Now()
	c.StepWall(-time.Hour)
	if got := c.Monotonic(); got != mono {
		t.Fatalf("monotonic moved from %v to %v on a wall step", mono, got)
	}
	if got := wall.Sub(c.Now()); got != time.Hour {
		t.Fatalf("wall moved by %v, want -1h", -got)
	}
	w.RunFor(5 * time.Second)
	fired := rec(h[0]).fired
	want := time.Duration(float64(time.Second) / c.Rate())
	if len(fired) != 1 || fired[0]-want > time.Microsecond || fired[0] < want {
		t.Fatalf("1s timer fired at %v after a wall step, want %v", fired, want)
	}
	if w.Faults()[FaultWallStep] != 1 {
		t.Fatal("wall step not counted")
	}
}

func TestMonotonicNeverGoesBack(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 13, Drift: 0.3}, 1)
	c := h[0].Clock()
	prev := c.Monotonic()
	for i := 0; i < 1000; i++ {
		w.RunFor(time.Duration(w.Rand().Int64N(int64(time.Millisecond))))
		if i%100 == 0 {
			c.SetRate(0.7 + 0.6*w.Rand().Float64())
		}
		m := c.Monotonic()
		if m < prev {
			t.Fatalf("monotonic went back from %v to %v", prev, m)
		}
		prev = m
	}
}

func TestTimerStop(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 14}, 1)
	r := rec(h[0])
	fired := 0
	tm := r.env.Clock.AfterFunc(time.Second, func() { fired++ })
	keep := r.env.Clock.AfterFunc(2*time.Second, func() { fired += 10 })
	if !tm.Stop() || tm.Stop() {
		t.Fatal("Stop of a pending timer: want true, then false")
	}
	w.RunFor(3 * time.Second)
	if fired != 10 {
		t.Fatalf("fired = %d, want only the second timer", fired)
	}
	if keep.Stop() {
		t.Fatal("Stop of a fired timer reported true")
	}
}

func TestPausedNodeWaits(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 15}, 2)
	a, b := rec(h[0]), rec(h[1])
	b.after(100 * time.Millisecond)
	stopped := b.env.Clock.AfterFunc(150*time.Millisecond, func() { t.Error("stopped timer fired after resume") })
	w.RunFor(50 * time.Millisecond)
	h[1].Pause()
	a.send(h[1].Addr(), 1)
	w.RunFor(200 * time.Millisecond)
	if len(b.fired) != 0 || len(b.got) != 0 {
		t.Fatalf("paused node ran: timers %v, deliveries %v", b.fired, b.got)
	}
	if !stopped.Stop() {
		t.Fatal("Stop of a timer parked by a pause reported false")
	}
	w.RunFor(50 * time.Millisecond) // resume at 300ms
	h[1].Resume()
	w.RunFor(time.Millisecond)
	if !cmp.Equal(b.fired, []time.Duration{300 * time.Millisecond}) || len(b.got) != 1 || b.got[0].at != 300*time.Millisecond {
		t.Fatalf("after resume at 300ms: timers %v, deliveries %v", b.fired, b.got)
	}
	if w.Faults()[FaultPause] != 1 {
		t.Fatal("pause not counted")
	}
}

func TestCrashDropsVolatileState(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 16}, 2)
	a, b := rec(h[0]), rec(h[1])
	b.after(100 * time.Millisecond)
	a.send(h[1].Addr(), 1) // arrives after the crash
	h[1].Crash(false)
	if h[1].Up() || h[1].Node() != nil {
		t.Fatal("crashed host still has a node")
	}
	w.RunFor(time.Second)
	if len(b.fired) != 0 || len(b.got) != 0 {
		t.Fatalf("crashed node ran: timers %v, deliveries %v", b.fired, b.got)
	}
	if err := h[1].Start(); err != nil {
		t.Fatal(err)
	}
	nb := rec(h[1])
	if nb == b {
		t.Fatal("restart reused the crashed node value")
	}
	a.send(h[1].Addr(), 2)
	w.RunFor(time.Second)
	if got := nb.from(h[0].Addr()); !cmp.Equal(got, []uint64{2}) {
		t.Fatalf("restarted node got %v, want [2]", got)
	}
	if h[1].Incarnation() != 1 || h[1].Start() != ErrRunning {
		t.Fatal("incarnation or double start wrong")
	}
}

func TestSeedCryptoRand(t *testing.T) {
	draw := func() []int64 {
		var out []int64
		for i := 0; i < 5; i++ {
			n, err := rand.Int(rand.Reader, big.NewInt(1<<40))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, n.Int64())
		}
		return out
	}
	restore := SeedCryptoRand(42)
	a := draw()
	restore()
	restore = SeedCryptoRand(42)
	b := draw()
	restore()
	restore = SeedCryptoRand(43)
	c := draw()
	restore()
	if !cmp.Equal(a, b) || cmp.Equal(a, c) {
		t.Fatalf("seeded crypto/rand: seed 42 gave %v and %v, seed 43 %v", a, b, c)
	}
	if d := draw(); cmp.Equal(d, a) {
		t.Fatal("restore left the seeded reader in place")
	}
}

func TestSameSeedSameWorld(t *testing.T) {
	run := func(seed uint64) (uint64, uint64) {
		cfg := LinkConfig{MinLatency: time.Millisecond, MaxLatency: 9 * time.Millisecond, Drop: 0.1, Duplicate: 0.1, Reorder: 0.1, ReorderDelay: 5 * time.Millisecond}
		w, h := recWorld(t, Options{Seed: seed, Drift: 0.05, Link: cfg}, 3)
		for i := uint64(0); i < 300; i++ {
			rec(h[i%3]).send(h[(i+1)%3].Addr(), i)
			rec(h[i%3]).after(time.Duration(i) * time.Millisecond)
		}
		w.RunFor(time.Second)
		return w.Fingerprint(), w.Events()
	}
	f1, e1 := run(7)
	f2, e2 := run(7)
	f3, _ := run(8)
	if f1 != f2 || e1 != e2 || f1 == f3 {
		t.Fatalf("seed 7: %x/%d and %x/%d; seed 8: %x", f1, e1, f2, e2, f3)
	}
}

// TestDriftChangeRetimesTimers changes a host's rate while its timers are
// pending: each still fires exactly when the host's monotonic clock reaches
// its due reading, neither early nor late.
func TestDriftChangeRetimesTimers(t *testing.T) {
	for _, rate := range []float64{0.99, 1.01} {
		w, h := recWorld(t, Options{Seed: 17, Drift: 0.01}, 1)
		c := h[0].Clock()
		start := c.Monotonic()
		var at []time.Duration
		for _, d := range []time.Duration{3 * time.Second, 10 * time.Second} {
			c.AfterFunc(d, func() { at = append(at, c.Monotonic()-start) })
		}
		w.RunFor(5 * time.Second)
		c.SetRate(rate)
		w.RunFor(10 * time.Second)
		if len(at) != 2 || at[0] < 3*time.Second || at[0] > 3*time.Second+time.Microsecond ||
			at[1] < 10*time.Second || at[1] > 10*time.Second+time.Microsecond {
			t.Fatalf("rate %v: timers of 3s and 10s fired at monotonic %v", rate, at)
		}
	}
}

// syncer is a test node that creates a file and appends a record at start,
// and whose clean shutdown syncs both before reporting done.
type syncer struct {
	env node.Env
	f   disk.File
}

func (s *syncer) Start(env node.Env) error {
	s.env = env
	f, err := env.FS.Create("data")
	if err != nil {
		return err
	}
	s.f = f
	if err := f.Append([]byte("record")); err != nil {
		return err
	}
	env.FS.SyncDir(".", env.ReportReady) // ready once its file exists for good
	return nil
}

func (s *syncer) Receive(string, net.Message) {}

func (s *syncer) Stop(done func(error)) {
	s.f.Sync(func(err error) {
		if err != nil {
			done(err)
			return
		}
		s.env.FS.SyncDir(".", done)
	})
}

// TestCleanStopIsNotACrash: a clean stop keeps the node running until its
// shutdown reports done (its sync completion is delivered, not dropped),
// so what it wrote survives a later power loss; a crash loses it.
func TestCleanStopIsNotACrash(t *testing.T) {
	for _, clean := range []bool{true, false} {
		w := NewWorld(Options{Seed: 21, Disk: SimDisk})
		h := w.AddHost("h:1", func() node.Node { return &syncer{} })
		if err := h.Start(); err != nil {
			t.Fatal(err)
		}
		if h.Ready() || !w.RunUntilTrue(time.Second, h.Ready) {
			t.Fatal("readiness: want it reported by the node's callback, after its directory sync")
		}
		var stopped []error
		if clean {
			h.Stop(func(err error) { stopped = append(stopped, err) })
			if !h.Up() || !h.Stopping() {
				t.Fatal("the host went down before its shutdown finished")
			}
		} else {
			h.Crash(false)
		}
		w.RunFor(time.Second)
		if h.Up() || h.Ready() {
			t.Fatalf("clean=%v: host still up or ready", clean)
		}
		h.Disk().Crash(false) // power loss: only synced data remains
		data, _ := h.Disk().ReadFile("data")
		f := w.Faults()
		switch {
		case clean && (string(data) != "record" || len(stopped) != 1 || stopped[0] != nil):
			t.Fatalf("clean stop: data %q, done calls %v", data, stopped)
		case clean && (f[FaultStop] != 1 || f[FaultCrash] != 0):
			t.Fatalf("clean stop counted as %v", f)
		case !clean && (string(data) != "" || f[FaultStop] != 0 || f[FaultCrash] != 1):
			t.Fatalf("crash: data %q, faults %v", data, f)
		}
	}
}

// TestCrashDuringStop: a crash before the shutdown finished ends it as a
// crash; the stop's continuation never runs.
func TestCrashDuringStop(t *testing.T) {
	w := NewWorld(Options{Seed: 22, Disk: SimDisk})
	h := w.AddHost("h:1", func() node.Node { return &syncer{} })
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	ran := false
	h.Stop(func(error) { ran = true })
	h.Crash(false)
	w.RunFor(time.Second)
	if ran || h.Up() || h.Stopping() {
		t.Fatalf("continuation ran %v, up %v, stopping %v", ran, h.Up(), h.Stopping())
	}
	if data, _ := h.Disk().ReadFile("data"); len(data) != 0 {
		t.Fatalf("unsynced data survived the crash: %q", data)
	}
}

// TestStopRefusedWhenPausedOrDown: a frozen process cannot shut down, and
// a host that is down has nothing to stop; a second Stop is refused too.
func TestStopRefusedWhenPausedOrDown(t *testing.T) {
	w := NewWorld(Options{Seed: 23, Disk: SimDisk})
	h := w.AddHost("h:1", func() node.Node { return &syncer{} })
	if h.Stop(nil) {
		t.Fatal("stopped a host that is down")
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	h.Pause()
	if h.Stop(nil) || h.Stopping() {
		t.Fatal("stopped a paused host")
	}
	h.Resume()
	if !h.Stop(nil) || h.Stop(nil) {
		t.Fatal("want the first Stop to begin and the second to be refused")
	}
	w.RunFor(time.Second)
	if h.Up() || w.Faults()[FaultStop] != 1 {
		t.Fatalf("up %v, faults %v", h.Up(), w.Faults())
	}
}
