package replication

import (
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/net"
)

// The harness's timings (virtual).
const (
	safetyPhase = 2 * time.Second // faults and writes
	healPhase   = 3 * time.Second // no faults, no writes: everything must converge
)

var harnessLogger *zap.Logger

// runScenarioHook, when set, sees each scenario before it runs (debugging).
var runScenarioHook func(*scenario)

var harnessTuning = Tuning{Retry: 20 * time.Millisecond, AckTimeout: 100 * time.Millisecond,
	Window: 16, Batch: 4, Queue: 128, Tail: 64}

// scenario is one seeded run: a MAIN, two or three replicas, faults, writes,
// an optional failover to a replica while the old MAIN lives on, and the
// checkers watching it all.
type scenario struct {
	seed     uint64
	w        *world
	deferred bool        // nodes batch per turn of their loop (MainConfig.Defer, ReplicaConfig.Defer)
	failover bool        // a replica is promoted while the old MAIN lives on, cut off
	restart  bool        // the MAIN crashes, losing its unsynced tail, and restarts in a new epoch
	mains    []*mainNode // the old MAIN first; the promoted one after a failover
	reps     []*rep
	commits  map[uint64]map[uint64]durability.Record // epoch -> ts -> what its MAIN committed
	maxWM    map[string]uint64                       // main UUID -> highest watermark reported
	bad      []string
	stats    stats
	results  []Result // every commit's outcome, in the order they came
}

// stats counts what the checkers examined, so a blind run shows.
type stats struct {
	acked, ackChecks, applies, reads, retryable, unknown, diverged, snapshots int
}

type mainNode struct {
	s       *scenario
	addr    string
	uuid    string
	epoch   Epoch
	m       *Main
	d       *disk
	log     *mainLog
	nextTS  uint64
	lastTS  uint64
	fenced  bool
	writing bool
	dead    bool // crashed and replaced by a restarted MAIN
}

type rep struct {
	s        *scenario
	name     string
	addr     string
	mode     Mode
	n        *wnode
	st       *store
	r        *Replica
	followed map[string]bool // main UUIDs it has followed
	crashed  bool
}

func (s *scenario) fail(format string, args ...any) {
	if len(s.bad) < 8 {
		s.bad = append(s.bad, fmt.Sprintf("t=%v: ", s.w.now)+fmt.Sprintf(format, args...))
	}
}

// runScenario runs one seed and returns the checkers' violations.
func runScenario(seed uint64, forceFailover bool) *scenario {
	w := newWorld(seed)
	s := &scenario{seed: seed, w: w, commits: map[uint64]map[uint64]durability.Record{}, maxWM: map[string]uint64{}}
	s.deferred = seed%2 == 1 // half the seeds batch per loop turn, as the instance does
	s.failover = forceFailover || w.rng.IntN(2) == 0
	s.restart = !s.failover && w.rng.IntN(2) == 0
	w.faults = netFaults{drop: w.rng.Float64() * 0.1, dup: w.rng.Float64() * 0.1, slow: w.rng.Float64() * 0.1,
		delay: time.Duration(1+w.rng.IntN(5)) * time.Millisecond, slowDelay: 150 * time.Millisecond}
	w.onDeliver = s.observe
	family := Sync
	if w.rng.IntN(2) == 0 {
		family = StrictSync
	}
	a := s.newMain("main-1", "main-1", Epoch{Num: 1, ID: w.rng.Uint64()}, nil, &disk{w: w, n: w.node("main-1"), maxSync: 10 * time.Millisecond})
	for i := range 2 + w.rng.IntN(2) {
		mode := family
		if i > 0 && w.rng.IntN(2) == 0 {
			mode = Async
		}
		r := s.newRep(fmt.Sprintf("r%d", i+1), mode)
		if err := a.m.Register(r.name, r.addr, r.mode); err != nil {
			panic(err)
		}
	}
	s.startWrites(a)
	s.scheduleFaults()
	if runScenarioHook != nil {
		runScenarioHook(s)
	}
	switch {
	case s.failover:
		w.at(time.Duration(600+w.rng.IntN(600))*time.Millisecond, s.promote)
	case s.restart:
		w.at(time.Duration(600+w.rng.IntN(600))*time.Millisecond, s.restartMain)
	}
	w.run(safetyPhase)
	s.heal()
	w.run(safetyPhase + healPhase)
	if s.failover || s.restart {
		s.checkDivergence()
		w.run(safetyPhase + 2*healPhase)
	}
	s.checkConvergence()
	return s
}

