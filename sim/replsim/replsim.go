// Package replsim is the replication scenario: one MAIN and two replicas
// (r1 and r2, each SYNC, ASYNC or STRICT_SYNC as the seed draws, never SYNC
// beside STRICT_SYNC), set up with the replication queries through each
// data instance's query entry point and exchanging replication messages
// over the simulated network. Clients read, write and compare-and-set
// registers ((:Reg {k, v})) on MAIN and read them on the replicas while
// faults hit: partitions, clogs, pauses, clock steps and drift (sim.Nemesis),
// message loss, delay, duplication and reordering (the drawn link profile),
// slow and failing disks, and crashes of replicas and of MAIN (torn, clean,
// or aimed inside an fsync) followed by restarts that restore the
// replication role and state (RestoreReplicationState; the harness also
// sets a replica's role again, as an operator would). In
// about half the seeds an operator fails over mid-run: MAIN is cut off, r1
// is promoted and r2 registered on it, the old MAIN comes back still
// believing it is MAIN (it must be refused: its epoch is older), and is then
// wiped and registered as a replica of the new MAIN. Then the faults stop.
//
// Checked (sim/check, each counting what it examined): a replica applies
// only transactions a rightful MAIN committed; every write acknowledged
// without a warning naming a SYNC or STRICT_SYNC replica is durable on it
// at the ack and
// survives its crashes; after healing every acknowledged write is on every
// replica and every replica's visible graph hash equals MAIN's; reads on
// replicas return values in MAIN's commit order, never past the
// acknowledged watermark (also sampled every millisecond on the replicas'
// visible timestamps); each MAIN term's register history is linearizable
// (porcupine). ASYNC lag (transactions and time behind MAIN) is measured.
package replsim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/check"
)

// Options configure Run. Zero values take the defaults.
type Options struct {
	FaultTime    time.Duration // nemesis phase (default 2 s)
	LivenessTime time.Duration // healed phase (default 2 s)
	Trace        func(line string)
	BeforeEnd    func(w *sim.World)
	ArtifactDir  string // where a non-linearizable history's HTML goes

	// Failover: 0 draws it from the seed, 1 forces the operator failover,
	// -1 rules it out.
	Failover int
	// SnapshotCatchUp gives every instance small WAL segments, frequent
	// snapshots and a retention of one, so a replica cut off for a while
	// finds MAIN's WAL retired and catches up through a snapshot. MAIN is
	// cut off from its replicas more often and for longer, crashes and
	// failing disks hit as in the other seeds, and there is no failover. The
	// logs no longer reach back to the first commit, so the checkers that
	// judge whole logs (applied-by-main, acked-after-heal, replica-reads)
	// are off; the others run.
	SnapshotCatchUp bool

	// atHeal, when set, runs once the network heals (tests plant state).
	atHeal func(r *run)
	// stats, when set, receives the run's counts.
	stats *runStats
	// only, when set, keeps one checker ("watermark", or a step's name in checkAll) and turns the
	// others off, so a test can measure what that checker alone catches.
	only string
	// logger, when set, gives each instance its logger (debugging).
	logger func(addr string) *zap.Logger
}

// runStats counts what a run checked, for tests.
type runStats struct {
	acked, warned, reads, samples, conflicts, ops int
	restarts, aimed, diskFaults, failovers        int
	calmRestarts                                  int  // hosts a calm restarted before their scheduled restart
	fenced                                        int  // writes the deposed MAIN refused once fenced
	lost                                          int  // acknowledged writes lost to a failover
	failover                                      bool // the run included the operator failover
	waited                                        bool // a replica was registered SYNC or STRICT_SYNC
	strict                                        bool // a replica was registered STRICT_SYNC
	resynced                                      int  // replicas found diverged, wiped and registered again
	reports                                       []check.ReplReport
	lag                                           lagStats
}

