package replication

import (
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/net"
)

// ReplicaConfig is what a replica needs from its instance.
type ReplicaConfig struct {
	Net     net.Endpoint // where answers go
	Applier Applier      // graph + WAL
	History History      // the recovered epoch history
	Durable uint64       // the last transaction recovered from the WAL
	Main    string       // the main UUID it followed before the restart ("" for none)
	Epoch   Epoch        // the epoch it followed before the restart
	// ReadTS is the read timestamp it showed before the restart (at most
	// Durable): a watermark MAIN acknowledged, so ReadTS and the watermark
	// start there and a state saved before MAIN sends one again keeps it.
	ReadTS uint64
	// OnReadTS is called when ReadTS grows: the instance makes the graph
	// visible up to it (graph.MarkAcknowledged).
	OnReadTS func(ts uint64)
	// Defer, when set, runs f on the node's loop after the events already
	// queued there. The replica then confirms once per turn of the loop:
	// the fsync of a batch completes each of its transactions, and one Ack
	// covers them all. Nil confirms at once, on every completion.
	Defer func(f func())
	// Clock, when set, lets the replica hold its confirmations for the
	// AckDelay MAIN's Handshake asks (ASYNC); nil confirms at once.
	Clock  clock.Clock
	Logger *zap.Logger
}

// Replica is the REPLICA side: it follows one MAIN of the newest epoch it
// knows, applies its commits in order, confirms them once fsynced, and
// serves reads up to min(durable, MAIN's watermark).
type Replica struct {
	cfg      ReplicaConfig
	hist     History
	main     string
	epoch    Epoch
	from     string // MAIN's address in the current session
	session  uint64
	applied  uint64
	durable  uint64
	seq      uint64 // sequence number of the last applied transaction in the session
	ackSeq   uint64
	wm       uint64
	readTS   uint64
	inflight []applied // applied, waiting for fsync, in order
	gen      uint64    // bumped by a snapshot: older fsync callbacks are void
	prepared map[uint64]Txn
	ahead    map[uint64]ahead // early transactions by the timestamp they follow
	snapNext uint64           // the next snapshot piece expected in the session
	snapping bool             // a snapshot is being received and not yet installed
	// installing: the last piece arrived and the storage is making the
	// snapshot durable; nothing is applied meanwhile, even if the session
	// that sent it ended.
	installing  bool
	installHist History // the history of the snapshot being installed
	snapTS      uint64  // the timestamp of the snapshot snapNext counts pieces of
	failed      error
	acking      bool          // a deferred Ack is queued (ReplicaConfig.Defer)
	ackDelay    time.Duration // the session's Handshake.AckDelay
	ackHeld     bool          // a held Ack's timer runs (ackDelay)
	diverged    string        // MAIN's reason, once it reported the replica diverged
	log         *zap.Logger
}

type applied struct {
	ts, seq uint64
	done    bool
}

// NewReplica returns a replica over its recovered state.
func NewReplica(cfg ReplicaConfig) *Replica {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	r := &Replica{cfg: cfg, hist: cfg.History.Clone(), main: cfg.Main, epoch: cfg.Epoch,
		applied: cfg.Durable, durable: cfg.Durable, wm: min(cfg.ReadTS, cfg.Durable), readTS: min(cfg.ReadTS, cfg.Durable),
		prepared: map[uint64]Txn{}, ahead: map[uint64]ahead{}}
	if last := r.hist.Last().Epoch; last.Num > r.epoch.Num {
		r.epoch = last
	}
	r.log = cfg.Logger.With(zap.String("role", "replica"))
	return r
}

// ReadTS is the timestamp reads on the replica may see: applied and
// durable here, and acknowledged by MAIN.
func (r *Replica) ReadTS() uint64 { return r.readTS }

// History returns the replica's epoch history.
func (r *Replica) History() History { return r.hist.Clone() }

// Following returns the main UUID and epoch the replica follows.
func (r *Replica) Following() (string, Epoch) { return r.main, r.epoch }

// Applied returns the last transaction applied (maybe not yet durable).
func (r *Replica) Applied() uint64 { return r.applied }

// Durable returns the last transaction fsynced.
func (r *Replica) Durable() uint64 { return r.durable }

// Watermark returns MAIN's acknowledged watermark as the replica last
// heard it.
func (r *Replica) Watermark() uint64 { return r.wm }

// Diverged returns MAIN's reason when it reported that this replica's
// history branched from its own ("" otherwise). Under coordinators the
// instance wipes and resyncs; in community replication it waits to be
// dropped and registered again.
func (r *Replica) Diverged() string { return r.diverged }

// Failed returns the storage error that stopped the replica, if any.
func (r *Replica) Failed() error { return r.failed }

