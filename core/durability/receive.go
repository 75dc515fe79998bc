package durability

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability/framing"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/disk"
)

// maxReceivedFrame bounds one frame of a received snapshot, and so the
// bytes a SnapshotReceiver holds between pieces (writers cut frames of
// about SnapshotChunkSize, 1 MiB by default).
const maxReceivedFrame = 64 << 20

// SnapshotReceiver takes a snapshot file that arrives in pieces (a replica
// receiving MAIN's) and makes it the Store's whole state. Each piece is
// appended to a temporary file and verified as it comes (header, frame
// checksums, the end record's counts); the deltas of every whole chunk go
// to the caller at once, so neither the file nor its deltas are ever held
// whole. Finish installs it: see there. One snapshot, written or
// received, runs at a time.
type SnapshotReceiver struct {
	s     *Store
	ts    uint64
	tmp   string
	final string
	f     disk.File
	buf   []byte // the bytes of the frame (or header) not yet whole
	off   int64  // file offset of buf[0]
	info  SnapshotInfo
	head  bool // the header was read
	ended bool // the end record was read
	chunk uint64
	delta uint64
	err   error
}

// ReceiveSnapshot starts receiving the snapshot of the state after the
// transaction with timestamp ts.
func (s *Store) ReceiveSnapshot(ts uint64) (*SnapshotReceiver, error) {
	switch {
	case s.failed != nil:
		return nil, s.failed
	case s.closed:
		return nil, ErrClosed
	case s.snapshot:
		return nil, ErrSnapshotInProgress
	}
	final := snapName(ts)
	r := &SnapshotReceiver{s: s, ts: ts, tmp: final + tmpSuffix, final: final}
	f, err := s.fs.Create(r.tmp)
	if err != nil {
		return nil, err
	}
	r.f = f
	s.snapshot = true
	return r, nil
}

// Info is the received snapshot's header (valid once the first piece was
// written).
func (r *SnapshotReceiver) Info() SnapshotInfo { return r.info }

// Write appends the next piece and verifies it; apply receives the deltas
// of each chunk the piece completes, in order. A *CorruptionError means
// the data is bad (the receiver is then dead: Abort it and start again).
func (r *SnapshotReceiver) Write(p []byte, apply func([]graph.Delta) error) error {
	if r.err != nil {
		return r.err
	}
	if r.ended && len(p) > 0 {
		return r.bad(r.off, "data after the snapshot's end record")
	}
	if err := r.f.Append(p); err != nil {
		r.err = err
		return err
	}
	r.buf = append(r.buf, p...)
	if !r.head {
		if len(r.buf) < snapHeaderSize {
			return nil
		}
		info, err := parseSnapHeader(r.tmp, r.buf)
		if err == nil && info.TS != r.ts {
			err = &CorruptionError{File: r.tmp, Reason: fmt.Sprintf("snapshot holds timestamp %d, expected %d", info.TS, r.ts)}
		}
		if err != nil {
			r.err = err
			return err
		}
		r.info, r.head = info, true
		r.info.Name = r.final
		r.buf, r.off = append(r.buf[:0], r.buf[snapHeaderSize:]...), snapHeaderSize
	}
	return r.frames(apply)
}

// frames decodes the whole frames in buf and keeps the rest.
func (r *SnapshotReceiver) frames(apply func([]graph.Delta) error) error {
	at := 0
	for at < len(r.buf) && !r.ended && len(r.buf)-at >= framing.HeaderSize {
		body, size, st := framing.Parse(r.buf[at:])
		if size > maxReceivedFrame {
			return r.bad(r.off+int64(at), "snapshot frame of %d bytes exceeds %d", size, maxReceivedFrame)
		}
		if st == framing.Short {
			break
		}
		if st != framing.OK || len(body) == 0 {
			return r.bad(r.off+int64(at), "bad snapshot frame: %s", st)
		}
		if err := r.frame(body, r.off+int64(at), apply); err != nil {
			return err
		}
		at += size
	}
	if r.ended && at < len(r.buf) {
		return r.bad(r.off+int64(at), "data after the snapshot's end record")
	}
	r.buf, r.off = append(r.buf[:0], r.buf[at:]...), r.off+int64(at)
	return nil
}

// frame handles one whole frame's body, found at off.
func (r *SnapshotReceiver) frame(body []byte, off int64, apply func([]graph.Delta) error) error {
	switch body[0] {
	case snapChunk:
		ds, rest, err := DecodeDeltas(body[1:])
		if err != nil || len(rest) != 0 {
			return r.bad(off, "bad snapshot chunk: %v", err)
		}
		r.chunk++
		r.delta += uint64(len(ds))
		if err := apply(ds); err != nil {
			r.err = err
			return err
		}
	case snapEnd:
		rd := reader{p: body[1:]}
		nc, nd := rd.uvarint(), rd.uvarint()
		if rd.err != nil || len(rd.p) != 0 || nc != r.chunk || nd != r.delta {
			return r.bad(off, "snapshot end record does not match its content")
		}
		r.ended = true
	default:
		return r.bad(off, "unknown snapshot frame kind %d", body[0])
	}
	return nil
}

func (r *SnapshotReceiver) bad(off int64, format string, args ...any) error {
	r.err = &CorruptionError{File: r.tmp, Offset: off, Reason: fmt.Sprintf(format, args...)}
	return r.err
}

