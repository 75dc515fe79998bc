// Package loop is the real host's event loop: one goroutine per node that
// runs posted closures one at a time, in the order they were posted. Timers,
// network deliveries, fsync completions and Bolt sessions all post onto it,
// which is how the host keeps its promise that no two calls into a node run
// at once.
package loop

import "sync"

// Loop runs posted closures in order on its own goroutine.
type Loop struct {
	mu      sync.Mutex
	queue   []func()
	stopped bool

	wake chan struct{}
	done chan struct{}
}

// New starts a loop.
func New() *Loop {
	l := &Loop{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go l.run()
	return l
}

// Post queues f to run on the loop and reports whether it was accepted:
// after Stop, nothing is. Post never blocks and may be called from any
// goroutine, the loop's own included.
func (l *Loop) Post(f func()) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, f)
	l.mu.Unlock()
	l.signal()
	return true
}

// Do runs f on the loop and waits for it to finish. It reports false, without
// running f, if the loop is stopped. It must not be called from the loop's
// own goroutine, which would wait for itself forever.
func (l *Loop) Do(f func()) bool {
	finished := make(chan struct{})
	if !l.Post(func() { defer close(finished); f() }) {
		return false
	}
	<-finished // accepted closures always run, even across Stop
	return true
}

// Stop refuses further closures, lets the ones already posted run, and
// returns once the loop's goroutine has exited. It must not be called from
// the loop itself; it may be called more than once.
func (l *Loop) Stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.signal()
	<-l.done
}

// PostFunc adapts the loop to the post functions the clock and the FS expect;
// closures posted after Stop are dropped.
func (l *Loop) PostFunc() func(func()) {
	return func(f func()) { l.Post(f) }
}

// signal wakes the goroutine without blocking.
func (l *Loop) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run executes closures until stopped with an empty queue.
func (l *Loop) run() {
	defer close(l.done)
	for {
		batch, stopped := l.take()
		for _, f := range batch {
			f()
		}
		if batch == nil && stopped {
			return
		}
		if batch == nil {
			<-l.wake
		}
	}
}

// take removes the queued closures.
func (l *Loop) take() ([]func(), bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	batch := l.queue
	l.queue = nil
	return batch, l.stopped
}
