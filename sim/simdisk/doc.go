// Package simdisk is the simulator's file system: an in-memory disk.FS that
// keeps what was synced apart from what was only written, models sync
// latency, and injects faults on demand.
//
// # Durability rules
//
//   - File contents: an Append is readable at once and durable once a Sync
//     of the file that started after the Append returned has completed
//     successfully. Truncate follows the same rule. Sync captures the file as
//     it is when Sync is called; its completion arrives later through the
//     Scheduler after a latency drawn from the FS's random source.
//   - Directory entries: creating, renaming or removing a file or directory
//     changes the directory's entries at once, but the change is durable only
//     once a SyncDir of that directory, called after the change, has
//     completed. A file that was synced but whose creation was not made
//     durable by SyncDir of its directory is gone after a crash; a file whose
//     creation was made durable but whose contents were not synced survives
//     a crash with the contents it had at its last completed Sync (empty if
//     none). A rename across directories needs a SyncDir of both.
//   - MkdirAll is durable when it returns, as if it synced the parent of
//     every directory it created (the real implementation does exactly that);
//     this also makes every other pending entry change of those parents
//     durable, as a real directory fsync would.
//   - A failed Sync or SyncDir makes nothing durable; the data stays written
//     and a later Sync may still make it durable.
//   - Several syncs of a file may be in flight, on one handle or several;
//     each completes after its own drawn latency, so a later one may finish
//     first (and, succeeding, makes durable everything it captured, the
//     earlier one's bytes included). A failed file sync's error is kept
//     per handle as Linux keeps it per open file description: the first
//     sync to complete on each handle after the failure reports it and
//     makes nothing durable, and a sync that was in flight on a handle
//     that has already reported it completes without an error but makes
//     nothing durable (Faults.UnreportedSyncErrors counts those). So a
//     caller with several syncs of one file in flight gives each its own
//     handle. A handle opened after a failure does not report it.
//
// # Crashes
//
// Crash drops everything volatile: each file reverts to its synced contents
// and each directory to its durable entries. With torn set, a file whose
// unsynced changes are only appends keeps a random prefix of those appended
// bytes (with a single unsynced Append, a random prefix of that Append), as a
// disk that wrote part of its cache before power failed. Syncs pending at the
// crash never complete: their callbacks never run. Handles opened before the
// crash fail with ErrStale. Wipe leaves an empty disk.
//
// # Faults
//
// FailNextWrite, FailNextSync, SlowSync, SetFull, FlipBitsOnRead and FlipBit
// inject faults; Faults reports how many of each kind actually happened.
//
// # Determinism
//
// Every random choice comes from the *rand.Rand given to New, every
// completion goes through the Scheduler, and nothing depends on map iteration
// order (List is sorted, crash recovery walks names in order). An FS is not
// safe for concurrent use: the simulator drives it from its single goroutine.
package simdisk
