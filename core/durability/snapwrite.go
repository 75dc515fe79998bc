package durability

import (
	"sort"

	"go.uber.org/zap"
)

// Snapshot writes the graph as of ts (src yields it) to a temporary file,
// syncs it, renames it into place and syncs the directory; then it keeps
// only the newest SnapshotRetention snapshots and removes the WAL segments
// that the oldest kept one covers, and calls done. ts should be durable in
// the WAL already (the acknowledged timestamp), so that the WAL after the
// snapshot links to it. One snapshot runs at a time.
func (s *Store) Snapshot(epoch, ts uint64, src SnapshotSource, done func(error)) {
	if s.snapshot {
		done(ErrSnapshotInProgress)
		return
	}
	pieces, err := encodeSnapshot(epoch, ts, src, s.opts.SnapshotChunkSize)
	if err != nil {
		done(err)
		return
	}
	final := snapName(ts)
	tmp := final + tmpSuffix
	f, err := s.fs.Create(tmp)
	if err != nil {
		done(err)
		return
	}
	for _, p := range pieces {
		if err := f.Append(p); err != nil {
			s.abandonSnapshot(tmp, f.Close(), err, done)
			return
		}
	}
	s.snapshot = true
	f.Sync(func(err error) {
		cerr := f.Close()
		if err == nil {
			err = cerr
		}
		if err == nil {
			err = s.fs.Rename(tmp, final)
		}
		if err != nil {
			s.snapshot = false
			s.abandonSnapshot(tmp, nil, err, done)
			return
		}
		s.fs.SyncDir(snapDir, func(err error) {
			s.snapshot = false
			if err != nil {
				done(err)
				return
			}
			s.log.Info("snapshot written", zap.String("file", final), zap.Uint64("ts", ts))
			s.addSnapshot(SnapshotInfo{Name: final, Epoch: epoch, TS: ts})
			s.retain()
			done(nil)
		})
	})
}

// abandonSnapshot removes a failed snapshot's temporary file.
func (s *Store) abandonSnapshot(tmp string, closeErr, err error, done func(error)) {
	_ = closeErr // the first error is the one to report
	if rerr := s.fs.Remove(tmp); rerr != nil {
		s.log.Warn("cannot remove the temporary file of a failed snapshot", zap.String("file", tmp), zap.Error(rerr))
	}
	done(err)
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
