package replication

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/net"
)

// MainConfig is what a MAIN needs from its instance.
type MainConfig struct {
	UUID       string       // the main UUID
	Epoch      Epoch        // this term
	History    History      // the instance's history before this term
	LastTS     uint64       // the last committed and durable timestamp at start
	Clock      clock.Clock  // timers on the monotonic clock
	Net        net.Endpoint // where replication messages go
	Rand       *rand.Rand   // session ids
	Log        Log          // the WAL, for catch-up
	Snapshots  Snapshots    // snapshots, when the WAL is gone
	Membership Membership   // in-sync set changes (nil: Local)
	Tuning     Tuning
	// OnWatermark is called when the acknowledged watermark grows: the
	// instance marks it acknowledged in its graph (graph.MarkAcknowledged).
	OnWatermark func(ts uint64)
	// OnFenced is called once when MAIN learns of a newer epoch: the
	// instance stops accepting writes.
	OnFenced func(newer Epoch)
	// Defer, when set, runs f on the node's loop after the events already
	// queued there (the instance passes what its Store's Options.Defer
	// gets). MAIN then sends the commits of one turn of the loop to each
	// replica in one Append, and a grown watermark in one heartbeat, instead
	// of one message per commit and per confirmation. Nil sends at once.
	Defer func(f func())
	// SendOnFlush holds new commits until Flush (or the next tick) instead
	// of sending them at the end of the loop's turn. The instance calls
	// Flush as its WAL writes a batch, so each replica receives, applies
	// and fsyncs the very batch MAIN fsyncs, while MAIN's fsync runs: one
	// Append and one replica fsync per batch rather than per commit.
	SendOnFlush bool
	// OnAcknowledged, when set, hears of each commit acknowledged: how long
	// it waited for the replicas after MAIN's own fsync had made it durable
	// (0 when the replicas had confirmed it by then). The protocol's aim is
	// about one round trip plus a replica's apply and fsync for SYNC and
	// STRICT_SYNC, and nothing for ASYNC.
	OnAcknowledged func(waitAfterFsync time.Duration)
	Logger         *zap.Logger
	// Resume, when set, starts the term of a MAIN that restarted: see
	// Resume.
	Resume *Resume
}

// Resume is what a restarted MAIN brings into its new term. Its recovered
// commits up to LastTS were durable on it, but whether its replicas
// confirmed them is unknown, so they are not acknowledged yet: the
// watermark starts at 0, and the replicas it had registered come back
// with the SYNC and STRICT_SYNC ones in the in-sync set. The recovered
// commits are then acknowledged as any commit is: once every in-sync
// replica that MAIN waits for confirmed them, or left the set after
// AckTimeout without doing so. Until then the instance must not show
// them (DESIGN.md, Visibility).
type Resume struct {
	Replicas []Registration
	// Done runs once the commits up to LastTS are acknowledged (or, if
	// the term ends first, with their outcome unknown).
	Done func(Result)
}

// Registration is one registered replica.
type Registration struct {
	Name, Addr string
	Mode       Mode
}

// Main is the MAIN side of replication: it ships commits to the registered
// replicas and decides when each commit is acknowledged.
type Main struct {
	cfg      MainConfig
	hist     History
	peers    []*peer // sorted by name
	tail     []*Txn  // the latest commits, in order, for handing over from catch-up
	last     uint64  // last committed timestamp
	durable  uint64  // MAIN's own fsync watermark
	wm       uint64  // acknowledged watermark
	pending  []pendingCommit
	marked   int // the leading pending commits whose durable time is set
	prepares []*prepare
	fenced   bool
	stopped  bool
	// answered: some replica answered this term's handshake (a Hello), so
	// it may follow this term.
	answered bool
	flushing bool // a deferred flush is queued (MainConfig.Defer)
	// appends counts the Appends of commits sent to any replica; armed is
	// its value when the watermark's delayed heartbeat was scheduled
	// (MainConfig.SendOnFlush), so the heartbeat can tell which replicas a
	// batch reached meanwhile.
	appends, armed uint64
	timer          clock.Timer
	// resync holds the addresses of replicas dropped while diverged: the
	// user's consent to wipe them, used by their next registration.
	resync []string
	log    *zap.Logger
}

// pendingCommit is a commit waiting to be acknowledged.
type pendingCommit struct {
	ts      uint64
	at      time.Duration
	durable time.Duration // when MAIN's fsync covered it (0 before)
	done    func(Result)
}

