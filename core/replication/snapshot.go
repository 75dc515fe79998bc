package replication

import (
	"errors"
	"fmt"

	"go.uber.org/zap"
)

// ErrBadSnapshot marks a snapshot piece whose data is damaged: the
// replica refuses that snapshot (MAIN sends one again after a new
// handshake) rather than stop.
var ErrBadSnapshot = errors.New("replication: bad snapshot data")

// onPiece installs a snapshot piece by piece. The replica's state stays as
// it was until the last piece is installed and durable (the Applier builds
// the snapshot aside); only then is the last piece acknowledged.
func (r *Replica) onPiece(p *Piece) {
	if r.failed != nil {
		return
	}
	if p.TS != r.snapTS || r.snapNext == 0 {
		if p.Index != 0 {
			// The start of this snapshot was missed: start the session over.
			r.refuse(r.from, p.Session, ReasonNoSession, "snapshot piece without its start")
			return
		}
		r.abandonSnapshot()
		r.snapTS = p.TS
	}
	if p.Index < r.snapNext {
		if !r.snapping || !p.Last {
			r.send(&PieceAck{Header: r.header(), Session: p.Session, Index: p.Index})
		}
		return
	}
	if p.Index == 0 {
		if err := r.cfg.Applier.BeginSnapshot(p.TS); err != nil {
			r.refuseSnapshot(p, fmt.Errorf("cannot start the snapshot at %d: %w", p.TS, err))
			return
		}
		r.snapping = true
	}
	if !r.snapping || p.Index != r.snapNext {
		return
	}
	if err := r.cfg.Applier.SnapshotPiece(p.Data); err != nil {
		if errors.Is(err, ErrBadSnapshot) {
			r.refuseSnapshot(p, fmt.Errorf("snapshot piece %d: %w", p.Index, err))
			return
		}
		r.fail(fmt.Errorf("snapshot piece %d: %w", p.Index, err))
		return
	}
	r.snapNext++
	if p.Last {
		r.finishSnapshot(p)
		return
	}
	r.send(&PieceAck{Header: r.header(), Session: p.Session, Index: p.Index})
}

// Installing returns the epoch history of the snapshot being made durable
// (the one Applier.FinishSnapshot was last called for), so the instance
// can record it beside the snapshot; ok is false when none is.
func (r *Replica) Installing() (h History, ok bool) {
	return r.installHist.Clone(), r.installing
}

// finishSnapshot installs the snapshot and, once durable, replaces the
// replica's position and history by the snapshot's, even if the session
// ended meanwhile (the storage holds the snapshot now).
func (r *Replica) finishSnapshot(p *Piece) {
	gen, session, ts, hist := r.gen, p.Session, p.TS, p.History.Clone()
	r.installing, r.installHist = true, hist
	err := r.cfg.Applier.FinishSnapshot(ts, func(err error) {
		r.installing = false
		if gen != r.gen {
			return
		}
		if err != nil {
			r.fail(fmt.Errorf("installing the snapshot at %d: %w", ts, err))
			return
		}
		r.gen++ // fsyncs of what the snapshot replaced no longer count
		r.inflight = nil
		clear(r.ahead)
		r.snapping = false
		r.logReplaced(hist, ts)
		r.applied, r.durable, r.hist, r.diverged = ts, ts, hist, ""
		// The snapshot replaced what reads saw: the storage shows it up to
		// min(ts, watermark) from now on, even if that is lower (a branch
		// the replica held is gone).
		r.readTS = min(ts, r.wm)
		r.cfg.Applier.SaveState(r.hist.Clone(), r.main, r.epoch)
		if session == r.session {
			r.send(&PieceAck{Header: r.header(), Session: session, Index: p.Index})
		}
		r.refresh()
	})
	if err != nil {
		r.installing = false
		r.fail(fmt.Errorf("installing the snapshot at %d: %w", ts, err))
	}
}

// refuseSnapshot drops a snapshot the replica cannot take and ends the
// session, so MAIN starts over (and sends a snapshot again).
func (r *Replica) refuseSnapshot(p *Piece, err error) {
	r.log.Warn("refusing a snapshot from MAIN", zap.Error(err))
	r.abandonSnapshot()
	r.refuse(r.from, p.Session, ReasonNoSession, err.Error())
}

// logReplaced logs what an installed snapshot took away: the
// transactions the replica held that MAIN's history, up to the snapshot's
// timestamp ts, does not (a branch), counted by timestamp (each commit
// takes the next one).
func (r *Replica) logReplaced(snap History, ts uint64) {
	fork := Fork(snap, r.hist)
	if fork >= r.applied || len(r.hist.terms()) == 0 {
		r.log.Info("installed a snapshot from MAIN", zap.Uint64("ts", ts), zap.Uint64("replaced_up_to", r.applied))
		return
	}
	r.log.Warn("installed a snapshot from MAIN over a history that branched from MAIN's; discarded the branch's transactions",
		zap.Uint64("ts", ts), zap.Uint64("fork_ts", fork), zap.Uint64("discarded_transactions", r.applied-fork))
}

// abandonSnapshot drops an unfinished snapshot when its session ends.
func (r *Replica) abandonSnapshot() {
	if r.snapping {
		r.cfg.Applier.AbortSnapshot()
	}
	r.snapping, r.snapNext, r.snapTS = false, 0, 0
}
