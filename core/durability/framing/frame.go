// Package framing is the on-disk framing of an append-only log whose record
// bodies it does not interpret: CRC-checked frames, segment files with a
// checksummed header, the rules that tell a torn tail from corruption, and
// a reader that walks a segment in bounded pieces. The data instance's WAL
// (core/durability) stores graph commits in it; any other log (the
// coordinators' Raft log) can store its own records under its own magic.
//
// A frame is
//
//	u32 body length | u32 CRC32-C of the length | u32 CRC32-C of the body | body
//
// all little-endian. The length has its own checksum so a damaged length is
// told apart from a write the crash cut short: a short frame at the end of
// the last segment is a torn tail, a bad length anywhere is corruption.
package framing

import (
	"encoding/binary"
	"hash/crc32"
)

const (
	// HeaderSize is the size of a frame's header.
	HeaderSize = 12
	// MaxBodySize bounds one frame's body.
	MaxBodySize = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum is the CRC32-C that frames and segment headers use.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Append appends a frame whose body is body(dst) to dst: body appends the
// record's encoding to the slice it is given and returns it.
func Append(dst []byte, body func([]byte) []byte) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, HeaderSize)...)
	dst = body(dst)
	n := len(dst) - start - HeaderSize
	h := dst[start : start+HeaderSize]
	binary.LittleEndian.PutUint32(h[0:4], uint32(n))
	binary.LittleEndian.PutUint32(h[4:8], Checksum(h[0:4]))
	binary.LittleEndian.PutUint32(h[8:12], Checksum(dst[start+HeaderSize:]))
	return dst
}

// Status says what Parse found at an offset.
type Status int

// What Parse finds.
const (
	OK        Status = iota
	Short            // the input ends inside the frame
	Zeros            // only zero bytes remain (preallocated, never written)
	BadLength        // the length's checksum fails, or the length is absurd
	BadBody          // the body's checksum fails
)

// String says what went wrong, for logs and errors.
func (s Status) String() string {
	switch s {
	case Short:
		return "record cut short"
	case Zeros:
		return "zero bytes where a record should start"
	case BadLength:
		return "record length fails its checksum"
	case BadBody:
		return "record body fails its CRC"
	}
	return "ok"
}

// Parse reads the frame at the front of b. It returns the body and the
// frame's full size; for BadBody, and for Short once the header is whole,
// the size is still known.
func Parse(b []byte) (body []byte, size int, st Status) {
	if len(b) < HeaderSize || Checksum(b[0:4]) != binary.LittleEndian.Uint32(b[4:8]) {
		switch {
		case AllZero(b):
			return nil, 0, Zeros
		case len(b) < HeaderSize:
			return nil, 0, Short
		}
		return nil, 0, BadLength
	}
	n := binary.LittleEndian.Uint32(b[0:4])
	if n > MaxBodySize {
		return nil, 0, BadLength
	}
	size = HeaderSize + int(n)
	if size > len(b) {
		return nil, size, Short
	}
	body = b[HeaderSize:size]
	if Checksum(body) != binary.LittleEndian.Uint32(b[8:12]) {
		return nil, size, BadBody
	}
	return body, size, OK
}

// AllZero reports whether b holds only zero bytes.
func AllZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
