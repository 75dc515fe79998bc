package clock

import (
	"sync"
	"testing"
	"time"
)

// queue is a stand-in event loop: posted closures wait until run is called.
type queue struct {
	mu     sync.Mutex
	posted []func()
	ready  chan struct{}
}

func newQueue() *queue { return &queue{ready: make(chan struct{}, 100)} }

func (q *queue) post(f func()) {
	q.mu.Lock()
	q.posted = append(q.posted, f)
	q.mu.Unlock()
	q.ready <- struct{}{}
}

// run runs every closure posted so far, in order.
func (q *queue) run() {
	q.mu.Lock()
	fs := q.posted
	q.posted = nil
	q.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

func TestRealTimerPostsToLoop(t *testing.T) {
	q := newQueue()
	c := NewReal(q.post)
	ran := false
	c.AfterFunc(time.Millisecond, func() { ran = true })
	<-q.ready
	if ran {
		t.Fatal("timer ran off the loop")
	}
	q.run()
	if !ran {
		t.Fatal("posted timer did not run")
	}
}

func TestRealTimerStopBeforeFire(t *testing.T) {
	q := newQueue()
	c := NewReal(q.post)
	tm := c.AfterFunc(time.Hour, func() { t.Error("stopped timer ran") })
	if !tm.Stop() {
		t.Fatal("Stop of a pending timer reported false")
	}
	if tm.Stop() {
		t.Fatal("second Stop reported true")
	}
}

func TestRealTimerStopAfterPostBeforeRun(t *testing.T) {
	q := newQueue()
	c := NewReal(q.post)
	ran := false
	tm := c.AfterFunc(time.Millisecond, func() { ran = true })
	<-q.ready
	if !tm.Stop() {
		t.Fatal("Stop of a posted, not yet run call reported false")
	}
	q.run()
	if ran {
		t.Fatal("call ran after a successful Stop")
	}
}

func TestRealTimerStopAfterRun(t *testing.T) {
	q := newQueue()
	c := NewReal(q.post)
	tm := c.AfterFunc(0, func() {})
	<-q.ready
	q.run()
	if tm.Stop() {
		t.Fatal("Stop after the call ran reported true")
	}
}

func TestRealMonotonicMovesForward(t *testing.T) {
	c := NewReal(func(func()) {})
	a := c.Monotonic()
	time.Sleep(2 * time.Millisecond)
	b := c.Monotonic()
	if a < 0 || b-a < 2*time.Millisecond {
		t.Fatalf("monotonic went from %v to %v across a 2ms sleep", a, b)
	}
	if d := time.Since(c.Now()); d < 0 || d > time.Second {
		t.Fatalf("Now is %v away from the OS clock", d)
	}
}

func TestRealRateScalesMonotonicAndTimers(t *testing.T) {
	q := newQueue()
	c := NewRealRate(q.post, 2)
	start := c.Monotonic()
	c.AfterFunc(40*time.Millisecond, func() {})
	<-q.ready
	q.run()
	if d := c.Monotonic() - start; d < 40*time.Millisecond {
		t.Fatalf("timer for 40ms fired after %v on the clock", d)
	}
	a, wall := c.Monotonic(), time.Now()
	time.Sleep(50 * time.Millisecond)
	if d, w := c.Monotonic()-a, time.Since(wall); d < w*3/2 {
		t.Fatalf("rate-2 clock advanced %v over %v of real time", d, w)
	}
}