func (s *scenario) newMain(addr, uuid string, e Epoch, hist History, d *disk) *mainNode {
	w := s.w
	n := w.node(addr)
	n.alive = true
	mn := &mainNode{s: s, addr: addr, uuid: uuid, epoch: e, d: d, log: &mainLog{d: d, chunk: 8}}
	mn.lastTS = d.durableTS()
	mn.nextTS = mn.lastTS + 1
	mn.m = NewMain(MainConfig{UUID: uuid, Epoch: e, History: hist, LastTS: mn.lastTS,
		Clock: vclock{w, n}, Net: endpoint{w, addr}, Rand: rand.New(rand.NewPCG(w.rng.Uint64(), 1)),
		Log: mn.log, Snapshots: &snapshots{d: d, piece: 2000, opened: &s.stats.snapshots}, Tuning: harnessTuning, Logger: harnessLogger,
		OnWatermark: func(ts uint64) { s.maxWM[uuid] = max(s.maxWM[uuid], ts) },
		OnFenced:    func(Epoch) { mn.fenced = true }, Defer: s.deferFor(n), SendOnFlush: s.deferred})
	n.receive = func(from string, msg net.Message) { mn.m.Receive(from, msg) }
	s.maxWM[uuid] = mn.m.Watermark() // a new MAIN starts with its durable state acknowledged
	s.commits[e.Num] = map[uint64]durability.Record{}
	s.mains = append(s.mains, mn)
	return mn
}

// deferFor is node n's Defer when the scenario batches per loop turn: f
// runs after the events already queued at this instant, unless n crashed.
func (s *scenario) deferFor(n *wnode) func(func()) {
	if !s.deferred {
		return nil
	}
	return func(f func()) { s.w.at(0, s.w.guard(n, f)) }
}

func (s *scenario) newRep(name string, mode Mode) *rep {
	n := s.w.node(name)
	n.alive = true
	r := &rep{s: s, name: name, addr: name, mode: mode, n: n, followed: map[string]bool{}}
	r.st = &store{d: &disk{w: s.w, n: n, maxSync: 20 * time.Millisecond}, onApply: r.checkApply}
	r.start()
	s.reps = append(s.reps, r)
	return r
}

// start (re)creates the replica over what its store recovered.
func (r *rep) start() {
	r.n.alive, r.crashed = true, false
	r.r = NewReplica(ReplicaConfig{Net: endpoint{r.s.w, r.addr}, Applier: r.st, History: r.st.recovered(),
		Durable: r.st.d.durableTS(), Main: r.st.main, Epoch: r.st.epoch, OnReadTS: r.checkRead, Defer: r.s.deferFor(r.n),
		Clock: vclock{r.s.w, r.n}})
	r.n.receive = func(from string, msg net.Message) { r.r.Receive(from, msg) }
}

func (r *rep) crash() {
	if r.crashed || r.r == nil {
		return
	}
	r.crashed, r.n.alive = true, false
	r.n.inc++
	r.st.d.crash()
	r.st.snap, r.st.snapOn = nil, false
}

// startWrites issues client writes to mn every few milliseconds while the
// safety phase lasts and mn takes writes.
func (s *scenario) startWrites(mn *mainNode) {
	mn.writing = true
	var tick func()
	tick = func() {
		if !mn.writing || mn.fenced || s.w.now >= safetyPhase {
			return
		}
		s.write(mn)
		s.w.at(time.Duration(1+s.w.rng.IntN(8))*time.Millisecond, tick)
	}
	s.w.at(time.Millisecond, tick)
}

func (s *scenario) write(mn *mainNode) {
	ts := mn.nextTS
	mn.nextTS++
	ds := []graph.Delta{{Op: graph.OpSetVertexProp, ID: int64(s.w.rng.IntN(100)), Key: "k", Value: s.w.rng.Int64()}}
	if !mn.m.TwoPhase() {
		s.commit(mn, ts, ds)
		return
	}
	mn.m.Prepare(ts, ds, func(d Decision) {
		if d.Commit {
			s.commit(mn, ts, ds)
			return
		}
		s.result(mn, d.Result)
	})
}

func (s *scenario) commit(mn *mainNode, ts uint64, ds []graph.Delta) {
	rec := durability.Record{Epoch: mn.epoch.Num, TS: ts, PrevTS: mn.lastTS, Deltas: ds}
	mn.lastTS = ts
	s.commits[mn.epoch.Num][ts] = rec
	mn.d.write(rec, func(error) { mn.m.Durable(ts) })
	if !s.deferred {
		mn.m.Commit(ts, ds, func(res Result) { s.result(mn, res) })
		return
	}
	// As the instance does: the WAL's frame goes to the replicas, when the
	// WAL writes the batch that holds it (once per turn of the loop here;
	// a write whose flush is lost to a crash waits for the tick).
	m := mn.m
	m.CommitFrame(ts, ds, durability.AppendRecord(nil, &rec), func(res Result) { s.result(mn, res) })
	s.deferFor(s.w.node(mn.addr))(m.Flush)
}