// Receive handles a message from a MAIN. It reports whether the message was
// replication traffic (others are the caller's).
func (r *Replica) Receive(from string, msg net.Message) bool {
	if !IsReplication(msg.Type) {
		return false
	}
	m, err := Decode(msg)
	if err != nil {
		r.log.Warn("dropping a bad replication message", zap.String("from", from), zap.Error(err))
		return true
	}
	switch m := m.(type) {
	case *Handshake:
		r.onHandshake(from, m)
		return true
	case *Refuse:
		if from == r.from && m.Hdr().Main == r.main && m.Reason == ReasonDiverged {
			r.diverged = m.Detail
			r.log.Warn("MAIN reports this replica diverged; it must be dropped and registered again", zap.String("why", m.Detail))
		}
		return true
	}
	s := sessionOf(m)
	if !r.admit(from, m.Hdr(), s) {
		return true
	}
	if m.Hdr().Watermark > r.wm {
		r.wm = m.Hdr().Watermark
	}
	switch m := m.(type) {
	case *Append:
		r.onAppend(m)
	case *Prepare:
		r.onPrepare(m)
	case *Abort:
		delete(r.prepared, m.TS)
	case *Piece:
		r.onPiece(m)
	}
	r.refresh()
	return true
}

func sessionOf(m Message) uint64 {
	switch m := m.(type) {
	case *Append:
		return m.Session
	case *Prepare:
		return m.Session
	case *Abort:
		return m.Session
	case *Piece:
		return m.Session
	}
	return 0
}

// refuseEpoch returns the reason to refuse a MAIN of epoch e, or 0.
func (r *Replica) refuseEpoch(h *Header) Reason {
	if bugAcceptOldEpoch {
		return 0
	}
	switch {
	case h.Epoch.Num < r.epoch.Num:
		return ReasonStaleEpoch
	case h.Epoch.Num == r.epoch.Num && h.Epoch.ID != r.epoch.ID && !r.epoch.IsZero() && r.main != "":
		// A rival term with the same number: the first one followed wins.
		// (An epoch the replica only has in its own history, from its days
		// as MAIN, is not followed: MAIN compares histories instead.)
		return ReasonStaleEpoch
	case h.Epoch == r.epoch && r.main != "" && h.Main != r.main:
		return ReasonWrongMain
	}
	return 0
}

// onHandshake adopts the MAIN if it is the current one or of a newer epoch,
// and answers with what the replica holds.
func (r *Replica) onHandshake(from string, h *Handshake) {
	if why := r.refuseEpoch(&h.Header); why != 0 {
		r.refuse(from, h.Session, why, fmt.Sprintf("following %s under epoch %s", r.main, r.epoch))
		return
	}
	if h.Session == r.session && from == r.from && h.Main == r.main && h.Epoch == r.epoch {
		r.hello() // a duplicate: the session goes on
		return
	}
	if h.Main != r.main || h.Epoch != r.epoch {
		r.log.Info("following a new MAIN", zap.String("main", h.Main), zap.Stringer("epoch", h.Epoch))
		r.main, r.epoch, r.wm, r.diverged = h.Main, h.Epoch, 0, ""
		clear(r.prepared)
		r.cfg.Applier.SaveState(r.hist.Clone(), r.main, r.epoch)
	}
	r.abandonSnapshot()
	clear(r.ahead)
	r.from, r.session, r.seq, r.ackSeq = from, h.Session, 0, 0
	r.ackDelay = h.AckDelay
	r.hello()
}

func (r *Replica) hello() {
	r.send(&Hello{Header: r.header(), Session: r.session, History: r.hist.Clone(), Applied: r.applied, Durable: r.durable})
}

// admit checks a session message: the MAIN followed, the session open.
func (r *Replica) admit(from string, h *Header, session uint64) bool {
	if why := r.refuseEpoch(h); why != 0 {
		r.refuse(from, session, why, fmt.Sprintf("following %s under epoch %s", r.main, r.epoch))
		return false
	}
	if bugAcceptOldEpoch && h.Main == r.main && session == r.session {
		return true
	}
	if h.Main != r.main || h.Epoch != r.epoch || session != r.session || from != r.from {
		r.refuse(from, session, ReasonNoSession, "")
		return false
	}
	return true
}

func (r *Replica) header() Header { return Header{Main: r.main, Epoch: r.epoch} }

func (r *Replica) send(m Message) { r.cfg.Net.Send(r.from, Encode(m)) }

func (r *Replica) refuse(to string, session uint64, why Reason, detail string) {
	r.cfg.Net.Send(to, Encode(&Refuse{Header: r.header(), Session: session, Reason: why, Detail: detail}))
}

// maxAhead bounds the transactions a replica keeps that arrived before
// the ones they follow (the network reorders); beyond it they are dropped
// and MAIN resends them.
const maxAhead = 1024

// onAppend applies the transactions that follow what the replica holds,
// skips duplicates, keeps those that arrived early until the gap before
// them fills, and confirms.
func (r *Replica) onAppend(a *Append) {
	before := r.applied
	for i := range a.Txns {
		t := a.Txns[i]
		if t.TS <= r.applied || t.Epoch.Num > r.epoch.Num {
			continue
		}
		if t.PrevTS != r.applied {
			if len(r.ahead) < maxAhead {
				r.ahead[t.PrevTS] = ahead{txn: t, seq: a.Seq + uint64(i)}
			}
			continue
		}
		if !r.apply(&t, a.Seq+uint64(i)) {
			break
		}
	}
	for r.failed == nil && !r.snapping && !r.installing {
		next, ok := r.ahead[r.applied]
		if !ok {
			break
		}
		delete(r.ahead, r.applied)
		if !r.apply(&next.txn, next.seq) {
			break
		}
	}
	if len(r.prepared) > 0 {
		for ts := range r.prepared { // prepares whose abort was lost: decided long ago
			if ts <= r.applied {
				delete(r.prepared, ts)
			}
		}
	}
	if r.applied == before || r.failed != nil || bugAckBeforeFsync {
		// Nothing new to wait for: say where the replica stands (a heartbeat,
		// a resend, a gap). New transactions are confirmed once fsynced.
		r.ackSoon()
	}
}

