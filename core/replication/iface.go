package replication

import "github.com/quiverdb/quiver/core/durability"

// The interfaces below are what the data instance implements so this
// package can drive replication without touching storage itself.

// Applier is a replica's storage: graph, WAL and snapshots.
type Applier interface {
	// Apply applies one committed transaction atomically (graph.Apply) and
	// appends it to the WAL. It returns an error, having changed nothing,
	// when the transaction cannot be applied; otherwise done runs later, on
	// the replica's loop, once the WAL record is fsynced (or failed to be).
	// done calls may come in any order; the replica confirms only the
	// leading run of fsynced transactions.
	Apply(rec durability.Record, done func(error)) error
	// BeginSnapshot starts receiving a snapshot, of the state after the
	// transaction with timestamp ts, that will replace the replica's whole
	// state. Until FinishSnapshot the current state stays (the snapshot is
	// built aside); a new BeginSnapshot or AbortSnapshot discards an
	// unfinished one. An error refuses this snapshot only (MAIN sends one
	// again after a new handshake).
	BeginSnapshot(ts uint64) error
	// AbortSnapshot discards an unfinished snapshot.
	AbortSnapshot()
	// SnapshotPiece receives the next piece of the snapshot, in order. An
	// error wrapping ErrBadSnapshot refuses this snapshot only (its data
	// is damaged); any other stops the replica, as a storage failure.
	SnapshotPiece(data []byte) error
	// FinishSnapshot installs the snapshot whose pieces were received; its
	// state is that after the transaction with timestamp ts. done runs once
	// it is durable, and only then does it replace the replica's state
	// (nothing the replica held before survives).
	FinishSnapshot(ts uint64, done func(error)) error
	// SaveState persists the replica's epoch history and the MAIN it
	// follows (main UUID and epoch), so both survive a restart.
	SaveState(h History, main string, epoch Epoch)
}

// FrameApplier is an Applier that can log a transaction's WAL record as
// MAIN's Store wrote it: frame is the whole framed record (its CRCs already
// checked, decoded into rec), which the replica's Store appends as it is
// (durability.Store.AppendFrame) instead of encoding rec's deltas again.
// Otherwise ApplyFrame is Apply. A replica whose Applier implements it
// uses it for every transaction that arrived with its record.
type FrameApplier interface {
	Applier
	ApplyFrame(rec durability.Record, frame []byte, done func(error)) error
}

// Log is MAIN's WAL as catch-up reads it.
type Log interface {
	// Cursor returns a cursor over the records after timestamp after.
	// durability.Store.NewCursor satisfies it once wrapped.
	Cursor(after uint64) LogCursor
}

// LogCursor reads WAL records in bounded steps (durability.Cursor).
type LogCursor interface {
	// Next runs one bounded step and returns the records it completed and
	// whether more is written and unread. An error wrapping
	// durability.ErrLogGone means the WAL no longer holds what is needed.
	Next() (recs []durability.Record, more bool, err error)
	// Close releases the cursor.
	Close()
}

// Snapshots gives MAIN snapshots to send to replicas the WAL cannot serve.
type Snapshots interface {
	// OpenSnapshot returns a reader over a snapshot of MAIN's durable state.
	OpenSnapshot() (SnapshotReader, error)
}

// SnapshotReader reads a snapshot in bounded pieces.
type SnapshotReader interface {
	// TS is the timestamp of the last transaction the snapshot holds.
	TS() uint64
	// Next returns the next piece and whether it is the last.
	Next() (piece []byte, last bool, err error)
	// Close releases the reader.
	Close()
}

// Membership decides changes to the in-sync set: the SYNC and STRICT_SYNC
// replicas that hold every acknowledged write. Community replication
// decides locally (Local); with coordinators the changes go through Raft,
// and MAIN keeps waiting for a replica until its removal is committed.
type Membership interface {
	// Remove asks to take name out of the set; done(true) once the removal
	// is decided, done(false) if it was refused. done may run at once.
	Remove(name string, done func(ok bool))
	// Join asks to put name back; MAIN waits for it from the moment it
	// asks. done(false) takes it out again. done may run at once.
	Join(name string, done func(ok bool))
}

// Local is community replication's Membership: MAIN decides alone.
type Local struct{}

// Remove decides the removal at once.
func (Local) Remove(_ string, done func(bool)) { done(true) }

// Join decides the re-entry at once.
func (Local) Join(_ string, done func(bool)) { done(true) }

// StoreLog is the Log of a durability.Store: catch-up reads its WAL with
// the store's own Cursor, Chunk bytes per step (0: the default).
type StoreLog struct {
	Store *durability.Store
	Chunk int
}

// Cursor returns the store's cursor over the records after ts.
func (l StoreLog) Cursor(after uint64) LogCursor { return l.Store.NewCursor(after, l.Chunk) }

var _ LogCursor = (*durability.Cursor)(nil)
