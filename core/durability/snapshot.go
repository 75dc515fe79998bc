package durability

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/quiverdb/quiver/core/durability/framing"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// A snapshot file holds the whole graph as of one timestamp, as the deltas
// that rebuild it from empty. It starts with a 28-byte header
//
//	"QSNP" | u8 format version | u8 value encoding version | u16 zero |
//	u64 epoch | u64 timestamp | u32 CRC32-C of the 24 bytes before it
//
// followed by frames (as in the WAL) whose body starts with a kind byte:
// chunk frames carry deltas, and one end frame carries the number of chunks
// and deltas. A snapshot without its end frame is incomplete and never used.
// The header is
//
//	"QSNP" | u8 format version | u8 value encoding version | u16 zero |
//	u64 epoch | u64 timestamp | i64 next vertex ID | i64 next edge ID |
//	u32 CRC32-C of the 40 bytes before it
const snapHeaderSize = 44

const (
	snapChunk byte = 1
	snapEnd   byte = 2
)

var snapMagic = [4]byte{'Q', 'S', 'N', 'P'}

// SnapshotSource calls emit with the deltas that rebuild the graph as of
// the snapshot's timestamp, in an order Apply accepts (schema, vertices,
// then edges). It stops and returns emit's first error.
type SnapshotSource func(emit func(graph.Delta) error) error

// SnapshotInfo describes one snapshot file.
type SnapshotInfo struct {
	Name         string // path relative to the data directory
	Epoch        uint64 // epoch of the last commit it contains
	TS           uint64 // the graph as of this commit timestamp
	NextVertexID int64  // IDs the graph allocates next, so none is reused
	NextEdgeID   int64
}

func snapName(ts uint64) string {
	return fmt.Sprintf("%s/%020d%s", snapDir, ts, snapSuffix)
}

func appendSnapHeader(dst []byte, info SnapshotInfo) []byte {
	start := len(dst)
	dst = append(dst, snapMagic[:]...)
	dst = append(dst, FormatVersion, value.EncodingVersion, 0, 0)
	dst = binary.LittleEndian.AppendUint64(dst, info.Epoch)
	dst = binary.LittleEndian.AppendUint64(dst, info.TS)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(info.NextVertexID))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(info.NextEdgeID))
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// snapEncoder cuts a stream of deltas into chunk frames of about
// chunkSize bytes and ends the stream with the end frame.
type snapEncoder struct {
	chunkSize int
	pending   []graph.Delta
	size      int
	chunks    uint64
	deltas    uint64
}

// add buffers d and returns a chunk frame when the chunk is full.
func (e *snapEncoder) add(d graph.Delta) []byte {
	e.pending = append(e.pending, d)
	e.size += 16 + len(d.Name) + len(d.Key) + len(d.Alias)
	if d.Value != nil {
		e.size += 16
	}
	if e.size < e.chunkSize {
		return nil
	}
	return e.flush()
}

// flush returns the frame of the buffered deltas, or nil if none.
func (e *snapEncoder) flush() []byte {
	if len(e.pending) == 0 {
		return nil
	}
	f := appendFrame(nil, func(b []byte) []byte {
		return AppendDeltas(append(b, snapChunk), e.pending)
	})
	e.chunks++
	e.deltas += uint64(len(e.pending))
	e.pending, e.size = e.pending[:0], 0
	return f
}

// end returns the last chunk (if any) and the end frame.
func (e *snapEncoder) end() []byte {
	out := e.flush()
	return appendFrame(out, func(b []byte) []byte {
		b = binary.AppendUvarint(append(b, snapEnd), e.chunks)
		return binary.AppendUvarint(b, e.deltas)
	})
}

// encodeSnapshot runs src and returns the snapshot file's content in pieces
// of about chunkSize bytes each (tests and fuzzing use it; the Store writes
// through a SnapshotWriter).
func encodeSnapshot(info SnapshotInfo, src SnapshotSource, chunkSize int) ([][]byte, error) {
	out := [][]byte{appendSnapHeader(nil, info)}
	enc := snapEncoder{chunkSize: chunkSize}
	err := src(func(d graph.Delta) error {
		if f := enc.add(d); f != nil {
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(out, enc.end()), nil
}

// EmptySnapshot returns the file of a snapshot of the empty graph at
// info.TS (a MAIN without commits sends it to a replica to wipe).
func EmptySnapshot(info SnapshotInfo) []byte {
	frames, _ := encodeSnapshot(info, func(func(graph.Delta) error) error { return nil }, 1)
	var out []byte
	for _, f := range frames {
		out = append(out, f...)
	}
	return out
}

// decodeSnapshot validates a whole snapshot file and returns its header and
// deltas, or a CorruptionError.
func decodeSnapshot(name string, data []byte) (SnapshotInfo, []graph.Delta, error) {
	info, err := parseSnapHeader(name, data)
	if err != nil {
		return info, nil, err
	}
	bad := func(off int, format string, args ...any) error {
		return &CorruptionError{File: name, Offset: int64(off), Reason: fmt.Sprintf(format, args...)}
	}
	var all []graph.Delta
	var chunks uint64
	for off := snapHeaderSize; off < len(data); {
		body, size, st := framing.Parse(data[off:])
		if st != framing.OK {
			return info, nil, bad(off, "%s", st)
		}
		if len(body) == 0 {
			return info, nil, bad(off, "empty snapshot frame")
		}
		switch body[0] {
		case snapChunk:
			ds, rest, err := DecodeDeltas(body[1:])
			if err != nil || len(rest) != 0 {
				return info, nil, bad(off, "bad snapshot chunk: %v", err)
			}
			all = append(all, ds...)
			chunks++
		case snapEnd:
			r := reader{p: body[1:]}
			nc, nd := r.uvarint(), r.uvarint()
			if r.err != nil || len(r.p) != 0 || nc != chunks || nd != uint64(len(all)) || off+size != len(data) {
				return info, nil, bad(off, "snapshot end record does not match its content")
			}
			if all == nil {
				all = []graph.Delta{}
			}
			return info, all, nil
		default:
			return info, nil, bad(off, "unknown snapshot frame kind %d", body[0])
		}
		off += size
	}
	return info, nil, bad(len(data), "snapshot has no end record (incomplete)")
}

// parseSnapHeader checks a snapshot's header (data holds at least its first
// snapHeaderSize bytes, or it is reported bad) and returns what it says.
func parseSnapHeader(name string, data []byte) (SnapshotInfo, error) {
	info := SnapshotInfo{Name: name}
	if len(data) < snapHeaderSize || [4]byte(data[:4]) != snapMagic ||
		crc32.Checksum(data[:40], castagnoli) != binary.LittleEndian.Uint32(data[40:44]) {
		return info, &CorruptionError{File: name, Reason: "bad snapshot header"}
	}
	if data[4] != FormatVersion || data[5] != value.EncodingVersion {
		return info, &CorruptionError{File: name, Reason: fmt.Sprintf("unsupported snapshot format %d / value encoding %d", data[4], data[5])}
	}
	info.Epoch = binary.LittleEndian.Uint64(data[8:16])
	info.TS = binary.LittleEndian.Uint64(data[16:24])
	info.NextVertexID = int64(binary.LittleEndian.Uint64(data[24:32]))
	info.NextEdgeID = int64(binary.LittleEndian.Uint64(data[32:40]))
	return info, nil
}
