package durability

import (
	"fmt"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/disk"
)

// Target receives what recovery reads, in order: first the chunks of the
// snapshot (if any), then every WAL record after it.
type Target interface {
	// LoadSnapshot loads a snapshot into the empty graph: ds rebuild the
	// graph as of info.TS, as one Apply.
	LoadSnapshot(info SnapshotInfo, ds []graph.Delta) error
	// ApplyCommit replays one committed transaction.
	ApplyCommit(r *Record) error
}

// Recovery reports what Open found and did.
type Recovery struct {
	Snapshot       *SnapshotInfo // the snapshot used, nil if none
	Records        int           // WAL records replayed after it
	LastTS         uint64        // the last recovered commit timestamp
	LastEpoch      uint64        // the epoch of that commit (or of the snapshot)
	TornTail       bool          // a torn tail was truncated
	SkippedCorrupt bool          // corruption was found and the rest moved aside
}

// segment is one WAL segment file.
type segment struct {
	name    string
	firstTS uint64
}

// recovery is the work of Open, separated from the Store it builds.
type recovery struct {
	fs      disk.FS
	log     *zap.Logger
	opts    Options
	target  Target
	res     Recovery
	segs    []segment
	snaps   []SnapshotInfo
	prevTS  uint64   // timestamp of the last record read
	fixups  []string // files to truncate-and-sync: their sync is a barrier
	dirSync bool     // a directory change must be synced before writing
}

func (rc *recovery) run() error {
	for _, d := range []string{walDir, snapDir} {
		if err := rc.fs.MkdirAll(d); err != nil {
			return err
		}
	}
	snapTS, err := rc.loadSnapshot()
	if err != nil {
		return err
	}
	rc.prevTS = snapTS
	return rc.replayWAL(snapTS)
}

// loadSnapshot applies the newest valid snapshot and returns its timestamp
// (0 without one). Leftover temporary files of interrupted snapshots are
// removed; invalid snapshots are logged and passed over.
func (rc *recovery) loadSnapshot() (uint64, error) {
	names, err := rc.fs.List(snapDir)
	if err != nil {
		return 0, err
	}
	var cands []SnapshotInfo
	for _, n := range names {
		full := snapDir + "/" + n
		if strings.HasSuffix(n, tmpSuffix) {
			rc.log.Info("removing the temporary file of an interrupted snapshot", zap.String("file", full))
			if err := rc.fs.Remove(full); err != nil {
				return 0, err
			}
			continue
		}
		if ts, ok := parseTSName(n, snapSuffix); ok {
			cands = append(cands, SnapshotInfo{Name: full, TS: ts})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].TS > cands[j].TS })
	for i, c := range cands {
		data, err := rc.fs.ReadFile(c.Name)
		if err != nil {
			return 0, err
		}
		info, ds, err := decodeSnapshot(c.Name, data)
		if err == nil && info.TS != c.TS {
			err = &CorruptionError{File: c.Name, Reason: fmt.Sprintf("header timestamp %d differs from the name", info.TS)}
		}
		if err != nil {
			rc.log.Error("snapshot is invalid, trying an older one", zap.Error(err))
			continue
		}
		if err := rc.target.LoadSnapshot(info, ds); err != nil {
			return 0, fmt.Errorf("durability: loading snapshot %s: %w", c.Name, err)
		}
		rc.res.Snapshot = &info
		rc.res.LastTS, rc.res.LastEpoch = info.TS, info.Epoch
		for _, old := range cands[i:] {
			rc.snaps = append([]SnapshotInfo{old}, rc.snaps...)
		}
		rc.log.Info("loaded snapshot", zap.String("file", c.Name), zap.Uint64("ts", info.TS))
		return info.TS, nil
	}
	return 0, nil
}

