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
}

// NewReal returns a real clock whose timers hand their calls to post, which
// must run them on the node's event loop.
func NewReal(post func(func())) *Real {
	return &Real{origin: time.Now(), post: post}
}

// Now returns the operating system's wall time.
func (r *Real) Now() time.Time { return time.Now() }

// Monotonic returns the time elapsed since the clock was created, read from
// the operating system's monotonic clock.
func (r *Real) Monotonic() time.Duration { return time.Since(r.origin) }

// AfterFunc posts f onto the loop once d has elapsed.
func (r *Real) AfterFunc(d time.Duration, f func()) Timer {
	t := &realTimer{}
	t.t = time.AfterFunc(d, func() { r.post(t.fire(f)) })
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
