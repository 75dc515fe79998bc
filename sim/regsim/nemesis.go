package regsim

import (
	"errors"
	"time"
)

// errInjected is the error of injected write and sync failures.
var errInjected = errors.New("regsim: injected disk fault")

// nemesis injects the register scenario's faults into its one host. Most
// crashes are aimed: the nemesis arms itself, and when the instance next
// starts an fsync (the simulated disk's OnSync hook) it crashes the host at
// a random moment before that fsync completes, while written and synced
// data differ. A crash at a random time would mostly find nothing unsynced.
type nemesis struct {
	r     *run
	until time.Duration
	armed bool // crash inside the next fsync
	torn  bool // how the armed crash tears
	down  bool // the host is down and a restart is scheduled

	restartSoon bool // the supervisor will restart the instance
}

func newNemesis(r *run) *nemesis {
	m := &nemesis{r: r}
	r.nem = m
	r.h.SimDisk().OnSync(m.onSync)
	return m
}

// run acts at random times until the end of the fault phase.
func (m *nemesis) run(until time.Duration) {
	m.until = until
	m.schedule()
}

func (m *nemesis) schedule() {
	w := m.r.w
	w.After(time.Duration(5+w.Rand().IntN(120))*time.Millisecond, m.act)
}

// act injects one fault and schedules the next.
func (m *nemesis) act() {
	r := m.r
	w, rng := r.w, r.w.Rand()
	if w.Now() >= m.until || r.err != nil {
		return
	}
	defer m.schedule()
	fs := r.h.SimDisk()
	switch k := rng.IntN(20); {
	case k < 9:
		m.armed, m.torn = true, rng.IntN(2) == 0
	case k < 11:
		m.crash(rng.IntN(2) == 0)
	case k < 13:
		m.stop()
	case k < 15:
		fs.FailNextSync(errInjected)
	case k < 16:
		fs.FailNextWrite(errInjected)
	case k < 18:
		fs.SlowSync(time.Duration(1 + rng.Int64N(int64(100*time.Millisecond))))
		w.After(time.Duration(rng.Int64N(int64(300*time.Millisecond))), func() { fs.SlowSync(0) })
	default:
		fs.SetFull(true)
		w.After(time.Duration(rng.Int64N(int64(100*time.Millisecond))), func() { fs.SetFull(false) })
	}
}

// onSync runs when the instance starts an fsync: an armed nemesis crashes
// the host before that fsync completes. It only schedules the crash; the
// instance is in the middle of a call.
func (m *nemesis) onSync(latency time.Duration) {
	r := m.r
	if !m.armed || r.w.Now() >= m.until || r.err != nil {
		return
	}
	m.armed = false
	torn := m.torn
	r.w.After(time.Duration(r.w.Rand().Int64N(int64(latency))), func() {
		if r.h.Up() && !m.down && !r.healed {
			r.stats.aimed++
			if r.h.SimDisk().Dirty() {
				r.stats.aimedDirty++
			}
		}
		m.crash(torn)
	})
}

// stop shuts the instance down cleanly; once it has finished (unless a
// crash cuts it short) the instance restarts a little later. A clean stop
// that reports success made every commit applied before it durable, so
// the restart must recover them all, acknowledged or not.
func (m *nemesis) stop() {
	r := m.r
	if !r.h.Up() || m.down || r.h.Stopping() {
		return
	}
	applied := r.inst().Graph().LastCommitTS()
	r.h.Stop(func(err error) {
		if err == nil {
			r.mustRecover = max(r.mustRecover, applied)
		}
		r.crashed() // the instance went away: open connections are lost
		m.restartLater()
	})
}

// crash crashes the running host and restarts it a little later.
func (m *nemesis) crash(torn bool) {
	r := m.r
	if !r.h.Up() || m.down || r.healed {
		return // down already, or an aimed crash that came due after healing
	}
	r.h.Crash(torn)
	r.crashed()
	m.restartLater()
}

func (m *nemesis) restartLater() {
	r := m.r
	m.down = true
	r.w.After(time.Duration(r.w.Rand().IntN(20))*time.Millisecond, m.restart)
}

// restart starts the instance again and checks what it recovered.
func (m *nemesis) restart() {
	r := m.r
	m.down = false
	if r.h.Up() {
		return
	}
	if err := r.h.Start(); err != nil {
		r.fail("restart: %v", err)
		return
	}
	r.restarted()
}

// heal ends the faults: disk faults off, and the instance restarted (a
// failed WAL refuses writes until then).
func (m *nemesis) heal() {
	r := m.r
	m.until, m.armed = r.w.Now(), false
	fs := r.h.SimDisk()
	fs.FailNextSync(nil)
	fs.FailNextWrite(nil)
	fs.SlowSync(0)
	fs.SetFull(false)
	if r.h.Up() {
		r.h.Crash(false)
		r.crashed()
	}
	m.restart()
	r.healed, r.healedAt = true, r.w.Now()
}

// supervise is the supervisor's answer to an instance that failed an
// operation with an unknown outcome (its WAL failed: it refuses writes
// until restarted): restart it soon, as a process supervisor would.
func (r *run) supervise() {
	m := r.nem
	if m == nil || m.down || m.restartSoon || !r.h.Up() {
		return
	}
	m.restartSoon = true
	inc := r.h.Incarnation()
	r.w.After(time.Duration(1+r.w.Rand().IntN(10))*time.Millisecond, func() {
		m.restartSoon = false
		if r.h.Incarnation() == inc && r.h.Up() && !m.down {
			r.h.Crash(false)
			r.crashed()
			m.restartLater()
		}
	})
}
