package clock

import (
	"sync/atomic"
	"time"
)

// Real is the clock of a node run by the real host: wall time from the
// operating system, a monotonic clock counted from the clock's creation, and
// timers whose calls are posted onto the node's event loop.
type Real struct {
	origin time.Time
	post   func(func())
	rate   float64
}

// NewReal returns a real clock whose timers hand their calls to post, which
// must run them on the node's event loop.
func NewReal(post func(func())) *Real {
	return NewRealRate(post, 1)
}

// NewRealRate is NewReal with a monotonic clock that runs rate times as fast
// as the operating system's (timers scaled to match): the chaos tests' clock
// drift, to be kept within the drift bound ρ. The wall clock is unaffected.
// A rate that is not positive counts as 1.
func NewRealRate(post func(func()), rate float64) *Real {
	if !(rate > 0) {
		rate = 1
	}
	return &Real{origin: time.Now(), post: post, rate: rate}
}

// Now returns the operating system's wall time.
func (r *Real) Now() time.Time { return time.Now() }

// Monotonic returns the time elapsed since the clock was created, read from
// the operating system's monotonic clock, times the clock's rate.
func (r *Real) Monotonic() time.Duration { return r.scale(time.Since(r.origin), r.rate) }

// scale multiplies d by f.
func (r *Real) scale(d time.Duration, f float64) time.Duration {
	if f == 1 {
		return d
	}
	return time.Duration(float64(d) * f)
}

// AfterFunc posts f onto the loop once d has elapsed on the monotonic clock.
func (r *Real) AfterFunc(d time.Duration, f func()) Timer {
	t := &realTimer{}
	t.t = time.AfterFunc(r.scale(d, 1/r.rate), func() { r.post(t.fire(f)) })
	return t
}

// Timer states.
const (
	timerPending int32 = iota
	timerRan
	timerStopped
)

// realTimer is a pending AfterFunc call. Its state decides the race between
// a Stop and a call already posted but not yet run: whichever moves the
// state out of pending first wins.
type realTimer struct {
	t     *time.Timer
	state atomic.Int32
}

// fire returns the closure posted to the loop: it runs f unless the timer
// was stopped meanwhile.
func (t *realTimer) fire(f func()) func() {
	return func() {
		if t.state.CompareAndSwap(timerPending, timerRan) {
			f()
		}
	}
}

// Stop prevents the call from running and reports whether it did so, even
// when the call was already posted to the loop but had not run.
func (t *realTimer) Stop() bool {
	t.t.Stop()
	return t.state.CompareAndSwap(timerPending, timerStopped)
}
