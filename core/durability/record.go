package durability

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/quiverdb/quiver/core/graph"
)

// Every record in a WAL segment or a snapshot is framed as
//
//	u32 body length | u32 CRC32-C of the length | u32 CRC32-C of the body | body
//
// all little-endian. The length has its own checksum so a damaged length is
// told apart from a write the crash cut short: a short frame at the end of
// the last segment is a torn tail, a bad length anywhere is corruption.
const (
	frameHeaderSize = 12
	// MaxRecordSize bounds one record's body; a transaction larger than this
	// cannot be logged.
	MaxRecordSize = 1 << 30
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
func appendFrame(dst []byte, body func([]byte) []byte) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, frameHeaderSize)...)
	dst = body(dst)
	n := len(dst) - start - frameHeaderSize
	h := dst[start : start+frameHeaderSize]
	binary.LittleEndian.PutUint32(h[0:4], uint32(n))
	binary.LittleEndian.PutUint32(h[4:8], crc32.Checksum(h[0:4], castagnoli))
	binary.LittleEndian.PutUint32(h[8:12], crc32.Checksum(dst[start+frameHeaderSize:], castagnoli))
	return dst
}

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

// frameStatus says what parseFrame found at an offset.
type frameStatus int

const (
	frameOK        frameStatus = iota
	frameShort                 // the input ends inside the frame
	frameZeros                 // only zero bytes remain (preallocated, never written)
	frameBadLength             // the length's checksum fails, or the length is absurd
	frameBadBody               // the body's checksum fails
)

// String says what went wrong, for logs and errors.
func (s frameStatus) String() string {
	switch s {
	case frameShort:
		return "record cut short"
	case frameZeros:
		return "zero bytes where a record should start"
	case frameBadLength:
		return "record length fails its checksum"
	case frameBadBody:
		return "record body fails its CRC"
	}
	return "ok"
}

// parseFrame reads the frame at the front of b. It returns the body and the
// frame's full size; for frameBadBody the size is still known.
func parseFrame(b []byte) (body []byte, size int, st frameStatus) {
	if len(b) < frameHeaderSize || crc32.Checksum(b[0:4], castagnoli) != binary.LittleEndian.Uint32(b[4:8]) {
		switch {
		case allZero(b):
			return nil, 0, frameZeros
		case len(b) < frameHeaderSize:
			return nil, 0, frameShort
		}
		return nil, 0, frameBadLength
	}
	n := binary.LittleEndian.Uint32(b[0:4])
	if n > MaxRecordSize {
		return nil, 0, frameBadLength
	}
	size = frameHeaderSize + int(n)
	if size > len(b) {
		return nil, size, frameShort
	}
	body = b[frameHeaderSize:size]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[8:12]) {
		return nil, size, frameBadBody
	}
	return body, size, frameOK
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
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
