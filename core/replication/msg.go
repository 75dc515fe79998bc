package replication

import (
	"time"

	"github.com/quiverdb/quiver/core/graph"
)

// Kind is a replication message's type, carried in net.Message.Type. The
// kinds share one range so an instance can tell replication traffic from its
// other protocols.
type Kind uint16

// The message kinds. M->R are sent by MAIN, R->M by a replica.
const (
	KindHandshake Kind = 0x5201 + iota // M->R: opens a session
	KindHello                          // R->M: the replica's epoch history and position
	KindAppend                         // M->R: committed transactions in commit order (empty: heartbeat)
	KindAck                            // R->M: highest durable timestamp and sequence number
	KindPrepare                        // M->R: STRICT_SYNC phase one
	KindVote                           // R->M: the replica's vote on a prepare
	KindAbort                          // M->R: STRICT_SYNC abort of a prepared transaction
	KindPiece                          // M->R: one bounded piece of a catch-up snapshot
	KindPieceAck                       // R->M: a snapshot piece received (the last: installed and durable)
	KindRefuse                         // either way: the message was refused, with a reason
	kindEnd
)

// IsReplication reports whether a net message type is a replication kind.
func IsReplication(t uint16) bool { return t >= uint16(KindHandshake) && t < uint16(kindEnd) }

// Header starts every message: who sends it and under which term.
type Header struct {
	// Main is the main UUID: MAIN's own, or the one the replica follows.
	Main string
	// Epoch is the sender's current epoch (a replica's: the newest it adopted).
	Epoch Epoch
	// Watermark is MAIN's acknowledged watermark: every commit at or below it
	// is acknowledgeable. Replicas send 0.
	Watermark uint64
}

// Message is one decoded replication message.
type Message interface {
	// Kind is the message's type.
	Kind() Kind
	// Hdr is the message's header.
	Hdr() *Header
}

// Handshake opens a session between MAIN and a replica; the replica answers
// with Hello carrying the same session id, and every later message of the
// session carries it too.
type Handshake struct {
	Header
	Session uint64
	// AckDelay, when positive, lets the replica confirm up to that long
	// after a transaction became durable, so one Ack covers what the
	// meantime made durable: MAIN asks it of ASYNC replicas, whose
	// confirmations no commit waits for. Zero: confirm at once (SYNC,
	// STRICT_SYNC).
	AckDelay time.Duration
}

// Hello is the replica's answer to Handshake: what it holds.
type Hello struct {
	Header
	Session uint64
	History History // the replica's epoch history
	Applied uint64  // the last transaction it applied
	Durable uint64  // the last transaction fsynced in its WAL
}

// Txn is one committed transaction on the wire.
type Txn struct {
	Epoch  Epoch  // the term that committed it
	TS     uint64 // its commit timestamp
	PrevTS uint64 // the timestamp of the transaction before it in MAIN's log
	Deltas []graph.Delta
	// frame is the transaction's WAL record (durability.AppendRecord: epoch
	// number, TS, PrevTS and Deltas, framed with CRCs), the bytes MAIN's
	// Store logged and replicas log as they are. MAIN fills it once per
	// commit; a decoded Txn points into the message (read-only).
	frame []byte
	at    time.Duration // when MAIN committed it (monotonic), for lag; not sent
}

// Append carries committed transactions, in commit order, each chained to
// the one before it by PrevTS. Seq numbers the first; the others follow.
// An Append with no transactions is a heartbeat carrying the watermark.
type Append struct {
	Header
	Session uint64
	Seq     uint64
	Txns    []Txn
}

// Ack confirms the replica's position: every transaction up to DurableTS
// (sequence number Seq in the session) is applied and fsynced.
type Ack struct {
	Header
	Session   uint64
	Seq       uint64
	DurableTS uint64
}

// Prepare is STRICT_SYNC's first phase: the replica keeps the transaction
// and votes. Its commit arrives later as an ordinary Append.
type Prepare struct {
	Header
	Session uint64
	Txn     Txn
}

// Vote is a replica's answer to Prepare.
type Vote struct {
	Header
	Session uint64
	TS      uint64
	Yes     bool
}

// Abort tells a replica to forget a prepared transaction.
type Abort struct {
	Header
	Session uint64
	TS      uint64
}

// Piece is one bounded piece of a snapshot sent to a replica whose missing
// transactions the WAL no longer holds. Pieces are numbered from 0; the last
// one has Last set. TS is the snapshot's timestamp and History MAIN's epoch
// history up to it.
type Piece struct {
	Header
	Session uint64
	Index   uint64
	TS      uint64
	Last    bool
	History History
	Data    []byte
}

// PieceAck confirms piece Index; for the last piece it means the snapshot
// is installed and durable.
type PieceAck struct {
	Header
	Session uint64
	Index   uint64
}

// Reason says why a message was refused.
type Reason uint8

// Refusal reasons.
const (
	ReasonWrongMain  Reason = iota + 1 // the sender is not the MAIN the replica follows
	ReasonStaleEpoch                   // the sender's epoch is older than the receiver's
	ReasonDiverged                     // the replica's history branched from MAIN's
	ReasonNoSession                    // the session is unknown: start again with Handshake
	reasonEnd
)

// String names the reason.
func (r Reason) String() string {
	switch r {
	case ReasonWrongMain:
		return "wrong main UUID"
	case ReasonStaleEpoch:
		return "stale epoch"
	case ReasonDiverged:
		return "diverged"
	case ReasonNoSession:
		return "unknown session"
	}
	return "unknown reason"
}

// Refuse says a message was not accepted, and why.
type Refuse struct {
	Header
	Session uint64
	Reason  Reason
	Detail  string
}

// Kind implementations.

// Kind returns KindHandshake.
func (*Handshake) Kind() Kind { return KindHandshake }

// Kind returns KindHello.
func (*Hello) Kind() Kind { return KindHello }

// Kind returns KindAppend.
func (*Append) Kind() Kind { return KindAppend }

// Kind returns KindAck.
func (*Ack) Kind() Kind { return KindAck }

// Kind returns KindPrepare.
func (*Prepare) Kind() Kind { return KindPrepare }

// Kind returns KindVote.
func (*Vote) Kind() Kind { return KindVote }

// Kind returns KindAbort.
func (*Abort) Kind() Kind { return KindAbort }

// Kind returns KindPiece.
func (*Piece) Kind() Kind { return KindPiece }

// Kind returns KindPieceAck.
func (*PieceAck) Kind() Kind { return KindPieceAck }

// Kind returns KindRefuse.
func (*Refuse) Kind() Kind { return KindRefuse }

// Hdr returns the message's header.
func (h *Header) Hdr() *Header { return h }
