package sim

import (
	"math"
	"time"

	"github.com/quiverdb/quiver/clock"
)

// Clock is a host's simulated clock. Its monotonic clock runs at the host's
// drift rate relative to virtual (true) time; its wall clock is the monotonic
// clock plus an offset that StepWall changes and the monotonic clock never
// sees. The clock belongs to the host and survives crashes and restarts.
type Clock struct {
	w           *World
	host        *Host
	rate        float64       // monotonic seconds per true second
	anchorTrue  time.Duration // true time of the last rate change
	anchorMono  time.Duration // monotonic reading at anchorTrue
	wallAtZero  time.Time     // wall reading when the monotonic clock read zero, before offset
	wallOffset  time.Duration // sum of wall steps and initial skew
	lastMonoOut time.Duration // last value handed out, to guarantee monotonicity
}

var _ clock.Clock = (*Clock)(nil)

func newClock(w *World, h *Host, rate float64, monoOrigin, skew time.Duration) *Clock {
	return &Clock{
		w:          w,
		host:       h,
		rate:       rate,
		anchorTrue: w.now,
		anchorMono: monoOrigin,
		wallAtZero: w.opts.Epoch.Add(w.now - monoOrigin),
		wallOffset: skew,
	}
}

// monoAt is the monotonic reading at true time t (t >= anchorTrue).
func (c *Clock) monoAt(t time.Duration) time.Duration {
	return c.anchorMono + time.Duration(float64(t-c.anchorTrue)*c.rate)
}

// Monotonic is the host's monotonic clock reading. It never goes backwards.
func (c *Clock) Monotonic() time.Duration {
	m := c.monoAt(c.w.now)
	if m < c.lastMonoOut {
		m = c.lastMonoOut
	}
	c.lastMonoOut = m
	return m
}

// Now is the host's wall clock: its monotonic reading mapped onto the epoch,
// plus its offset (initial skew and every wall step).
func (c *Clock) Now() time.Time {
	return c.wallAtZero.Add(c.Monotonic() + c.wallOffset)
}

// Rate is the monotonic clock's current rate relative to true time.
func (c *Clock) Rate() float64 { return c.rate }

// SetRate changes the drift rate from now on. The world's drift bound is not
// enforced here; NewHost draws rates within it.
func (c *Clock) SetRate(rate float64) {
	if rate <= 0 {
		panic("sim: clock rate must be positive")
	}
	c.anchorMono = c.Monotonic()
	c.anchorTrue = c.w.now
	c.rate = rate
	c.retime()
	c.w.faults[FaultDrift]++
	c.w.trace(trFault, uint64(FaultDrift), uint64(c.host.idx), math.Float64bits(rate))
}

// StepWall moves the wall clock by d (backwards when negative). The monotonic
// clock and every timer are unaffected.
func (c *Clock) StepWall(d time.Duration) {
	c.wallOffset += d
	c.w.faults[FaultWallStep]++
	c.w.trace(trFault, uint64(FaultWallStep), uint64(c.host.idx), uint64(d))
}

// retime moves the host's pending timers to the true time at which the
// monotonic clock, at its new rate, reaches their due readings.
func (c *Clock) retime() {
	q := c.w.q
	moved := false
	for i := range q {
		e := q[i].e
		if e.kind != evTimer || e.host != c.host.idx || e.stopped {
			continue
		}
		at := c.w.now + c.trueDelay(e.due-c.Monotonic())
		e.at, q[i].at = at, at
		moved = true
	}
	if moved {
		q.fix()
	}
}

// trueDelay is the true (virtual) time after which the monotonic clock will
// have advanced by at least d.
func (c *Clock) trueDelay(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	start := c.Monotonic()
	wd := time.Duration(math.Ceil(float64(d) / c.rate))
	for c.monoAt(c.w.now+wd) < start+d {
		wd++
	}
	return wd
}

// AfterFunc runs f on the host's loop once d has elapsed on its monotonic
// clock. A crash of the host discards the timer; a pause delays it until the
// host resumes.
func (c *Clock) AfterFunc(d time.Duration, f func()) clock.Timer {
	w := c.w
	t := &timer{}
	if d < 0 {
		d = 0
	}
	t.e = event{kind: evTimer, host: c.host.idx, inc: c.host.inc, fn: f, due: c.Monotonic() + d}
	w.schedule(&t.e, w.now+c.trueDelay(d))
	return t
}

// timer is a pending AfterFunc: the queued event itself.
type timer struct{ e event }

// Stop cancels the timer; it reports false if it already fired or was stopped.
func (t *timer) Stop() bool {
	e := &t.e
	if e.stopped || (!e.parked && !e.queued) {
		return false
	}
	e.stopped = true
	return true
}
