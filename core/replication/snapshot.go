package replication

import "fmt"

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
		if err := r.cfg.Applier.BeginSnapshot(); err != nil {
			r.fail(fmt.Errorf("starting a snapshot: %w", err))
			return
		}
		r.snapping = true
	}
	if !r.snapping || p.Index != r.snapNext {
		return
	}
	if err := r.cfg.Applier.SnapshotPiece(p.Data); err != nil {
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

// finishSnapshot installs the snapshot and, once durable, replaces the
// replica's position and history by the snapshot's, even if the session
// ended meanwhile (the storage holds the snapshot now).
func (r *Replica) finishSnapshot(p *Piece) {
	gen, session, ts, hist := r.gen, p.Session, p.TS, p.History.Clone()
	err := r.cfg.Applier.FinishSnapshot(ts, func(err error) {
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
		r.applied, r.durable, r.hist = ts, ts, hist
		r.cfg.Applier.SaveState(r.hist.Clone(), r.main, r.epoch)
		if session == r.session {
			r.send(&PieceAck{Header: r.header(), Session: session, Index: p.Index})
		}
		r.refresh()
	})
	if err != nil {
		r.fail(fmt.Errorf("installing the snapshot at %d: %w", ts, err))
	}
}

// abandonSnapshot drops an unfinished snapshot when its session ends.
func (r *Replica) abandonSnapshot() {
	if r.snapping {
		r.cfg.Applier.AbortSnapshot()
	}
	r.snapping, r.snapNext, r.snapTS = false, 0, 0
}
