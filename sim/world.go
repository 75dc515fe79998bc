// Package sim is Quiver's deterministic simulator kernel: a world that runs
// every node of a cluster in one goroutine, ordered by a priority queue of
// events on virtual time, with simulated clocks, network and disks and one
// seeded PRNG from which every random choice derives. The same seed gives the
// same run, event for event; the run's trace hash (Fingerprint) proves it.
//
// A scenario builds a World, adds a Host per node (an address, a drifting
// Clock, a simulated disk and a factory for the core/node.Node it runs),
// starts them, injects faults directly (Partition, Clog, Host.Crash,
// Host.Pause, Clock.StepWall, ...) or through a Nemesis drawn from the seed,
// and advances time with RunUntil/RunFor:
//
//	defer sim.SeedCryptoRand(seed)() // etcd raft reads crypto/rand.Reader
//	w := sim.NewWorld(sim.Options{Seed: seed, Drift: 0.01, Disk: sim.SimDisk})
//	h := w.AddHost("n1:7000", func() node.Node { return mynode.New(cfg) })
//	if err := h.Start(); err != nil { ... }
//	nem := sim.NewNemesis(w, hosts, sim.DrawProfile(w.Rand()))
//	nem.Run(30 * time.Second)
//	w.RunUntil(30 * time.Second)
//	nem.Calm() // heal, restart, then check liveness
//	w.RunFor(time.Minute)
//
// Everything runs on the caller's goroutine, one event at a time, so no two
// calls into a node ever overlap. Code called from an event (a node's
// handler, a World.After callback) may inject faults and start or crash
// hosts, but must not call the Run methods.
package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
)

// Options configure a World.
type Options struct {
	// Seed drives every random choice of the run.
	Seed uint64
	// Drift is the clock drift bound ρ: each host's monotonic clock runs at a
	// rate drawn from [1-ρ, 1+ρ]. Zero means perfect clocks. Must be < 0.5.
	Drift float64
	// Epoch is the wall time at virtual time zero. The zero value means
	// 2026-01-01T00:00:00Z.
	Epoch time.Time
	// MaxWallSkew bounds each host's initial wall clock offset, drawn from
	// [-MaxWallSkew, MaxWallSkew].
	MaxWallSkew time.Duration
	// Link is the behaviour of every link that has no override. The zero
	// value is a perfect link with DefaultLatency.
	Link LinkConfig
	// Disk builds each host's disk. Nil leaves Env.FS nil.
	Disk DiskFactory
	// Logger gives each node its logger. Nil means zap.NewNop.
	Logger func(addr string) *zap.Logger
	// Trace, when set, receives every trace record as one line of text, in
	// order: the run's full event log, for diffing two runs of a seed.
	Trace func(line string)
}

// DefaultEpoch is the wall time at virtual time zero unless Options.Epoch says otherwise.
var DefaultEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// World is one simulated universe: hosts, their clocks, disks and network,
// and the event queue that drives them. It is not safe for concurrent use;
// everything runs on the goroutine that calls its methods.
type World struct {
	opts   Options
	rng    *rand.Rand
	now    time.Duration
	seq    uint64
	q      queue
	free   []*event
	hash   uint64
	events uint64
	hosts  []*Host
	byAddr map[string]int32
	net    network
	faults FaultCounts
}

// NewWorld creates an empty world.
func NewWorld(opts Options) *World {
	if opts.Drift < 0 || opts.Drift >= 0.5 {
		panic(fmt.Sprintf("sim: drift bound %v out of [0, 0.5)", opts.Drift))
	}
	if opts.Epoch.IsZero() {
		opts.Epoch = DefaultEpoch
	}
	if opts.Link.MaxLatency == 0 && opts.Link.MinLatency == 0 {
		opts.Link.MinLatency, opts.Link.MaxLatency = DefaultLatency, DefaultLatency
	}
	w := &World{
		opts:   opts,
		rng:    rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		hash:   fnvOffset,
		byAddr: map[string]int32{},
	}
	w.net.init(w)
	w.trace(trWorld, opts.Seed, 0, 0)
	return w
}

// Rand is the world's PRNG. Scenario code draws its choices from it so that
// they too follow from the seed.
func (w *World) Rand() *rand.Rand { return w.rng }

// Now is the current virtual time since the start of the run.
func (w *World) Now() time.Duration { return w.now }

// Events is the number of events handled so far.
func (w *World) Events() uint64 { return w.events }

// Pending is the number of events waiting in the queue.
func (w *World) Pending() int { return len(w.q) }

// Fingerprint is the hash of the trace so far: every delivery, timer, callback,
// fault and lifecycle change, with its time, in order.
func (w *World) Fingerprint() uint64 { return w.hash }

// Faults returns the counts of faults injected or observed so far, with the
// faults the hosts' simulated disks injected added under FaultDisk.
func (w *World) Faults() FaultCounts {
	c := w.faults
	c[FaultDisk] += w.diskFaults()
	return c
}

// Note folds a scenario-level observation into the trace, so that the
// fingerprint covers it too.
func (w *World) Note(x uint64) { w.trace(trNote, x, 0, 0) }

// CountFault records a fault injected outside the world's own knobs (for
// example a disk fault set by a scenario), so that it shows in Faults and in
// the trace.
func (w *World) CountFault(k FaultKind, host int32) {
	w.faults[k]++
	w.trace(trFault, uint64(k), uint64(int64(host)), 0)
}

