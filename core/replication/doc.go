// Package replication is Quiver's MAIN/REPLICA replication protocol as a
// deterministic, IO-free state machine: the data instance feeds it commits,
// fsync completions and network messages, and implements a few small
// interfaces (Applier on a replica; Log, Snapshots and Membership on MAIN).
// Timers come from clock.Clock (monotonic), randomness from the instance's
// *rand.Rand, and nothing depends on map order.
//
// # Terms and fencing
//
// Every MAIN term has an Epoch: a number that only grows and a random id.
// Every message starts with a Header: the main UUID, the sender's epoch and,
// from MAIN, the acknowledged watermark. A replica follows one MAIN (main
// UUID and epoch). It adopts a MAIN only through a Handshake whose epoch is
// newer than the one it follows (or the same one, from the same MAIN); it
// refuses (Refuse, ReasonStaleEpoch) any message of an older epoch or of a
// rival term with the same number as the one it follows, and
// (ReasonWrongMain) another MAIN of its own epoch. A MAIN that receives any message showing a newer epoch is
// fenced: it calls OnFenced, stops accepting commits, and reports every
// pending commit's outcome as unknown. Main.Answered says whether any
// replica answered the term's handshake: a term no replica follows yet
// (an operator's just-promoted MAIN meeting a replica that followed a
// term it never saw) may be begun again above the refusing epoch by the
// instance rather than deposed (core/instance's onFenced).
//
// # Messages
//
// Each is explicitly encoded (codec.go) on net's Writer/Reader with a
// version byte; deltas use core/durability's codec, as the WAL does.
//
//	Handshake  M->R  opens a session (a random id every later message carries);
//	                 for an ASYNC replica it carries AckDelay, how long the
//	                 replica may hold an Ack to cover more transactions
//	Hello      R->M  the replica's epoch history, applied and durable timestamps
//	Append     M->R  committed transactions in commit order, each chained to
//	                 the previous one by PrevTS and numbered (Seq); empty:
//	                 a heartbeat carrying the watermark
//	Ack        R->M  the highest timestamp (and sequence number) applied and fsynced
//	Prepare    M->R  STRICT_SYNC phase one; Vote R->M answers it
//	Abort      M->R  STRICT_SYNC: forget a prepared transaction
//	Piece      M->R  one bounded piece of a catch-up snapshot; PieceAck R->M
//	Refuse     R->M  wrong main UUID, stale epoch, diverged, or unknown session
//
// # MAIN's stream to a replica
//
// After the Hello, MAIN compares histories (Compare). A replica whose
// history branched (it holds a term MAIN does not know, or more of a term
// than MAIN holds) is diverged: reported, sent nothing, and left alone until
// it is dropped and registered again (community replication; with
// coordinators the instance wipes and resyncs it). MAIN remembers the
// address of a replica dropped while diverged; registered again there, the
// replica, if still diverged, is sent a snapshot, whose install replaces
// everything it held (both sides log how many transactions of the branch
// were discarded, counted by timestamp past the fork, Fork). Fencing is
// unchanged: the replica takes the snapshot only from the MAIN it follows,
// of the newest epoch it knows. Otherwise MAIN streams
// what follows the replica's last applied transaction: from its in-memory
// tail of recent commits when that reaches back far enough (live), else
// from the WAL through a LogCursor, one bounded step per turn of the loop
// (recovery); when the WAL no longer reaches back (durability.ErrLogGone) it
// sends a snapshot piece by piece, then continues from the WAL at the
// snapshot's timestamp, and hands over to the live stream once the tail
// covers the rest. At most Window transactions are in flight; what is not
// confirmed is sent again (go-back-N) after a retry period without
// progress (an ASYNC replica's held Acks come within a quarter of it); a live replica whose queue exceeds Queue falls back to
// catch-up. A replica silent for several confirmation timeouts gets a new
// handshake.
//
// # The replica
//
// A replica applies each transaction atomically through its Applier (graph
// plus WAL), in chain order (nothing while a snapshot is received or being
// installed; a damaged snapshot piece, ErrBadSnapshot, ends the session so
// MAIN sends the snapshot again): duplicates are skipped and transactions that
// arrive early wait until the gap before them fills. It confirms (Ack) only
// what is fsynced, so it can serve as MAIN later. It keeps its epoch
// history and saves it, with the MAIN it follows, through the Applier.
//
// # Acknowledgement and the in-sync set
//
// A commit is acknowledgeable when it is durable on MAIN (Main.Durable) and
// confirmed by every member of the in-sync set that its mode waits for
// (SYNC and STRICT_SYNC; ASYNC replicas are never waited for). The
// acknowledged watermark is the highest such timestamp; MAIN reports it
// through OnWatermark (the instance marks it acknowledged in its graph, so
// MAIN's readers see it) and resolves each commit's Result then. In
// community replication (Local membership) MAIN keeps the in-sync set
// itself: a waited replica that leaves a commit unconfirmed for AckTimeout
// leaves the set, and commits acknowledged while it is out carry a warning
// naming it; it rejoins once it is live and holds every acknowledged commit
// (MAIN holds the watermark back briefly to let it catch up). Community
// replication has no failover and so no cluster-wide guarantee. With
// coordinators, Membership sends the changes through Raft and MAIN keeps
// waiting for a replica until its removal is committed.
//
// # STRICT_SYNC
//
// When a STRICT_SYNC replica is registered (TwoPhase), every write is first
// prepared (Main.Prepare) on each in-sync STRICT_SYNC replica, which keeps
// it and votes. Decisions are taken in timestamp order: all yes -> commit
// (the instance commits locally and calls Commit; the transaction then
// travels in the Append stream and is acknowledged as above); a no, or a
// vote missing after AckTimeout -> abort, and the outcome is Retryable,
// since replicas commit only what the Append stream brings after a commit
// decision, so nothing was committed anywhere. A silent voter also leaves
// the in-sync set. A commit decided but not acknowledged when MAIN is
// fenced or stopped has an Unknown outcome.
//
// # Visibility
//
// A replica serves reads only up to ReadTS = min(its last durable
// transaction, MAIN's acknowledged watermark), never from what it merely
// applied, and reports growth through OnReadTS. So no read, on MAIN or a
// replica, sees a write that a crash or failover can still take away.
//
// # Status
//
// Main.Status gives SHOW REPLICAS's rows: name, socket_address, sync_mode,
// and data_info's status (ready, replicating, recovery, invalid, diverged),
// behind and ts.
package replication