// Abort drops the received data and its temporary file.
func (r *SnapshotReceiver) Abort() {
	if r.f == nil {
		return
	}
	_ = r.f.Close() // removed next; its close error changes nothing
	r.f = nil
	if err := r.s.fs.Remove(r.tmp); err != nil {
		r.s.log.Warn("cannot remove the temporary file of a received snapshot", zap.String("file", r.tmp), zap.Error(err))
	}
	r.s.snapshot = false
}

// Finish installs the received snapshot as the Store's whole state and
// calls done once that is durable; the WAL then continues after the
// snapshot's timestamp. Nothing the Store held before survives, and at no
// point can a crash leave a state that mixes the two: first the WAL is
// flushed and the file synced; then every WAL segment and snapshot holding
// anything after the snapshot's timestamp (a replica's history that
// branched from MAIN's) is removed, newest first, and the removal made
// durable, so a crash there recovers a prefix of the old state; then the
// file is renamed into place and its directory synced: from here
// recovery loads it, and the old segments left over hold only records at
// or before its timestamp, which recovery skips; last those are removed
// too. An IO error fails the Store (a restart recovers).
func (r *SnapshotReceiver) Finish(done func(error)) {
	if r.err == nil && !r.ended {
		r.bad(r.off, "snapshot has no end record (incomplete)")
	}
	if r.err != nil {
		r.Abort()
		done(r.err)
		return
	}
	s := r.s
	s.Flush(func(err error) {
		if err != nil {
			r.Abort()
			done(err)
			return
		}
		f := r.f
		f.Sync(func(err error) {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			r.f = nil
			if err != nil {
				r.fail(err, done)
				return
			}
			r.supersede(done)
		})
	})
}

// fail gives up the install: the Store is failed, since what reached the
// disk is uncertain.
func (r *SnapshotReceiver) fail(err error, done func(error)) {
	if r.f != nil {
		_ = r.f.Close()
		r.f = nil
	}
	r.s.snapshot = false
	r.s.fail(err)
	done(r.s.failed)
}

// supersede removes what the snapshot does not cover, then renames it into
// place (see Finish).
func (r *SnapshotReceiver) supersede(done func(error)) {
	s := r.s
	s.closeSegment()
	for n := len(s.segs); n > 0 && !r.covers(n-1); n = len(s.segs) {
		if err := s.fs.Remove(s.segs[n-1].name); err != nil {
			r.fail(err, done)
			return
		}
		s.segs = s.segs[:n-1]
	}
	for n := len(s.snaps); n > 0 && s.snaps[n-1].TS > r.ts; n = len(s.snaps) {
		if err := s.fs.Remove(s.snaps[n-1].Name); err != nil {
			r.fail(err, done)
			return
		}
		s.snaps = s.snaps[:n-1]
	}
	s.lastTS = min(s.lastTS, r.ts)
	r.syncDirs(func() {
		if err := s.fs.Rename(r.tmp, r.final); err != nil {
			r.fail(err, done)
			return
		}
		s.fs.SyncDir(snapDir, func(err error) {
			if err != nil {
				r.fail(err, done)
				return
			}
			r.installed(done)
		})
	}, done)
}

// covers reports whether every record of segment i is at or before the
// snapshot's timestamp.
func (r *SnapshotReceiver) covers(i int) bool {
	s := r.s
	if i == len(s.segs)-1 {
		return s.lastTS <= r.ts
	}
	return s.segs[i+1].firstTS <= r.ts+1
}

// syncDirs makes the WAL and snapshot directories' changes durable, then
// runs next.
func (r *SnapshotReceiver) syncDirs(next func(), done func(error)) {
	left, failed := 2, error(nil)
	after := func(err error) {
		if err != nil && failed == nil {
			failed = err
		}
		if left--; left > 0 {
			return
		}
		if failed != nil {
			r.fail(failed, done)
			return
		}
		next()
	}
	s := r.s
	s.fs.SyncDir(walDir, after)
	s.fs.SyncDir(snapDir, after)
}

// installed removes the old files the snapshot covers and makes it the
// Store's state.
func (r *SnapshotReceiver) installed(done func(error)) {
	s := r.s
	for i := len(s.segs) - 1; i >= 0; i-- {
		if err := s.fs.Remove(s.segs[i].name); err != nil {
			s.log.Warn("cannot remove a WAL segment a received snapshot replaced", zap.String("file", s.segs[i].name), zap.Error(err))
		}
	}
	for _, old := range s.snaps {
		if old.Name == r.final {
			continue
		}
		if err := s.fs.Remove(old.Name); err != nil {
			s.log.Warn("cannot remove a snapshot a received snapshot replaced", zap.String("file", old.Name), zap.Error(err))
		}
	}
	s.segs, s.snaps, s.lastTS = nil, []SnapshotInfo{r.info}, r.ts
	r.syncDirs(func() {
		s.snapshot = false
		s.log.Info("received snapshot installed", zap.String("file", r.final), zap.Uint64("ts", r.ts))
		done(nil)
	}, done)
}

// closeSegment closes the segment being written (nothing is in flight):
// the next Append starts a new one.
func (s *Store) closeSegment() {
	s.closeExtraHandles()
	if s.cur != nil {
		if err := s.cur.Close(); err != nil {
			s.log.Warn("closing a WAL segment", zap.Error(err))
		}
		s.cur = nil
	}
}
