package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/disk"
)

// Scheduler runs f on a host's loop after d of virtual time, unless the host
// crashes first. It is what a simulated disk uses to complete syncs later.
type Scheduler interface {
	After(d time.Duration, f func())
}

// Disk is a host's simulated disk: a file system that survives crashes of the
// node, keeping what was synced and losing what was not.
type Disk interface {
	disk.FS
	// Crash loses every unsynced write; torn keeps a random prefix of the
	// last one. Pending sync completions are dropped.
	Crash(torn bool)
	// Wipe erases everything, as a replaced disk.
	Wipe()
}

// DiskFactory builds a host's disk on the host's scheduler, with a PRNG
// derived from the world's.
type DiskFactory func(sched Scheduler, rng *rand.Rand) Disk

// Host is one simulated machine: an address, a clock and a disk that outlive
// the node process running on it, which the world starts, crashes, pauses
// and restarts.
type Host struct {
	w            *World
	idx          int32
	addr         string
	factory      func() node.Node
	node         node.Node
	inc          uint32 // incarnation: bumps whenever the running node goes away
	paused       bool
	stopping     bool // a clean shutdown runs: the node goes away when it reports done
	ready        bool // the running node reported itself ready (env.Ready(nil))
	parkedEvents []*event
	clock        *Clock
	disk         Disk
	ep           endpoint
	log          *zap.Logger
}

// AddHost adds a host at addr whose node processes factory builds. Its clock
// gets a drift rate within the world's bound, a random monotonic origin and a
// random wall skew within Options.MaxWallSkew. The host starts down; call Start.
func (w *World) AddHost(addr string, factory func() node.Node) *Host {
	if _, dup := w.byAddr[addr]; dup {
		panic(fmt.Sprintf("sim: duplicate host address %q", addr))
	}
	h := &Host{w: w, idx: int32(len(w.hosts)), addr: addr, factory: factory}
	h.ep.h = h
	rate := 1.0
	if w.opts.Drift > 0 {
		rate = 1 - w.opts.Drift + 2*w.opts.Drift*w.rng.Float64()
	}
	origin := time.Duration(w.rng.Int64N(int64(time.Hour)))
	var skew time.Duration
	if w.opts.MaxWallSkew > 0 {
		skew = time.Duration(w.rng.Int64N(2*int64(w.opts.MaxWallSkew)+1)) - w.opts.MaxWallSkew
	}
	h.clock = newClock(w, h, rate, origin, skew)
	if w.opts.Disk != nil {
		h.disk = w.opts.Disk(hostScheduler{h}, w.childRand())
	}
	if w.opts.Logger != nil {
		h.log = w.opts.Logger(addr)
	} else {
		h.log = zap.NewNop()
	}
	w.hosts = append(w.hosts, h)
	w.byAddr[addr] = h.idx
	w.net.addHost()
	w.trace(trLife, lifeAdd, uint64(h.idx), hashBytes([]byte(addr)))
	return h
}

// Hosts returns the world's hosts in the order they were added.
func (w *World) Hosts() []*Host { return w.hosts }

// childRand derives an independent PRNG from the world's.
func (w *World) childRand() *rand.Rand {
	return rand.New(rand.NewPCG(w.rng.Uint64(), w.rng.Uint64()))
}

// Lifecycle trace codes.
const (
	lifeAdd uint64 = iota + 1
	lifeStart
	lifeStartFailed
	lifeCrash
	lifeStop
	lifePause
	lifeResume
	lifeStopped
	lifeReady
)

// Addr is the host's network address.
func (h *Host) Addr() string { return h.addr }

// Clock is the host's clock.
func (h *Host) Clock() *Clock { return h.clock }

// Disk is the host's disk (nil without Options.Disk).
func (h *Host) Disk() Disk { return h.disk }

// Node is the running node, or nil when the host is down.
func (h *Host) Node() node.Node { return h.node }

// Up reports whether a node is running (possibly paused).
func (h *Host) Up() bool { return h.node != nil }

// Ready reports whether the running node has reported itself ready through
// its env.Ready (for a data instance: its recovered state is durable and
// visible). Scenarios wait for it with World.RunUntilTrue.
func (h *Host) Ready() bool { return h.ready }

// Stopping reports whether a clean shutdown runs and has not finished.
func (h *Host) Stopping() bool { return h.stopping }

// Paused reports whether the host is paused.
func (h *Host) Paused() bool { return h.paused }

// Incarnation counts how many times the host's running node went away.
func (h *Host) Incarnation() uint32 { return h.inc }

// ErrRunning is returned when starting a host whose node already runs.
var ErrRunning = errors.New("sim: host already running")

