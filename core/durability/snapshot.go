package durability

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

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
const snapHeaderSize = 28

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
	Name  string // path relative to the data directory
	Epoch uint64
	TS    uint64
}

func snapName(ts uint64) string {
	return fmt.Sprintf("%s/%020d%s", snapDir, ts, snapSuffix)
}

func appendSnapHeader(dst []byte, epoch, ts uint64) []byte {
	start := len(dst)
	dst = append(dst, snapMagic[:]...)
	dst = append(dst, FormatVersion, value.EncodingVersion, 0, 0)
	dst = binary.LittleEndian.AppendUint64(dst, epoch)
	dst = binary.LittleEndian.AppendUint64(dst, ts)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// encodeSnapshot runs src and returns the snapshot file's content in pieces
// of about chunkSize bytes each, so they can be appended one by one.
func encodeSnapshot(epoch, ts uint64, src SnapshotSource, chunkSize int) ([][]byte, error) {
	out := [][]byte{appendSnapHeader(nil, epoch, ts)}
	var pending []graph.Delta
	var chunks, deltas uint64
	size := 0
	flush := func() {
		if len(pending) == 0 {
			return
		}
		out = append(out, appendFrame(nil, func(b []byte) []byte {
			return AppendDeltas(append(b, snapChunk), pending)
		}))
		chunks++
		deltas += uint64(len(pending))
		pending, size = pending[:0], 0
	}
	err := src(func(d graph.Delta) error {
		pending = append(pending, d)
		size += 16 + len(d.Name) + len(d.Key)
		if d.Value != nil {
			size += 16
		}
		if size >= chunkSize {
			flush()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	flush()
	out = append(out, appendFrame(nil, func(b []byte) []byte {
		b = binary.AppendUvarint(append(b, snapEnd), chunks)
		return binary.AppendUvarint(b, deltas)
	}))
	return out, nil
}

// decodeSnapshot validates a whole snapshot file and returns its header and
// delta chunks, or a CorruptionError.
func decodeSnapshot(name string, data []byte) (SnapshotInfo, [][]graph.Delta, error) {
	info := SnapshotInfo{Name: name}
	bad := func(off int, format string, args ...any) error {
		return &CorruptionError{File: name, Offset: int64(off), Reason: fmt.Sprintf(format, args...)}
	}
	if len(data) < snapHeaderSize || [4]byte(data[:4]) != snapMagic ||
		crc32.Checksum(data[:24], castagnoli) != binary.LittleEndian.Uint32(data[24:28]) {
		return info, nil, bad(0, "bad snapshot header")
	}
	if data[4] != FormatVersion || data[5] != value.EncodingVersion {
		return info, nil, bad(0, "unsupported snapshot format %d / value encoding %d", data[4], data[5])
	}
	info.Epoch = binary.LittleEndian.Uint64(data[8:16])
	info.TS = binary.LittleEndian.Uint64(data[16:24])
	var chunks [][]graph.Delta
	var deltas uint64
	for off := snapHeaderSize; off < len(data); {
		body, size, st := parseFrame(data[off:])
		if st != frameOK {
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
			chunks = append(chunks, ds)
			deltas += uint64(len(ds))
		case snapEnd:
			r := reader{p: body[1:]}
			nc, nd := r.uvarint(), r.uvarint()
			if r.err != nil || len(r.p) != 0 || nc != uint64(len(chunks)) || nd != deltas || off+size != len(data) {
				return info, nil, bad(off, "snapshot end record does not match its content")
			}
			return info, chunks, nil
		default:
			return info, nil, bad(off, "unknown snapshot frame kind %d", body[0])
		}
		off += size
	}
	return info, nil, bad(len(data), "snapshot has no end record (incomplete)")
}
