package sim

import (
	"time"
	"unsafe"

	"github.com/quiverdb/quiver/net"
)

// DefaultLatency is the one-way latency of a link when Options.Link sets none.
const DefaultLatency = time.Millisecond

// LinkConfig is how a directed link treats the messages sent over it.
type LinkConfig struct {
	// MinLatency and MaxLatency bound the one-way latency, drawn uniformly.
	// Jitter between them reorders messages on its own.
	MinLatency, MaxLatency time.Duration
	// Drop is the probability that a message is lost.
	Drop float64
	// Duplicate is the probability that a message is delivered twice (each
	// copy with its own latency).
	Duplicate float64
	// Reorder is the probability that a message gets an extra delay drawn
	// from (0, ReorderDelay], so that later messages overtake it.
	Reorder      float64
	ReorderDelay time.Duration
}

// link is the state of one directed link.
type link struct {
	cfg          *LinkConfig   // override; nil means the world default
	blocked      bool          // partitioned
	clogUntil    time.Duration // messages are held until then
	sendSeq      uint64        // messages sent so far
	maxDelivered uint64        // highest sendSeq delivered
}

// network is the world's simulated network: a matrix of directed links.
type network struct {
	w      *World
	links  [][]link // links[from][to]
	filter Filter
}

// Filter decides, for each message sent, whether the network drops it. It
// lets a scenario aim faults at one protocol's messages (say, only lease
// grants) on top of the links' random faults. It runs on the world loop and
// must be deterministic.
type Filter func(from, to *Host, msg net.Message) (drop bool)

// SetFilter installs f (nil removes it). Messages it drops count as FaultDrop.
func (w *World) SetFilter(f Filter) {
	w.net.filter = f
	w.trace(trFault, uint64(numFaultKinds)+4, boolWord(f != nil), 0)
}

func (n *network) init(w *World) { n.w = w }

// addHost grows the link matrix by one host.
func (n *network) addHost() {
	for i := range n.links {
		n.links[i] = append(n.links[i], link{})
	}
	n.links = append(n.links, make([]link, len(n.links)+1))
}

func (n *network) config(l *link) *LinkConfig {
	if l.cfg != nil {
		return l.cfg
	}
	return &n.w.opts.Link
}

// send is Endpoint.Send for host from, to host to (-1: nobody at toAddr).
func (n *network) send(from, to int32, toAddr string, msg net.Message) {
	w := n.w
	if to < 0 {
		// Nobody listens there: the message vanishes, as a refused connection.
		w.trace(trSend, uint64(from), ^uint64(0), uint64(msg.Type))
		return
	}
	l := &n.links[from][to]
	l.sendSeq++
	if l.blocked {
		w.faults[FaultPartitionDrop]++
		w.trace(trFault, uint64(FaultPartitionDrop), uint64(from)<<32|uint64(to), l.sendSeq)
		return
	}
	cfg := n.config(l)
	if (cfg.Drop > 0 && w.rng.Float64() < cfg.Drop) || (n.filter != nil && n.filter(w.hosts[from], w.hosts[to], msg)) {
		w.faults[FaultDrop]++
		w.trace(trFault, uint64(FaultDrop), uint64(from)<<32|uint64(to), l.sendSeq)
		return
	}
	if len(msg.Body) > 0 {
		// The sender may reuse its buffer once Send returns.
		msg.Body = append([]byte(nil), msg.Body...)
	}
	n.enqueue(from, to, l, cfg, msg)
	if cfg.Duplicate > 0 && w.rng.Float64() < cfg.Duplicate {
		w.faults[FaultDuplicate]++
		w.trace(trFault, uint64(FaultDuplicate), uint64(from)<<32|uint64(to), l.sendSeq)
		if len(msg.Body) > 0 {
			msg.Body = append([]byte(nil), msg.Body...)
		}
		n.enqueue(from, to, l, cfg, msg)
	}
}

// enqueue schedules the delivery of one copy of a message.
func (n *network) enqueue(from, to int32, l *link, cfg *LinkConfig, msg net.Message) {
	w := n.w
	lat := cfg.MinLatency
	if span := cfg.MaxLatency - cfg.MinLatency; span > 0 {
		lat += time.Duration(w.rng.Int64N(int64(span) + 1))
	}
	if cfg.Reorder > 0 && cfg.ReorderDelay > 0 && w.rng.Float64() < cfg.Reorder {
		lat += 1 + time.Duration(w.rng.Int64N(int64(cfg.ReorderDelay)))
		w.faults[FaultDelay]++
	}
	at := w.now + lat
	if l.clogUntil > w.now {
		w.faults[FaultClogHeld]++
		if rel := l.clogUntil + lat; rel > at {
			at = rel
		}
	}
	e := w.alloc()
	e.kind, e.host, e.from, e.inc = evDeliver, to, from, w.hosts[to].inc
	e.msg, e.sendSeq = msg, l.sendSeq
	w.schedule(e, at)
}

// deliver hands a due message to its host, unless a partition or a clog
// that began while it was in flight stops it.
func (n *network) deliver(e *event, h *Host) {
	w := n.w
	l := &n.links[e.from][e.host]
	if l.blocked {
		w.faults[FaultPartitionDrop]++
		w.trace(trFault, uint64(FaultPartitionDrop), uint64(e.from)<<32|uint64(e.host), e.sendSeq)
		w.release(e)
		return
	}
	if l.clogUntil > w.now {
		w.faults[FaultClogHeld]++
		w.schedule(e, l.clogUntil)
		return
	}
	if e.sendSeq < l.maxDelivered {
		w.faults[FaultReorder]++
	} else {
		l.maxDelivered = e.sendSeq
	}
	msg := e.msg
	w.trace(trDeliver, uint64(e.from)<<32|uint64(e.host), uint64(msg.Type)<<32|uint64(len(msg.Body)), hashBytes(msg.Body))
	from := w.hosts[e.from].addr
	w.release(e)
	h.node.Receive(from, msg)
}

