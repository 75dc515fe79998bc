package replication

import (
	"fmt"
	"sort"
	"time"

	"go.uber.org/zap"
)

// pstate is where MAIN's stream to one replica stands.
type pstate uint8

const (
	stConnecting pstate = iota // handshake sent, no Hello yet
	stCatchup                  // streaming from the WAL through a cursor
	stSnapshot                 // sending a snapshot piece by piece
	stLive                     // streaming new commits as they happen
	stDiverged                 // branched from MAIN's history; left alone
)

// peer is MAIN's view of one registered replica.
type peer struct {
	m    *Main
	name string
	addr string
	mode Mode

	state   pstate
	session uint64
	queue   []*Txn // to deliver, in order; queue[0] follows acked
	sent    int    // queue entries in flight
	seq     uint64 // sequence number of queue[0] in the session
	acked   uint64 // the replica's durable timestamp
	pos     uint64 // timestamp of the last transaction queued (the stream's end)
	wmSent  uint64 // the watermark the last message sent carried
	// appended is Main.appends after the last Append of commits to it.
	appended uint64

	cursor LogCursor
	step   bool // a catch-up step is scheduled
	snap   SnapshotReader
	piece  *Piece // the snapshot piece awaiting its ack

	resync    bool // registered again after a drop while diverged: wipe it if it still is
	inSync    bool
	joining   bool
	hold      bool          // MAIN holds the watermark for it to catch up and join
	holdSince time.Duration // when the hold began
	holdAfter time.Duration // no new hold before this time
	removing  bool
	reason    string // the latest problem, for warnings and logs

	heard    time.Duration // when the replica was last heard from (or connect was called)
	sentAt   time.Duration // when the window was last sent
	progress time.Duration // when the last ack moved acked
	resent   time.Duration // when the window was last sent again from its start
}

// reset drops the session's state: cursor, snapshot, queue.
func (p *peer) reset() {
	if p.cursor != nil {
		p.cursor.Close()
		p.cursor = nil
	}
	if p.snap != nil {
		p.snap.Close()
		p.snap = nil
	}
	p.queue, p.sent, p.piece = nil, 0, nil
}

// connect opens a new session with a handshake.
func (p *peer) connect() {
	p.reset()
	p.state = stConnecting
	p.session = p.m.cfg.Rand.Uint64() | 1
	p.heard = p.m.cfg.Clock.Monotonic()
	p.sendHandshake()
}

func (p *peer) sendHandshake() {
	p.sentAt = p.m.cfg.Clock.Monotonic()
	p.m.send(p.addr, &Handshake{Header: p.m.header(), Session: p.session, AckDelay: p.ackDelay()})
}

// ackDelay is how long the replica may hold its confirmations to batch
// them: Tuning.AsyncAckDelay for an ASYNC one, whose confirmations no
// commit waits for (they only free MAIN's queue and measure its lag), and
// none for the modes MAIN waits on.
func (p *peer) ackDelay() time.Duration {
	if p.mode != Async {
		return 0
	}
	return p.m.cfg.Tuning.AsyncAckDelay
}

// onHello compares histories and starts the stream, or marks divergence.
func (p *peer) onHello(h *Hello) {
	if h.Session != p.session || p.state != stConnecting {
		return
	}
	p.m.answered = true
	if rel, why := Compare(p.m.hist, h.History); rel == Diverged || h.Applied > p.m.last {
		if why == "" {
			why = "replica is ahead of MAIN"
		}
		if p.resync {
			p.wipe(h, why)
			return
		}
		p.diverge(why)
		return
	}
	p.resync = false // it holds a prefix of MAIN's history after all
	if h.Durable < p.acked && p.inSync {
		// It lost transactions it had confirmed (a wiped disk): it no longer
		// holds every acknowledged commit.
		p.m.requestRemove(p, fmt.Sprintf("replica lost confirmed transactions (durable %d, had confirmed %d)", h.Durable, p.acked))
	}
	p.acked, p.pos, p.seq = h.Durable, h.Applied, 1
	p.progress = p.m.cfg.Clock.Monotonic()
	p.stream()
}

// diverge leaves the replica alone until it is dropped and registered again.
func (p *peer) diverge(why string) {
	p.reset()
	p.state = stDiverged
	p.reason = "replica has diverged from main: " + why
	p.m.log.Warn("replica diverged", zap.String("replica", p.name), zap.String("why", why))
	p.m.send(p.addr, &Refuse{Header: p.m.header(), Session: p.session, Reason: ReasonDiverged, Detail: why})
	p.m.requestRemove(p, p.reason)
}

// wipe resyncs a diverged replica the user dropped and registered again:
// it gets a snapshot, whose install replaces everything it holds.
func (p *peer) wipe(h *Hello, why string) {
	fork := Fork(p.m.hist, h.History)
	p.m.log.Warn("replica diverged and was registered again: wiping it and resyncing it from a snapshot",
		zap.String("replica", p.name), zap.String("why", why), zap.Uint64("fork_ts", fork),
		zap.Uint64("discarded_transactions", h.Applied-min(fork, h.Applied)))
	p.reason = "resyncing a diverged replica: " + why
	p.startSnapshot()
}

// stream continues from p.pos: live if the in-memory tail reaches back
// that far, else catch-up from the WAL.
func (p *peer) stream() {
	if i, ok := p.m.tailAfter(p.pos); ok && len(p.m.tail)-i <= p.m.cfg.Tuning.Queue {
		p.state = stLive
		for _, t := range p.m.tail[i:] {
			p.queue = append(p.queue, t)
			p.pos = t.TS
		}
		p.send()
		p.m.maybeJoin(p)
		return
	}
	p.state = stCatchup
	p.cursor = p.m.cfg.Log.Cursor(p.pos)
	p.schedule()
}

