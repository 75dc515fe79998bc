package replication

import (
	"errors"
	"fmt"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/net"
)

// The body of every message is: a version byte, the header (main UUID as a
// string, epoch number as a uvarint, epoch id as 8 bytes, watermark as a
// uvarint), then the kind's fields in declaration order, in net's canonical
// encoding. A transaction is its epoch id (8 bytes) and then its WAL record
// as bytes: the frame durability.AppendRecord writes (length and CRCs, then
// epoch number, timestamp, previous timestamp and deltas), so MAIN ships
// the bytes its Store logged and a replica checks their CRC and logs them
// as they are. Version 2 introduced that; version 1 carried the fields and
// the deltas apart. Version 3 added Handshake's AckDelay.
const (
	codecVersion = 3
	// maxSnapshotPiece bounds a piece's data on decode.
	maxSnapshotPiece = 64 << 20
)

// ErrUnknownKind is returned by Decode for a type that is no replication kind.
var ErrUnknownKind = errors.New("replication: unknown message kind")

// Encode returns m's wire form.
func Encode(m Message) net.Message {
	w := net.NewWriter(make([]byte, 0, sizeHint(m)))
	var scratch []byte
	w.Version(codecVersion)
	h := m.Hdr()
	w.Str(h.Main)
	w.Uvarint(h.Epoch.Num)
	w.Uint64(h.Epoch.ID)
	w.Uvarint(h.Watermark)
	switch m := m.(type) {
	case *Handshake:
		w.Uvarint(m.Session)
		w.Uvarint(uint64(m.AckDelay))
	case *Hello:
		w.Uvarint(m.Session)
		writeHistory(&w, m.History)
		w.Uvarint(m.Applied)
		w.Uvarint(m.Durable)
	case *Append:
		w.Uvarint(m.Session)
		w.Uvarint(m.Seq)
		w.Count(len(m.Txns))
		for i := range m.Txns {
			scratch = writeTxn(&w, &m.Txns[i], scratch)
		}
	case *Ack:
		w.Uvarint(m.Session)
		w.Uvarint(m.Seq)
		w.Uvarint(m.DurableTS)
	case *Prepare:
		w.Uvarint(m.Session)
		writeTxn(&w, &m.Txn, nil)
	case *Vote:
		w.Uvarint(m.Session)
		w.Uvarint(m.TS)
		w.Bool(m.Yes)
	case *Abort:
		w.Uvarint(m.Session)
		w.Uvarint(m.TS)
	case *Piece:
		w.Uvarint(m.Session)
		w.Uvarint(m.Index)
		w.Uvarint(m.TS)
		w.Bool(m.Last)
		writeHistory(&w, m.History)
		w.Bytes(m.Data)
	case *PieceAck:
		w.Uvarint(m.Session)
		w.Uvarint(m.Index)
	case *Refuse:
		w.Uvarint(m.Session)
		w.Uint8(uint8(m.Reason))
		w.Str(m.Detail)
	default:
		panic(fmt.Sprintf("replication: encoding unknown message %T", m))
	}
	return net.Message{Type: uint16(m.Kind()), Body: w.Data()}
}

func writeHistory(w *net.Writer, h History) {
	w.Count(len(h))
	for _, e := range h {
		w.Uvarint(e.Epoch.Num)
		w.Uint64(e.Epoch.ID)
		w.Uvarint(e.LastTS)
	}
}

// writeTxn writes t: its epoch id and its WAL record, encoded in scratch
// (returned for reuse) unless t carries the record already.
func writeTxn(w *net.Writer, t *Txn, scratch []byte) []byte {
	w.Uint64(t.Epoch.ID)
	if t.frame != nil {
		w.Bytes(t.frame)
		return scratch
	}
	scratch = durability.AppendRecord(scratch[:0], t.record())
	w.Bytes(scratch)
	return scratch
}

// record is t as a WAL record.
func (t *Txn) record() *durability.Record {
	return &durability.Record{Epoch: t.Epoch.Num, TS: t.TS, PrevTS: t.PrevTS, Deltas: t.Deltas}
}

// sizeHint guesses a message's encoded size so the buffer grows rarely.
func sizeHint(m Message) int {
	n := 64
	switch m := m.(type) {
	case *Append:
		for i := range m.Txns {
			n += 16 + len(m.Txns[i].frame)
			if m.Txns[i].frame == nil {
				n += 32 + 24*len(m.Txns[i].Deltas)
			}
		}
	case *Piece:
		n += len(m.Data)
	}
	return n
}

// encodeFrame fills t's WAL record when MAIN's Store did not hand it over,
// so a transaction sent to several replicas, or sent again, is encoded once.
func (t *Txn) encodeFrame() {
	if t.frame == nil {
		t.frame = durability.AppendRecord(nil, t.record())
	}
}

// useFrame adopts frame, the WAL record MAIN's Store wrote for t, when it
// is t's record; it reports whether it was.
func (t *Txn) useFrame(frame []byte) bool {
	epoch, ts, prev, ok := durability.PeekFrame(frame)
	if !ok || epoch != t.Epoch.Num || ts != t.TS || prev != t.PrevTS {
		return false
	}
	t.frame = frame
	return true
}

