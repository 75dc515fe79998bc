package sim

import (
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
}

// Result is the outcome of one scenario run.
type Result struct {
	Seed        uint64
	Fingerprint uint64        // trace hash of the whole run
	Events      uint64        // events handled
	SimTime     time.Duration // virtual time at the end
	Faults      FaultCounts   // faults injected or observed
	Err         error         // an invariant or liveness violation, nil when the run passed
}

// String is a one-line summary of the result.
func (r Result) String() string {
	status := "ok"
	if r.Err != nil {
		status = "FAIL: " + r.Err.Error()
	}
	return fmt.Sprintf("seed=%d fingerprint=%016x events=%d simtime=%v faults[%s] %s",
		r.Seed, r.Fingerprint, r.Events, r.SimTime, r.Faults, status)
}

// swarm is the fault profile a seed draws for itself: which faults are on
// and how hard they hit.
type swarm struct {
	link                                      LinkConfig
	partition, clog, crash, pause, wall, emty bool
	drift                                     bool
	gap                                       time.Duration // mean time between nemesis actions
}

func drawSwarm(w *World) swarm {
	r := w.Rand()
	coin := func() bool { return r.IntN(2) == 0 }
	var s swarm
	s.link.MinLatency = time.Duration(200+r.IntN(1800)) * time.Microsecond
	s.link.MaxLatency = s.link.MinLatency + time.Duration(r.IntN(10_000))*time.Microsecond
	if coin() {
		s.link.Drop = r.Float64() * 0.2
	}
	if coin() {
		s.link.Duplicate = r.Float64() * 0.1
	}
	if coin() {
		s.link.Reorder, s.link.ReorderDelay = r.Float64()*0.2, time.Duration(1+r.IntN(30))*time.Millisecond
	}
	s.partition, s.clog, s.crash, s.pause = coin(), coin(), coin(), coin()
	s.wall, s.emty, s.drift = coin(), r.IntN(4) == 0, coin()
	s.gap = time.Duration(100+r.IntN(400)) * time.Millisecond
	return s
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
	w := NewWorld(Options{Seed: seed, Drift: 0.01, MaxWallSkew: 100 * time.Millisecond, Disk: opts.Disk})
	s := drawSwarm(w)
	if !opts.NoFaults {
		w.SetDefaultLink(s.link)
	}
	hosts := pingCluster(w, opts.Nodes, opts.Limit)
	for _, h := range hosts {
		if err := h.Start(); err != nil {
			return result(w, seed, err)
		}
	}
	if !opts.NoFaults {
		nem := &nemesis{w: w, hosts: hosts, s: s, until: opts.FaultTime, disk: opts.Disk != nil}
		w.After(nem.nextGap(), nem.act)
	}
	w.RunUntil(opts.FaultTime)
	if err := calm(w, hosts); err != nil {
		return result(w, seed, err)
	}
	w.RunFor(opts.LivenessTime)
	return result(w, seed, checkPing(hosts, opts.Limit))
}

func result(w *World, seed uint64, err error) Result {
	return Result{Seed: seed, Fingerprint: w.Fingerprint(), Events: w.Events(), SimTime: w.Now(), Faults: w.Faults(), Err: err}
}

// pingCluster adds n ping hosts n1:7000 ... to w.
func pingCluster(w *World, n int, limit uint64) []*Host {
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
		cfg := ping.Config{Peers: peers, Limit: limit}
		hosts[i] = w.AddHost(a, func() node.Node { return ping.New(cfg) })
	}
	return hosts
}

// calm ends the fault phase: perfect links, no partitions, every host up.
func calm(w *World, hosts []*Host) error {
	w.Heal()
	w.ResetLinks()
	w.SetDefaultLink(LinkConfig{MinLatency: DefaultLatency, MaxLatency: 2 * DefaultLatency})
	for _, h := range hosts {
		h.Resume()
		if !h.Up() {
			if err := h.Start(); err != nil {
				return err
			}
		}
	}
	return nil
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
			epoch, have := o.Node().(*ping.Node).Have(h.Addr())
			if epoch != n.Epoch() || have != n.Durable() {
				return fmt.Errorf("%s holds %d ticks of %s epoch %x, want %d of epoch %x",
					o.Addr(), have, h.Addr(), epoch, n.Durable(), n.Epoch())
			}
		}
	}
	return nil
}

// nemesis injects the swarm's faults at random times until the fault phase ends.
type nemesis struct {
	w     *World
	hosts []*Host
	s     swarm
	until time.Duration
	disk  bool
}

func (m *nemesis) nextGap() time.Duration {
	return time.Duration(1 + m.w.Rand().Int64N(int64(2*m.s.gap)))
}

func (m *nemesis) pick() *Host { return m.hosts[m.w.Rand().IntN(len(m.hosts))] }

// act injects one fault and schedules the next.
func (m *nemesis) act() {
	w, r := m.w, m.w.Rand()
	if w.Now() >= m.until {
		return
	}
	switch r.IntN(8) {
	case 0:
		if m.s.partition {
			m.partition()
		}
	case 1:
		if m.s.clog {
			w.Clog(m.pick(), m.pick(), time.Duration(1+r.Int64N(int64(time.Second))))
		}
	case 2:
		if m.s.crash {
			m.crash()
		}
	case 3:
		if m.s.pause {
			m.pause()
		}
	case 4:
		if m.s.wall {
			m.pick().Clock().StepWall(time.Duration(r.Int64N(int64(2*time.Minute))) - time.Minute)
		}
	case 5:
		if m.s.drift {
			h := m.pick()
			h.Clock().SetRate(1 - w.opts.Drift + 2*w.opts.Drift*r.Float64())
		}
	case 6:
		if m.s.emty && m.disk {
			if h := m.pick(); h.Up() {
				_ = h.RestartEmpty()
			}
		}
	case 7:
		w.Heal()
	}
	w.After(m.nextGap(), m.act)
}

func (m *nemesis) partition() {
	w, r := m.w, m.w.Rand()
	switch r.IntN(4) {
	case 0:
		w.Partition(m.pick(), m.pick())
	case 1:
		w.PartitionOneWay(m.pick(), m.pick())
	case 2:
		w.Isolate(m.pick())
	default:
		if len(m.hosts) < 2 {
			return
		}
		k := 1 + r.IntN(len(m.hosts)-1)
		perm := r.Perm(len(m.hosts))
		var a, b []*Host
		for i, p := range perm {
			if i < k {
				a = append(a, m.hosts[p])
			} else {
				b = append(b, m.hosts[p])
			}
		}
		w.Split(a, b)
	}
}

func (m *nemesis) crash() {
	w, r := m.w, m.w.Rand()
	h := m.pick()
	if !h.Up() {
		return
	}
	h.Crash(r.IntN(2) == 0)
	w.After(time.Duration(1+r.Int64N(int64(time.Second))), func() {
		if !h.Up() {
			_ = h.Start()
			w.faults[FaultRestart]++
		}
	})
}

func (m *nemesis) pause() {
	w, r := m.w, m.w.Rand()
	h := m.pick()
	if !h.Up() || h.Paused() {
		return
	}
	h.Pause()
	w.After(time.Duration(1+r.Int64N(int64(2*time.Second))), h.Resume)
}

// defaultDisk is the disk scenarios use unless told otherwise.
func defaultDisk() DiskFactory { return nil }
