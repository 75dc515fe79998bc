// Package instancesim runs a standalone data instance (core/instance) in
// the simulator: a client commits random graph transactions while a nemesis
// crashes it (with and without torn writes), restarts it cleanly, and fails
// disk writes and fsyncs; then the faults stop and the instance must take
// writes again. Checked throughout: after every restart the instance holds
// exactly the commits up to some timestamp, at least every completed one,
// in order; and at every moment the visible graph is exactly the commits up
// to the visible timestamp.
package instancesim

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/sim"
)

// Options configure Run. Zero values take the defaults.
type Options struct {
	FaultTime    time.Duration // nemesis phase (default 2 s)
	LivenessTime time.Duration // healed phase (default 1 s)
	Trace        func(line string)
	BeforeEnd    func(w *sim.World) // runs before the final state is folded
}

// Scenario is Run in the scenario registry.
var Scenario = sim.Scenario{
	Name: "instance",
	Doc:  "one data instance commits random graph transactions under crashes, clean stops and disk faults; recovery and visibility must match the committed history",
	Run: func(seed uint64, o sim.RunOptions) sim.Result {
		return Run(seed, Options{FaultTime: o.FaultTime, LivenessTime: o.LivenessTime, Trace: o.Trace, BeforeEnd: o.BeforeEnd})
	},
}

// commit is one transaction the instance committed: its timestamp and
// deltas, as the graph returned them.
type commit struct {
	ts uint64
	ds []graph.Delta
}

// run is the state of one scenario.
type run struct {
	w         *sim.World
	h         *sim.Host
	hist      []commit // commits of the current history, in timestamp order
	completed uint64   // highest timestamp whose commit completed
	// mustRecover is the last commit issued before a clean stop that
	// succeeded: the next start must recover at least up to it.
	mustRecover uint64
	ref         *graph.Graph
	refN        int           // commits of hist applied to ref
	stopAt      time.Duration // the client issues nothing after this
	pending     int           // commits issued after the faults stopped and not yet completed
	healed      bool
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
	defer sim.SeedCryptoRand(seed)()
	w := sim.NewWorld(sim.Options{Seed: seed, Drift: 0.01, Disk: sim.SimDisk, Trace: opts.Trace})
	result := func(w *sim.World, seed uint64, err error) sim.Result { return w.Finish(seed, opts.BeforeEnd, err) }
	rng := w.Rand()
	cfg := instance.Config{
		Durability: durability.Options{
			SegmentSize:       int64(256 + rng.IntN(8192)),
			SnapshotRetention: 1 + rng.IntN(3),
			SnapshotChunkSize: 64 + rng.IntN(2048),
			SyncDepth:         1 + rng.IntN(3), // group-commit fsyncs in flight
		},
		SnapshotInterval: time.Duration(10+rng.IntN(200)) * time.Millisecond,
		SnapshotStep:     1 + rng.IntN(64),
		GCInterval:       time.Duration(5+rng.IntN(50)) * time.Millisecond,
	}
	r := &run{w: w}
	r.h = w.AddHost("data1:7687", func() node.Node { return instance.New(cfg) })
	r.resetRef()
	if err := r.h.Start(); err != nil {
		return result(w, seed, err)
	}
	r.afterStart()
	r.stopAt = opts.FaultTime + opts.LivenessTime - 200*time.Millisecond
	r.client()
	r.nemesis(opts.FaultTime)
	r.watch()
	w.RunUntil(opts.FaultTime)
	r.heal()
	w.RunUntil(opts.FaultTime + opts.LivenessTime)
	if r.err == nil {
		r.err = r.liveness()
	}
	return result(w, seed, r.err)
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

// afterStart checks what a (re)started instance recovered and cuts the
// history to it: commits past it were never completed, so they may be lost.
func (r *run) afterStart() {
	in := r.inst()
	k := in.Recovery().LastTS
	if k < r.mustRecover {
		r.fail("recovered up to %d after a clean stop, but %d was logged before it", k, r.mustRecover)
		return
	}
	r.mustRecover = 0
	if k < r.completed {
		r.fail("recovered up to %d, but commit %d had completed", k, r.completed)
		return
	}
	n := 0
	for n < len(r.hist) && r.hist[n].ts <= k {
		n++
	}
	if k != 0 && (n == 0 || r.hist[n-1].ts != k) {
		r.fail("recovered to timestamp %d, which was never committed", k)
		return
	}
	if n < len(r.hist) {
		r.hist = r.hist[:n]
		r.resetRef()
	}
	// What recovery read counts as completed only once visible: recovery's
	// own fsync may still fail.
	r.checkSchema(in)
}

// client issues a random transaction every 0.2 to 3 ms.
func (r *run) client() {
	r.w.After(time.Duration(200+r.w.Rand().IntN(2800))*time.Microsecond, func() {
		if r.w.Now() >= r.stopAt {
			return
		}
		if in := r.inst(); in != nil && r.err == nil {
			r.transact(in)
		}
		r.client()
	})
}

func (r *run) transact(in *instance.Instance) {
	rng := r.w.Rand()
	g := in.Graph()
	if rng.IntN(200) == 0 {
		ts, ds, err := g.CreateIndex(graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: "L", Key: "k"})
		if err == nil {
			r.record(ts, ds)
			in.Log(ts, ds, r.done(in))
		}
		return
	}
	nv, _ := g.NextIDs()
	pick := func() int64 { return rng.Int64N(nv + 1) }
	tx := in.Begin(graph.TxOptions{})
	var err error
	switch rng.IntN(6) {
	case 0, 1:
		var v int64
		if v, err = tx.CreateVertex(); err == nil {
			_ = tx.AddLabel(v, "L")
			err = tx.SetVertexProperty(v, "k", value.List{int64(rng.IntN(9)), "x"})
		}
	case 2:
		err = tx.SetVertexProperty(pick(), "k", rng.Float64())
	case 3:
		_, err = tx.CreateEdge(pick(), pick(), "E")
	case 4:
		err = tx.DeleteVertex(pick(), true)
	default:
		err = tx.RemoveLabel(pick(), "L")
	}
	if err != nil {
		tx.Abort() // a missing or not yet visible object, or a conflict
		return
	}
	before := g.LastCommitTS()
	in.Commit(tx, r.done(in))
	if ts := g.LastCommitTS(); ts > before {
		r.record(ts, tx.Deltas())
	}
}

