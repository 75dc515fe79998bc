// Package regsim is the single-instance register scenario: simulated
// clients issue Cypher through a data instance's query entry point
// (core/instance sessions) against per-key registers — reads, writes and
// compare-and-set on (:Reg {k, v}) vertices — while a nemesis crashes the
// instance (torn and clean, aimed at moments when a commit's fsync is in
// flight), stops and restarts it, and fails, slows and fills its disk.
// Then the faults stop and the instance must serve every client again.
//
// Checked: the whole history is linearizable (sim/check's register model,
// with operations of unknown outcome; an Unknown verdict fails); nothing
// that was ever visible is lost by a restart (every acknowledged write was
// visible when it was acknowledged); after each restart the visible graph
// equals a replay of the WAL up to the visible timestamp; and after
// healing, operations complete.
package regsim

import (
	"errors"
	"fmt"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/check"
)

// Options configure Run. Zero values take the defaults.
type Options struct {
	FaultTime    time.Duration // nemesis phase (default 2 s)
	LivenessTime time.Duration // healed phase (default 1 s)
	Trace        func(line string)
	ArtifactDir  string             // where a failing history's HTML goes (default: temp dir)
	BeforeEnd    func(w *sim.World) // runs before the final state is folded
	// CheckTimeout bounds the linearizability check (default 10 s of real
	// time); running out of it fails the run.
	CheckTimeout time.Duration

	// historyOnly turns off the white-box checks (nothing visible lost,
	// state = WAL replay), so a test can measure what the client history
	// alone reveals.
	historyOnly bool
	// atHeal, when set, runs once the faults stop (tests plant state there).
	atHeal func(r *run)
	// stats, when set, receives the run's counts.
	stats *runStats
}

// runStats counts what a run did, for tests.
type runStats struct {
	aimed      int // crashes aimed inside an fsync
	aimedDirty int // of them, crashes that found unsynced data on the disk
	restarts   int // restarts after a crash or stop
	replays    int // comparisons of the visible graph with the WAL
}

// Scenario is Run in the scenario registry.
var Scenario = sim.Scenario{
	Name: "register",
	Doc:  "clients read, write and compare-and-set registers through Cypher on one instance under aimed crashes, restarts and disk faults; linearizable, nothing visible lost, state = WAL replay",
	Run: func(seed uint64, o sim.RunOptions) sim.Result {
		return Run(seed, Options{FaultTime: o.FaultTime, LivenessTime: o.LivenessTime, Trace: o.Trace,
			ArtifactDir: o.ArtifactDir, BeforeEnd: o.BeforeEnd})
	},
}

// Queries the clients issue.
const (
	qSetup = "UNWIND $keys AS k CREATE (:Reg {k: k, v: 0})"
	qRead  = "MATCH (r:Reg {k: $k}) RETURN r.v"
	qWrite = "MATCH (r:Reg {k: $k}) SET r.v = $v"
	qCAS   = "MATCH (r:Reg {k: $k}) WHERE r.v = $old SET r.v = $new RETURN count(r)"
)

// run is the state of one scenario.
type run struct {
	seed    uint64
	opts    Options
	w       *sim.World
	h       *sim.Host
	keys    []string
	clients []*client
	hist    []*op
	nem     *nemesis
	// undecided are the operations of the running instance that ended with
	// an unknown outcome: whether they took effect is decided when that
	// instance goes away (recovery keeps them or not), which is their deadline.
	undecided []*op

	maxVisible  uint64 // the highest visible timestamp ever observed
	mustRecover uint64 // a clean stop made every commit up to this durable
	replayDue   bool   // a restart happened: compare with the WAL once ready
	stats       runStats
	healedAt    time.Duration
	healed      bool
	checked     int // operations the history checker examined
	err         error
}

