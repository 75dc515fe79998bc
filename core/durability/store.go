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
	// SyncDepth is how many group-commit fsyncs may be in flight at once
	// (default 2): while one batch's fsync runs, the next batch is written
	// and its own fsync starts instead of waiting. Each in-flight fsync uses
	// its own handle of the segment, since Linux reports a write-back error
	// to one fsync per open file description; batches complete strictly in
	// order, and a failed fsync fails its batch and every later one. 1 is
	// one fsync at a time. With a Clock, a batch does not start beside an
	// fsync that has already run half as long as the last one took: waiting
	// for it costs its commits little, and each fsync costs CPU.
	SyncDepth int
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
	// OnWrite, when set, is called on the loop each time a batch of records
	// is handed to the file system (with group commit, as its fsync
	// starts). MAIN ships the batch to its replicas then, so their fsyncs
	// of it run beside MAIN's own.
	OnWrite func()
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
	if o.SyncDepth <= 0 {
		o.SyncDepth = 2
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

	buf      []byte          // records not yet written
	waiting  []func(error)   // their commits (group commit)
	waitAt   []time.Duration // when each waiting commit was appended (with a Clock)
	inflight []*batch        // batches written, oldest first, until they complete
	handles  []disk.File     // the segment's sync handles: cur, then more opened on demand
	nextH    int             // the handle the next batch's fsync uses
	barrier  int             // sync operations that must finish before writing
	unsynced int             // records written since the last fsync (SyncEvery)

	bufTS        uint64        // timestamp of the first buffered record
	afterBarrier []func(error) // Flush calls waiting for the barrier
	deferred     bool          // a deferred kick is queued
	failed       error         // the first IO error; the Store is dead after it
	closed       bool          // Close was called
	onIdle       func(error)   // Close's callback, until everything is synced
	snapshot     bool          // a snapshot is being written

	noGather bool          // SetGather(false): write as soon as the turn ends
	gather   int           // while > 0, the buffered commits to wait for before writing
	gatherT  clock.Timer   // ends the gathering window
	lastSync time.Duration // how long the last group-commit fsync took
	stats    GroupStats
	idleOn   bool          // commits are buffered while an fsync could start
	idleFrom time.Duration // since when idleOn holds
}

// batch is one group-commit write and its fsync: the commits it covers
// complete when its fsync and those of every earlier batch have returned.
type batch struct {
	dones  []func(error)
	at     []time.Duration // when each commit was appended (with a Clock)
	start  time.Duration   // monotonic time its fsync was requested
	synced bool            // its fsync returned
	err    error           // what it returned
}

// SetGather turns group commit's gathering (Options.Clock) on, as it is
// after Open, or off. Gathering waits, after an fsync, for the commits it
// released to come back; that suits a MAIN, whose clients send their next
// write once acknowledged, but not a replica, whose commits arrive in
// MAIN's batches whatever its own fsyncs do: there it only delays each
// batch's fsync (and with it a SYNC MAIN's acknowledgement). Turning it
// off ends a gathering window in progress.
func (s *Store) SetGather(on bool) {
	s.noGather = !on
	if !on && s.gather > 0 {
		s.endGather()
		s.kick()
	}
}

// Expect tells group commit that n commits are about to come back: their
// clients were just told of their commits. It gathers the next batch for
// them as an fsync's completion does when gathering is on (Options.Clock):
// the batch waits until they are buffered too, or about one fsync's time.
// A MAIN with replicas acknowledges commits after its fsync (once SYNC
// replicas confirmed them), so it turns SetGather off and calls Expect as
// it acknowledges: its writers then share fsyncs as they do without
// replicas. It does nothing without a Clock or with SyncEvery.
func (s *Store) Expect(n int) {
	if !s.canGather() || n <= 0 {
		return
	}
	if s.gather > 0 {
		s.gather += n
		return
	}
	s.armGather(len(s.waiting) + n)
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
	if !s.admit(ts, done) {
		return
	}
	if len(s.buf) == 0 {
		s.bufTS = ts
	}
	s.buf = AppendRecord(s.buf, &Record{Epoch: epoch, TS: ts, PrevTS: s.lastTS, Deltas: ds})
	s.added(ts, done)
}