// Scenario is Run in the scenario registry.
var Scenario = sim.Scenario{
	Name: "replication",
	Doc:  "a MAIN and two replicas (SYNC, ASYNC or STRICT_SYNC, drawn per seed) under network, disk, pause and crash faults and an operator failover; linearizable registers on MAIN, replicas apply only MAIN's commits, acknowledged writes kept per mode, replica reads a prefix under the watermark, graphs converge",
	Run: func(seed uint64, o sim.RunOptions) sim.Result {
		return Run(seed, Options{FaultTime: o.FaultTime, LivenessTime: o.LivenessTime, Trace: o.Trace,
			BeforeEnd: o.BeforeEnd, ArtifactDir: o.ArtifactDir})
	},
}

const (
	qSetup = "UNWIND $keys AS k CREATE (:Reg {k: k, v: 0})"
	qRead  = "MATCH (r:Reg {k: $k}) RETURN r.v"
	qWrite = "MATCH (r:Reg {k: $k}) SET r.v = $v"
	qCAS   = "MATCH (r:Reg {k: $k}) WHERE r.v = $old SET r.v = $new RETURN count(r)"
	qAll   = "MATCH (r:Reg) RETURN r.k, r.v"
)

// roleQuery makes host i a replica listening on its address's port.
func roleQuery(i int) string {
	return "SET REPLICATION ROLE TO REPLICA WITH PORT " + addrs[i][strings.LastIndexByte(addrs[i], ':')+1:]
}

// names are the hosts' names (replica names in REGISTER REPLICA) and
// addrs their addresses.
var (
	names = []string{"main", "r1", "r2"}
	addrs = []string{"main:7687", "r1:10000", "r2:10000"}
)

// run is the state of one scenario run.
type run struct {
	seed    uint64
	opts    Options
	w       *sim.World
	hosts   []*sim.Host
	keys    []string
	main    int // the host that is MAIN now
	writeTo int // the host clients send their operations to (MAIN but during a failover)
	// modes[h] holds the replicas registered on host h (name -> mode).
	modes map[int]map[string]string
	// regAt is when each replica was last registered: a commit made before
	// that was not waited for on it.
	regAt map[string]time.Duration
	// replica[i]: host i is meant to be a replica (its role is set after
	// every restart).
	replica []bool

	clients []*client
	readers []*reader
	nem     *nemesis
	rec     *recorder
	stats   runStats
	healed  bool
	err     error
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
	w := sim.NewWorld(sim.Options{Seed: seed, Drift: 0.01, Disk: sim.SimDisk, Trace: opts.Trace, Logger: opts.logger})
	rng := w.Rand()
	r := &run{seed: seed, opts: opts, w: w, modes: map[int]map[string]string{0: {}}, regAt: map[string]time.Duration{},
		replica: []bool{false, true, true}}
	r.rec = newRecorder(r)
	w.SetFilter(r.rec.observe)
	for i := range 1 + rng.IntN(4) {
		r.keys = append(r.keys, fmt.Sprintf("k%d", i))
	}
	cfg := instanceConfig(opts.SnapshotCatchUp)
	cfg.RestoreReplicationState = true // MAIN crashes too: every instance comes back in its role
	for _, a := range addrs {
		r.hosts = append(r.hosts, w.AddHost(a, func() node.Node { return instance.New(cfg) }))
	}
	failover := opts.Failover > 0 || (opts.Failover == 0 && rng.IntN(2) == 0)
	failover = failover && !opts.SnapshotCatchUp // that mode is about replicas cut off, not replaced
	r.stats.failover = failover
	finish := func(err error) sim.Result {
		if opts.stats != nil {
			*opts.stats = r.stats
		}
		res := w.Finish(seed, opts.BeforeEnd, err)
		res.Checked = r.stats.ops + r.stats.reads + r.stats.samples
		for _, rp := range r.stats.reports {
			res.Checked += rp.Examined
		}
		res.Metrics = r.rec.lag.metrics()
		return res
	}
	r.rec.beginTerm(0, false) // before setup: the registration ships the setup commit
	if err := r.setup(); err != nil {
		return finish(err)
	}
	r.err = r.phases(failover)
	if r.err == nil {
		r.err = r.checkAll()
	}
	return finish(r.err)
}

