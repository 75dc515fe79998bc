package replication

import (
	"container/heap"
	"math/rand/v2"
	"time"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/net"
)

// world is the tests' tiny deterministic loop: a virtual clock, an event
// queue ordered by (time, sequence), and a faulty network, all driven by
// one seeded PRNG. (The simulator in sim/ is not used: it will import the
// instance, which imports this package.)
type world struct {
	now    time.Duration
	seq    uint64
	q      evq
	rng    *rand.Rand
	nodes  map[string]*wnode
	faults netFaults
	cut    map[[2]string]int       // partitioned links (how many cuts), both directions listed
	sent   map[Kind]int            // messages sent, by kind
	sentBy map[string]map[Kind]int // messages sent, by sender and kind
	// onDeliver observes every delivery (the checkers' hook).
	onDeliver func(from, to string, msg net.Message, deliver func())
}

// netFaults are the network's fault probabilities and delays.
type netFaults struct {
	drop, dup, slow float64       // probabilities per message
	delay           time.Duration // uniform base delay bound
	slowDelay       time.Duration // bound of the extra delay of a slow message
}

// wnode is one addressable node; a crash bumps inc, so its timers and
// in-flight callbacks of the old incarnation are void.
type wnode struct {
	addr    string
	alive   bool
	inc     uint64
	receive func(from string, msg net.Message)
}

type event struct {
	at  time.Duration
	seq uint64
	f   func()
}

type evq []event

func (q evq) Len() int { return len(q) }
func (q evq) Less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}
func (q evq) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *evq) Push(x any)   { *q = append(*q, x.(event)) }
func (q *evq) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func newWorld(seed uint64) *world {
	return &world{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), nodes: map[string]*wnode{}, cut: map[[2]string]int{}}
}

func (w *world) at(d time.Duration, f func()) {
	w.seq++
	heap.Push(&w.q, event{at: w.now + d, seq: w.seq, f: f})
}

// run processes events until the virtual time passes until.
func (w *world) run(until time.Duration) {
	for len(w.q) > 0 && w.q[0].at <= until {
		e := heap.Pop(&w.q).(event)
		w.now = e.at
		e.f()
	}
	w.now = until
}

func (w *world) node(addr string) *wnode {
	n := w.nodes[addr]
	if n == nil {
		n = &wnode{addr: addr}
		w.nodes[addr] = n
	}
	return n
}

// alive runs f only if n is still in incarnation inc.
func (w *world) guard(n *wnode, f func()) func() {
	inc := n.inc
	return func() {
		if n.alive && n.inc == inc {
			f()
		}
	}
}

// partition cuts (on) or mends (off) the link between a and b; cuts nest,
// so the link works again once every cut is mended.
func (w *world) partition(a, b string, on bool) {
	for _, k := range [][2]string{{a, b}, {b, a}} {
		switch {
		case on:
			w.cut[k]++
		case w.cut[k] > 1:
			w.cut[k]--
		default:
			delete(w.cut, k)
		}
	}
}

// send delivers msg from one node to another through the faults.
func (w *world) send(from, to string, msg net.Message) {
	if w.sent == nil {
		w.sent = map[Kind]int{}
	}
	w.sent[Kind(msg.Type)]++
	if w.sentBy == nil {
		w.sentBy = map[string]map[Kind]int{}
	}
	if w.sentBy[from] == nil {
		w.sentBy[from] = map[Kind]int{}
	}
	w.sentBy[from][Kind(msg.Type)]++
	if w.cut[[2]string{from, to}] > 0 || w.rng.Float64() < w.faults.drop {
		return
	}
	copies := 1
	if w.rng.Float64() < w.faults.dup {
		copies = 2
	}
	for range copies {
		d := time.Duration(w.rng.Int64N(int64(w.faults.delay) + 1))
		if w.rng.Float64() < w.faults.slow {
			d += time.Duration(w.rng.Int64N(int64(w.faults.slowDelay) + 1))
		}
		body := append([]byte(nil), msg.Body...)
		m := net.Message{Type: msg.Type, Body: body}
		w.at(d, func() {
			n := w.nodes[to]
			if n == nil || !n.alive || w.cut[[2]string{from, to}] > 0 {
				return
			}
			deliver := func() { n.receive(from, m) }
			if w.onDeliver != nil {
				w.onDeliver(from, to, m, deliver)
				return
			}
			deliver()
		})
	}
}

// endpoint is a node's net.Endpoint in the world.
type endpoint struct {
	w    *world
	addr string
}

func (e endpoint) Addr() string                  { return e.addr }
func (e endpoint) Send(to string, m net.Message) { e.w.send(e.addr, to, m) }

// vclock is a node's clock.Clock: virtual time, timers void after a crash.
type vclock struct {
	w *world
	n *wnode
}

func (c vclock) Now() time.Time           { return time.Unix(0, 0).Add(c.w.now) }
func (c vclock) Monotonic() time.Duration { return c.w.now }
func (c vclock) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &vtimer{}
	c.w.at(d, c.w.guard(c.n, func() {
		if !t.stopped {
			t.fired = true
			f()
		}
	}))
	return t
}

type vtimer struct{ stopped, fired bool }

func (t *vtimer) Stop() bool {
	if t.stopped || t.fired {
		return false
	}
	t.stopped = true
	return true
}
