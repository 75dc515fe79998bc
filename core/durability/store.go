package durability

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/disk"
)

// Options configure a Store. The zero value is group commit with 64 MiB
// segments and three snapshots kept.
type Options struct {
	// SegmentSize is the size at which the WAL moves to a new segment file.
	SegmentSize int64
	// SyncEvery 0 (the default) is group commit: a commit completes only
	// after the fsync that covers its record, and commits that arrive while
	// one fsync runs share the next. SyncEvery N > 0 instead completes each
	// commit as soon as its record is written and fsyncs after every N
	// records; N < 0 never fsyncs except at segment rotation. Both trade away
	// the guarantee: a crash of the machine (or of several instances at once)
	// can lose commits that were reported done.
	SyncEvery int
	// DisableWAL writes no WAL at all, as Memgraph's
	// --storage-wal-enabled=false: Append completes each commit at once,
	// in memory only, and commits persist only in the next snapshot
	// (periodic, on demand, or at clean shutdown). A crash loses every
	// commit after the last snapshot. WAL segments left by an earlier run
	// are still recovered. A replica cannot catch up from a log that is
	// not written, so a data instance in a cluster keeps the WAL on.
	DisableWAL bool
	// SnapshotRetention is how many snapshots to keep (default 3). WAL
	// segments older than the oldest kept snapshot are removed.
	SnapshotRetention int
	// SnapshotChunkSize is the approximate size of one snapshot frame
	// (default 1 MiB).
	SnapshotChunkSize int
	// Defer, when set, runs f on the node's loop after the events already
	// queued there (the instance passes Clock.AfterFunc(0, f)). Append then
	// gathers the records of every commit that arrives in the same turn of
	// the loop into one write (and, with group commit, one fsync) instead of
	// writing the first at once and making the rest wait for the next fsync.
	Defer func(f func())
	// Clock, when set, lets group commit gather the next batch: when an
	// fsync completes, the commits it released usually come straight back
	// (a client sends its next write), so rather than fsync at once for
	// the few commits that arrived meanwhile and make the returning ones
	// wait for a whole further fsync, the Store waits until as many commits
	// are buffered as the last batch released plus those waiting, or at
	// most about one fsync's duration (measured), whichever comes first.
	// Every commit still completes only after an fsync that covers it.
	Clock clock.Clock
	// StartDespiteCorruption makes Open start from what is valid before WAL
	// corruption (moving the rest aside) instead of refusing with a
	// CorruptionError that names the file and offset.
	StartDespiteCorruption bool
}

func (o *Options) defaults() {
	if o.SegmentSize <= 0 {
		o.SegmentSize = 64 << 20
	}
	if o.SnapshotRetention <= 0 {
		o.SnapshotRetention = 3
	}
	if o.SnapshotChunkSize <= 0 {
		o.SnapshotChunkSize = 1 << 20
	}
}

// Errors the Store reports.
var (
	// ErrFailed wraps the first IO error: after it the Store takes no more
	// commits, and the node must restart and recover.
	ErrFailed = errors.New("durability: WAL failed")
	// ErrSnapshotInProgress is returned when a snapshot is already running.
	ErrSnapshotInProgress = errors.New("durability: a snapshot is already in progress")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("durability: closed")
)

// Store is a data instance's WAL and snapshots. It is driven from the node's
// loop: no two calls at once, and completions arrive as callbacks there.
type Store struct {
	fs   disk.FS
	log  *zap.Logger
	opts Options

	lastTS uint64 // timestamp of the last record appended
	segs   []segment
	cur    disk.File // the segment being written, nil before the first write
	snaps  []SnapshotInfo

	buf      []byte        // records not yet written
	waiting  []func(error) // their commits (group commit)
	inflight []func(error) // commits covered by the running fsync
	ops      int           // sync operations the in-flight batch waits for
	opErr    error         // first error among them
	barrier  int           // sync operations that must finish before writing
	unsynced int           // records written since the last fsync (SyncEvery)

	bufTS        uint64        // timestamp of the first buffered record
	afterBarrier []func(error) // Flush calls waiting for the barrier
	deferred     bool          // a deferred kick is queued
	failed       error         // the first IO error; the Store is dead after it
	closed       bool          // Close was called
	onIdle       func(error)   // Close's callback, until everything is synced
	snapshot     bool          // a snapshot is being written

	gather    int           // while > 0, the buffered commits to wait for before writing
	gatherT   clock.Timer   // ends the gathering window
	syncStart time.Duration // monotonic time the in-flight fsync was requested
	lastSync  time.Duration // how long the last group-commit fsync took
	stats     GroupStats
}

// GroupStats counts group commit's work: Batches fsynced, the Commits they
// covered, and how gathering windows ended: with every expected commit
// back (GatherFull) or at the deadline (GatherTimeout).
type GroupStats struct {
	Batches, Commits, GatherFull, GatherTimeout int64
}

// GroupStats returns the counts so far.
func (s *Store) GroupStats() GroupStats { return s.stats }