// Run runs the scenario of seed.
func Run(seed uint64, opts Options) sim.Result {
	if opts.FaultTime <= 0 {
		opts.FaultTime = 2 * time.Second
	}
	if opts.LivenessTime <= 0 {
		opts.LivenessTime = time.Second
	}
	if opts.CheckTimeout <= 0 {
		opts.CheckTimeout = 10 * time.Second
	}
	defer sim.SeedCryptoRand(seed)()
	w := sim.NewWorld(sim.Options{Seed: seed, Drift: 0.01, Disk: sim.SimDisk, Trace: opts.Trace})
	rng := w.Rand()
	cfg := instance.Config{
		// No snapshots: the WAL keeps every commit, so the visible graph
		// can be compared with a replay of the whole log.
		Durability:       durability.Options{SegmentSize: int64(512 + rng.IntN(8192))},
		NoSnapshotOnStop: true,
		GCInterval:       time.Duration(5+rng.IntN(50)) * time.Millisecond,
	}
	r := &run{seed: seed, opts: opts, w: w}
	for i := range 1 + rng.IntN(4) {
		r.keys = append(r.keys, fmt.Sprintf("r%d", i))
	}
	r.h = w.AddHost("data1:7687", func() node.Node { return instance.New(cfg) })
	finish := func(err error) sim.Result {
		if opts.stats != nil {
			*opts.stats = r.stats
		}
		res := w.Finish(seed, opts.BeforeEnd, err)
		res.Checked = r.checked
		return res
	}
	if err := r.h.Start(); err != nil {
		return finish(err)
	}
	if err := r.setup(); err != nil {
		return finish(err)
	}
	end := opts.FaultTime + opts.LivenessTime
	for i := range 2 + rng.IntN(4) {
		c := &client{r: r, id: i, stopAt: end - 100*time.Millisecond}
		r.clients = append(r.clients, c)
		c.next()
	}
	nem := newNemesis(r)
	nem.run(opts.FaultTime)
	r.watch()
	w.RunUntil(opts.FaultTime)
	nem.heal()
	if opts.atHeal != nil {
		opts.atHeal(r)
	}
	w.RunUntil(end)
	for _, c := range r.clients {
		c.abandon()
	}
	if r.err == nil {
		r.err = r.liveness()
	}
	if r.err == nil {
		r.err = r.checkHistory()
	}
	return finish(r.err)
}

func (r *run) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at %v: %s", r.w.Now(), fmt.Sprintf(format, args...))
	}
}

// inst is the running instance, or nil when the host is down.
func (r *run) inst() *instance.Instance {
	if n := r.h.Node(); n != nil {
		return n.(*instance.Instance)
	}
	return nil
}

// setup creates the registers, each holding 0, before any fault.
func (r *run) setup() error {
	w := r.w
	if !w.RunUntilTrue(time.Second, func() bool { return r.inst().Ready() }) {
		return errors.New("setup: the instance never became ready")
	}
	keys := make([]any, len(r.keys))
	for i, k := range r.keys {
		keys[i] = k
	}
	done, failed := false, error(nil)
	s := r.inst().OpenSession(instance.SessionInfo{User: "sim", Client: "setup"})
	s.Run(qSetup, map[string]any{"keys": keys}, instance.TxMeta{}, func(res *instance.Result, err error) {
		if err != nil {
			done, failed = true, err
			return
		}
		res.Pull(-1, func(_ [][]any, more bool, err error) {
			if err != nil || !more {
				done, failed = true, err
			}
		})
	})
	if !w.RunUntilTrue(time.Second, func() bool { return done }) {
		return errors.New("setup: creating the registers never completed")
	}
	if failed != nil {
		return fmt.Errorf("setup: %w", failed)
	}
	s.Close()
	r.observeVisible()
	return nil
}

// observeVisible records the instance's visible timestamp: whatever was
// visible must survive every later crash.
func (r *run) observeVisible() {
	if in := r.inst(); in != nil && in.Ready() {
		r.maxVisible = max(r.maxVisible, in.Graph().VisibleTS())
	}
}

// crashed is called when the host's node went away (crash or stop): every
// operation in flight lost its connection, so its outcome is unknown.
func (r *run) crashed() {
	for _, c := range r.clients {
		c.connectionLost()
	}
	for _, o := range r.undecided {
		o.deadline = r.w.Now()
	}
	r.undecided = r.undecided[:0]
}