func (r *run) record(ts uint64, ds []graph.Delta) {
	r.hist = append(r.hist, commit{ts, ds})
	if r.healed {
		r.pending++
	}
}

// done is a commit's completion: it counts, and while healed it must not fail.
func (r *run) done(in *instance.Instance) func(uint64, error) {
	healed := r.healed
	return func(ts uint64, err error) {
		if healed && ts != 0 {
			r.pending--
		}
		switch {
		case err == nil && ts > r.completed:
			r.completed = ts
		case err != nil && healed:
			r.fail("commit %d failed after the faults stopped: %v", ts, err)
		}
	}
}

// nemesis crashes, restarts and fails the disk at random until end.
func (r *run) nemesis(end time.Duration) {
	rng := r.w.Rand()
	r.w.After(time.Duration(5+rng.IntN(150))*time.Millisecond, func() {
		if r.w.Now() >= end || r.err != nil {
			return
		}
		fs := r.h.SimDisk()
		switch k := rng.IntN(10); {
		case k < 5:
			r.h.Crash(rng.IntN(2) == 0)
			r.w.After(time.Duration(rng.IntN(20))*time.Millisecond, r.restart)
		case k < 6:
			r.stop()
		case k < 8:
			fs.FailNextSync(errors.New("injected EIO"))
		default:
			fs.FailNextWrite(errors.New("injected EIO"))
		}
		r.nemesis(end)
	})
}

// stop shuts the instance down cleanly and restarts it a while after the
// shutdown finished. A clean shutdown that reports success has made every
// commit issued before it durable, acknowledged or not, so the next start
// must recover all of them: unlike a crash, a clean stop loses nothing.
func (r *run) stop() {
	if !r.h.Up() || r.h.Stopping() {
		return
	}
	var issued uint64
	if n := len(r.hist); n > 0 {
		issued = r.hist[n-1].ts
	}
	r.h.Stop(func(err error) {
		if err == nil {
			r.mustRecover = issued
		}
		r.w.After(time.Duration(r.w.Rand().IntN(50))*time.Millisecond, r.restart)
	})
}

