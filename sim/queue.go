package sim

import (
	"time"

	"github.com/quiverdb/quiver/net"
)

// eventKind says what an event does when it comes due.
type eventKind uint8

const (
	evDeliver eventKind = iota + 1 // a network message reaches its host
	evTimer                        // a node's AfterFunc fires
	evCall                         // a host-scoped callback (disk sync completion, ...)
	evWorld                        // a world-level callback (scripted faults, scenario steps)
)

// event is one entry of the world's queue. Delivery and call events come
// from a free list and go back to it once handled; timer events are allocated
// per AfterFunc because the Timer handle keeps pointing at them.
type event struct {
	at      time.Duration // virtual time at which it is due
	seq     uint64        // tie-breaker: scheduling order
	fn      func()        // evTimer, evCall, evWorld
	msg     net.Message   // evDeliver
	sendSeq uint64        // evDeliver: per-link send order, to observe reordering
	host    int32         // target host, -1 for evWorld
	from    int32         // evDeliver: sending host
	inc     uint32        // target host's incarnation when scheduled
	idx     int32         // position in the heap, -1 when not queued
	kind    eventKind
	pooled  bool // returns to the free list after handling
	parked  bool // waiting in a paused host's list
	stopped bool // a parked timer that was stopped
}

// queue is a binary min-heap of events ordered by (at, seq). It is written
// out rather than built on container/heap so that the hot path makes no
// interface calls.
type queue []*event

func (q queue) less(i, j int) bool {
	a, b := q[i], q[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (q queue) swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].idx = int32(i)
	q[j].idx = int32(j)
}

func (q *queue) push(e *event) {
	e.idx = int32(len(*q))
	*q = append(*q, e)
	q.up(len(*q) - 1)
}

// pop removes and returns the earliest event. The queue must not be empty.
func (q *queue) pop() *event {
	old := *q
	n := len(old) - 1
	old.swap(0, n)
	e := old[n]
	old[n] = nil
	*q = old[:n]
	q.down(0)
	e.idx = -1
	return e
}

// remove takes the event at index i out of the queue.
func (q *queue) remove(i int) {
	old := *q
	n := len(old) - 1
	if i != n {
		old.swap(i, n)
	}
	e := old[n]
	old[n] = nil
	*q = old[:n]
	if i != n {
		if !q.down(i) {
			q.up(i)
		}
	}
	e.idx = -1
}

func (q queue) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !q.less(j, i) {
			break
		}
		q.swap(i, j)
		j = i
	}
}

// down sifts the element at i0 down and reports whether it moved.
func (q queue) down(i0 int) bool {
	n := len(q)
	i := i0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && q.less(r, l) {
			j = r
		}
		if !q.less(j, i) {
			break
		}
		q.swap(i, j)
		i = j
	}
	return i > i0
}
