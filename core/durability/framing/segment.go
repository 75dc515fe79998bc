package framing

import (
	"encoding/binary"
	"fmt"
)

// SegmentHeaderSize is the size of a segment file's header:
//
//	magic (4 bytes) | u8 version | u8 sub-version | u16 zero |
//	u64 key of the first record | u32 CRC32-C of the 16 bytes before it
//
// The key is whatever orders the log's records (a commit timestamp, a Raft
// index); segment files are named after it.
const SegmentHeaderSize = 20

// Format identifies one kind of log: its magic and the versions its
// segment headers carry. A reader refuses segments of another format.
type Format struct {
	Magic      [4]byte
	Version    byte // the format of the segment and its frames
	SubVersion byte // the format of the record bodies
}

// AppendHeader appends a segment header for a segment whose first record
// has key first.
func (f Format) AppendHeader(dst []byte, first uint64) []byte {
	start := len(dst)
	dst = append(dst, f.Magic[:]...)
	dst = append(dst, f.Version, f.SubVersion, 0, 0)
	dst = binary.LittleEndian.AppendUint64(dst, first)
	return binary.LittleEndian.AppendUint32(dst, Checksum(dst[start:]))
}

// CheckHeader validates a segment header; it returns a reason when the
// header is bad.
func (f Format) CheckHeader(b []byte, first uint64) string {
	if len(b) < SegmentHeaderSize {
		return "segment header cut short"
	}
	if Checksum(b[:16]) != binary.LittleEndian.Uint32(b[16:20]) || [4]byte(b[:4]) != f.Magic {
		return "segment header fails its checksum"
	}
	if b[4] != f.Version || b[5] != f.SubVersion {
		return fmt.Sprintf("unsupported segment format %d / record format %d", b[4], b[5])
	}
	if got := binary.LittleEndian.Uint64(b[8:16]); got != first {
		return fmt.Sprintf("header says first key %d, name says %d", got, first)
	}
	return ""
}

// Damage is what is wrong at an offset of a segment.
type Damage struct {
	Offset int64
	Reason string
}

// Scan is what scanning one whole segment found.
type Scan struct {
	Frames int    // whole, valid frames accepted
	End    int64  // offset just past the last accepted frame
	Torn   string // non-empty: the segment ends in a torn tail at End
	// ZeroTail: a segment that is not the last ends at End in zero bytes
	// only: space the file system reserved ahead of appends (osfs's
	// Preallocate) that a crash kept before the cut that ends a segment
	// became durable. What the records hold is whole; the log's chain of
	// timestamps tells whether records are missing.
	ZeroTail bool
	Bad      *Damage
}

// tornIntoZeros reports whether a damaged frame at the front of b, whose
// Parse gave size and st, is a write cut short inside reserved zeros:
// nothing but zeros after the frame (BadBody), or after its header when
// the header itself is damaged (BadLength).
func tornIntoZeros(b []byte, size int, st Status) bool {
	switch st {
	case BadBody:
		return size <= len(b) && AllZero(b[size:])
	case BadLength:
		return len(b) >= HeaderSize && AllZero(b[HeaderSize:])
	}
	return false
}

// ScanSegment validates a whole segment held in data: its header, then
// every frame, handing each body and its offset to accept in order (an
// error from accept is damage at that offset). Only the last segment of a
// log may end in a torn tail: a frame cut short, zeros, or a final frame
// whose body fails its CRC and ends exactly at the end of the data. A
// torn or absent header of the last segment is a torn tail too. Where the
// file system reserves zeros ahead of appends, a torn write leaves zeros
// after it: a damaged last frame, or header, of the last segment that only
// zeros follow is a torn tail as well, and zeros where a frame should
// start end any segment (ZeroTail when it is not the last).
func (f Format) ScanSegment(data []byte, first uint64, last bool, accept func(off int64, body []byte) error) Scan {
	var sc Scan
	if reason := f.CheckHeader(data, first); reason != "" {
		if last && (len(data) < SegmentHeaderSize || AllZero(data[SegmentHeaderSize:])) {
			sc.Torn = reason
			return sc
		}
		sc.Bad = &Damage{Offset: 0, Reason: reason}
		return sc
	}
	off := SegmentHeaderSize
	sc.End = int64(off)
	for off < len(data) {
		body, size, st := Parse(data[off:])
		torn := last && (st == Short || st == Zeros || st == BadBody && off+size == len(data) || tornIntoZeros(data[off:], size, st))
		switch {
		case st == Zeros && !last:
			sc.ZeroTail = true
			return sc
		case torn:
			sc.Torn = st.String()
			return sc
		case st != OK:
			sc.Bad = &Damage{Offset: int64(off), Reason: st.String()}
			return sc
		}
		if err := accept(int64(off), body); err != nil {
			sc.Bad = &Damage{Offset: int64(off), Reason: err.Error()}
			return sc
		}
		sc.Frames++
		off += size
		sc.End = int64(off)
	}
	return sc
}
