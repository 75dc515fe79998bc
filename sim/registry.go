package sim

import (
	"fmt"
	"time"
)

// RunOptions are the options every scenario takes; zero values take the
// scenario's defaults. A replay names the non-default ones (Flags).
type RunOptions struct {
	// Nodes is the cluster size, for scenarios whose shape has one (zero:
	// the scenario's default).
	Nodes int
	// FaultTime is how long the nemesis injects faults.
	FaultTime time.Duration
	// LivenessTime is how long the healed system gets to converge.
	LivenessTime time.Duration
	// Trace receives the run's event log (see Options.Trace).
	Trace func(line string)
	// ArtifactDir is where a failing run writes what explains it (the HTML
	// visualization of a non-linearizable history); empty means the
	// system's temporary directory. Where it goes does not change the run.
	ArtifactDir string
	// BeforeEnd, when set, runs just before the run's final state is
	// folded into its fingerprint. Tests use it to plant a difference in
	// state that no event shows.
	BeforeEnd func(w *World)
}

// Flags renders the non-default options as command-line flags of `quiver
// sim`, each with a leading space, for a replay line.
func (o RunOptions) Flags() string {
	s := ""
	if o.Nodes != 0 {
		s += fmt.Sprintf(" --nodes %d", o.Nodes)
	}
	if o.FaultTime != 0 {
		s += " --fault-time " + o.FaultTime.String()
	}
	if o.LivenessTime != 0 {
		s += " --liveness-time " + o.LivenessTime.String()
	}
	return s
}

// Scenario is a named, seeded simulator run: the same seed and options give
// the same Result. Scenarios are listed in package sim/scenarios, the one
// registry that `quiver sim --scenario NAME` looks names up in.
type Scenario struct {
	Name string // what --scenario takes
	Doc  string // one line: what runs and what is checked
	Run  func(seed uint64, opts RunOptions) Result
}

// ReplayLine is the command that replays seed of the scenario named name
// with opts: exactly `quiver sim --scenario NAME --seed N`, followed by any
// non-default options.
func ReplayLine(name string, seed uint64, opts RunOptions) string {
	return fmt.Sprintf("quiver sim --scenario %s --seed %d%s", name, seed, opts.Flags())
}

// StateHasher is implemented by nodes whose in-memory state the end of a
// run folds into the fingerprint (an instance: the hash of its visible
// graph). Two runs that differ only in state then differ in fingerprint.
type StateHasher interface {
	StateHash() uint64
}

// Finish ends a run: it calls before (if set), folds every host's final
// state into the trace — the canonical hash of its disk's durable files
// (what a crash now would keep) and, for a running node that implements
// StateHasher, its state hash — and returns the Result with err.
func (w *World) Finish(seed uint64, before func(*World), err error) Result {
	if before != nil {
		before(w)
	}
	for _, h := range w.hosts {
		var disk, state uint64
		if fs := h.SimDisk(); fs != nil {
			disk = fs.DurableHash()
		}
		if sh, ok := h.node.(StateHasher); ok && h.node != nil {
			state = sh.StateHash()
		}
		w.trace(trState, uint64(h.idx), disk, state)
	}
	return Result{Seed: seed, Fingerprint: w.Fingerprint(), Events: w.Events(), SimTime: w.Now(), Faults: w.Faults(), Err: err}
}