// scheduleFaults plants crashes, partitions and WAL retirement in the
// safety phase.
func (s *scenario) scheduleFaults() {
	w := s.w
	for range w.rng.IntN(4) {
		r := s.reps[w.rng.IntN(len(s.reps))]
		at := time.Duration(w.rng.IntN(int(safetyPhase/time.Millisecond))) * time.Millisecond
		down := time.Duration(50+w.rng.IntN(300)) * time.Millisecond
		w.at(at, func() {
			if r.r == nil || r.crashed {
				return
			}
			r.crash()
			w.at(down, func() {
				if r.crashed && r.r != nil && w.now < safetyPhase {
					r.start()
				}
			})
		})
	}
	for range w.rng.IntN(4) {
		r := s.reps[w.rng.IntN(len(s.reps))]
		at := time.Duration(w.rng.IntN(int(safetyPhase/time.Millisecond))) * time.Millisecond
		span := time.Duration(50+w.rng.IntN(500)) * time.Millisecond
		w.at(at, func() {
			for _, mn := range s.mains {
				w.partition(mn.addr, r.addr, true)
			}
			w.at(span, func() {
				for _, mn := range s.mains {
					w.partition(mn.addr, r.addr, false)
				}
			})
		})
	}
	var retire func()
	retire = func() {
		for _, mn := range s.mains {
			if n := len(mn.d.recs); n > 200 && w.rng.IntN(3) == 0 {
				mn.log.retired = mn.d.recs[n-200].TS
			}
		}
		if w.now < safetyPhase {
			w.at(300*time.Millisecond, retire)
		}
	}
	w.at(300*time.Millisecond, retire)
}

// promote makes r1 the MAIN of a new epoch from its durable state, while the
// old MAIN, cut off for a while, lives on and keeps taking writes.
func (s *scenario) promote() {
	w, a := s.w, s.mains[0]
	r1 := s.reps[0]
	span := time.Duration(500+w.rng.IntN(400)) * time.Millisecond // past the silence that makes A reconnect
	for _, r := range s.reps {
		w.partition(a.addr, r.addr, true)
	}
	w.at(span, func() {
		for _, r := range s.reps {
			w.partition(a.addr, r.addr, false)
		}
	})
	if !r1.crashed {
		r1.crash()
	}
	r1.n.inc++
	r1.r = nil // promoted: no longer a replica (pending fault events skip it)
	hist := r1.st.recovered()
	d := r1.st.d
	d.crash()
	s.reps = s.reps[1:]
	b := s.newMain(r1.addr, "main-2", Epoch{Num: a.epoch.Num + 1, ID: w.rng.Uint64()}, hist, d)
	d.n.alive = true
	for _, r := range s.reps {
		if err := b.m.Register(r.name, r.addr, r.mode); err != nil {
			panic(err)
		}
	}
	s.startWrites(b)
}

// restartMain crashes the MAIN, losing what it had not fsynced (but may
// have shipped), and restarts it after a while as a MAIN of the next epoch
// over its recovered WAL, with the same replicas registered.
func (s *scenario) restartMain() {
	w, a := s.w, s.mains[0]
	a.writing, a.n().alive = false, false
	a.n().inc++
	a.d.crash()
	a.dead = true
	w.at(time.Duration(50+w.rng.IntN(150))*time.Millisecond, func() {
		hist := a.m.History().Upto(a.d.durableTS())
		b := s.newMain(a.addr, "main-1b", Epoch{Num: a.epoch.Num + 1, ID: w.rng.Uint64()}, hist, a.d)
		b.log.retired = a.log.retired
		for _, r := range s.reps {
			if err := b.m.Register(r.name, r.addr, r.mode); err != nil {
				panic(err)
			}
		}
		s.startWrites(b)
	})
}

func (mn *mainNode) n() *wnode { return mn.s.w.node(mn.addr) }

// heal ends the faults: links mend, crashed replicas restart, writes stop.
func (s *scenario) heal() {
	s.w.faults = netFaults{delay: time.Millisecond}
	clear(s.w.cut)
	for _, r := range s.reps {
		if r.crashed && r.r != nil {
			r.start()
		}
	}
}

// current is the newest MAIN.
func (s *scenario) current() *mainNode { return s.mains[len(s.mains)-1] }