// Decode parses a wire message. It never panics on bad input; errors say
// what was wrong and where.
func Decode(msg net.Message) (Message, error) {
	m := newMessage(Kind(msg.Type))
	if m == nil {
		return nil, fmt.Errorf("%w: %#x", ErrUnknownKind, msg.Type)
	}
	r := net.NewReader(msg.Body)
	r.Version(codecVersion, codecVersion)
	h := m.Hdr()
	h.Main = r.Str()
	h.Epoch = Epoch{Num: r.Uvarint(), ID: r.Uint64()}
	h.Watermark = r.Uvarint()
	decodeBody(&r, m)
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("replication: %v message: %w", Kind(msg.Type), err)
	}
	return m, nil
}

func newMessage(k Kind) Message {
	switch k {
	case KindHandshake:
		return &Handshake{}
	case KindHello:
		return &Hello{}
	case KindAppend:
		return &Append{}
	case KindAck:
		return &Ack{}
	case KindPrepare:
		return &Prepare{}
	case KindVote:
		return &Vote{}
	case KindAbort:
		return &Abort{}
	case KindPiece:
		return &Piece{}
	case KindPieceAck:
		return &PieceAck{}
	case KindRefuse:
		return &Refuse{}
	}
	return nil
}

func decodeBody(r *net.Reader, m Message) {
	switch m := m.(type) {
	case *Handshake:
		m.Session = r.Uvarint()
		m.AckDelay = time.Duration(r.Uvarint())
		if r.Err() == nil && (m.AckDelay < 0 || m.AckDelay > maxAckDelay) {
			r.Fail("ack delay", fmt.Errorf("ack delay %v exceeds %v", m.AckDelay, maxAckDelay))
		}
	case *Hello:
		m.Session = r.Uvarint()
		m.History = readHistory(r)
		m.Applied = r.Uvarint()
		m.Durable = r.Uvarint()
	case *Append:
		m.Session = r.Uvarint()
		m.Seq = r.Uvarint()
		n := r.Count()
		for i := 0; i < n && r.Err() == nil; i++ {
			m.Txns = append(m.Txns, readTxn(r))
		}
	case *Ack:
		m.Session, m.Seq, m.DurableTS = r.Uvarint(), r.Uvarint(), r.Uvarint()
	case *Prepare:
		m.Session = r.Uvarint()
		m.Txn = readTxn(r)
	case *Vote:
		m.Session, m.TS, m.Yes = r.Uvarint(), r.Uvarint(), r.Bool()
	case *Abort:
		m.Session, m.TS = r.Uvarint(), r.Uvarint()
	case *Piece:
		m.Session, m.Index, m.TS, m.Last = r.Uvarint(), r.Uvarint(), r.Uvarint(), r.Bool()
		m.History = readHistory(r)
		m.Data = append([]byte(nil), r.Bytes()...)
		if len(m.Data) > maxSnapshotPiece {
			r.Fail("piece", fmt.Errorf("piece of %d bytes exceeds %d", len(m.Data), maxSnapshotPiece))
		}
	case *PieceAck:
		m.Session, m.Index = r.Uvarint(), r.Uvarint()
	case *Refuse:
		m.Session = r.Uvarint()
		m.Reason = Reason(r.Uint8())
		m.Detail = r.Str()
		if r.Err() == nil && (m.Reason == 0 || m.Reason >= reasonEnd) {
			r.Fail("reason", fmt.Errorf("unknown refusal reason %d", m.Reason))
		}
	}
}

func readHistory(r *net.Reader) History {
	n := r.Count()
	var h History
	for i := 0; i < n && r.Err() == nil; i++ {
		e := EpochEntry{Epoch: Epoch{Num: r.Uvarint(), ID: r.Uint64()}, LastTS: r.Uvarint()}
		if r.Err() == nil && i > 0 && e.Epoch.Num <= h[i-1].Epoch.Num {
			r.Fail("history", fmt.Errorf("epoch %d does not follow %d", e.Epoch.Num, h[i-1].Epoch.Num))
		}
		h = append(h, e)
	}
	return h
}

func readTxn(r *net.Reader) Txn {
	id := r.Uint64()
	b := r.Bytes()
	if r.Err() != nil {
		return Txn{}
	}
	rec, err := durability.DecodeFrame(b)
	if err != nil {
		r.Fail("txn", err)
		return Txn{}
	}
	t := Txn{Epoch: Epoch{Num: rec.Epoch, ID: id}, TS: rec.TS, PrevTS: rec.PrevTS, frame: b}
	if len(rec.Deltas) > 0 {
		t.Deltas = rec.Deltas
	}
	return t
}

// String names the kind.
func (k Kind) String() string {
	names := [...]string{"handshake", "hello", "append", "ack", "prepare", "vote", "abort", "piece", "piece-ack", "refuse"}
	if k >= KindHandshake && k < kindEnd {
		return names[k-KindHandshake]
	}
	return fmt.Sprintf("kind(%#x)", uint16(k))
}
