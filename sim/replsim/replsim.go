// Package replsim is the replication scenario: one MAIN and two replicas
// (r1 and r2, each SYNC, ASYNC or STRICT_SYNC as the seed draws, never SYNC
// beside STRICT_SYNC), set up with the replication queries through each
// data instance's query entry point and exchanging replication messages
// over the simulated network. Clients write registers ((:Reg {k, v})) on
// MAIN and read them on the replicas while a nemesis partitions and clogs
// the links between MAIN and each replica; then the network heals.
//
// Checked: a replica never shows more than MAIN acknowledged (its visible
// timestamp never passes MAIN's, sampled every millisecond); every write
// acknowledged without a warning naming a SYNC or STRICT_SYNC replica is
// durable on it when the client learns of it; reads on a replica return a
// value some client wrote (or the initial 0); and after healing every replica's visible
// graph hash equals MAIN's. Hosts are not crashed: the replication role
// and registered replicas do not survive a restart yet.
package replsim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/sim"
)

// Options configure Run. Zero values take the defaults.
type Options struct {
	FaultTime    time.Duration // nemesis phase (default 2 s)
	LivenessTime time.Duration // healed phase (default 2 s)
	Trace        func(line string)
	BeforeEnd    func(w *sim.World)
	// SnapshotCatchUp gives every instance small WAL segments, frequent
	// snapshots and a retention of one, so a replica cut off for a while
	// finds MAIN's WAL retired and catches up through a snapshot.
	SnapshotCatchUp bool

	// atHeal, when set, runs once the network heals (tests plant state).
	atHeal func(r *run)
	// stats, when set, receives the run's counts.
	stats *runStats
}

// runStats counts what a run checked, for tests.
type runStats struct {
	acked, syncOK, warned, reads, samples, conflicts int
}

// Scenario is Run in the scenario registry.
var Scenario = sim.Scenario{
	Name: "replication",
	Doc:  "a MAIN and two replicas (SYNC, ASYNC or STRICT_SYNC, drawn per seed) over the simulated network under partitions and clogs; clients write registers on MAIN and read replicas; replicas never read past MAIN's watermark, acknowledged writes are on the SYNC and STRICT_SYNC replicas, all graphs converge",
	Run: func(seed uint64, o sim.RunOptions) sim.Result {
		return Run(seed, Options{FaultTime: o.FaultTime, LivenessTime: o.LivenessTime, Trace: o.Trace, BeforeEnd: o.BeforeEnd})
	},
}

const (
	qSetup = "UNWIND $keys AS k CREATE (:Reg {k: k, v: 0})"
	qRead  = "MATCH (r:Reg {k: $k}) RETURN r.v"
	qWrite = "MATCH (r:Reg {k: $k}) SET r.v = $v"
)

// run is the state of one scenario run.
type run struct {
	w         *sim.World
	hosts     []*sim.Host // main, r1, r2
	keys      []string
	modes     [2]string      // r1's and r2's replication modes
	written   map[int64]bool // every value a client asked MAIN to write
	acked     int            // writes acknowledged
	syncOK    int            // of them, checked durable on a waited replica
	warned    int            // of them, with a warning naming a waited replica
	reads     int            // replica reads that returned a value
	samples   int            // watermark comparisons
	conflicts int            // writes refused as conflicting (retryable)
	err       error
}

// Run runs the scenario of seed.
func Run(seed uint64, opts Options) sim.Result {
	if opts.FaultTime <= 0 {
		opts.FaultTime = 2 * time.Second
	}
	if opts.LivenessTime <= 0 {
		opts.LivenessTime = 2 * time.Second
	}
	defer sim.SeedCryptoRand(seed)()
	w := sim.NewWorld(sim.Options{Seed: seed, Drift: 0.01, Disk: sim.SimDisk, Trace: opts.Trace})
	rng := w.Rand()
	r := &run{w: w, written: map[int64]bool{0: true}}
	for i := range 1 + rng.IntN(4) {
		r.keys = append(r.keys, fmt.Sprintf("k%d", i))
	}
	cfg := instance.Config{NoSnapshotOnStop: true}
	if opts.SnapshotCatchUp {
		cfg.Durability = durability.Options{SegmentSize: 2 << 10, SnapshotRetention: 1, SnapshotChunkSize: 512}
		cfg.SnapshotInterval, cfg.SnapshotPieceSize = 50*time.Millisecond, 1<<10
		cfg.Replication = replication.Tuning{Tail: 16, Queue: 32} // a lagging replica reads the WAL
	}
	for _, a := range []string{"main:7687", "r1:10000", "r2:10000"} {
		r.hosts = append(r.hosts, w.AddHost(a, func() node.Node { return instance.New(cfg) }))
	}
	finish := func(err error) sim.Result {
		if opts.stats != nil {
			*opts.stats = runStats{r.acked, r.syncOK, r.warned, r.reads, r.samples, r.conflicts}
		}
		res := w.Finish(seed, opts.BeforeEnd, err)
		res.Checked = r.acked + r.reads + r.samples
		return res
	}
	if err := r.setup(); err != nil {
		return finish(err)
	}
	heal := w.Now() + opts.FaultTime
	end := heal + opts.LivenessTime
	stopAt := heal + opts.LivenessTime/2
	for i := range 1 + rng.IntN(3) {
		r.writer(i, stopAt)
	}
	for i := range 2 {
		r.reader(1+i, stopAt)
	}
	r.nemesis(heal)
	r.watch(end)
	w.RunUntil(heal)
	w.Heal()
	if opts.atHeal != nil {
		opts.atHeal(r)
	}
	w.RunUntil(end)
	if r.err == nil {
		r.err = r.converged()
	}
	return finish(r.err)
}

