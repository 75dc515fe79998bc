package sim

import (
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/sim/ping"
)

// PingOptions configure RunPingScenario. Zero values take the defaults.
type PingOptions struct {
	// Nodes is the cluster size (default 5).
	Nodes int
	// FaultTime is how long the nemesis injects faults (default 5 s).
	FaultTime time.Duration
	// LivenessTime is how long the healed cluster gets to converge (default 10 s).
	LivenessTime time.Duration
	// Limit is how many ticks each node counts (default 60).
	Limit uint64
	// NoFaults turns the nemesis off.
	NoFaults bool
	// Disk builds the hosts' disks (default: the simulated disk).
	Disk DiskFactory
	// Trace receives the run's event log (see Options.Trace).
	Trace func(line string)
	// ShipUnsynced plants ping.Config.ShipUnsynced, a durability bug, to
	// show that the checks catch it.
	ShipUnsynced bool
	// BeforeEnd runs before the final state is folded (RunOptions.BeforeEnd).
	BeforeEnd func(w *World)
}

// PingScenario is RunPingScenario in the scenario registry.
var PingScenario = Scenario{
	Name: "ping",
	Doc:  "ping nodes replicate ticks under every network, clock, crash and disk fault; peers must hold exactly the origins' durable ticks",
	Run: func(seed uint64, o RunOptions) Result {
		return RunPingScenario(seed, PingOptions{Nodes: o.Nodes, FaultTime: o.FaultTime,
			LivenessTime: o.LivenessTime, Trace: o.Trace, BeforeEnd: o.BeforeEnd})
	},
}

// Result is the outcome of one scenario run.
type Result struct {
	Seed        uint64
	Fingerprint uint64        // trace hash of the whole run
	Events      uint64        // events handled
	SimTime     time.Duration // virtual time at the end
	Faults      FaultCounts   // faults injected or observed
	Checked     int           // operations the run's history checkers examined (0: no history checker)
	Err         error         // an invariant or liveness violation, nil when the run passed
	// Metrics are measurements a scenario reports (say, replication lag);
	// a sweep prints each one's mean and maximum over its runs.
	Metrics []Metric
}

// Metric is one named measurement of a run.
type Metric struct {
	Name  string
	Value float64
}

// String is a one-line summary of the result.
func (r Result) String() string {
	status := "ok"
	if r.Err != nil {
		status = "FAIL: " + r.Err.Error()
	}
	checked := ""
	if r.Checked > 0 {
		checked = fmt.Sprintf(" checked=%d", r.Checked)
	}
	metrics := ""
	for _, m := range r.Metrics {
		metrics += fmt.Sprintf(" %s=%.4g", m.Name, m.Value)
	}
	return fmt.Sprintf("seed=%d fingerprint=%016x events=%d simtime=%v faults[%s]%s%s %s",
		r.Seed, r.Fingerprint, r.Events, r.SimTime, r.Faults, checked, metrics, status)
}

// RunPingScenario runs a cluster of ping nodes under a nemesis drawn from
// seed, then heals everything and checks that every node converged to every
// other node's durable count and that no node holds ticks its origin lost.
// The same seed gives the same Result.
func RunPingScenario(seed uint64, opts PingOptions) Result {
	if opts.Nodes <= 0 {
		opts.Nodes = 5
	}
	if opts.FaultTime <= 0 {
		opts.FaultTime = 5 * time.Second
	}
	if opts.LivenessTime <= 0 {
		opts.LivenessTime = 10 * time.Second
	}
	if opts.Limit == 0 {
		opts.Limit = 60
	}
	if opts.Disk == nil {
		opts.Disk = defaultDisk()
	}
	defer SeedCryptoRand(seed)()
	w := NewWorld(Options{Seed: seed, Drift: 0.01, MaxWallSkew: 100 * time.Millisecond, Disk: opts.Disk, Trace: opts.Trace})
	result := func(w *World, seed uint64, err error) Result { return w.Finish(seed, opts.BeforeEnd, err) }
	// What etcd raft would draw from crypto/rand joins the trace, so a run
	// whose reader was not seeded from its seed shows as nondeterministic.
	var cr [8]byte
	if _, err := crand.Read(cr[:]); err != nil {
		return result(w, seed, err)
	}
	w.Note(binary.LittleEndian.Uint64(cr[:]))
	prof := DrawProfile(w.Rand())
	if !opts.NoFaults {
		w.SetDefaultLink(prof.Link)
	}
	hosts := pingCluster(w, opts.Nodes, ping.Config{Limit: opts.Limit, ShipUnsynced: opts.ShipUnsynced})
	for _, h := range hosts {
		if err := h.Start(); err != nil {
			return result(w, seed, err)
		}
	}
	nem := NewNemesis(w, hosts, prof)
	if !opts.NoFaults {
		nem.Run(opts.FaultTime)
	}
	var violation error
	end := opts.FaultTime + opts.LivenessTime
	var watch func()
	watch = func() {
		if violation == nil {
			violation = pingSafety(hosts)
		}
		if w.Now() < end {
			w.After(50*time.Millisecond, watch)
		}
	}
	w.After(0, watch)
	w.RunUntil(opts.FaultTime)
	if err := nem.Calm(); err != nil {
		return result(w, seed, err)
	}
	w.RunUntil(end)
	if violation != nil {
		return result(w, seed, violation)
	}
	return result(w, seed, checkPing(hosts, opts.Limit))
}