// restart starts the node again; a failed WAL makes the nemesis restart it
// too, as an operator or a supervisor would.
func (r *run) restart() {
	if r.h.Up() {
		return
	}
	if err := r.h.Start(); err != nil {
		r.fail("restart: %v", err)
		return
	}
	r.afterStart()
}

// heal stops the faults: a down or failed instance is restarted.
func (r *run) heal() {
	if fs := r.h.SimDisk(); fs != nil {
		fs.FailNextSync(nil)
		fs.FailNextWrite(nil)
	}
	if r.h.Up() {
		r.h.Crash(false) // a failed WAL refuses writes until restart
	}
	r.restart()
	r.healed = true
}

// liveness requires the healed instance to be ready and to have completed
// every commit issued since.
func (r *run) liveness() error {
	in := r.inst()
	switch {
	case in == nil:
		return errors.New("instance down after healing")
	case !in.Ready():
		return errors.New("instance not ready after healing")
	case r.pending != 0:
		return fmt.Errorf("%d commits issued after healing never completed", r.pending)
	}
	r.check()
	return r.err
}

// watch checks the visible graph every 25 ms.
func (r *run) watch() {
	r.w.After(25*time.Millisecond, func() {
		if r.err == nil {
			r.check()
			r.watch()
		}
	})
}

// check compares the visible graph with the commits up to the visible
// timestamp, replayed on a reference graph.
func (r *run) check() {
	in := r.inst()
	if in == nil || !in.Ready() {
		return
	}
	vis := in.Graph().VisibleTS()
	n := 0
	for n < len(r.hist) && r.hist[n].ts <= vis {
		n++
	}
	if vis != 0 && (n == 0 || r.hist[n-1].ts != vis) {
		r.fail("visible timestamp %d was never committed", vis)
		return
	}
	r.completed = max(r.completed, vis) // visible means durable
	if n < r.refN {
		r.resetRef()
	}
	for ; r.refN < n; r.refN++ {
		c := r.hist[r.refN]
		if err := r.ref.Apply(c.ts, c.ds); err != nil {
			r.fail("reference replay of %d: %v", c.ts, err)
			return
		}
	}
	if n > 0 {
		_ = r.ref.MarkAcknowledged(r.hist[n-1].ts)
	}
	want, got := dump(r.ref), dump(in.Graph())
	if !bytes.Equal(durability.AppendDeltas(nil, want), durability.AppendDeltas(nil, got)) {
		r.fail("visible graph at %d is not the commits up to it (-want +got):\n%s", vis,
			cmp.Diff(want, got, cmpopts.EquateEmpty()))
	}
}

func (r *run) resetRef() {
	r.ref = graph.New(graph.Options{})
	r.refN = 0
}

// dump is the visible data as the deltas that rebuild it. Schema deltas
// are left out: the graph applies schema changes at once, not at their
// timestamp (afterStart checks the recovered schema).
func dump(g *graph.Graph) []graph.Delta {
	tx := g.Begin(graph.TxOptions{ReadOnly: true})
	defer tx.Abort()
	var ds []graph.Delta
	_ = tx.SnapshotDeltas(func(d graph.Delta) error {
		if !isSchema(d) {
			ds = append(ds, d)
		}
		return nil
	})
	return ds
}

func isSchema(d graph.Delta) bool {
	return d.Op >= graph.OpCreateIndex && d.Op <= graph.OpDropConstraint
}

// checkSchema compares the recovered schema with the schema changes of the
// recovered history.
func (r *run) checkSchema(in *instance.Instance) {
	want := map[graph.SchemaItem]string{} // item without its alias -> alias
	for _, c := range r.hist {
		for _, d := range c.ds {
			item := graph.SchemaItem{Kind: d.Kind, Name: d.Name, Key: d.Key}
			switch d.Op {
			case graph.OpCreateIndex, graph.OpCreateConstraint:
				want[item] = d.Alias
			case graph.OpDropIndex, graph.OpDropConstraint:
				delete(want, item)
			}
		}
	}
	got := in.Graph().Schema()
	ok := len(got) == len(want)
	for _, it := range got {
		alias, found := want[graph.SchemaItem{Kind: it.Kind, Name: it.Name, Key: it.Key}]
		ok = ok && found && alias == it.Alias
	}
	if !ok {
		r.fail("recovered schema %v, history says %v", got, want)
	}
}