// Start builds a new node from the factory and starts it on the host's disk.
// If the node's Start fails, the host stays down and its timers are dropped.
func (h *Host) Start() error {
	if h.node != nil {
		return ErrRunning
	}
	w := h.w
	n := h.factory()
	h.node = n
	inc := h.inc
	env := node.Env{
		Clock: h.clock,
		Net:   &h.ep,
		Rand:  w.childRand(),
		Log:   h.log,
		Ready: func(err error) {
			if h.inc != inc || h.node != n {
				return
			}
			w.trace(trLife, lifeReady, uint64(h.idx), boolWord(err != nil))
			h.ready = err == nil
			if err != nil {
				h.log.Warn("node will not become ready", zap.Error(err))
			}
		},
	}
	if h.disk != nil {
		env.FS = h.disk
	}
	w.trace(trLife, lifeStart, uint64(h.idx), uint64(h.inc))
	if err := n.Start(env); err != nil {
		w.trace(trLife, lifeStartFailed, uint64(h.idx), uint64(h.inc))
		h.goAway()
		return fmt.Errorf("sim: start %s: %w", h.addr, err)
	}
	return nil
}

// goAway forgets the running node: its pending events become stale.
func (h *Host) goAway() {
	h.node = nil
	h.inc++
	h.paused = false
	h.stopping = false
	h.ready = false
	for _, e := range h.parkedEvents {
		e.parked = false
		h.w.release(e)
	}
	h.parkedEvents = h.parkedEvents[:0]
}

// Crash kills the node without warning: its volatile state, pending timers,
// in-flight deliveries and sync completions are gone; the disk loses what was
// not synced (torn: keeps a random prefix of the last unsynced write). It does
// nothing to a host that is down.
func (h *Host) Crash(torn bool) {
	if h.node == nil {
		return
	}
	w := h.w
	w.trace(trLife, lifeCrash, uint64(h.idx), boolWord(torn))
	if torn {
		w.faults[FaultTornCrash]++
	} else {
		w.faults[FaultCrash]++
	}
	h.goAway()
	if h.disk != nil {
		h.disk.Crash(torn)
	}
}

// Stop shuts the node down cleanly, a fault of its own kind (FaultStop),
// unlike a crash: Node.Stop runs, and the host keeps running the node's
// timers, deliveries and sync completions, with the rest of the world, until
// the node reports that its shutdown finished writing. Only then does the
// node go away, its disk as written (nothing unsynced is lost), and then,
// when set, runs with the shutdown's result. A crash before that ends the
// shutdown as a crash, and then never runs. Stop reports whether the
// shutdown began: it does nothing to a host that is down, paused (a frozen
// process cannot shut down) or already stopping.
func (h *Host) Stop(then func(err error)) bool {
	if h.node == nil || h.paused || h.stopping {
		return false
	}
	w := h.w
	w.faults[FaultStop]++
	w.trace(trLife, lifeStop, uint64(h.idx), uint64(h.inc))
	h.stopping = true
	n, inc := h.node, h.inc
	n.Stop(func(err error) {
		if h.inc != inc || h.node != n {
			return // crashed meanwhile
		}
		w.trace(trLife, lifeStopped, uint64(h.idx), boolWord(err != nil))
		if err != nil {
			h.log.Warn("clean shutdown failed to write", zap.Error(err))
		}
		h.goAway()
		if then != nil {
			then(err)
		}
	})
	return true
}

// Restart crashes the node if it runs, then starts a new one from the disk.
func (h *Host) Restart(torn bool) error {
	if h.node != nil {
		h.Crash(torn)
	}
	h.w.faults[FaultRestart]++
	return h.Start()
}

// RestartEmpty crashes the node if it runs, wipes the disk, and starts a new
// node on the empty disk.
func (h *Host) RestartEmpty() error {
	if h.node != nil {
		h.Crash(false)
	}
	if h.disk != nil {
		h.disk.Wipe()
	}
	h.w.faults[FaultRestartEmpty]++
	return h.Start()
}

// Pause freezes the node, as SIGSTOP: its timers, deliveries and sync
// completions wait until Resume. Its clock keeps running.
func (h *Host) Pause() {
	if h.node == nil || h.paused {
		return
	}
	h.paused = true
	h.w.faults[FaultPause]++
	h.w.trace(trLife, lifePause, uint64(h.idx), 0)
}

// Resume unfreezes a paused node: everything that came due meanwhile runs
// now, in the order it came due.
func (h *Host) Resume() {
	if !h.paused {
		return
	}
	w := h.w
	h.paused = false
	w.trace(trLife, lifeResume, uint64(h.idx), uint64(len(h.parkedEvents)))
	for i, e := range h.parkedEvents {
		h.parkedEvents[i] = nil
		e.parked = false
		if e.stopped {
			w.release(e)
			continue
		}
		w.schedule(e, w.now)
	}
	h.parkedEvents = h.parkedEvents[:0]
}

func boolWord(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// hostScheduler is a host's Scheduler: callbacks run as host events, dropped
// if the host's node goes away first.
type hostScheduler struct{ h *Host }

// After runs f on the host's loop after d of virtual time.
func (s hostScheduler) After(d time.Duration, f func()) {
	h := s.h
	w := h.w
	e := w.alloc()
	e.kind, e.host, e.inc, e.fn = evCall, h.idx, h.inc, f
	if d < 0 {
		d = 0
	}
	w.schedule(e, w.now+d)
}
