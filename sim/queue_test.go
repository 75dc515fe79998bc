package sim

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestQueueOrder pushes, pops and re-keys events at random and checks that
// every pop returns an event that comes no later, in (at, seq) order, than
// any event left in the queue.
func TestQueueOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var q queue
	var seq uint64
	pops := 0
	for round := 0; round < 300; round++ {
		for i := r.IntN(50); i > 0; i-- {
			seq++
			q.push(&event{at: time.Duration(r.IntN(1000)), seq: seq})
		}
		if round%7 == 0 {
			for i := range q {
				q[i].at = time.Duration(r.IntN(1000))
				q[i].e.at = q[i].at
			}
			q.fix()
		}
		for i := r.IntN(50); i > 0 && len(q) > 0; i-- {
			e := q.pop()
			pops++
			if e.queued {
				t.Fatal("popped event still marked queued")
			}
			for _, o := range q {
				if o.at < e.at || (o.at == e.at && o.seq < e.seq) {
					t.Fatalf("popped (%v, %d) while (%v, %d) was queued", e.at, e.seq, o.at, o.seq)
				}
			}
		}
	}
	if pops < 1000 {
		t.Fatalf("only %d pops exercised", pops)
	}
}

// BenchmarkQueue measures a push and a pop on a queue of 1024 events.
func BenchmarkQueue(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var q queue
	evs := make([]event, 1024)
	for i := range evs {
		evs[i].at, evs[i].seq = time.Duration(r.IntN(1e6)), uint64(i)
		q.push(&evs[i])
	}
	seq := uint64(len(evs))
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		e := q.pop()
		seq++
		e.at, e.seq = e.at+time.Duration(r.IntN(1e6)), seq
		q.push(e)
	}
	m.report(b, float64(b.N))
}