// restarted checks what a restarted instance recovered: at least every
// timestamp that was ever visible.
func (r *run) restarted() {
	r.stats.restarts++
	in := r.inst()
	if r.opts.historyOnly {
		return
	}
	if last := in.Recovery().LastTS; last < r.maxVisible {
		r.fail("restart recovered up to timestamp %d, but %d had been visible (acknowledged writes lost)", last, r.maxVisible)
	} else if last < r.mustRecover {
		r.fail("restart recovered up to timestamp %d, but a clean stop had reported commits up to %d durable", last, r.mustRecover)
	}
	r.replayDue = true
}

// watch observes the visible timestamp every millisecond and compares the
// visible graph with the WAL once a restarted instance is ready.
func (r *run) watch() {
	r.w.After(time.Millisecond, func() {
		if r.err != nil {
			return
		}
		r.observeVisible()
		if in := r.inst(); in != nil && in.Ready() && r.replayDue {
			r.replayDue = false
			r.compareWithWAL(in)
		}
		r.watch()
	})
}

// compareWithWAL replays the WAL on the disk, up to the visible timestamp,
// into a fresh graph and requires the same visible data as the instance.
func (r *run) compareWithWAL(in *instance.Instance) {
	r.stats.replays++
	vis := in.Graph().VisibleTS()
	recs, err := durability.ReadLog(r.h.Disk())
	if err != nil {
		r.fail("reading the WAL: %v", err)
		return
	}
	ref := graph.New(graph.Options{})
	last := uint64(0)
	for _, rec := range recs {
		if rec.TS > vis {
			break
		}
		if err := ref.Apply(rec.TS, rec.Deltas); err != nil {
			r.fail("replaying WAL record %d: %v", rec.TS, err)
			return
		}
		last = rec.TS
	}
	if last != vis {
		r.fail("visible timestamp %d, but the WAL holds records up to %d only", vis, last)
		return
	}
	if last > 0 {
		_ = ref.MarkAcknowledged(last)
	}
	if got, want := in.Graph().VisibleHash(), ref.VisibleHash(); got != want {
		r.fail("visible graph at %d differs from a replay of the WAL (%016x, replay %016x)", vis, got, want)
	}
}

// liveness requires the healed instance to be up, ready and compared with
// its WAL, and the clients to have completed operations since healing.
func (r *run) liveness() error {
	in := r.inst()
	switch {
	case in == nil:
		return errors.New("instance down after healing")
	case !in.Ready():
		return errors.New("instance not ready after healing")
	}
	r.compareWithWAL(in)
	if r.err != nil {
		return r.err
	}
	ok := 0
	for _, o := range r.hist {
		if o.call < r.healedAt+10*time.Millisecond {
			continue
		}
		switch o.outcome {
		case check.OK:
			ok++
		case check.Unknown:
			return fmt.Errorf("after healing, %s of client %d had an unknown outcome: %v", o.desc(), o.client, o.err)
		}
	}
	if ok == 0 {
		return errors.New("no operation completed after healing")
	}
	return nil
}

// checkHistory checks the clients' history for linearizability.
func (r *run) checkHistory() error {
	ops := make([]check.RegOp, 0, len(r.hist))
	for _, o := range r.hist {
		if o.recorded {
			ops = append(ops, o.regOp())
		}
	}
	rep, err := check.CheckRegisters(ops, check.Options{
		Timeout:     r.opts.CheckTimeout,
		ArtifactDir: r.opts.ArtifactDir,
		Name:        fmt.Sprintf("register-seed-%d", r.seed),
	})
	r.checked = rep.Ops
	if err != nil {
		return fmt.Errorf("%w [%d operations checked, %d of unknown outcome]", err, rep.Ops, rep.Unknown)
	}
	if rep.Ops == 0 {
		return fmt.Errorf("the history checker examined no operation (%v)", rep)
	}
	return nil
}