// tailAfter finds the tail index of the commit that follows ts; ok is false
// when the tail does not reach back to it. ts == last gives len(tail).
func (m *Main) tailAfter(ts uint64) (int, bool) {
	if ts == m.last {
		return len(m.tail), true
	}
	// The tail is in timestamp order: the commit after ts is the first one
	// above it, and it follows ts only if nothing is missing between.
	i := sort.Search(len(m.tail), func(i int) bool { return m.tail[i].TS > ts })
	if i < len(m.tail) && m.tail[i].PrevTS == ts {
		return i, true
	}
	return 0, false
}

// enqueue adds a new commit to a live stream; a replica too far behind goes
// back to catch-up.
func (p *peer) enqueue(t *Txn) {
	if len(p.queue) >= p.m.cfg.Tuning.Queue {
		p.m.log.Info("replica fell behind its queue; catching up from the WAL", zap.String("replica", p.name))
		p.reset()
		p.pos = p.acked
		p.state = stCatchup
		p.cursor = p.m.cfg.Log.Cursor(p.pos)
		p.schedule()
		return
	}
	p.queue = append(p.queue, t)
	p.pos = t.TS
	switch {
	case p.m.cfg.SendOnFlush: // sent with the WAL batch that holds it (or by the tick)
	case p.m.cfg.Defer == nil:
		p.send()
	default:
		p.m.later() // the loop turn's commits go out together
	}
}

// silent reports whether the replica has not been heard from for so long
// that MAIN should open a new session rather than stream into the void.
func (p *peer) silent(now time.Duration) bool {
	return now-p.heard > silence*p.m.cfg.Tuning.AckTimeout
}

// send ships queued transactions up to the window, in batches.
func (p *peer) send() {
	tn := p.m.cfg.Tuning
	if p.silent(p.m.cfg.Clock.Monotonic()) {
		p.connect() // it may have restarted, or followed another MAIN
		return
	}
	for p.sent < len(p.queue) && p.sent < tn.Window {
		n := min(tn.Batch, len(p.queue)-p.sent, tn.Window-p.sent)
		a := &Append{Header: p.m.header(), Session: p.session, Seq: p.seq + uint64(p.sent)}
		for _, t := range p.queue[p.sent : p.sent+n] {
			a.Txns = append(a.Txns, *t)
		}
		p.m.send(p.addr, a)
		p.sent += n
		p.sentAt = p.m.cfg.Clock.Monotonic()
		p.wmSent = a.Watermark
		p.m.appends++
		p.appended = p.m.appends
	}
}

// heartbeat sends an empty Append carrying the watermark.
func (p *peer) heartbeat() {
	p.sentAt = p.m.cfg.Clock.Monotonic()
	p.wmSent = p.m.wm
	p.m.send(p.addr, &Append{Header: p.m.header(), Session: p.session, Seq: p.seq + uint64(p.sent)})
}

// onAck moves the replica's confirmed position.
func (p *peer) onAck(a *Ack) {
	if a.Session != p.session || (p.state != stLive && p.state != stCatchup) {
		return
	}
	if a.DurableTS > p.acked {
		p.acked = a.DurableTS
		p.progress = p.m.cfg.Clock.Monotonic()
	}
	for len(p.queue) > 0 && p.queue[0].TS <= p.acked {
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.seq++
		if p.sent > 0 {
			p.sent--
		}
	}
	if p.state != stLive || !p.m.cfg.SendOnFlush {
		p.send() // else what is queued goes with the WAL's next batch
	}
	if p.state == stCatchup {
		p.schedule()
	}
	p.m.advance()
	p.m.maybeJoin(p)
}

// onRefuse reacts to a refusal: start over, or stop for good.
func (p *peer) onRefuse(r *Refuse) {
	if r.Session != p.session && r.Reason != ReasonStaleEpoch {
		return
	}
	p.reason = "replica refused: " + r.Reason.String()
	if r.Detail != "" {
		p.reason += ": " + r.Detail
	}
	switch r.Reason {
	case ReasonNoSession:
		if p.state != stConnecting && p.state != stDiverged {
			p.connect()
		}
	case ReasonDiverged:
		p.diverge(r.Detail)
	default:
		p.reset()
		p.state = stConnecting // retried by the tick
	}
}

// silence is how many confirmation timeouts a streaming replica may stay
// silent before MAIN opens a new session with it.
const silence = 4

// tick retransmits what went unconfirmed for a retry period, and keeps the
// replica's watermark fresh.
func (p *peer) tick(now time.Duration) {
	retry := p.m.cfg.Tuning.Retry
	switch p.state {
	case stConnecting:
		if now-p.sentAt >= retry {
			p.sendHandshake()
		}
	case stSnapshot:
		if p.piece != nil && now-p.sentAt >= retry {
			p.sentAt = now
			p.m.send(p.addr, p.piece)
		}
	case stCatchup, stLive:
		if p.silent(now) {
			p.connect()
			return
		}
		if p.sent > 0 && now-p.progress >= retry && now-p.resent >= retry {
			p.sent = 0 // go back: resend the window from the first unconfirmed
			p.resent = now
		}
		if p.sent < len(p.queue) {
			p.send()
		} else if now-p.sentAt >= retry {
			p.heartbeat()
		}
		if p.state == stCatchup {
			p.schedule()
		}
	}
}