// Open recovers the state on fs into target (newest valid snapshot, then the
// WAL after it) and returns a Store ready to append after it.
func Open(fs disk.FS, log *zap.Logger, opts Options, target Target) (*Store, Recovery, error) {
	opts.defaults()
	rc := &recovery{fs: fs, log: log, opts: opts, target: target}
	if err := rc.run(); err != nil {
		return nil, rc.res, err
	}
	s := &Store{fs: fs, log: log, opts: opts, lastTS: rc.res.LastTS, segs: rc.segs, snaps: rc.snaps}
	if n := len(rc.segs); n > 0 && !slices.Contains(rc.fixups, rc.segs[n-1].name) {
		// What recovery read may be in the OS cache only (after a process
		// crash): make it durable before it is acknowledged.
		rc.fixups = append(rc.fixups, rc.segs[n-1].name)
	}
	for _, name := range rc.fixups {
		s.syncFile(name)
	}
	if rc.dirSync {
		s.barrier++
		fs.SyncDir(walDir, s.barrierDone)
	}
	return s, rc.res, nil
}

// syncFile makes a truncation durable before anything else is written.
func (s *Store) syncFile(name string) {
	f, err := s.fs.Open(name)
	if err != nil {
		s.fail(err)
		return
	}
	s.barrier++
	f.Sync(func(err error) {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		s.barrierDone(err)
	})
}

// LastTS is the timestamp of the last record appended or recovered.
func (s *Store) LastTS() uint64 { return s.lastTS }

// Append logs a committed transaction. With group commit, done runs once
// the record is durable (or with the error that prevented it); with
// SyncEvery it runs as soon as the record is handed to the file system;
// with DisableWAL nothing is written and it runs at once.
// Timestamps must increase.
func (s *Store) Append(epoch, ts uint64, ds []graph.Delta, done func(error)) {
	switch {
	case s.failed != nil:
		done(s.failed)
		return
	case s.closed:
		done(ErrClosed)
		return
	case ts <= s.lastTS:
		done(fmt.Errorf("durability: timestamp %d not after the last logged %d", ts, s.lastTS))
		return
	}
	if s.opts.DisableWAL {
		s.lastTS = ts
		done(nil)
		return
	}
	if len(s.buf) == 0 {
		s.bufTS = ts
	}
	s.buf = AppendRecord(s.buf, &Record{Epoch: epoch, TS: ts, PrevTS: s.lastTS, Deltas: ds})
	s.lastTS = ts
	if s.opts.SyncEvery != 0 {
		s.unsynced++
		s.schedule()
		done(s.failed)
		return
	}
	s.waiting = append(s.waiting, done)
	s.schedule()
}

// maxGather bounds what Append gathers before writing without waiting for
// the deferred flush.
const maxGather = 256 << 10

// schedule writes the buffer now, or once the loop has run what is queued
// when Options.Defer is set.
func (s *Store) schedule() {
	if s.gather > 0 {
		if len(s.waiting) >= s.gather || len(s.buf) >= maxGather {
			s.stats.GatherFull++
			s.kick()
		}
		return
	}
	if s.opts.Defer == nil || len(s.buf) >= maxGather {
		s.kick()
		return
	}
	if s.deferred {
		return
	}
	s.deferred = true
	s.opts.Defer(func() {
		s.deferred = false
		if s.gather == 0 {
			s.kick()
		}
	})
}

// kick writes the buffered records when nothing blocks it: with group
// commit, the batch goes out with one Append and one fsync, and the next
// batch waits for that fsync.
func (s *Store) kick() {
	defer s.maybeIdle()
	if s.failed != nil || s.ops > 0 || s.barrier > 0 || len(s.buf) == 0 {
		return
	}
	if s.cur == nil || s.cur.Size() >= s.opts.SegmentSize {
		s.rotate()
		if s.barrier > 0 || s.failed != nil {
			return
		}
	}
	s.endGather()
	batch := s.buf
	if err := s.cur.Append(batch); err != nil {
		s.fail(err)
		return
	}
	// Append does not keep the slice: reuse it unless a barrier made it big.
	s.buf = batch[:0]
	if cap(batch) > 1<<20 {
		s.buf = nil
	}
	if s.opts.SyncEvery == 0 {
		s.inflight, s.waiting = s.waiting, nil
		s.stats.Batches++
		s.stats.Commits += int64(len(s.inflight))
		s.ops = 1
		if s.opts.Clock != nil {
			s.syncStart = s.opts.Clock.Monotonic()
		}
		s.cur.Sync(s.opDone)
		if plantedAckBeforeFsync { // a bug on purpose, only under its build tag
			ws := s.inflight
			s.inflight = nil
			for _, done := range ws {
				done(nil)
			}
		}
		return
	}
	if s.opts.SyncEvery > 0 && s.unsynced >= s.opts.SyncEvery {
		s.unsynced = 0
		s.cur.Sync(s.checkErr)
	}
}

