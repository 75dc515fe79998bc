package durability

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/quiverdb/quiver/core/durability/framing"
	"github.com/quiverdb/quiver/core/graph"
)

// Every record in a WAL segment or a snapshot is a frame of package
// framing (length, CRCs, body); the body is the record's encoding.
const (
	frameHeaderSize = framing.HeaderSize
	// MaxRecordSize bounds one record's body; a transaction larger than this
	// cannot be logged.
	MaxRecordSize = framing.MaxBodySize
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Record is one committed transaction as the WAL holds it.
type Record struct {
	Epoch  uint64        // the MAIN term that committed it
	TS     uint64        // its commit timestamp; strictly increasing in the WAL
	PrevTS uint64        // TS of the transaction logged before it (0 for the first)
	Deltas []graph.Delta // its changes, in order
}

// appendFrame appends a frame whose body is body(dst) to dst.
func appendFrame(dst []byte, body func([]byte) []byte) []byte { return framing.Append(dst, body) }

// AppendRecord appends r's framed encoding to dst: the frame header, then
// epoch, timestamp and previous timestamp as uvarints, then the deltas.
func AppendRecord(dst []byte, r *Record) []byte {
	return appendFrame(dst, func(b []byte) []byte {
		b = binary.AppendUvarint(b, r.Epoch)
		b = binary.AppendUvarint(b, r.TS)
		b = binary.AppendUvarint(b, r.PrevTS)
		return AppendDeltas(b, r.Deltas)
	})
}

// DecodeFrame decodes one whole framed record, as AppendRecord wrote it
// and the WAL holds it: the frame's length and body CRCs are checked, and
// no byte may follow the frame. It never panics on bad input.
func DecodeFrame(b []byte) (Record, error) {
	body, size, st := framing.Parse(b)
	switch {
	case st != framing.OK:
		return Record{}, fmt.Errorf("%w: %v", ErrCorruptDelta, st)
	case size != len(b):
		return Record{}, fmt.Errorf("%w: %d bytes after the record", ErrCorruptDelta, len(b)-size)
	}
	return decodeRecordBody(body)
}

// PeekFrame returns the epoch, timestamp and previous timestamp at the
// start of a framed record, without checking its CRCs or decoding its
// deltas; ok is false when they cannot be read.
func PeekFrame(b []byte) (epoch, ts, prev uint64, ok bool) {
	if len(b) < frameHeaderSize {
		return 0, 0, 0, false
	}
	rd := reader{p: b[frameHeaderSize:]}
	epoch, ts, prev = rd.uvarint(), rd.uvarint(), rd.uvarint()
	return epoch, ts, prev, rd.err == nil
}

// decodeRecordBody decodes a record's body (without its frame).
func decodeRecordBody(b []byte) (Record, error) {
	rd := reader{p: b}
	r := Record{Epoch: rd.uvarint(), TS: rd.uvarint(), PrevTS: rd.uvarint()}
	if rd.err != nil {
		return Record{}, rd.err
	}
	ds, rest, err := DecodeDeltas(rd.p)
	if err != nil {
		return Record{}, err
	}
	if len(rest) != 0 {
		return Record{}, fmt.Errorf("%w: %d bytes after the deltas", ErrCorruptDelta, len(rest))
	}
	if r.PrevTS >= r.TS {
		return Record{}, fmt.Errorf("%w: previous timestamp %d not below %d", ErrCorruptDelta, r.PrevTS, r.TS)
	}
	r.Deltas = ds
	return r, nil
}

// ErrCorrupt is wrapped by every CorruptionError.
var ErrCorrupt = errors.New("durability: corrupt data")

// CorruptionError reports damaged data that is not a torn tail: a standalone
// instance refuses to start on it unless told to start anyway.
type CorruptionError struct {
	File   string // the file, relative to the data directory
	Offset int64  // where the damaged record starts
	Reason string
}

// Error names the file, the offset and the reason.
func (e *CorruptionError) Error() string {
	return fmt.Sprintf("durability: corrupt data in %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptionError) Unwrap() error { return ErrCorrupt }
