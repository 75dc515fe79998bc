package simdisk

import (
	"container/heap"
	"time"
)

// testSched is a tiny virtual-time scheduler: events ordered by (time,
// sequence), run by hand.
type testSched struct {
	now time.Duration
	seq int
	q   eventQueue
}

type event struct {
	at  time.Duration
	seq int
	f   func()
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// After queues f at now+d.
func (s *testSched) After(d time.Duration, f func()) {
	s.seq++
	heap.Push(&s.q, event{at: s.now + d, seq: s.seq, f: f})
}

// runUntil runs every event due at or before t and moves the clock to t.
func (s *testSched) runUntil(t time.Duration) {
	for len(s.q) > 0 && s.q[0].at <= t {
		e := heap.Pop(&s.q).(event)
		s.now = e.at
		e.f()
	}
	s.now = t
}

// runAll runs every queued event, including ones queued meanwhile.
func (s *testSched) runAll() {
	for len(s.q) > 0 {
		e := heap.Pop(&s.q).(event)
		s.now = e.at
		e.f()
	}
}
