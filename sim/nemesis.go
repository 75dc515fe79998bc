package sim

import (
	"errors"
	"math/rand/v2"
	"path"
	"time"

	"github.com/quiverdb/quiver/sim/simdisk"
)

// Profile is the fault profile of a run: which faults the nemesis injects
// and how hard they hit. Swarm testing: each seed draws its own (DrawProfile),
// so that some runs hammer one fault and others mix them.
type Profile struct {
	Link         LinkConfig    // default link: latency, drop, duplicate, reorder
	Partition    bool          // symmetric and one-way partitions, isolation, splits
	Clog         bool          // clogged links
	Crash        bool          // crashes (torn or not) and clean stops, followed by restarts
	Pause        bool          // pauses followed by resumes
	WallStep     bool          // wall-clock steps of up to a minute either way
	Drift        bool          // drift rate changes within the world's bound
	RestartEmpty bool          // restarts with a wiped disk
	Disk         bool          // failed writes and syncs, slow syncs, full disk, bit flips on read
	Gap          time.Duration // mean time between nemesis actions
	Outage       time.Duration // longest crash, pause, clog or disk fault
}

// DrawProfile draws a fault profile from r.
func DrawProfile(r *rand.Rand) Profile {
	coin := func() bool { return r.IntN(2) == 0 }
	var p Profile
	p.Link.MinLatency = time.Duration(200+r.IntN(1800)) * time.Microsecond
	p.Link.MaxLatency = p.Link.MinLatency + time.Duration(r.IntN(10_000))*time.Microsecond
	if coin() {
		p.Link.Drop = r.Float64() * 0.2
	}
	if coin() {
		p.Link.Duplicate = r.Float64() * 0.1
	}
	if coin() {
		p.Link.Reorder, p.Link.ReorderDelay = r.Float64()*0.2, time.Duration(1+r.IntN(30))*time.Millisecond
	}
	p.Partition, p.Clog, p.Crash, p.Pause = coin(), coin(), coin(), coin()
	p.WallStep, p.RestartEmpty, p.Drift, p.Disk = coin(), r.IntN(4) == 0, coin(), coin()
	p.Gap = time.Duration(100+r.IntN(400)) * time.Millisecond
	p.Outage = time.Second
	return p
}

// Nemesis injects a profile's faults into a world's hosts at random times.
// Every choice comes from the world's PRNG.
type Nemesis struct {
	w     *World
	hosts []*Host
	p     Profile
	until time.Duration
	// MaxDown bounds how many of the hosts may be crashed, stopped or paused
	// at once (default: all but one).
	MaxDown int
	// MayWipe reports whether h may be restarted with an empty disk (default:
	// every host). A coordinator scenario allows it for a minority only.
	MayWipe func(h *Host) bool
}

// NewNemesis creates a nemesis over hosts with profile p. Set MaxDown and
// MayWipe before Run to constrain it.
func NewNemesis(w *World, hosts []*Host, p Profile) *Nemesis {
	if p.Gap <= 0 {
		p.Gap = 300 * time.Millisecond
	}
	if p.Outage <= 0 {
		p.Outage = time.Second
	}
	return &Nemesis{w: w, hosts: hosts, p: p, MaxDown: len(hosts) - 1}
}

// Run makes the nemesis act at random times until virtual time until.
func (m *Nemesis) Run(until time.Duration) {
	m.until = until
	m.w.After(m.nextGap(), m.act)
}