// pingSafety checks that every running node holds a prefix of each running
// origin's current epoch: no more ticks than the origin has, with the same
// payloads. Shipped ticks were durable, so no crash, torn write or disk fault
// may take them back or change them.
func pingSafety(hosts []*Host) error {
	for _, h := range hosts {
		if !h.Up() {
			continue
		}
		n := h.Node().(*ping.Node)
		for _, o := range hosts {
			if o == h || !o.Up() {
				continue
			}
			epoch, have, digest := o.Node().(*ping.Node).Have(h.Addr())
			if epoch != n.Epoch() {
				continue
			}
			if have > n.Written() {
				return fmt.Errorf("at %v %s holds %d ticks of %s epoch %x, which has only %d",
					h.w.Now(), o.Addr(), have, h.Addr(), epoch, n.Written())
			}
			if have > 0 && digest != n.Digest(have) {
				return fmt.Errorf("at %v %s holds %d ticks of %s epoch %x that differ from the origin's",
					h.w.Now(), o.Addr(), have, h.Addr(), epoch)
			}
		}
	}
	return nil
}

// pingCluster adds n ping hosts n1:7000 ... to w, configured as base with
// the other hosts as peers.
func pingCluster(w *World, n int, base ping.Config) []*Host {
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("n%d:7000", i+1)
	}
	hosts := make([]*Host, n)
	for i, a := range addrs {
		peers := make([]string, 0, n-1)
		for j, b := range addrs {
			if j != i {
				peers = append(peers, b)
			}
		}
		cfg := base
		cfg.Peers = peers
		hosts[i] = w.AddHost(a, func() node.Node { return ping.New(cfg) })
	}
	return hosts
}

// checkPing verifies the converged state: every node counted to the limit,
// durably, and every peer holds exactly that many ticks of its current epoch.
func checkPing(hosts []*Host, limit uint64) error {
	for _, h := range hosts {
		n := h.Node().(*ping.Node)
		if n.Durable() != limit {
			return fmt.Errorf("%s: durable %d of %d ticks after healing", h.Addr(), n.Durable(), limit)
		}
		for _, o := range hosts {
			if o == h {
				continue
			}
			epoch, have, digest := o.Node().(*ping.Node).Have(h.Addr())
			if epoch != n.Epoch() || have != n.Durable() || digest != n.Digest(have) {
				return fmt.Errorf("%s holds %d ticks of %s epoch %x, want %d of epoch %x",
					o.Addr(), have, h.Addr(), epoch, n.Durable(), n.Epoch())
			}
		}
	}
	return nil
}

// Divergence runs the ping scenario of seed twice with tracing and returns
// the first trace line on which the two runs differ (see FirstDivergence).
func Divergence(seed uint64, opts PingOptions) (line int, first, second string, diverged bool) {
	return FirstDivergence(func(trace func(string)) {
		opts.Trace = trace
		RunPingScenario(seed, opts)
	})
}

// FirstDivergence calls run twice, each time with a sink for the run's trace
// (Options.Trace), and returns the first line on which the two traces differ
// and its index. It is how a determinism break is located: the line names
// the event kind, time and host.
func FirstDivergence(run func(trace func(line string))) (line int, first, second string, diverged bool) {
	var a, b []string
	run(func(l string) { a = append(a, l) })
	run(func(l string) { b = append(b, l) })
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return i, x, y, true
		}
	}
	return 0, "", "", false
}
