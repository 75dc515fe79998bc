package replication

import (
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
)

// schedule arranges one catch-up step on a later turn of the loop, so a long
// catch-up yields between bounded reads.
func (p *peer) schedule() {
	if p.step || p.state != stCatchup {
		return
	}
	p.step = true
	p.m.cfg.Clock.AfterFunc(0, func() {
		p.step = false
		if !p.m.fenced && !p.m.stopped && p.m.peerAt(p.addr) == p {
			p.catchup()
		}
	})
}

// catchup reads one step of the WAL into the queue, up to the window, and
// hands the replica over to the live stream once the tail covers the rest.
func (p *peer) catchup() {
	if p.state != stCatchup || p.cursor == nil || len(p.queue) >= p.m.cfg.Tuning.Window {
		return
	}
	recs, more, err := p.cursor.Next()
	for _, r := range recs {
		if err == nil && r.TS > p.pos {
			err = p.queueRecord(r)
		}
	}
	p.send()
	if err != nil {
		p.catchupFailed(err)
		return
	}
	if !more {
		if _, ok := p.m.tailAfter(p.pos); ok {
			p.cursor.Close()
			p.cursor = nil
			p.stream()
		}
		return // else the WAL lags the commits: the tick steps again
	}
	p.schedule()
}

func (p *peer) queueRecord(r durability.Record) error {
	if r.PrevTS != p.pos {
		return fmt.Errorf("replication: WAL record %d follows %d, expected %d", r.TS, r.PrevTS, p.pos)
	}
	e, ok := p.m.hist.Lookup(r.Epoch)
	if !ok {
		return fmt.Errorf("replication: WAL record %d has epoch %d, which MAIN's history lacks", r.TS, r.Epoch)
	}
	t := &Txn{Epoch: e, TS: r.TS, PrevTS: r.PrevTS, Deltas: r.Deltas}
	t.encodeFrame()
	p.queue = append(p.queue, t)
	p.pos = r.TS
	return nil
}

func (p *peer) catchupFailed(err error) {
	if errors.Is(err, durability.ErrLogGone) {
		p.startSnapshot()
		return
	}
	p.m.log.Warn("catch-up failed", zap.String("replica", p.name), zap.Error(err))
	p.reason = "catch-up failed: " + err.Error()
	p.reset()
	p.state = stConnecting // the tick shakes hands again
}

// startSnapshot sends a snapshot because the WAL no longer reaches back.
func (p *peer) startSnapshot() {
	p.reset()
	s, err := p.m.cfg.Snapshots.OpenSnapshot()
	if err != nil {
		p.catchupFailed(err)
		return
	}
	p.snap, p.state = s, stSnapshot
	p.m.log.Info("WAL gone for the replica; sending a snapshot", zap.String("replica", p.name), zap.Uint64("ts", s.TS()))
	p.nextPiece(0)
}

func (p *peer) nextPiece(index uint64) {
	data, last, err := p.snap.Next()
	if err != nil {
		p.catchupFailed(err)
		return
	}
	ts := p.snap.TS()
	p.piece = &Piece{Header: p.m.header(), Session: p.session, Index: index, TS: ts, Last: last,
		History: p.m.hist.Upto(ts), Data: data}
	p.sentAt = p.m.cfg.Clock.Monotonic()
	p.m.send(p.addr, p.piece)
}

// onPieceAck sends the next piece, or, after the last, resumes catch-up
// from the WAL at the snapshot's timestamp.
func (p *peer) onPieceAck(a *PieceAck) {
	if a.Session != p.session || p.state != stSnapshot || p.piece == nil || a.Index != p.piece.Index {
		return
	}
	if !p.piece.Last {
		p.nextPiece(a.Index + 1)
		return
	}
	ts := p.piece.TS
	p.reset()
	p.resync = false
	p.acked, p.pos, p.seq = ts, ts, 1
	p.progress = p.m.cfg.Clock.Monotonic()
	p.state = stCatchup
	p.cursor = p.m.cfg.Log.Cursor(ts)
	p.schedule()
}
