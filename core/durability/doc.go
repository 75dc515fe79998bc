// Package durability keeps a data instance's committed transactions on disk:
// a write-ahead log of their deltas in segment files with a CRC per record,
// snapshots of the whole graph at a timestamp, recovery from the newest valid
// snapshot plus the WAL after it, and group commit through the asynchronous
// disk.File.Sync. It is IO-free: every byte goes through disk.FS, and every
// completion arrives as a callback on the node's loop.
//
// # Files
//
//	wal/<first ts, 20 digits>.wal        segments, rotated at Options.SegmentSize
//	snapshots/<ts, 20 digits>.snap       snapshots, the newest SnapshotRetention kept
//	snapshots/<ts>.snap.tmp              a snapshot being written (removed at recovery)
//	wal/<name>.corrupt                   segments moved aside by StartDespiteCorruption
//
// A segment is a 20-byte header (magic, format and value-encoding versions,
// first timestamp, CRC) and then records. Every record is a frame
//
//	u32 length | u32 CRC32-C(length) | u32 CRC32-C(body) | body
//	body = uvarint epoch, uvarint commit ts, uvarint previous ts, deltas
//
// (deltas: AppendDeltas; values: core/value's encoding). The previous
// timestamp links each record to the one before it, so a missing piece of
// log is detected as a gap instead of being skipped. A snapshot is a header
// (epoch, timestamp, next vertex and edge IDs) and frames of deltas that
// rebuild the graph, closed by an end frame with the counts; one without its
// end frame is never used. Index and constraint changes are records like any
// other: a snapshot at T holds the schema as of T (the instance writes the
// schema of the read transaction the snapshot walks, whatever later changes
// still wait for their fsync), and the schema records after T replay at
// their own timestamps. Frames, segment headers and the rules that tell a
// torn tail from corruption live in package framing, which does not look
// inside record bodies, so other logs (the coordinators' Raft log) can use
// them too.
//
// # Reading the log back
//
// A Cursor (Store.NewCursor) reads the records after a timestamp for
// replication, one bounded ReadAt per step, resuming across steps and
// segment rotations, and reports ErrLogGone when retention removed what it
// needs.
//
// # Recovery
//
// Open removes leftover temporary snapshots, loads the newest snapshot that
// validates completely (logging and passing over invalid ones), then replays
// every WAL record after it, validating each. In the last segment, a record
// cut short, zero bytes, or a final record whose body fails its CRC and ends
// exactly at the end of the file is a torn tail: it is truncated, with a log
// line, and the truncation is synced before anything new is written. Any
// other damage is corruption: Open fails with a *CorruptionError naming the
// file and offset, unless Options.StartDespiteCorruption is set, in which
// case it starts from the valid records before the damage and moves the rest
// aside. What recovery read is synced again before Flush reports it durable.
//
// # Group commit
//
// By default a commit's done runs only after an fsync that started after
// its record was written has completed successfully. Up to
// Options.SyncDepth (default 2) batches are in flight: a batch is written
// and its fsync started at once while another fsync runs, and commits that
// arrive while all are busy are written together and share the next one.
// Each in-flight fsync uses its own handle of the segment (Linux reports a
// write-back error to one fsync per open file description), batches
// complete strictly in order, and a failed fsync fails its batch and every
// later one. With Options.Defer the first write of a loop turn waits
// until the commits already queued on the loop have arrived. A new segment's
// directory entry is synced before any record goes into it. Options.SyncEvery
// trades these guarantees for speed (see its documentation), and
// Options.DisableWAL writes no WAL at all, leaving snapshots as the only
// persistence. After an IO
// error the Store refuses further commits; only a restart (recovery) goes on.
package durability