// phases runs the faults (with the failover in the middle when drawn), the
// heal and the liveness phase.
func (r *run) phases(failover bool) error {
	w, opts := r.w, r.opts
	start := w.Now()
	heal := start + opts.FaultTime
	r.startClients(heal + opts.LivenessTime/2)
	r.watch()
	r.nem = newNemesis(r)
	if failover {
		r.nem.run(start + opts.FaultTime/2)
		w.RunUntil(start + opts.FaultTime/2)
		r.nem.calm()
		if err := r.waitServing(); err != nil {
			return err
		}
		if err := r.failover(); err != nil {
			return err
		}
		heal = w.Now() + opts.FaultTime/2
		r.nem.run(heal)
	} else {
		r.nem.run(heal)
	}
	w.RunUntil(heal)
	if r.err != nil {
		return r.err
	}
	r.nem.calm()
	r.healed = true
	if r.opts.atHeal != nil {
		r.opts.atHeal(r)
	}
	// The operator resyncs any replica MAIN reports diverged (it applied
	// a tail a crashed MAIN lost).
	w.RunUntil(heal + opts.LivenessTime/4)
	if err := r.waitServing(); err != nil {
		return err
	}
	if err := r.resyncDiverged(r.main); err != nil {
		return fmt.Errorf("after healing: %w", err)
	}
	w.RunUntil(max(w.Now(), heal+opts.LivenessTime))
	return r.err
}

// instanceConfig is every host's instance configuration; snapshots asks
// for Options.SnapshotCatchUp's.
func instanceConfig(snapshots bool) instance.Config {
	cfg := instance.Config{NoSnapshotOnStop: true}
	if snapshots {
		cfg.Durability = durability.Options{SegmentSize: 2 << 10, SnapshotRetention: 1, SnapshotChunkSize: 512}
		cfg.SnapshotInterval, cfg.SnapshotPieceSize = 50*time.Millisecond, 1<<10
		cfg.Replication = replication.Tuning{Tail: 16, Queue: 32} // a lagging replica reads the WAL
	}
	return cfg
}

// on reports whether the checker named name runs.
func (r *run) on(name string) bool {
	if r.opts.SnapshotCatchUp && wholeLog[name] {
		return false
	}
	return r.opts.only == "" || r.opts.only == name
}

// wholeLog are the checkers that need every log to reach back to the first
// commit.
var wholeLog = map[string]bool{"applied-by-main": true, "acked-after-heal": true, "replica-reads": true}

// waitServing runs the world until every host serves in its role.
func (r *run) waitServing() error {
	all := func() bool {
		for i := range r.hosts {
			if !r.serving(i) {
				return false
			}
		}
		return true
	}
	if !r.w.RunUntilTrue(r.w.Now()+2*time.Second, all) {
		var why []string
		for i, h := range r.hosts {
			if !r.serving(i) {
				in := r.inst(i)
				why = append(why, fmt.Sprintf("%s (up %v, ready %v, paused %v, replica %v/%v)", names[i], h.Up(), h.Ready(), h.Paused(),
					in != nil && in.IsReplica(), r.replica[i]))
			}
		}
		return fmt.Errorf("at %v: not serving after the faults stopped: %s", r.w.Now(), strings.Join(why, ", "))
	}
	return nil
}

func (r *run) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at %v: %s", r.w.Now(), fmt.Sprintf(format, args...))
	}
}

// inst is host i's running instance, or nil when it is down.
func (r *run) inst(i int) *instance.Instance {
	if n := r.hosts[i].Node(); n != nil {
		return n.(*instance.Instance)
	}
	return nil
}

// serving reports whether host i runs, is ready and has the role it is
// meant to have (a restarted replica is a MAIN until its role is set).
func (r *run) serving(i int) bool {
	in := r.inst(i)
	return in != nil && in.Ready() && !r.hosts[i].Paused() && in.IsReplica() == r.replica[i]
}

