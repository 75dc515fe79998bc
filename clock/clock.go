// Package clock defines the time source every node gets from its host: a wall
// clock that may be stepped, a monotonic clock that only moves forward at the
// node's drift rate, and timers that fire on the monotonic clock.
package clock

import "time"

// Clock is a node's view of time. Core code never calls the time package's
// Now, Sleep or timer functions; it asks its Clock.
type Clock interface {
	// Now is wall time. An operator or NTP may step it, backwards too.
	Now() time.Time
	// Monotonic is the time elapsed on this node's monotonic clock since an
	// arbitrary origin. It never goes backwards and is not affected by wall
	// steps. Leases and timeouts use it only.
	Monotonic() time.Duration
	// AfterFunc arranges for f to run on the node's event loop once d has
	// elapsed on the monotonic clock.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call from running. It reports whether it did so:
	// false when the call already ran or was already stopped.
	Stop() bool
}