// AppendShared is Append that also returns the record's framed encoding,
// exactly the bytes the WAL holds, in a slice of its own that the caller
// may keep and share (replication ships it to replicas, which log it as
// it is: see AppendFrame). It returns nil when nothing is written (the
// Store refused the record, or the WAL is off).
func (s *Store) AppendShared(epoch, ts uint64, ds []graph.Delta, done func(error)) []byte {
	if !s.admit(ts, done) {
		return nil
	}
	frame := AppendRecord(nil, &Record{Epoch: epoch, TS: ts, PrevTS: s.lastTS, Deltas: ds})
	s.appendFrame(ts, frame, done)
	return frame
}

// AppendFrame logs rec, whose framed encoding the caller holds already:
// frame is one whole frame that DecodeFrame turned into rec (a replica
// received it from MAIN). When rec follows the Store's last record
// (rec.PrevTS is LastTS) the frame is written as it is, without encoding
// the deltas again; otherwise the record is encoded anew with the right
// previous timestamp, as Append does. done runs as with Append.
func (s *Store) AppendFrame(rec *Record, frame []byte, done func(error)) {
	if rec.PrevTS != s.lastTS || len(frame) < frameHeaderSize {
		s.Append(rec.Epoch, rec.TS, rec.Deltas, done)
		return
	}
	if !s.admit(rec.TS, done) {
		return
	}
	s.appendFrame(rec.TS, frame, done)
}

// appendFrame buffers an admitted record's frame.
func (s *Store) appendFrame(ts uint64, frame []byte, done func(error)) {
	if len(s.buf) == 0 {
		s.bufTS = ts
	}
	s.buf = append(s.buf, frame...)
	s.added(ts, done)
}

// admit refuses a record the Store cannot take (failed, closed, an old
// timestamp), and completes it at once when the WAL is off. It reports
// whether the record is to be buffered.
func (s *Store) admit(ts uint64, done func(error)) bool {
	switch {
	case s.failed != nil:
		done(s.failed)
		return false
	case s.closed:
		done(ErrClosed)
		return false
	case ts <= s.lastTS:
		done(fmt.Errorf("durability: timestamp %d not after the last logged %d", ts, s.lastTS))
		return false
	}
	if s.opts.DisableWAL {
		s.lastTS = ts
		done(nil)
		return false
	}
	return true
}

// added completes the buffering of the record with timestamp ts: it waits
// for its fsync (group commit) or completes at once (SyncEvery).
func (s *Store) added(ts uint64, done func(error)) {
	s.lastTS = ts
	if s.opts.SyncEvery != 0 {
		s.unsynced++
		s.schedule()
		done(s.failed)
		return
	}
	s.wait(done)
	s.schedule()
	s.noteIdle()
}

// wait queues done for the next batch's fsync, noting when it came.
func (s *Store) wait(done func(error)) {
	s.waiting = append(s.waiting, done)
	if s.opts.Clock != nil {
		s.waitAt = append(s.waitAt, s.opts.Clock.Monotonic())
	}
}