// Calm ends the fault phase: no partitions or clogs, every link override
// gone and the default link perfect (1-2 ms, no loss), disk faults off, and
// every host resumed and running.
func (m *Nemesis) Calm() error {
	w := m.w
	m.until = w.Now()
	w.Heal()
	w.ResetLinks()
	w.SetDefaultLink(LinkConfig{MinLatency: DefaultLatency, MaxLatency: 2 * DefaultLatency})
	for _, h := range m.hosts {
		if fs := h.SimDisk(); fs != nil {
			fs.FailNextWrite(nil)
			fs.FailNextSync(nil)
			fs.SlowSync(0)
			fs.SetFull(false)
			fs.FlipBitsOnRead(0)
		}
		h.Resume()
		if !h.Up() {
			if err := h.Start(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *Nemesis) nextGap() time.Duration {
	return time.Duration(1 + m.w.Rand().Int64N(int64(2*m.p.Gap)))
}

func (m *Nemesis) outage() time.Duration {
	return time.Duration(1 + m.w.Rand().Int64N(int64(m.p.Outage)))
}

func (m *Nemesis) pick() *Host { return m.hosts[m.w.Rand().IntN(len(m.hosts))] }

// down counts hosts that are crashed, paused or stopping.
func (m *Nemesis) down() int {
	n := 0
	for _, h := range m.hosts {
		if !h.Up() || h.Paused() || h.Stopping() {
			n++
		}
	}
	return n
}

// act injects one fault and schedules the next.
func (m *Nemesis) act() {
	w, r := m.w, m.w.Rand()
	if w.Now() >= m.until {
		return
	}
	switch r.IntN(9) {
	case 0:
		if m.p.Partition {
			m.partition()
		}
	case 1:
		if m.p.Clog {
			w.Clog(m.pick(), m.pick(), m.outage())
		}
	case 2:
		if m.p.Crash {
			m.crash()
		}
	case 3:
		if m.p.Pause {
			m.pause()
		}
	case 4:
		if m.p.WallStep {
			m.pick().Clock().StepWall(time.Duration(r.Int64N(int64(2*time.Minute))) - time.Minute)
		}
	case 5:
		if m.p.Drift {
			m.pick().Clock().SetRate(1 - w.opts.Drift + 2*w.opts.Drift*r.Float64())
		}
	case 6:
		if m.p.RestartEmpty {
			m.restartEmpty()
		}
	case 7:
		w.Heal()
	case 8:
		if m.p.Disk {
			m.diskFault()
		}
	}
	w.After(m.nextGap(), m.act)
}

func (m *Nemesis) partition() {
	w, r := m.w, m.w.Rand()
	switch r.IntN(5) {
	case 0:
		w.Partition(m.pick(), m.pick())
	case 1:
		w.PartitionOneWay(m.pick(), m.pick())
	case 2:
		w.Isolate(m.pick())
	case 3:
		perm := r.Perm(len(m.hosts))
		ring := make([]*Host, len(perm))
		for i, p := range perm {
			ring[i] = m.hosts[p]
		}
		w.MajorityRing(ring)
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

// crash crashes a running host (torn a third of the time) or stops it
// cleanly (a third of the time), and restarts it later.
func (m *Nemesis) crash() {
	w, r := m.w, m.w.Rand()
	h := m.pick()
	if !h.Up() || h.Paused() || h.Stopping() || m.down() >= m.MaxDown {
		return
	}
	outage := m.outage()
	restart := func() {
		if !h.Up() {
			w.faults[FaultRestart]++
			_ = h.Start()
		}
	}
	switch r.IntN(3) {
	case 0:
		h.Stop(func(error) { w.After(outage, restart) })
	default:
		h.Crash(r.IntN(2) == 0)
		w.After(outage, restart)
	}
}

func (m *Nemesis) restartEmpty() {
	h := m.pick()
	if !h.Up() || h.Paused() || h.Disk() == nil || (m.MayWipe != nil && !m.MayWipe(h)) {
		return
	}
	_ = h.RestartEmpty()
}

func (m *Nemesis) pause() {
	w := m.w
	h := m.pick()
	if !h.Up() || h.Paused() || m.down() >= m.MaxDown {
		return
	}
	h.Pause()
	w.After(2*m.outage(), h.Resume)
}

// errInjected is the error of injected write and sync failures.
var errInjected = errors.New("sim: injected disk fault")

// diskFault injects one disk fault on a random host: a failed write or
// sync, slow syncs, a full disk or bit flips on read for a while, or a bit
// flipped in a stored file.
func (m *Nemesis) diskFault() {
	w, r := m.w, m.w.Rand()
	fs := m.pick().SimDisk()
	if fs == nil {
		return
	}
	switch r.IntN(6) {
	case 0:
		fs.FailNextWrite(errInjected)
	case 1:
		fs.FailNextSync(errInjected)
	case 2:
		fs.SlowSync(time.Duration(1 + r.Int64N(int64(200*time.Millisecond))))
		w.After(m.outage(), func() { fs.SlowSync(0) })
	case 3:
		fs.SetFull(true)
		w.After(m.outage(), func() { fs.SetFull(false) })
	case 4:
		fs.FlipBitsOnRead(r.Float64())
		w.After(m.outage(), func() { fs.FlipBitsOnRead(0) })
	case 5:
		files := listFiles(fs, ".")
		if len(files) == 0 {
			return
		}
		name := files[r.IntN(len(files))]
		if size, err := fs.Size(name); err == nil && size > 0 {
			_ = fs.FlipBit(name, r.Int64N(size))
		}
	}
}

// listFiles returns every file under dir, depth first in name order.
func listFiles(fs *simdisk.FS, dir string) []string {
	names, err := fs.List(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, n := range names {
		p := path.Join(dir, n)
		if _, err := fs.List(p); err == nil {
			files = append(files, listFiles(fs, p)...)
		} else {
			files = append(files, p)
		}
	}
	return files
}
