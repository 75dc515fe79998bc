package replsim

import (
	"errors"
	"time"

	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/check"
)

// errInjected is the error of injected write and sync failures.
var errInjected = errors.New("replsim: injected disk fault")

// nemesis injects the scenario's faults. sim.Nemesis does the network and
// process faults that need no care (partitions, clogs, pauses, wall-clock
// steps, drift), the world's default link drops, duplicates, delays and
// reorders messages, and this nemesis crashes and restarts replicas and
// MAIN (each comes back in its role from its replication state; the
// restart sets a replica's role again too, as an operator would) and slows
// and fails disks (an instance whose disk failed refuses to go on until
// restarted, so a supervisor restarts it).
type nemesis struct {
	r     *run
	prof  sim.Profile
	net   *sim.Nemesis
	until time.Duration
	disk  bool  // slow and failing disks
	armed []int // per host: crash inside its next fsync (0: no; 1: clean; 2: torn)
	// faulted: a failing disk fault was injected on the host since its
	// last restart, so its supervisor restarts it.
	faulted []bool
	down    []bool
}

func newNemesis(r *run) *nemesis {
	w := r.w
	prof := sim.DrawProfile(w.Rand())
	m := &nemesis{r: r, prof: prof, disk: prof.Disk,
		armed: make([]int, len(r.hosts)), down: make([]bool, len(r.hosts)), faulted: make([]bool, len(r.hosts))}
	// Crashes, wipes and disk faults are this nemesis's own; bit flips are
	// left out (a corrupt log stops an instance for good).
	m.prof.Crash, m.prof.RestartEmpty, m.prof.Disk = false, false, false
	m.prof.Outage = time.Duration(50+w.Rand().IntN(250)) * time.Millisecond
	for i, h := range r.hosts {
		h.SimDisk().OnSync(func(latency time.Duration) { m.onSync(i, latency) })
	}
	return m
}

// run injects faults until virtual time until.
func (m *nemesis) run(until time.Duration) {
	m.until = until
	m.r.w.SetDefaultLink(m.prof.Link)
	m.net = sim.NewNemesis(m.r.w, m.r.hosts, m.prof)
	m.net.Run(until)
	m.schedule()
}

func (m *nemesis) schedule() {
	w := m.r.w
	w.After(time.Duration(20+w.Rand().IntN(180))*time.Millisecond, m.act)
}

// act injects one crash or disk fault and schedules the next.
func (m *nemesis) act() {
	r := m.r
	w, rng := r.w, r.w.Rand()
	if w.Now() >= m.until || r.err != nil {
		return
	}
	defer m.schedule()
	cut := 10 // of 13: cut-offs are 3 in 13 actions, 9 with SnapshotCatchUp (it wants replicas behind)
	if r.opts.SnapshotCatchUp {
		cut = 4
	}
	switch k := rng.IntN(13); {
	case k >= cut:
		m.cutOff()
	case k < 6:
		i := m.pickReplica()
		if rng.IntN(4) == 0 { // MAIN, restored in its role with its replicas
			i = m.pickMain()
		}
		if i >= 0 {
			m.crashKind(i, rng.IntN(9))
		}
	case k >= 6 && m.disk:
		m.diskFault()
	}
}

// pickReplica returns a random running replica host,
// more often one MAIN waits for, or -1.
func (m *nemesis) pickReplica() int {
	r := m.r
	var ok []int
	for i := range r.hosts {
		if i != r.main && r.replica[i] && r.hosts[i].Up() && !m.down[i] && !r.hosts[i].Stopping() {
			ok = append(ok, i)
		}
	}
	if len(ok) == 0 {
		return -1
	}
	if r.w.Rand().IntN(3) > 0 { // two times in three, a replica MAIN waits for, if one runs
		var waited []int
		for _, i := range ok {
			if mode := r.modes[r.main][names[i]]; mode != "" && mode != check.ModeAsync {
				waited = append(waited, i)
			}
		}
		if len(waited) > 0 {
			ok = waited
		}
	}
	return ok[r.w.Rand().IntN(len(ok))]
}

