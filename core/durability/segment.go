package durability

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// Directory layout under the node's data directory.
const (
	walDir      = "wal"
	snapDir     = "snapshots"
	walSuffix   = ".wal"
	snapSuffix  = ".snap"
	tmpSuffix   = ".tmp"
	asideSuffix = ".corrupt"
)

// FormatVersion is the version of the WAL segment and snapshot file formats.
const FormatVersion = 1

// A segment starts with a 20-byte header:
//
//	"QWAL" | u8 format version | u8 value encoding version | u16 zero |
//	u64 first timestamp | u32 CRC32-C of the 16 bytes before it
const segHeaderSize = 20

var segMagic = [4]byte{'Q', 'W', 'A', 'L'}

// segName names a segment by the timestamp of its first record, zero-padded
// so names sort in timestamp order.
func segName(firstTS uint64) string {
	return fmt.Sprintf("%s/%020d%s", walDir, firstTS, walSuffix)
}

// parseTSName parses "<20 digits><suffix>" and reports whether it matched.
func parseTSName(name, suffix string) (uint64, bool) {
	base, ok := strings.CutSuffix(name, suffix)
	if !ok || len(base) != 20 {
		return 0, false
	}
	ts, err := strconv.ParseUint(base, 10, 64)
	return ts, err == nil
}

func appendSegHeader(dst []byte, firstTS uint64) []byte {
	start := len(dst)
	dst = append(dst, segMagic[:]...)
	dst = append(dst, FormatVersion, value.EncodingVersion, 0, 0)
	dst = binary.LittleEndian.AppendUint64(dst, firstTS)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// checkSegHeader validates a segment header; it returns a reason when the
// header is bad.
func checkSegHeader(b []byte, firstTS uint64) string {
	if len(b) < segHeaderSize {
		return "segment header cut short"
	}
	if crc32.Checksum(b[:16], castagnoli) != binary.LittleEndian.Uint32(b[16:20]) || [4]byte(b[:4]) != segMagic {
		return "segment header fails its checksum"
	}
	if b[4] != FormatVersion || b[5] != value.EncodingVersion {
		return fmt.Sprintf("unsupported segment format %d / value encoding %d", b[4], b[5])
	}
	if got := binary.LittleEndian.Uint64(b[8:16]); got != firstTS {
		return fmt.Sprintf("header says first timestamp %d, name says %d", got, firstTS)
	}
	return ""
}

// segScan is what scanning one segment found.
type segScan struct {
	recs    []Record
	offs    []int64          // where each record starts
	end     int64            // offset just past the last valid record
	torn    string           // non-empty: the segment ends in a torn tail at end
	corrupt *CorruptionError // damage that is not a torn tail
}

// scanSegment validates every record of a segment. Only the last segment
// may end in a torn tail: a frame cut short, zeros, or a final record whose
// body fails its CRC and ends exactly at the end of the file.
func scanSegment(name string, firstTS uint64, data []byte, last bool) segScan {
	var sc segScan
	if reason := checkSegHeader(data, firstTS); reason != "" {
		if last && (len(data) < segHeaderSize || allZero(data)) {
			sc.torn = reason
			return sc
		}
		sc.corrupt = &CorruptionError{File: name, Offset: 0, Reason: reason}
		return sc
	}
	off := segHeaderSize
	sc.end = int64(off)
	for off < len(data) {
		body, size, st := parseFrame(data[off:])
		torn := last && (st == frameShort || st == frameZeros || st == frameBadBody && off+size == len(data))
		switch {
		case torn:
			sc.torn = st.String()
			return sc
		case st != frameOK:
			sc.corrupt = &CorruptionError{File: name, Offset: int64(off), Reason: st.String()}
			return sc
		}
		r, err := decodeRecordBody(body)
		if err == nil && len(sc.recs) == 0 && r.TS != firstTS {
			err = fmt.Errorf("first record has timestamp %d, segment is named %d", r.TS, firstTS)
		}
		if err != nil {
			sc.corrupt = &CorruptionError{File: name, Offset: int64(off), Reason: err.Error()}
			return sc
		}
		sc.recs = append(sc.recs, r)
		sc.offs = append(sc.offs, int64(off))
		off += size
		sc.end = int64(off)
	}
	return sc
}