// ahead is a transaction that arrived before the one it follows.
type ahead struct {
	txn Txn
	seq uint64
}

// apply hands one transaction to the Applier.
func (r *Replica) apply(t *Txn, seq uint64) bool {
	if r.failed != nil || r.snapping || r.installing {
		return false
	}
	rec := durability.Record{Epoch: t.Epoch.Num, TS: t.TS, PrevTS: t.PrevTS, Deltas: t.Deltas}
	gen, ts := r.gen, t.TS
	done := func(err error) { r.fsynced(gen, ts, err) }
	var err error
	if fa, ok := r.cfg.Applier.(FrameApplier); ok && t.frame != nil {
		err = fa.ApplyFrame(rec, t.frame, done)
	} else {
		err = r.cfg.Applier.Apply(rec, done)
	}
	if err != nil {
		r.fail(fmt.Errorf("applying transaction %d: %w", t.TS, err))
		return false
	}
	r.applied, r.seq = t.TS, seq
	n := len(r.hist)
	r.hist = r.hist.Note(t.Epoch, t.TS)
	if len(r.hist) != n {
		r.cfg.Applier.SaveState(r.hist.Clone(), r.main, r.epoch)
	}
	delete(r.prepared, t.TS)
	r.inflight = append(r.inflight, applied{ts: t.TS, seq: seq})
	return true
}

// fsynced marks a transaction durable; the durable point moves over the
// leading run of fsynced ones.
func (r *Replica) fsynced(gen, ts uint64, err error) {
	if gen != r.gen {
		return
	}
	if err != nil {
		r.fail(fmt.Errorf("fsync of transaction %d: %w", ts, err))
		return
	}
	for i := range r.inflight { // in order, so usually the first
		if r.inflight[i].ts == ts {
			r.inflight[i].done = true
			break
		}
	}
	n := 0
	for n < len(r.inflight) && r.inflight[n].done {
		n++
	}
	if n == 0 {
		return
	}
	r.durable, r.ackSeq = r.inflight[n-1].ts, r.inflight[n-1].seq
	r.inflight = append(r.inflight[:0], r.inflight[n:]...)
	r.ackSoon()
}

// ackSoon confirms the durable position and refreshes the read timestamp:
// at once, or once per turn of the loop with ReplicaConfig.Defer, so a
// batch fsync that completes many transactions sends one Ack.
// An ASYNC replica (Handshake.AckDelay) holds the Ack that long instead,
// while its reads see the durable transactions at once.
func (r *Replica) ackSoon() {
	if r.ackDelay > 0 && r.cfg.Clock != nil && !bugAckBeforeFsync {
		r.refresh()
		if !r.ackHeld {
			r.ackHeld = true
			r.cfg.Clock.AfterFunc(r.ackDelay, func() {
				r.ackHeld = false
				r.ack()
			})
		}
		return
	}
	if r.cfg.Defer == nil {
		r.ack()
		r.refresh()
		return
	}
	if r.acking {
		return
	}
	r.acking = true
	r.cfg.Defer(func() {
		r.acking = false
		r.ack()
		r.refresh()
	})
}

func (r *Replica) fail(err error) {
	if r.failed == nil {
		r.failed = err
		r.log.Error("replica storage failed; no longer confirming", zap.Error(err))
	}
}

// ack confirms the durable position to MAIN.
func (r *Replica) ack() {
	if r.from == "" || r.failed != nil {
		return
	}
	ts, seq := r.durable, r.ackSeq
	if bugAckBeforeFsync {
		ts, seq = r.applied, r.seq
	}
	r.send(&Ack{Header: r.header(), Session: r.session, Seq: seq, DurableTS: ts})
}

// refresh recomputes the read timestamp.
func (r *Replica) refresh() {
	ts := min(r.durable, r.wm)
	if bugReadPastWatermark {
		ts = r.durable
	}
	if ts > r.readTS {
		r.readTS = ts
		if r.cfg.OnReadTS != nil {
			r.cfg.OnReadTS(ts)
		}
	}
}

// onPrepare keeps a STRICT_SYNC transaction and votes.
func (r *Replica) onPrepare(p *Prepare) {
	yes := r.failed == nil && !r.snapping && !r.installing && p.Txn.TS > r.applied
	if yes {
		r.prepared[p.Txn.TS] = p.Txn
	}
	r.send(&Vote{Header: r.header(), Session: p.Session, TS: p.Txn.TS, Yes: yes})
}
