package replication

import (
	"bytes"
	"fmt"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/net"
)

// disk is a fake WAL: records in order, a prefix of them fsynced, fsyncs
// completing in order after a random delay, and a crash that loses the
// unsynced tail.
type disk struct {
	w       *world
	n       *wnode
	recs    []durability.Record
	synced  int
	lastEnd time.Duration // completion time of the latest fsync in flight
	maxSync time.Duration
	gen     uint64 // bumped by a crash: older fsync completions are void
}

// write appends rec and calls done once it is fsynced.
func (d *disk) write(rec durability.Record, done func(error)) {
	d.recs = append(d.recs, rec)
	n, gen := len(d.recs), d.gen
	end := max(d.lastEnd, d.w.now+time.Duration(d.w.rng.Int64N(int64(d.maxSync)+1)))
	d.lastEnd = end
	d.w.at(end-d.w.now, d.w.guard(d.n, func() {
		if gen != d.gen {
			return
		}
		d.synced = max(d.synced, n)
		done(nil)
	}))
}

// crash drops the unsynced tail.
func (d *disk) crash() {
	d.recs = d.recs[:d.synced]
	d.gen++
	d.lastEnd = 0
}

func (d *disk) durableTS() uint64 {
	if d.synced == 0 {
		return d.baseTS()
	}
	return d.recs[d.synced-1].TS
}

func (d *disk) baseTS() uint64 { return 0 }

// mainLog is MAIN's WAL as catch-up sees it: records up to retired are gone.
type mainLog struct {
	d       *disk
	retired uint64 // records with TS <= retired are no longer in the WAL
	chunk   int
}

func (l *mainLog) Cursor(after uint64) LogCursor { return &cursor{l: l, after: after} }

type cursor struct {
	l      *mainLog
	after  uint64
	closed bool
}

func (c *cursor) Next() ([]durability.Record, bool, error) {
	if c.closed {
		return nil, false, fmt.Errorf("cursor closed")
	}
	if c.after < c.l.retired {
		return nil, false, fmt.Errorf("%w: need after %d, retired up to %d", durability.ErrLogGone, c.after, c.l.retired)
	}
	recs := c.l.d.recs
	i := 0
	for i < len(recs) && recs[i].TS <= c.after {
		i++
	}
	if i < len(recs) && i > 0 && recs[i].PrevTS != c.after {
		return nil, false, fmt.Errorf("cursor: record %d does not follow %d", recs[i].TS, c.after)
	}
	j := min(len(recs), i+c.l.chunk)
	out := append([]durability.Record(nil), recs[i:j]...)
	if j > i {
		c.after = recs[j-1].TS
	}
	return out, j < len(recs), nil
}

func (c *cursor) Close() { c.closed = true }

// snapshots serve MAIN's durable records as a snapshot in small pieces.
type snapshots struct {
	d      *disk
	piece  int
	opened *int // counts the snapshots served
}

func (s *snapshots) OpenSnapshot() (SnapshotReader, error) {
	*s.opened++
	recs := s.d.recs[:s.d.synced]
	a := &Append{}
	var ts uint64
	for _, r := range recs {
		a.Txns = append(a.Txns, Txn{Epoch: Epoch{Num: r.Epoch}, TS: r.TS, PrevTS: r.PrevTS, Deltas: r.Deltas})
		ts = r.TS
	}
	return &snapReader{data: Encode(a).Body, ts: ts, piece: s.piece}, nil
}

type snapReader struct {
	data  []byte
	ts    uint64
	piece int
	off   int
}

func (r *snapReader) TS() uint64 { return r.ts }
func (r *snapReader) Next() ([]byte, bool, error) {
	end := min(len(r.data), r.off+r.piece)
	p := r.data[r.off:end]
	r.off = end
	return p, end == len(r.data), nil
}
func (r *snapReader) Close() {}

// decodeSnapshot reads what snapshots wrote.
func decodeSnapshot(b []byte) ([]durability.Record, error) {
	m, err := Decode(net.Message{Type: uint16(KindAppend), Body: b})
	if err != nil {
		return nil, err
	}
	var out []durability.Record
	for _, t := range m.(*Append).Txns {
		out = append(out, durability.Record{Epoch: t.Epoch.Num, TS: t.TS, PrevTS: t.PrevTS, Deltas: t.Deltas})
	}
	return out, nil
}