// endpoint is a host's net.Endpoint. It remembers where the address strings
// it was given last point to, so that a node sending to the same string
// values over and over skips the address map.
type endpoint struct {
	h     *Host
	cache [8]addrCache
	next  uint8
}

// addrCache maps one address string, by its data pointer and length, to its
// host index. Holding the pointer keeps the string alive, so it cannot be
// reused for different bytes.
type addrCache struct {
	p   *byte
	n   int
	idx int32
}

// resolve returns the index of the host at addr, or -1.
func (ep *endpoint) resolve(addr string) int32 {
	p := unsafe.StringData(addr)
	for i := range ep.cache {
		if c := &ep.cache[i]; c.p == p && c.n == len(addr) {
			return c.idx
		}
	}
	idx, ok := ep.h.w.byAddr[addr]
	if !ok {
		return -1
	}
	ep.cache[ep.next%uint8(len(ep.cache))] = addrCache{p: p, n: len(addr), idx: idx}
	ep.next++
	return idx
}

var _ net.Endpoint = (*endpoint)(nil)

// Addr is the host's address.
func (ep *endpoint) Addr() string { return ep.h.addr }

// Send queues msg for delivery to the host at addr, through the simulated link.
func (ep *endpoint) Send(to string, msg net.Message) {
	ep.h.w.net.send(ep.h.idx, ep.resolve(to), to, msg)
}

// SetDefaultLink changes the behaviour of every link without an override.
func (w *World) SetDefaultLink(cfg LinkConfig) {
	w.opts.Link = cfg
	w.trace(trFault, uint64(numFaultKinds), 0, 0)
}

// SetLink overrides the behaviour of the directed link from → to.
func (w *World) SetLink(from, to *Host, cfg LinkConfig) {
	w.net.links[from.idx][to.idx].cfg = &cfg
	w.trace(trFault, uint64(numFaultKinds)+1, uint64(from.idx), uint64(to.idx))
}

// ResetLinks removes every link override, back to the default link.
func (w *World) ResetLinks() {
	for i := range w.net.links {
		for j := range w.net.links[i] {
			w.net.links[i][j].cfg = nil
		}
	}
	w.trace(trFault, uint64(numFaultKinds)+2, 0, 0)
}

// block cuts the directed link from → to.
func (w *World) block(from, to int32) {
	l := &w.net.links[from][to]
	if from == to || l.blocked {
		return
	}
	l.blocked = true
	w.faults[FaultPartition]++
	w.trace(trFault, uint64(FaultPartition), uint64(from), uint64(to))
}

// PartitionOneWay cuts the link from → to only: to still reaches from.
func (w *World) PartitionOneWay(from, to *Host) { w.block(from.idx, to.idx) }

// Partition cuts both directions between a and b.
func (w *World) Partition(a, b *Host) {
	w.block(a.idx, b.idx)
	w.block(b.idx, a.idx)
}

// Isolate cuts every link to and from h.
func (w *World) Isolate(h *Host) {
	for _, o := range w.hosts {
		w.Partition(h, o)
	}
}

// Split cuts every link between hosts of different groups. Hosts in no group
// keep all their links.
func (w *World) Split(groups ...[]*Host) {
	for i, g := range groups {
		for j, o := range groups {
			if i == j {
				continue
			}
			for _, a := range g {
				for _, b := range o {
					w.block(a.idx, b.idx)
				}
			}
		}
	}
}

// MajorityRing arranges hosts in a ring, in the given order, and cuts every
// link between hosts further apart than k places, with k the smallest reach
// at which each host still sees a majority (itself included). Every host
// sees a majority, but no two neighbours see the same one: the partition
// that confuses leader election most.
func (w *World) MajorityRing(hosts []*Host) {
	n := len(hosts)
	k := (n/2 + 1) / 2
	for i := range hosts {
		for j := range hosts {
			d := (j - i + n) % n
			if d > n-d {
				d = n - d
			}
			if d > k {
				w.block(hosts[i].idx, hosts[j].idx)
			}
		}
	}
}

// Clog holds every message on the directed link from → to for d: messages
// sent or arriving meanwhile are delivered only after the clog ends.
func (w *World) Clog(from, to *Host, d time.Duration) {
	l := &w.net.links[from.idx][to.idx]
	if until := w.now + d; until > l.clogUntil {
		l.clogUntil = until
	}
	w.faults[FaultClog]++
	w.trace(trFault, uint64(FaultClog), uint64(from.idx)<<32|uint64(to.idx), uint64(d))
}

// Heal removes every partition and clog. Link overrides stay.
func (w *World) Heal() {
	for i := range w.net.links {
		for j := range w.net.links[i] {
			l := &w.net.links[i][j]
			l.blocked = false
			l.clogUntil = 0
		}
	}
	w.trace(trFault, uint64(numFaultKinds)+3, 0, 0)
}

// Blocked reports whether the directed link from → to is partitioned.
func (w *World) Blocked(from, to *Host) bool { return w.net.links[from.idx][to.idx].blocked }