// replayWAL applies every WAL record after snapTS, checking that each links
// to the one before it.
func (rc *recovery) replayWAL(snapTS uint64) error {
	names, err := rc.fs.List(walDir)
	if err != nil {
		return err
	}
	for _, n := range names {
		if ts, ok := parseTSName(n, walSuffix); ok {
			rc.segs = append(rc.segs, segment{name: walDir + "/" + n, firstTS: ts})
		}
	}
	for i := 0; i < len(rc.segs); i++ {
		seg := rc.segs[i]
		last := i == len(rc.segs)-1
		if !last && rc.segs[i+1].firstTS <= snapTS+1 {
			continue // wholly covered by the snapshot
		}
		data, err := rc.fs.ReadFile(seg.name)
		if err != nil {
			return err
		}
		sc := scanSegment(seg.name, seg.firstTS, data, last)
		var bad *CorruptionError
		for j := 0; j < len(sc.recs) && bad == nil; j++ {
			bad = rc.apply(seg.name, sc.offs[j], &sc.recs[j], snapTS)
		}
		if bad == nil {
			bad = sc.corrupt
		}
		if bad != nil {
			return rc.corrupt(i, bad)
		}
		if sc.torn != "" {
			return rc.truncateTorn(i, sc)
		}
		if sc.zeros {
			if err := rc.cutZeros(seg.name, sc.end); err != nil {
				return err
			}
		}
	}
	return nil
}

// cutZeros cuts the reserved zeros that end a segment other than the last
// (a crash came before the cut that rotation makes became durable), so
// that readers of the segment find it ending with its last record.
func (rc *recovery) cutZeros(name string, end int64) error {
	rc.log.Info("cutting the space reserved past a WAL segment's last record", zap.String("file", name), zap.Int64("offset", end))
	return rc.truncate(name, end)
}

// apply replays one record, found at off in file, unless the snapshot covers
// it. A record that does not link to the one before it is corruption.
func (rc *recovery) apply(file string, off int64, r *Record, snapTS uint64) *CorruptionError {
	if r.TS <= snapTS {
		return nil
	}
	if r.PrevTS != rc.prevTS && !(rc.prevTS == snapTS && r.PrevTS <= snapTS) {
		return &CorruptionError{File: file, Offset: off, Reason: fmt.Sprintf(
			"gap in the log: record %d follows %d but the last record read is %d", r.TS, r.PrevTS, rc.prevTS)}
	}
	if err := rc.target.ApplyCommit(r); err != nil {
		return &CorruptionError{File: file, Offset: off, Reason: fmt.Sprintf("replaying record %d: %v", r.TS, err)}
	}
	rc.prevTS = r.TS
	rc.res.Records++
	rc.res.LastTS, rc.res.LastEpoch = r.TS, r.Epoch
	return nil
}

// truncateTorn cuts the torn tail of the last segment, or removes the
// segment when nothing valid remains in it.
func (rc *recovery) truncateTorn(i int, sc segScan) error {
	seg := rc.segs[i]
	rc.log.Warn("truncating torn WAL tail", zap.String("file", seg.name),
		zap.Int64("offset", sc.end), zap.String("reason", sc.torn))
	rc.res.TornTail = true
	if len(sc.recs) == 0 {
		rc.segs = rc.segs[:i]
		rc.dirSync = true
		return rc.fs.Remove(seg.name)
	}
	return rc.truncate(seg.name, sc.end)
}

func (rc *recovery) truncate(name string, size int64) error {
	f, err := rc.fs.Open(name)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	rc.fixups = append(rc.fixups, name)
	return err
}

// corrupt handles damage before the tail: an error, unless the options say
// to start anyway from what is valid, in which case the damaged segment is
// cut at the damage and every later segment is moved aside (renamed with a
// ".corrupt" suffix, never deleted).
func (rc *recovery) corrupt(i int, bad *CorruptionError) error {
	if !rc.opts.StartDespiteCorruption {
		return bad
	}
	rc.log.Error("WAL corruption: starting from what is valid before it, as configured; later records are lost",
		zap.String("file", bad.File), zap.Int64("offset", bad.Offset), zap.String("reason", bad.Reason))
	rc.res.SkippedCorrupt = true
	rc.dirSync = true
	aside := rc.segs[i+1:]
	seg := rc.segs[i]
	rc.segs = rc.segs[:i+1]
	if bad.Offset <= segHeaderSize {
		aside = append([]segment{seg}, aside...)
		rc.segs = rc.segs[:i]
	}
	for _, s := range aside {
		if err := rc.fs.Rename(s.name, s.name+asideSuffix); err != nil {
			return err
		}
	}
	if bad.Offset <= segHeaderSize {
		return nil
	}
	return rc.truncate(seg.name, bad.Offset)
}
