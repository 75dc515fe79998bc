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
	due     time.Duration // evTimer: monotonic reading at which it fires
	host    int32         // target host, -1 for evWorld
	from    int32         // evDeliver: sending host
	inc     uint32        // target host's incarnation when scheduled
	kind    eventKind
	pooled  bool // returns to the free list after handling
	queued  bool // in the queue
	parked  bool // waiting in a paused host's list
	stopped bool // a timer that was stopped: skipped when it comes due
}

// qent is one heap slot: the ordering key kept inline, so that sifting
// compares without touching the events themselves.
type qent struct {
	at  time.Duration
	seq uint64
	e   *event
}

// queue is a binary min-heap of events ordered by (at, seq). It is written
// out rather than built on container/heap so that the hot path makes no
// interface calls. Stopped timers stay in it, marked, until they come due.
type queue []qent

func (q queue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

func (q *queue) push(e *event) {
	e.queued = true
	*q = append(*q, qent{at: e.at, seq: e.seq, e: e})
	q.up(len(*q) - 1)
}

// peek is the due time of the earliest event. The queue must not be empty.
func (q queue) peek() time.Duration { return q[0].at }

// pop removes and returns the earliest event. The queue must not be empty.
func (q *queue) pop() *event {
	old := *q
	n := len(old) - 1
	e := old[0].e
	old[0] = old[n]
	old[n] = qent{}
	*q = old[:n]
	if n > 1 {
		q.down(0)
	}
	e.queued = false
	return e
}

func (q queue) up(j int) {
	x := q[j]
	for j > 0 {
		i := (j - 1) / 2
		p := q[i]
		if p.at < x.at || (p.at == x.at && p.seq < x.seq) {
			break
		}
		q[j] = p
		j = i
	}
	q[j] = x
}

// fix restores the heap order after keys changed anywhere.
func (q queue) fix() {
	for i := len(q)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}

func (q queue) down(i int) {
	n := len(q)
	x := q[i]
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && q.less(r, l) {
			j = r
		}
		c := q[j]
		if x.at < c.at || (x.at == c.at && x.seq < c.seq) {
			break
		}
		q[i] = c
		i = j
	}
	q[i] = x
}