// do runs query on instance i to its end and calls then with its rows (or
// error); it is for use inside events.
func (r *run) do(i int, query string, params map[string]any, then func(rows [][]any, err error)) {
	in := r.inst(i)
	if in == nil {
		then(nil, errors.New("host down"))
		return
	}
	s := in.OpenSession(instance.SessionInfo{User: "sim", Client: "operator"})
	var all [][]any
	s.Run(query, params, instance.TxMeta{}, func(res *instance.Result, err error) {
		if err != nil {
			s.Close()
			then(nil, err)
			return
		}
		res.Pull(-1, func(rows [][]any, more bool, err error) {
			all = append(all, rows...)
			if err != nil || !more {
				s.Close()
				then(all, err)
			}
		})
	})
}

// exec runs query on instance i and waits for it, driving the world (not
// for use inside events).
func (r *run) exec(i int, query string, params map[string]any) ([][]any, error) {
	done, failed, out := false, error(nil), [][]any(nil)
	r.do(i, query, params, func(rows [][]any, err error) { done, failed, out = true, err, rows })
	if !r.w.RunUntilTrue(r.w.Now()+5*time.Second, func() bool { return done }) {
		return nil, fmt.Errorf("%q on %s never completed", query, names[i])
	}
	if failed != nil {
		return nil, fmt.Errorf("%q on %s: %w", query, names[i], failed)
	}
	return out, nil
}

// execRetry runs query until it succeeds or fails with a non-retryable
// error (REGISTER REPLICA waits, retryably, for MAIN's last commit to be
// durable).
func (r *run) execRetry(i int, query string, params map[string]any) ([][]any, error) {
	for range 100 {
		rows, err := r.exec(i, query, params)
		if err == nil || !instance.Retryable(err) {
			return rows, err
		}
		r.w.RunFor(5 * time.Millisecond)
	}
	_, err := r.exec(i, query, params)
	return nil, fmt.Errorf("%q on %s kept failing retryably: %w", query, names[i], err)
}

// register registers replica name in mode on MAIN host m.
func (r *run) register(m int, name, mode string) error {
	_, err := r.execRetry(m, fmt.Sprintf("REGISTER REPLICA %s %s TO %q", name, mode, addrs[indexOf(name)]), nil)
	if err == nil {
		if r.modes[m] == nil {
			r.modes[m] = map[string]string{}
		}
		r.modes[m][name] = mode
		r.regAt[name] = r.w.Now()
	}
	return err
}

func indexOf(name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	panic("replsim: no host " + name)
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
	if !r.w.RunUntilTrue(r.w.Now()+time.Second, func() bool { return r.hosts[0].Ready() && r.hosts[1].Ready() && r.hosts[2].Ready() }) {
		return errors.New("setup: the instances never became ready")
	}
	keys := make([]any, len(r.keys))
	for i, k := range r.keys {
		keys[i] = k
	}
	steps := []struct {
		host  int
		query string
	}{
		{1, roleQuery(1)},
		{2, roleQuery(2)},
		{0, qSetup},
	}
	for _, st := range steps {
		if _, err := r.execRetry(st.host, st.query, map[string]any{"keys": keys}); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	modes := drawModes(r.w)
	for i, name := range []string{"r1", "r2"} {
		if err := r.register(0, name, modes[i]); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		r.stats.waited = r.stats.waited || modes[i] != check.ModeAsync
		r.stats.strict = r.stats.strict || modes[i] == check.ModeStrictSync
	}
	return nil
}

// drawModes draws r1's and r2's modes: r1's among all three, r2's among
// those that may join it (SYNC and STRICT_SYNC replicas do not mix).
func drawModes(w *sim.World) [2]string {
	all := []string{check.ModeSync, check.ModeAsync, check.ModeStrictSync}
	m1 := all[w.Rand().IntN(len(all))]
	fits := all
	if m1 != check.ModeAsync {
		fits = []string{m1, check.ModeAsync}
	}
	return [2]string{m1, fits[w.Rand().IntN(len(fits))]}
}

// bookmarkTS is the timestamp of a bookmark "quiver:N".
func bookmarkTS(b string) (uint64, error) {
	return strconv.ParseUint(strings.TrimPrefix(b, "quiver:"), 10, 64)
}