// rotate starts a new segment named after the first buffered record. The
// old segment is synced and the new directory entry made durable before any
// record goes into the new one, so a crash never leaves a later segment
// behind a torn earlier one.
func (s *Store) rotate() {
	if old := s.cur; old != nil {
		s.barrier++
		old.Sync(func(err error) {
			if cerr := old.Close(); err == nil {
				err = cerr
			}
			s.barrierDone(err)
		})
	}
	name := segName(s.bufTS)
	f, err := s.fs.Create(name)
	if err != nil {
		s.fail(err)
		return
	}
	s.cur = f
	s.segs = append(s.segs, segment{name: name, firstTS: s.bufTS})
	if err := f.Append(appendSegHeader(nil, s.bufTS)); err != nil {
		s.fail(err)
		return
	}
	s.log.Debug("new WAL segment", zap.String("file", name))
	s.barrier++
	s.fs.SyncDir(walDir, s.barrierDone)
}

// opDone completes the in-flight batch when its fsync returns.
func (s *Store) opDone(err error) {
	if err != nil && s.opErr == nil {
		s.opErr = err
	}
	if s.ops--; s.ops > 0 {
		return
	}
	if s.opErr != nil {
		s.fail(s.opErr)
		s.opErr = nil
	}
	ws := s.inflight
	s.inflight = nil
	if s.opts.Clock != nil {
		s.lastSync = s.opts.Clock.Monotonic() - s.syncStart
	}
	s.startGather(len(ws) + len(s.waiting))
	for _, done := range ws {
		done(s.failed)
	}
	if s.gather == 0 {
		s.kick()
	}
}

// maxGatherWindow bounds how long a batch waits for returning commits.
const maxGatherWindow = 2 * time.Millisecond

// startGather, after a batch of group commits completed, holds the next
// write until want commits are buffered (Append then writes at once) or a
// window about as long as the last fsync has passed. Without a Clock, or
// when closing or failed, nothing waits.
func (s *Store) startGather(want int) {
	if s.opts.Clock == nil || s.opts.SyncEvery != 0 || s.closed || s.failed != nil || want <= 1 {
		return
	}
	window := min(s.lastSync, maxGatherWindow)
	if window <= 0 {
		return
	}
	s.gather = want
	s.gatherT = s.opts.Clock.AfterFunc(window, func() {
		s.gatherT = nil
		if s.gather > 0 {
			s.stats.GatherTimeout++
			s.gather = 0
			s.kick()
		}
	})
}

// endGather ends a gathering window: the batch is being written.
func (s *Store) endGather() {
	s.gather = 0
	if s.gatherT != nil {
		s.gatherT.Stop()
		s.gatherT = nil
	}
}

func (s *Store) barrierDone(err error) {
	s.checkErr(err)
	if s.barrier--; s.barrier > 0 {
		return
	}
	s.kick()
	fl := s.afterBarrier
	s.afterBarrier = nil
	for _, done := range fl {
		s.Flush(done)
	}
}

// Flush calls done once everything appended so far, and what recovery read
// and repaired, is durable. The instance acknowledges recovered commits
// only then.
func (s *Store) Flush(done func(error)) {
	if s.failed == nil && s.barrier == 0 && s.ops == 0 && len(s.buf) > 0 {
		s.kick() // write what a deferred kick would
	}
	switch {
	case s.failed != nil:
		done(s.failed)
	case s.opts.SyncEvery == 0 && len(s.buf) > 0:
		s.waiting = append(s.waiting, done)
	case s.opts.SyncEvery == 0 && s.ops > 0:
		s.inflight = append(s.inflight, done)
	case s.barrier > 0:
		s.afterBarrier = append(s.afterBarrier, done)
	case s.opts.SyncEvery != 0 && s.cur != nil:
		s.unsynced = 0
		s.cur.Sync(func(err error) {
			s.checkErr(err)
			done(s.failed)
		})
	default:
		done(nil)
	}
}

func (s *Store) checkErr(err error) {
	if err != nil {
		s.fail(err)
	}
}

// fail stops the Store at the first IO error: after a failed write or fsync
// nobody knows what reached the disk, so only a restart (recovery) may go on.
func (s *Store) fail(err error) {
	if s.failed != nil {
		return
	}
	s.failed = fmt.Errorf("%w: %v", ErrFailed, err)
	s.log.Error("WAL failed; commits are refused until restart", zap.Error(err))
	ws := s.waiting
	s.waiting, s.buf = nil, nil
	for _, done := range ws {
		done(s.failed)
	}
}

// Close writes and syncs what is buffered, closes the current segment and
// then calls done. Commits after Close fail with ErrClosed.
func (s *Store) Close(done func(error)) {
	if s.closed {
		done(ErrClosed)
		return
	}
	s.closed = true
	s.onIdle = done
	s.endGather()
	s.kick()
}

// maybeIdle finishes a Close once nothing is buffered or running.
func (s *Store) maybeIdle() {
	if s.onIdle == nil || s.ops > 0 || s.barrier > 0 || len(s.buf) > 0 && s.failed == nil {
		return
	}
	done := s.onIdle
	s.onIdle = nil
	cur := s.cur
	s.cur = nil
	if cur == nil || s.failed != nil {
		done(s.failed)
		return
	}
	cur.Sync(func(err error) {
		if cerr := cur.Close(); err == nil {
			err = cerr
		}
		done(err)
	})
}