// noteIdle keeps GroupStats.IdleWait: the time during which commits were
// buffered while fewer than SyncDepth fsyncs ran. It is called after every
// change of the buffered commits or the fsyncs in flight.
func (s *Store) noteIdle() {
	if s.opts.Clock == nil {
		return
	}
	idle := len(s.waiting) > 0 && len(s.inflight) < s.opts.SyncDepth && s.barrier == 0 && s.failed == nil
	if idle == s.idleOn {
		return
	}
	now := s.opts.Clock.Monotonic()
	if idle {
		s.idleFrom = now
	} else {
		s.stats.IdleWait += now - s.idleFrom
	}
	s.idleOn = idle
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
	defer s.noteIdle()
	if s.failed != nil || len(s.inflight) >= s.opts.SyncDepth || s.barrier > 0 || len(s.buf) == 0 {
		return
	}
	if s.nearlyDone() {
		s.stats.NearlyDoneHolds++
		return
	}
	if s.cur == nil || s.cur.Size() >= s.opts.SegmentSize {
		if len(s.inflight) > 0 {
			return // a new segment waits until the old one's batches completed
		}
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
	if s.opts.OnWrite != nil {
		s.opts.OnWrite()
	}
	if s.opts.SyncEvery == 0 {
		s.startSync()
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
	s.closeExtraHandles()
	if old := s.cur; old != nil {
		// Space the file system reserved past the last record (osfs's
		// Preallocate) goes before the sync, which makes the cut durable:
		// a segment that is not the last then ends with its last record.
		if err := old.Truncate(old.Size()); err != nil {
			s.fail(err)
			return
		}
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
	s.handles, s.nextH = append(s.handles[:0], f), 0
	if n := len(s.segs); n > 0 && s.segs[n-1].name == name {
		// The last segment holds no whole record (recovery found it empty:
		// created just before a crash): Create has truncated it, and it is
		// the same segment, not a second one. Listing it twice made a
		// cursor step back onto it forever.
		s.segs = s.segs[:n-1]
	}
	s.segs = append(s.segs, segment{name: name, firstTS: s.bufTS})
	if err := f.Append(appendSegHeader(nil, s.bufTS)); err != nil {
		s.fail(err)
		return
	}
	s.log.Debug("new WAL segment", zap.String("file", name))
	s.barrier++
	s.fs.SyncDir(walDir, s.barrierDone)
}

// startSync makes the waiting commits a batch, just written, and starts its
// fsync on the next sync handle. Handles are used in turn and a batch is
// started only while fewer than SyncDepth are in flight, so the handle's
// previous fsync has returned: one fsync per handle at a time, as a
// write-back error is reported to one fsync per open file description.
func (s *Store) startSync() {
	b := &batch{dones: s.waiting, at: s.waitAt}
	s.waiting, s.waitAt = nil, nil
	s.stats.Batches++
	s.stats.Commits += int64(len(b.dones))
	if s.opts.Clock != nil {
		b.start = s.opts.Clock.Monotonic()
		for _, at := range b.at {
			s.stats.Queue.Add(b.start - at)
		}
	}
	h, err := s.syncHandle()
	if err != nil {
		s.waiting, s.waitAt = b.dones, b.at
		s.fail(err)
		return
	}
	s.inflight = append(s.inflight, b)
	h.Sync(func(err error) { s.synced(b, err) })
	if plantedAckBeforeFsync { // a bug on purpose, only under its build tag
		for i, done := range b.dones {
			done(nil)
			b.dones[i] = func(error) {}
		}
	}
}

// nearlyDone reports whether the newest in-flight fsync has run for more
// than half as long as the last one took: then the commits waiting lose
// little by waiting for it and sharing the next fsync, while a fsync of
// their own would cost its CPU and split the writers into two groups.
// Without a Clock it never holds a batch back.
func (s *Store) nearlyDone() bool {
	if len(s.inflight) == 0 || s.opts.Clock == nil || s.opts.SyncEvery != 0 {
		return false
	}
	last := s.inflight[len(s.inflight)-1]
	return s.opts.Clock.Monotonic()-last.start > s.lastSync/2
}

// syncHandle returns the handle for the next batch's fsync, opening the
// segment again when that handle does not exist yet.
func (s *Store) syncHandle() (disk.File, error) {
	i := s.nextH
	s.nextH = (s.nextH + 1) % s.opts.SyncDepth
	for len(s.handles) <= i {
		s.handles = append(s.handles, nil)
	}
	if s.handles[i] == nil {
		h, err := s.fs.Open(s.segs[len(s.segs)-1].name)
		if err != nil {
			return nil, err
		}
		s.handles[i] = h
	}
	return s.handles[i], nil
}

// closeExtraHandles closes the sync handles beyond cur (no batch is in
// flight when it is called).
func (s *Store) closeExtraHandles() {
	for i, h := range s.handles {
		if i > 0 && h != nil {
			if err := h.Close(); err != nil {
				s.log.Warn("closing a WAL sync handle", zap.Error(err))
			}
		}
	}
	s.handles = s.handles[:0]
}

// synced records a batch's fsync result and completes, in order, every
// batch whose fsync and predecessors' fsyncs have returned. The first
// failure fails the Store, so its batch and every later one fail with it.
func (s *Store) synced(b *batch, err error) {
	b.synced, b.err = true, err
	if s.inflight[0] != b {
		s.stats.SyncedEarly++
	}
	var now time.Duration
	if s.opts.Clock != nil {
		now = s.opts.Clock.Monotonic()
		s.stats.Sync.Add(now - b.start)
	}
	defer s.noteIdle()
	released := 0
	for len(s.inflight) > 0 && s.inflight[0].synced {
		b := s.inflight[0]
		s.inflight[0] = nil
		s.inflight = s.inflight[1:]
		if b.err != nil {
			s.fail(b.err)
		}
		if s.opts.Clock != nil {
			s.lastSync = now - b.start
			for _, at := range b.at {
				s.stats.Wait.Add(now - at)
			}
		}
		released += len(b.dones)
		for _, done := range b.dones {
			done(s.failed)
		}
	}
	if released == 0 {
		return
	}
	if len(s.inflight) == 0 {
		s.startGather(released + len(s.waiting))
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
	if s.noGather || want <= 1 || !s.canGather() {
		return
	}
	s.armGather(want)
}

// canGather reports whether group commit may wait for more commits: it
// has a Clock, no SyncEvery, and the Store is neither closing nor failed.
func (s *Store) canGather() bool {
	return s.opts.Clock != nil && s.opts.SyncEvery == 0 && !s.closed && s.failed == nil
}

// armGather opens a gathering window for want buffered commits, about as
// long as the last fsync (nothing when no fsync was measured yet).
func (s *Store) armGather(want int) {
	window := min(s.lastSync, maxGatherWindow)
	if window <= 0 {
		return
	}
	s.gather = want
	s.gatherT = s.opts.Clock.AfterFunc(window, s.gatherTimeout)
}

// gatherTimeout ends a gathering window at its deadline.
func (s *Store) gatherTimeout() {
	s.gatherT = nil
	if s.gather > 0 {
		s.stats.GatherTimeout++
		s.gather = 0
		s.kick()
	}
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
	if len(s.buf) > 0 {
		s.kick() // write what a deferred kick would
	}
	switch {
	case s.failed != nil:
		done(s.failed)
	case s.opts.SyncEvery == 0 && len(s.buf) > 0:
		s.wait(done)
	case s.opts.SyncEvery == 0 && len(s.inflight) > 0:
		last := s.inflight[len(s.inflight)-1]
		last.dones = append(last.dones, done)
		if s.opts.Clock != nil {
			last.at = append(last.at, s.opts.Clock.Monotonic())
		}
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
	s.waiting, s.waitAt, s.buf = nil, nil, nil
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
	if s.onIdle == nil || len(s.inflight) > 0 || s.barrier > 0 || len(s.buf) > 0 && s.failed == nil {
		return
	}
	done := s.onIdle
	s.onIdle = nil
	s.closeExtraHandles()
	cur := s.cur
	s.cur = nil
	if cur == nil || s.failed != nil {
		done(s.failed)
		return
	}
	if err := cur.Truncate(cur.Size()); err != nil { // reserved space, as in rotate
		s.fail(err)
		_ = cur.Close()
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
