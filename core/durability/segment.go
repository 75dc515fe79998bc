package durability

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/durability/framing"
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

// SegmentSuffix ends the name of every WAL segment file. A host may have
// its file system reserve space ahead of appends to these files (osfs's
// Preallocate): recovery and the readers take zeros where a record should
// start for a segment's end.
const SegmentSuffix = walSuffix

// FormatVersion is the version of the WAL segment and snapshot file formats.
const FormatVersion = 1

// walFormat is the WAL's segment format (package framing): a segment
// starts with a 20-byte header,
//
//	"QWAL" | u8 format version | u8 value encoding version | u16 zero |
//	u64 first timestamp | u32 CRC32-C of the 16 bytes before it
//
// and holds frames whose bodies are records.
var walFormat = framing.Format{Magic: [4]byte{'Q', 'W', 'A', 'L'}, Version: FormatVersion, SubVersion: value.EncodingVersion}

const segHeaderSize = framing.SegmentHeaderSize

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

func appendSegHeader(dst []byte, firstTS uint64) []byte { return walFormat.AppendHeader(dst, firstTS) }

// segScan is what scanning one segment found.
type segScan struct {
	recs    []Record
	offs    []int64          // where each record starts
	end     int64            // offset just past the last valid record
	torn    string           // non-empty: the segment ends in a torn tail at end
	zeros   bool             // a segment not the last ends in reserved zeros at end
	corrupt *CorruptionError // damage that is not a torn tail
}

// scanSegment validates every record of a segment (framing's rules for
// torn tails: only the last segment may end in one) and decodes them.
func scanSegment(name string, firstTS uint64, data []byte, last bool) segScan {
	var sc segScan
	fs := walFormat.ScanSegment(data, firstTS, last, func(off int64, body []byte) error {
		r, err := decodeRecordBody(body)
		if err == nil && len(sc.recs) == 0 && r.TS != firstTS {
			err = fmt.Errorf("first record has timestamp %d, segment is named %d", r.TS, firstTS)
		}
		if err != nil {
			return err
		}
		sc.recs = append(sc.recs, r)
		sc.offs = append(sc.offs, off)
		return nil
	})
	sc.end, sc.torn, sc.zeros = fs.End, fs.Torn, fs.ZeroTail
	if fs.Bad != nil {
		sc.corrupt = &CorruptionError{File: name, Offset: fs.Bad.Offset, Reason: fs.Bad.Reason}
	}
	return sc
}