// store is a replica's fake storage: the disk is its WAL and its graph (the
// applied records), plus the saved epoch history and MAIN.
type store struct {
	d         *disk
	snap      []byte
	snapOn    bool
	hist      History
	main      string
	epoch     Epoch
	onApply   func(rec durability.Record) // the checkers' hook
	badPieces int                         // the next pieces to refuse as damaged
	frames    [][]byte                    // the WAL records received as MAIN logged them (ApplyFrame)
}

func (s *store) Apply(rec durability.Record, done func(error)) error {
	if n := len(s.d.recs); n > 0 && s.d.recs[n-1].TS >= rec.TS {
		return fmt.Errorf("apply %d after %d", rec.TS, s.d.recs[n-1].TS)
	}
	if s.onApply != nil {
		s.onApply(rec)
	}
	s.d.write(rec, done)
	return nil
}

// ApplyFrame checks that the frame holds rec, as a replica's Store logs
// the frame it received, and applies rec.
func (s *store) ApplyFrame(rec durability.Record, frame []byte, done func(error)) error {
	got, err := durability.DecodeFrame(frame)
	if err != nil || !sameRecord(got, rec) {
		return fmt.Errorf("the frame of %d does not hold its record (%v)", rec.TS, err)
	}
	s.frames = append(s.frames, frame)
	return s.Apply(rec, done)
}

func (s *store) BeginSnapshot(uint64) error {
	s.snap, s.snapOn = nil, true
	return nil
}

func (s *store) AbortSnapshot() { s.snap, s.snapOn = nil, false }

func (s *store) SnapshotPiece(b []byte) error {
	if !s.snapOn {
		return fmt.Errorf("piece without a snapshot")
	}
	if s.badPieces > 0 {
		s.badPieces--
		s.snap, s.snapOn = nil, false
		return fmt.Errorf("%w: checksum mismatch", ErrBadSnapshot)
	}
	s.snap = append(s.snap, b...)
	return nil
}

func (s *store) FinishSnapshot(ts uint64, done func(error)) error {
	recs, err := decodeSnapshot(s.snap)
	if err != nil {
		return err
	}
	if n := len(recs); n > 0 && recs[n-1].TS != ts {
		return fmt.Errorf("snapshot ends at %d, not %d", recs[n-1].TS, ts)
	}
	s.snapOn = false
	d := s.d
	gen := d.gen
	d.w.at(time.Duration(d.w.rng.Int64N(int64(d.maxSync)+1)), d.w.guard(d.n, func() {
		if gen != d.gen {
			return
		}
		for _, r := range recs {
			if s.onApply != nil {
				s.onApply(r)
			}
		}
		d.gen++
		d.recs, d.synced, d.lastEnd = recs, len(recs), 0
		done(nil)
	}))
	return nil
}

func (s *store) SaveState(h History, main string, e Epoch) { s.hist, s.main, s.epoch = h, main, e }

// recovered rebuilds the replica's history from its durable records, the
// way an instance recovers it from its WAL and saved state.
func (s *store) recovered() History {
	var h History
	for _, r := range s.d.recs[:s.d.synced] {
		e, ok := s.hist.Lookup(r.Epoch)
		if !ok {
			panic(fmt.Sprintf("record %d of epoch %d missing from the saved history %v", r.TS, r.Epoch, s.hist))
		}
		h = h.Note(e, r.TS)
	}
	return h
}

// sameRecord reports whether two records are the same transaction.
func sameRecord(a, b durability.Record) bool {
	return a.Epoch == b.Epoch && a.TS == b.TS && a.PrevTS == b.PrevTS &&
		bytes.Equal(durability.AppendDeltas(nil, a.Deltas), durability.AppendDeltas(nil, b.Deltas))
}

type durabilityRecords = durability.Record

func durabilityRecord(epoch, ts, prev uint64) durability.Record {
	return durability.Record{Epoch: epoch, TS: ts, PrevTS: prev}
}