// cutOff partitions MAIN from a random replica for 0.1 to 0.8 s
// (a heal mends it sooner): the replica falls behind, and MAIN's SYNC
// commits wait for it until it leaves the in-sync set.
func (m *nemesis) cutOff() {
	r := m.r
	w := r.w
	rep := 1 + w.Rand().IntN(len(r.hosts)-1)
	if rep == r.main {
		rep = 0
	}
	w.Partition(r.hosts[r.main], r.hosts[rep])
	d := time.Duration(100+w.Rand().IntN(700)) * time.Millisecond
	if r.opts.SnapshotCatchUp {
		d *= 2 // long enough for MAIN to retire the log the replica needs
	}
	w.After(d, func() {
		if w.Now() < m.until {
			w.Heal()
		}
	})
}

// pickMain returns the MAIN host if it runs, or -1.
func (m *nemesis) pickMain() int {
	r := m.r
	i := r.main
	if !r.hosts[i].Up() || m.down[i] || r.hosts[i].Stopping() || !r.serving(i) {
		return -1
	}
	return i
}

// crashKind crashes host i: aimed inside its next fsync (6 times in 9),
// at once (torn or not), or by a clean stop.
func (m *nemesis) crashKind(i, kind int) {
	r := m.r
	switch kind {
	case 0, 1, 2, 3, 4, 5:
		m.armed[i] = 1 + kind%2
	case 6:
		m.crashHost(i, false)
	case 7:
		m.crashHost(i, true)
	default:
		m.down[i] = true
		m.beforeLoss(i)
		r.hosts[i].Stop(func(error) { m.restartLater(i) })
	}
}

// onSync runs when host i starts an fsync: an armed crash hits before it
// completes, while the disk holds unsynced data.
func (m *nemesis) onSync(i int, latency time.Duration) {
	r := m.r
	if m.armed[i] == 0 || r.w.Now() >= m.until || r.err != nil {
		return
	}
	torn := m.armed[i] == 2
	m.armed[i] = 0
	// Late in the fsync: what the host told others about the unsynced data
	// has had the most time to be acted on.
	r.w.After(latency/2+time.Duration(r.w.Rand().Int64N(int64(latency/2)+1)), func() {
		if r.w.Now() < m.until && !m.down[i] && r.hosts[i].Up() {
			r.stats.aimed++
			m.crashHost(i, torn)
		}
	})
}

// crashHost crashes host i, first reading what its log holds (a crash
// loses the unsynced tail the replica applied), and restarts it later.
func (m *nemesis) crashHost(i int, torn bool) {
	r := m.r
	if !r.hosts[i].Up() {
		return
	}
	m.faulted[i] = false
	m.beforeLoss(i)
	r.hosts[i].Crash(torn)
	m.restartLater(i) // ends what was in flight on it (hostGone)
}

// beforeLoss records what host i's log holds before a crash may cut its
// unsynced tail: for MAIN, its term ends there (it commits no more in it);
// for a replica, what it applied.
func (m *nemesis) beforeLoss(i int) {
	r := m.r
	if i == r.main && !r.replica[i] {
		// What MAIN made visible up to now is acknowledged: its replicas
		// may have heard so before the next sample.
		r.rec.observeWatermark()
		r.rec.endTerm(false)
		return
	}
	r.rec.noteApplied(i)
	r.durableOn(i)
}

func (m *nemesis) restartLater(i int) {
	r := m.r
	m.down[i] = true
	r.hostGone(i)
	down := time.Duration(10+r.w.Rand().IntN(200)) * time.Millisecond
	if r.opts.SnapshotCatchUp {
		down *= 3 // long enough for MAIN to retire the log the replica would need
	}
	r.w.After(down, func() { m.restart(i) })
}

// restart starts host i again (unless a calm did already), checks what it
// recovered, and sets its replication role once it is ready. What MAIN
// had acknowledged as durable on it is taken at the start, when recovery
// reads the disk: once it serves again it confirms more, in its new life.
func (m *nemesis) restart(i int) {
	r := m.r
	h := r.hosts[i]
	if !m.down[i] {
		return // a calm restarted it before this scheduled restart came
	}
	m.down[i] = false
	if !h.Up() {
		if err := h.Start(); err != nil {
			m.down[i] = true
			r.w.After(20*time.Millisecond, func() { m.restart(i) })
			return
		}
	}
	promised := r.rec.promised[i]
	r.stats.restarts++
	inc := h.Incarnation()
	var ready func()
	ready = func() {
		if h.Incarnation() != inc || !h.Up() {
			return // crashed again: that crash restarts it
		}
		in := r.inst(i)
		if !in.Ready() {
			r.w.After(time.Millisecond, ready)
			return
		}
		if i == r.main && !r.replica[i] {
			r.rec.current(i) // a restarted MAIN begins a term in its lineage
			return
		}
		r.rec.recoveries = append(r.rec.recoveries, recoveryOf(r, i, in.Recovery().LastTS, promised))
		r.setRole(i, inc)
	}
	ready()
}

