package durability

import (
	"sort"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/disk"
)

// SnapshotWriter writes one snapshot in steps, so that a node can walk a big
// graph a slice at a time and yield to its loop in between: Add the deltas
// that rebuild the graph as of the snapshot's timestamp, then Finish (or
// Abort). Chunks go to a temporary file as they fill; nothing is visible
// under the snapshot's name until Finish has synced and renamed it.
type SnapshotWriter struct {
	s     *Store
	info  SnapshotInfo
	tmp   string
	final string
	f     disk.File
	enc   snapEncoder
	err   error
}

// BeginSnapshot starts a snapshot of the graph as of info.TS (info.Name is
// ignored). info.TS should be durable in the WAL already (the acknowledged
// timestamp), so the WAL after the snapshot links to it. One snapshot runs
// at a time: otherwise the error is ErrSnapshotInProgress.
func (s *Store) BeginSnapshot(info SnapshotInfo) (*SnapshotWriter, error) {
	if s.snapshot {
		return nil, ErrSnapshotInProgress
	}
	final := snapName(info.TS)
	w := &SnapshotWriter{s: s, info: info, tmp: final + tmpSuffix, final: final,
		enc: snapEncoder{chunkSize: s.opts.SnapshotChunkSize}}
	f, err := s.fs.Create(w.tmp)
	if err != nil {
		return nil, err
	}
	w.f = f
	if err := f.Append(appendSnapHeader(nil, info)); err != nil {
		w.abandon()
		return nil, err
	}
	s.snapshot = true
	return w, nil
}

// Add adds one delta; its error is the first write error so far.
func (w *SnapshotWriter) Add(d graph.Delta) error {
	if w.err == nil {
		if frame := w.enc.add(d); frame != nil {
			w.err = w.f.Append(frame)
		}
	}
	return w.err
}

// Abort drops the snapshot and removes its temporary file.
func (w *SnapshotWriter) Abort() {
	w.abandon()
	w.s.snapshot = false
}

func (w *SnapshotWriter) abandon() {
	_ = w.f.Close() // the file is removed next; its close error changes nothing
	if err := w.s.fs.Remove(w.tmp); err != nil {
		w.s.log.Warn("cannot remove the temporary file of a failed snapshot", zap.String("file", w.tmp), zap.Error(err))
	}
}

// Finish writes the end record, syncs the file, renames it into place and
// syncs the directory; then it keeps only the newest SnapshotRetention
// snapshots, removes the WAL segments that the oldest kept one covers, and
// calls done.
func (w *SnapshotWriter) Finish(done func(error)) {
	if w.err == nil {
		w.err = w.f.Append(w.enc.end())
	}
	if w.err != nil {
		w.Abort()
		done(w.err)
		return
	}
	s := w.s
	w.f.Sync(func(err error) {
		if cerr := w.f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = s.fs.Rename(w.tmp, w.final)
		}
		if err != nil {
			w.Abort()
			done(err)
			return
		}
		s.fs.SyncDir(snapDir, func(err error) {
			s.snapshot = false
			if err != nil {
				done(err)
				return
			}
			s.log.Info("snapshot written", zap.String("file", w.final), zap.Uint64("ts", w.info.TS))
			w.info.Name = w.final
			s.addSnapshot(w.info)
			s.retain()
			done(nil)
		})
	})
}

// Snapshot writes a whole snapshot in one call: src yields the deltas (see
// BeginSnapshot). Completion, as for Finish, arrives through done.
func (s *Store) Snapshot(info SnapshotInfo, src SnapshotSource, done func(error)) {
	w, err := s.BeginSnapshot(info)
	if err != nil {
		done(err)
		return
	}
	if err := src(w.Add); err != nil {
		w.Abort()
		done(err)
		return
	}
	w.Finish(done)
}

// Snapshots lists the snapshots on disk, oldest first.
func (s *Store) Snapshots() []SnapshotInfo { return append([]SnapshotInfo(nil), s.snaps...) }

func (s *Store) addSnapshot(info SnapshotInfo) {
	kept := s.snaps[:0]
	for _, o := range s.snaps {
		if o.TS != info.TS {
			kept = append(kept, o)
		}
	}
	s.snaps = append(kept, info)
	sort.Slice(s.snaps, func(i, j int) bool { return s.snaps[i].TS < s.snaps[j].TS })
}

// retain removes snapshots beyond the retention count and WAL segments whose
// every record the oldest kept snapshot covers. The segment being written is
// never removed. Failures to remove are logged: they only cost space.
func (s *Store) retain() {
	for len(s.snaps) > s.opts.SnapshotRetention {
		old := s.snaps[0]
		s.snaps = s.snaps[1:]
		if err := s.fs.Remove(old.Name); err != nil {
			s.log.Warn("cannot remove an old snapshot", zap.String("file", old.Name), zap.Error(err))
		}
	}
	oldest := s.snaps[0].TS
	for len(s.segs) > 1 && s.segs[1].firstTS <= oldest+1 {
		if err := s.fs.Remove(s.segs[0].name); err != nil {
			s.log.Warn("cannot remove an old WAL segment", zap.String("file", s.segs[0].name), zap.Error(err))
			return
		}
		s.segs = s.segs[1:]
	}
}