func (r *run) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at %v: %s", r.w.Now(), fmt.Sprintf(format, args...))
	}
}

func (r *run) inst(i int) *instance.Instance { return r.hosts[i].Node().(*instance.Instance) }

// exec runs query on instance i to its end and waits for it.
func (r *run) exec(i int, query string, params map[string]any) error {
	done, failed := false, error(nil)
	s := r.inst(i).OpenSession(instance.SessionInfo{User: "sim", Client: "setup"})
	defer s.Close()
	s.Run(query, params, instance.TxMeta{}, func(res *instance.Result, err error) {
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
	if !r.w.RunUntilTrue(5*time.Second, func() bool { return done }) {
		return fmt.Errorf("%q never completed", query)
	}
	if failed != nil {
		return fmt.Errorf("%q: %w", query, failed)
	}
	return nil
}

// setup starts the hosts, makes r1 and r2 replicas, creates the registers
// on MAIN (before registering, so catch-up ships them) and registers r1
// and r2 in the modes drawModes draws.
func (r *run) setup() error {
	for _, h := range r.hosts {
		if err := h.Start(); err != nil {
			return err
		}
	}
	if !r.w.RunUntilTrue(time.Second, func() bool { return r.hosts[0].Ready() && r.hosts[1].Ready() && r.hosts[2].Ready() }) {
		return errors.New("setup: the instances never became ready")
	}
	keys := make([]any, len(r.keys))
	for i, k := range r.keys {
		keys[i] = k
	}
	r.modes = drawModes(r.w)
	steps := []struct {
		host  int
		query string
	}{
		{1, "SET REPLICATION ROLE TO REPLICA WITH PORT 10000"},
		{2, "SET REPLICATION ROLE TO REPLICA WITH PORT 10000"},
		{0, qSetup},
		{0, `REGISTER REPLICA r1 ` + r.modes[0] + ` TO "r1:10000"`},
		{0, `REGISTER REPLICA r2 ` + r.modes[1] + ` TO "r2:10000"`},
	}
	for _, st := range steps {
		if err := r.exec(st.host, st.query, map[string]any{"keys": keys}); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	return nil
}

// drawModes draws r1's and r2's modes: r1's among all three, r2's among
// those that may join it (SYNC and STRICT_SYNC replicas do not mix).
func drawModes(w *sim.World) [2]string {
	all := []string{"SYNC", "ASYNC", "STRICT_SYNC"}
	m1 := all[w.Rand().IntN(len(all))]
	fits := all
	if m1 != "ASYNC" {
		fits = []string{m1, "ASYNC"}
	}
	return [2]string{m1, fits[w.Rand().IntN(len(fits))]}
}

// writer writes unique values to random registers on MAIN, one at a time.
func (r *run) writer(id int, stopAt time.Duration) {
	s := r.inst(0).OpenSession(instance.SessionInfo{User: "sim", Client: fmt.Sprintf("writer%d", id)})
	n := int64(0)
	var step func()
	step = func() {
		if r.w.Now() >= stopAt || r.err != nil {
			return
		}
		n++
		v := int64(id+1)*1_000_000 + n
		r.written[v] = true
		k := r.keys[r.w.Rand().IntN(len(r.keys))]
		again := func() { r.w.After(time.Duration(1+r.w.Rand().IntN(10))*time.Millisecond, step) }
		failed := func(err error) {
			if instance.Retryable(err) { // a write-write conflict with another writer
				r.conflicts++
				again()
				return
			}
			r.fail("write on MAIN: %v", err)
		}
		s.Run(qWrite, map[string]any{"k": k, "v": v}, instance.TxMeta{}, func(res *instance.Result, err error) {
			if err != nil {
				failed(err)
				return
			}
			res.Pull(-1, func(_ [][]any, more bool, err error) {
				if more {
					return
				}
				if err != nil {
					failed(err)
					return
				}
				r.acknowledged(res.Summary())
				again()
			})
		})
	}
	r.w.After(time.Millisecond, step)
}

// acknowledged checks an acknowledged write: each SYNC or STRICT_SYNC
// replica holds it durably unless a warning names it.
func (r *run) acknowledged(sum instance.Summary) {
	r.acked++
	ts, err := strconv.ParseUint(strings.TrimPrefix(sum.Bookmark, "quiver:"), 10, 64)
	if err != nil {
		r.fail("bad bookmark %q", sum.Bookmark)
		return
	}
replicas:
	for i, mode := range r.modes {
		name := fmt.Sprintf("r%d", i+1)
		if mode == "ASYNC" {
			continue
		}
		for _, n := range sum.Notifications {
			if strings.Contains(n.Description, name) {
				r.warned++
				continue replicas
			}
		}
		if d := r.inst(i + 1).ReplicaDurable(); d < ts {
			r.fail("write %d acknowledged without a warning, but the %s replica %s holds only up to %d", ts, mode, name, d)
			return
		}
		r.syncOK++
	}
}

// reader reads random registers on replica i.
func (r *run) reader(i int, stopAt time.Duration) {
	s := r.inst(i).OpenSession(instance.SessionInfo{User: "sim", Client: fmt.Sprintf("reader%d", i)})
	var step func()
	step = func() {
		if r.w.Now() >= stopAt || r.err != nil {
			return
		}
		k := r.keys[r.w.Rand().IntN(len(r.keys))]
		s.Run(qRead, map[string]any{"k": k}, instance.TxMeta{}, func(res *instance.Result, err error) {
			if err != nil {
				r.fail("read on replica %d: %v", i, err)
				return
			}
			res.Pull(-1, func(rows [][]any, more bool, err error) {
				if more {
					return
				}
				if err != nil || len(rows) > 1 {
					r.fail("read on replica %d: %v rows, %v", i, rows, err)
					return
				}
				if len(rows) == 0 { // the register has not reached the replica yet
					r.w.After(time.Duration(1+r.w.Rand().IntN(10))*time.Millisecond, step)
					return
				}
				if v, _ := rows[0][0].(int64); !r.written[v] {
					r.fail("replica %d read %v, which no client wrote", i, rows[0][0])
					return
				}
				r.reads++
				r.w.After(time.Duration(1+r.w.Rand().IntN(10))*time.Millisecond, step)
			})
		})
	}
	r.w.After(time.Millisecond, step)
}

// nemesis partitions and clogs the links between MAIN and a replica at
// random until heal.
func (r *run) nemesis(heal time.Duration) {
	w := r.w
	var act func()
	act = func() {
		if w.Now() >= heal {
			return
		}
		rep := r.hosts[1+w.Rand().IntN(2)]
		switch w.Rand().IntN(4) {
		case 0, 1:
			w.Partition(r.hosts[0], rep)
		case 2:
			w.Clog(r.hosts[0], rep, time.Duration(10+w.Rand().IntN(300))*time.Millisecond)
		default:
			w.Heal()
		}
		w.After(time.Duration(20+w.Rand().IntN(300))*time.Millisecond, act)
	}
	w.After(time.Duration(10+w.Rand().IntN(100))*time.Millisecond, act)
}

// watch samples every millisecond that no replica shows more than MAIN
// acknowledged.
func (r *run) watch(end time.Duration) {
	r.w.After(time.Millisecond, func() {
		if r.err != nil || r.w.Now() >= end {
			return
		}
		wm := r.inst(0).Graph().VisibleTS()
		for i := 1; i <= 2; i++ {
			if v := r.inst(i).Graph().VisibleTS(); v > wm {
				r.fail("replica %d shows timestamp %d, past MAIN's watermark %d", i, v, wm)
			}
		}
		r.samples++
		r.watch(end)
	})
}

// converged requires every replica's visible graph to equal MAIN's, and
// the run to have written, read and checked something.
func (r *run) converged() error {
	m := r.inst(0).Graph()
	for i := 1; i <= 2; i++ {
		g := r.inst(i).Graph()
		if g.VisibleTS() != m.VisibleTS() || g.VisibleHash() != m.VisibleHash() {
			return fmt.Errorf("after healing replica %d is at %d (hash %016x), MAIN at %d (hash %016x)",
				i, g.VisibleTS(), g.VisibleHash(), m.VisibleTS(), m.VisibleHash())
		}
	}
	if r.acked == 0 || r.reads == 0 {
		return fmt.Errorf("nothing happened: %d writes acknowledged, %d replica reads", r.acked, r.reads)
	}
	return nil
}