// setRole sets host i's replication role to replica, retrying until it
// takes (or the host goes away).
func (r *run) setRole(i int, inc uint32) {
	if r.hosts[i].Incarnation() != inc || !r.replica[i] {
		return
	}
	r.do(i, roleQuery(i), nil, func(_ [][]any, err error) {
		if err != nil {
			r.w.After(5*time.Millisecond, func() { r.setRole(i, inc) })
		}
	})
}

// hostGone ends what was in flight on host i: client operations become of
// unknown outcome and its reader starts over.
func (r *run) hostGone(i int) {
	r.abandon(i)
	for _, rd := range r.readers {
		if rd.host == i && rd.busy {
			rd.busy = false
			rd.next()
		}
	}
}

// diskFault slows a random host's syncs for a while, or fails its next
// write or sync, or fills its disk for a while; a supervisor restarts the
// instance soon after (it refuses to go on after a failed write).
func (m *nemesis) diskFault() {
	r := m.r
	w, rng := r.w, r.w.Rand()
	i := rng.IntN(len(r.hosts))
	fs := r.hosts[i].SimDisk()
	r.stats.diskFaults++
	switch k := rng.IntN(4); {
	case k == 0 || m.down[i]:
		fs.SlowSync(time.Duration(1 + rng.Int64N(int64(50*time.Millisecond))))
		w.After(time.Duration(rng.Int64N(int64(300*time.Millisecond))), func() { fs.SlowSync(0) })
		return
	case k == 1:
		fs.FailNextWrite(errInjected)
	case k == 2:
		fs.FailNextSync(errInjected)
	default:
		fs.SetFull(true)
	}
	m.faulted[i] = true
	inc := r.hosts[i].Incarnation()
	w.After(time.Duration(5+rng.IntN(50))*time.Millisecond, func() { m.supervise(i, inc) })
}

// supervise clears host i's disk faults and restarts it, as a process
// supervisor restarts an instance that stopped confirming.
func (m *nemesis) supervise(i int, inc uint32) {
	r := m.r
	fs := r.hosts[i].SimDisk()
	fs.FailNextWrite(nil)
	fs.FailNextSync(nil)
	fs.SetFull(false)
	if r.hosts[i].Incarnation() == inc && r.hosts[i].Up() && !m.down[i] && !r.hosts[i].Stopping() && m.faulted[i] {
		m.crashHost(i, false)
	}
}

// calm ends the faults: links healed and perfect, hosts resumed and
// started, disk faults cleared. Hosts waiting for a restart restart now
// (their scheduled restarts find nothing left to do).
func (m *nemesis) calm() {
	r := m.r
	m.until = r.w.Now()
	for i, h := range r.hosts {
		m.armed[i] = 0
		fs := h.SimDisk()
		fs.FailNextWrite(nil)
		fs.FailNextSync(nil)
		fs.SlowSync(0)
		fs.SetFull(false)
	}
	for i := range r.hosts {
		if m.down[i] && !r.hosts[i].Up() { // not one still stopping: its stop restarts it
			r.stats.calmRestarts++
			m.restart(i) // now, with its checks, rather than by the network's calm
		}
	}
	if m.net != nil {
		if err := m.net.Calm(); err != nil {
			r.fail("calm: %v", err)
		}
	}
	for i, h := range r.hosts {
		if m.faulted[i] && h.Up() && !m.down[i] && !h.Stopping() {
			m.crashHost(i, false) // the supervisor's restart, now rather than after the calm
		}
	}
}

// recoveryOf is what restarted host i recovered, against what MAIN had
// acknowledged as durable on it.
func recoveryOf(r *run, i int, last, promised uint64) check.Recovery {
	return check.Recovery{Replica: names[i], At: int64(r.w.Now()), LastTS: last, Promised: promised}
}