// NewMain starts the MAIN side of a new term and arms its tick.
func NewMain(cfg MainConfig) *Main {
	cfg.Tuning.defaults()
	if cfg.Membership == nil {
		cfg.Membership = Local{}
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	m := &Main{cfg: cfg, last: cfg.LastTS, durable: cfg.LastTS, wm: cfg.LastTS}
	m.hist = append(cfg.History.Clone(), EpochEntry{Epoch: cfg.Epoch, LastTS: cfg.LastTS})
	m.log = cfg.Logger.With(zap.String("role", "main"), zap.Stringer("epoch", cfg.Epoch))
	m.arm()
	if cfg.Resume != nil {
		m.resume(cfg.Resume)
	}
	return m
}

// resume registers a restarted MAIN's replicas and holds its recovered
// commits back until they are acknowledged (see Resume).
func (m *Main) resume(r *Resume) {
	for _, reg := range r.Replicas {
		if err := m.Register(reg.Name, reg.Addr, reg.Mode); err != nil {
			m.log.Warn("cannot restore a replica", zap.String("replica", reg.Name), zap.Error(err))
			continue
		}
		if p := m.peerAt(reg.Addr); p != nil && p.mode.waits() {
			p.inSync = true
			p.reason = "not yet connected since MAIN restarted"
		}
	}
	if m.last == 0 {
		r.Done(Result{Outcome: Acknowledged})
		return
	}
	m.wm = 0
	now := m.cfg.Clock.Monotonic()
	m.pending = append(m.pending, pendingCommit{ts: m.last, at: now, durable: now, done: r.Done})
	m.marked = len(m.pending) // durable since recovery
	m.advance()
}

// History returns MAIN's epoch history, its own term last.
func (m *Main) History() History { return m.hist.Clone() }

// Watermark returns the acknowledged watermark.
func (m *Main) Watermark() uint64 { return m.wm }

// Fenced reports whether MAIN learned of a newer epoch.
func (m *Main) Fenced() bool { return m.fenced }

// Answered reports whether any replica answered this term's handshake
// (sent a Hello): until then no replica follows the term.
func (m *Main) Answered() bool { return m.answered }

// TwoPhase reports whether a STRICT_SYNC replica is registered: then every
// write goes through Prepare before it commits.
func (m *Main) TwoPhase() bool {
	for _, p := range m.peers {
		if p.mode == StrictSync {
			return true
		}
	}
	return false
}

// InSync returns the names of the in-sync set's members, sorted.
func (m *Main) InSync() []string {
	var out []string
	for _, p := range m.peers {
		if p.inSync {
			out = append(out, p.name)
		}
	}
	return out
}

// Register adds a replica and starts its handshake. It joins the in-sync
// set (SYNC, STRICT_SYNC) once it has caught up.
func (m *Main) Register(name, addr string, mode Mode) error {
	if mode != Sync && mode != Async && mode != StrictSync {
		return fmt.Errorf("replication: invalid mode %d for replica %q", mode, name)
	}
	if name == "" || addr == "" {
		return fmt.Errorf("replication: a replica needs a name and an address")
	}
	for _, p := range m.peers {
		if p.name == name {
			return fmt.Errorf("replication: a replica named %q is already registered", name)
		}
		if p.addr == addr {
			return fmt.Errorf("replication: replica %q already uses address %s", p.name, addr)
		}
	}
	p := &peer{m: m, name: name, addr: addr, mode: mode, reason: "not yet connected"}
	if i := slices.Index(m.resync, addr); i >= 0 {
		// Dropped while diverged and registered again: the user lets MAIN
		// wipe it and resync it from a snapshot.
		m.resync = slices.Delete(m.resync, i, i+1)
		p.resync = true
	}
	i := sort.Search(len(m.peers), func(i int) bool { return m.peers[i].name > name })
	m.peers = append(m.peers[:i], append([]*peer{p}, m.peers[i:]...)...)
	if !m.fenced && !m.stopped {
		p.connect()
	}
	return nil
}

// Drop removes a replica. A replica dropped while diverged is wiped and
// resynced from a snapshot when it is registered again (at the same
// address); MAIN remembers that until then, or until it stops.
func (m *Main) Drop(name string) error {
	for i, p := range m.peers {
		if p.name == name {
			if p.state == stDiverged && !slices.Contains(m.resync, p.addr) {
				m.resync = append(m.resync, p.addr)
			}
			p.reset()
			m.peers = append(m.peers[:i], m.peers[i+1:]...)
			m.forgetVoter(name)
			m.advance()
			return nil
		}
	}
	return fmt.Errorf("replication: no replica named %q", name)
}

// Commit ships a transaction MAIN committed locally with timestamp ts.
// Commits come in timestamp order. done runs once the commit is
// acknowledged (or known not to be).
func (m *Main) Commit(ts uint64, deltas []graph.Delta, done func(Result)) {
	m.CommitFrame(ts, deltas, nil, done)
}

// CommitFrame is Commit for a transaction whose WAL record is encoded
// already, as MAIN's Store logs it (durability.AppendRecord; the instance
// hands the same bytes to Store.AppendFrame): replicas are sent those very
// bytes, and log them as they are. A nil frame, or one that is not this
// commit's record, is encoded again here.
func (m *Main) CommitFrame(ts uint64, deltas []graph.Delta, frame []byte, done func(Result)) {
	if m.fenced || m.stopped {
		done(Result{TS: ts, Outcome: Unknown, Err: m.haltErr()})
		return
	}
	if ts <= m.last {
		err := fmt.Errorf("%w: commit %d after %d", ErrOutOfOrder, ts, m.last)
		m.log.DPanic("commit out of order", zap.Error(err))
		done(Result{TS: ts, Outcome: Unknown, Err: err})
		return
	}
	t := &Txn{Epoch: m.cfg.Epoch, TS: ts, PrevTS: m.last, Deltas: deltas}
	if frame == nil || !t.useFrame(frame) {
		t.encodeFrame()
	}
	m.last = ts
	m.hist = m.hist.Note(m.cfg.Epoch, ts)
	m.keep(t)
	t.at = m.cfg.Clock.Monotonic()
	m.pending = append(m.pending, pendingCommit{ts: ts, at: t.at, done: done})
	for _, p := range m.peers {
		if p.state == stLive {
			p.enqueue(t)
		}
	}
	m.advance()
}

// keep adds t to the in-memory tail and drops the oldest beyond
// Tuning.Tail by moving the slice's start: append copies the tail only when
// the backing array fills, so keeping costs amortized O(1) per commit
// rather than a copy of the whole tail each time.
func (m *Main) keep(t *Txn) {
	m.tail = append(m.tail, t)
	if len(m.tail) > m.cfg.Tuning.Tail {
		m.tail[0] = nil
		m.tail = m.tail[1:]
	}
}

// Flush sends each streaming replica the commits queued for it (with
// MainConfig.SendOnFlush, they wait for it), or the grown watermark.
func (m *Main) Flush() { m.flush() }

// later runs flush after the events queued on the loop (at once without
// MainConfig.Defer). With SendOnFlush it sends only the watermark, and only
// after Tuning.WatermarkDelay, to the replicas that no batch's Append told
// of it meanwhile: the commits wait for the WAL's batch.
func (m *Main) later() {
	if m.flushing {
		return
	}
	switch {
	case m.cfg.SendOnFlush:
		m.flushing = true
		m.armed = m.appends
		m.cfg.Clock.AfterFunc(m.cfg.Tuning.WatermarkDelay, func() {
			m.flushing = false
			m.heartbeats()
		})
	case m.cfg.Defer == nil:
		m.flush()
	default:
		m.flushing = true
		m.cfg.Defer(func() {
			m.flushing = false
			m.flush()
		})
	}
}

// flush sends each streaming replica what is queued for it, or else the
// grown watermark.
func (m *Main) flush() {
	if m.fenced || m.stopped {
		return
	}
	for _, p := range m.peers {
		if p.state != stLive && p.state != stCatchup {
			continue
		}
		if p.sent < len(p.queue) {
			p.send()
		} else if p.state == stLive && p.wmSent < m.wm {
			p.heartbeat()
		}
	}
}

// heartbeats sends the grown watermark, after Tuning.WatermarkDelay, to
// the live replicas that no batch's Append reached since it grew. One that
// a batch reached meanwhile is streaming: the next batch carries the newer
// watermark, so it waits another delay rather than getting a heartbeat per
// delay under load; once writes pause, it gets one.
func (m *Main) heartbeats() {
	if m.fenced || m.stopped {
		return
	}
	streaming := false
	for _, p := range m.peers {
		if p.state != stLive || p.wmSent >= m.wm {
			continue
		}
		if p.appended > m.armed {
			streaming = true
			continue
		}
		p.heartbeat()
	}
	if streaming {
		m.later()
	}
}

// Durable tells MAIN that its own WAL is fsynced up to ts: every commit at
// or below ts, not just ts itself.
func (m *Main) Durable(ts uint64) {
	if ts > m.durable {
		m.durable = ts
		if m.cfg.OnAcknowledged != nil {
			now := m.cfg.Clock.Monotonic()
			for ; m.marked < len(m.pending) && m.pending[m.marked].ts <= ts; m.marked++ {
				m.pending[m.marked].durable = now
			}
		}
		m.advance()
	}
}

// Stop ends the term: every pending commit's outcome is unknown.
func (m *Main) Stop() {
	if m.stopped {
		return
	}
	m.stopped = true
	m.halt()
}

func (m *Main) haltErr() error {
	if m.fenced {
		return ErrFenced
	}
	return ErrStopped
}

// fence stops writes for good: a newer epoch exists.
func (m *Main) fence(newer Epoch) {
	if m.fenced {
		return
	}
	m.fenced = true
	m.log.Warn("a newer epoch exists; no longer accepting writes", zap.Stringer("newer", newer))
	if m.cfg.OnFenced != nil {
		m.cfg.OnFenced(newer)
	}
	m.halt()
}

// halt fails what is pending and stops timers and peers.
func (m *Main) halt() {
	if m.timer != nil {
		m.timer.Stop()
	}
	for _, p := range m.peers {
		p.reset()
	}
	err := m.haltErr()
	ps := m.prepares
	m.prepares = nil
	for _, pr := range ps {
		// Nothing undecided was committed anywhere: replicas commit only
		// what arrives in the Append stream after a commit decision.
		pr.decided(Decision{Result: Result{TS: pr.txn.TS, Outcome: Retryable, Err: err}})
	}
	pend := m.pending
	m.pending, m.marked = nil, 0
	for _, c := range pend {
		c.done(Result{TS: c.ts, Outcome: Unknown, Err: err})
	}
}

// Receive handles a message from a replica. It reports whether the message
// was replication traffic (others are the caller's).
func (m *Main) Receive(from string, msg net.Message) bool {
	if !IsReplication(msg.Type) {
		return false
	}
	dm, err := Decode(msg)
	if err != nil {
		m.log.Warn("dropping a bad replication message", zap.String("from", from), zap.Error(err))
		return true
	}
	if h := dm.Hdr(); h.Epoch.Num > m.cfg.Epoch.Num {
		m.fence(h.Epoch)
	} else if r, ok := dm.(*Refuse); ok && r.Reason == ReasonStaleEpoch && h.Epoch.Num == m.cfg.Epoch.Num && h.Epoch != m.cfg.Epoch {
		m.fence(h.Epoch) // a rival term with our number got there first
	}
	if m.fenced || m.stopped {
		return true
	}
	p := m.peerFor(from, dm)
	if p == nil {
		return true
	}
	p.heard = m.cfg.Clock.Monotonic()
	switch dm := dm.(type) {
	case *Hello:
		p.onHello(dm)
	case *Ack:
		p.onAck(dm)
	case *Vote:
		m.onVote(p, dm)
	case *PieceAck:
		p.onPieceAck(dm)
	case *Refuse:
		p.onRefuse(dm)
	}
	return true
}

// peerFor finds the replica a message came from: by the address it was
// registered under, or else by the session MAIN opened with it (a replica
// may announce itself under another name for the same host, such as the
// address it listens on when only WITH PORT gave it one).
func (m *Main) peerFor(from string, msg Message) *peer {
	if p := m.peerAt(from); p != nil {
		return p
	}
	s, ok := replySession(msg)
	if !ok {
		return nil
	}
	for _, p := range m.peers {
		if p.session == s && p.session != 0 {
			return p
		}
	}
	return nil
}

// replySession is the session of a message a replica sends.
func replySession(msg Message) (uint64, bool) {
	switch m := msg.(type) {
	case *Hello:
		return m.Session, true
	case *Ack:
		return m.Session, true
	case *Vote:
		return m.Session, true
	case *PieceAck:
		return m.Session, true
	case *Refuse:
		return m.Session, true
	}
	return 0, false
}

func (m *Main) peerAt(addr string) *peer {
	for _, p := range m.peers {
		if p.addr == addr {
			return p
		}
	}
	return nil
}

func (m *Main) header() Header {
	return Header{Main: m.cfg.UUID, Epoch: m.cfg.Epoch, Watermark: m.wm}
}

func (m *Main) send(to string, msg Message) {
	m.cfg.Net.Send(to, Encode(msg))
}

// arm schedules the next tick.
func (m *Main) arm() {
	m.timer = m.cfg.Clock.AfterFunc(m.cfg.Tuning.Retry, m.tick)
}

// tick retransmits, heartbeats, and enforces the confirmation timeout.
func (m *Main) tick() {
	if m.fenced || m.stopped {
		return
	}
	now := m.cfg.Clock.Monotonic()
	for _, p := range m.peers {
		p.tick(now)
	}
	m.checkTimeouts(now)
	m.checkHolds(now)
	m.checkPrepares(now)
	m.arm()
}