// After schedules f on the world loop after d of virtual time. It is for
// scenario steps and fault injection, not for nodes (they use their clock).
func (w *World) After(d time.Duration, f func()) {
	if d < 0 {
		d = 0
	}
	e := w.alloc()
	e.kind, e.host, e.fn = evWorld, -1, f
	w.schedule(e, w.now+d)
}

// At schedules f on the world loop at virtual time t (now, if t has passed).
func (w *World) At(t time.Duration, f func()) { w.After(t-w.now, f) }

// Step handles the next event, moving time to it. It reports false when the
// queue is empty.
func (w *World) Step() bool {
	if len(w.q) == 0 {
		return false
	}
	w.dispatch(w.q.pop())
	return true
}

// RunUntil handles every event due at or before t, then sets the time to t.
func (w *World) RunUntil(t time.Duration) {
	for len(w.q) > 0 && w.q.peek() <= t {
		w.dispatch(w.q.pop())
	}
	if t > w.now {
		w.now = t
	}
}

// RunFor runs the world for d of virtual time.
func (w *World) RunFor(d time.Duration) { w.RunUntil(w.now + d) }

// RunUntilIdle handles events until the queue is empty or the next event is
// due after limit. It reports whether the queue emptied.
func (w *World) RunUntilIdle(limit time.Duration) bool {
	for len(w.q) > 0 {
		if w.q.peek() > limit {
			return false
		}
		w.dispatch(w.q.pop())
	}
	return true
}

// RunUntilTrue handles events until cond reports true (checked before the
// first event and after each one) or the next event is due after limit. It
// reports whether cond became true; time stays at the last event handled.
// Scenarios use it to measure how long a cluster takes to recover.
func (w *World) RunUntilTrue(limit time.Duration, cond func() bool) bool {
	for !cond() {
		if len(w.q) == 0 || w.q.peek() > limit {
			return false
		}
		w.dispatch(w.q.pop())
	}
	return true
}

// alloc takes an event from the free list.
func (w *World) alloc() *event {
	if n := len(w.free); n > 0 {
		e := w.free[n-1]
		w.free = w.free[:n-1]
		return e
	}
	return &event{pooled: true}
}

// release returns a pooled event to the free list.
func (w *World) release(e *event) {
	if !e.pooled {
		return
	}
	*e = event{pooled: true}
	w.free = append(w.free, e)
}

// schedule queues e at time at with the next sequence number.
func (w *World) schedule(e *event, at time.Duration) {
	if at < w.now {
		at = w.now
	}
	w.seq++
	e.at, e.seq = at, w.seq
	w.q.push(e)
}

// dispatch handles one event taken from the queue.
func (w *World) dispatch(e *event) {
	if e.stopped {
		return // a stopped timer: it never happened
	}
	w.now = e.at
	w.events++
	if e.kind == evWorld {
		w.trace(trWorld, uint64(e.seq), 0, 0)
		f := e.fn
		w.release(e)
		f()
		return
	}
	h := w.hosts[e.host]
	if e.inc != h.inc || h.node == nil {
		// Scheduled for an incarnation that crashed: its volatile state,
		// and with it this timer, delivery or callback, is gone.
		w.trace(trStale, uint64(e.kind), uint64(e.host), 0)
		w.release(e)
		return
	}
	if h.paused {
		e.parked = true
		h.parkedEvents = append(h.parkedEvents, e)
		return
	}
	switch e.kind {
	case evDeliver:
		w.net.deliver(e, h)
	case evTimer:
		w.trace(trTimer, uint64(e.host), 0, 0)
		e.fn()
	case evCall:
		w.trace(trCall, uint64(e.host), 0, 0)
		f := e.fn
		w.release(e)
		f()
	}
}

// Trace record kinds.
const (
	trWorld uint64 = iota + 1
	trStale
	trTimer
	trCall
	trDeliver
	trFault
	trLife
	trSend
	trNote
	trState
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// traceNames names the trace record kinds in Options.Trace lines.
var traceNames = [...]string{"?", "world", "stale", "timer", "call", "deliver", "fault", "life", "send", "note", "state"}

// trace appends one record to the running hash: its kind, the current time
// and up to three words, FNV-1a style a word at a time.
func (w *World) trace(kind, a, b, c uint64) {
	if w.opts.Trace != nil {
		w.opts.Trace(fmt.Sprintf("%d %v %s %x %x %x", w.events, w.now, traceNames[kind], a, b, c))
	}
	h := w.hash
	h = (h ^ kind) * fnvPrime
	h = (h ^ uint64(w.now)) * fnvPrime
	h = (h ^ a) * fnvPrime
	h = (h ^ b) * fnvPrime
	h = (h ^ c) * fnvPrime
	w.hash = h ^ h>>31 // let high input bits reach the low bits too
}

// hashBytes folds p into a 64-bit FNV-1a hash, eight bytes at a time.
func hashBytes(p []byte) uint64 {
	h := uint64(fnvOffset)
	for len(p) >= 8 {
		x := uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
			uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56
		h = (h ^ x) * fnvPrime
		p = p[8:]
	}
	for _, b := range p {
		h = (h ^ uint64(b)) * fnvPrime
	}
	return h
}
