package net

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The encoding of message bodies is explicit and canonical: every value has
// exactly one byte representation. Fixed-width integers are big-endian,
// varints are the unsigned LEB128 of encoding/binary (signed ones zig-zag
// encoded) in their shortest form, bools are one byte 0 or 1, and strings and
// byte slices carry a uvarint length prefix. A body conventionally starts with
// a version byte (Writer.Version, Reader.Version) so its layout can evolve.

// Errors a Reader reports, wrapped in a *DecodeError that says where.
var (
	// ErrTruncated means the input ended inside a value.
	ErrTruncated = errors.New("input truncated")
	// ErrOverflow means a varint does not fit in 64 bits.
	ErrOverflow = errors.New("varint overflows 64 bits")
	// ErrNonCanonical means a varint was not in its shortest form.
	ErrNonCanonical = errors.New("varint not in shortest form")
	// ErrLength means a length or count prefix exceeds the bytes left.
	ErrLength = errors.New("length exceeds remaining input")
	// ErrBool means a bool byte was neither 0 nor 1.
	ErrBool = errors.New("invalid bool byte")
	// ErrTrailing means bytes were left after the last field.
	ErrTrailing = errors.New("trailing bytes after last field")
	// ErrVersion means the body's version is not one this reader supports.
	ErrVersion = errors.New("unsupported encoding version")
)

// DecodeError is the error a Reader reports: what it was reading, at which
// byte offset of its input, and why it failed.
type DecodeError struct {
	Op     string // the value being read, e.g. "uvarint"
	Offset int    // byte offset in the input where the value starts
	Err    error  // one of the Err* values above, or the caller's own
}

// Error implements error.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("net: decoding %s at byte %d: %v", e.Op, e.Offset, e.Err)
}

// Unwrap returns the underlying cause, for errors.Is.
func (e *DecodeError) Unwrap() error { return e.Err }

// Writer appends encoded values to a byte slice. The zero value is ready to
// use; NewWriter lets the caller supply (and so reuse) the buffer.
type Writer struct {
	buf []byte
}

// NewWriter returns a Writer that appends to dst.
func NewWriter(dst []byte) Writer { return Writer{buf: dst} }

// Data returns the bytes written so far (including dst's original content).
func (w *Writer) Data() []byte { return w.buf }

// Len returns the number of bytes in the buffer.
func (w *Writer) Len() int { return len(w.buf) }

// Reset empties the buffer, keeping its capacity.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Version writes a body's encoding version; see Reader.Version.
func (w *Writer) Version(v uint8) { w.buf = append(w.buf, v) }

// Uint8 writes one byte.
func (w *Writer) Uint8(v uint8) { w.buf = append(w.buf, v) }

// Uint16 writes v as 2 big-endian bytes.
func (w *Writer) Uint16(v uint16) { w.buf = binary.BigEndian.AppendUint16(w.buf, v) }

// Uint32 writes v as 4 big-endian bytes.
func (w *Writer) Uint32(v uint32) { w.buf = binary.BigEndian.AppendUint32(w.buf, v) }

// Uint64 writes v as 8 big-endian bytes.
func (w *Writer) Uint64(v uint64) { w.buf = binary.BigEndian.AppendUint64(w.buf, v) }

// Uvarint writes v as an unsigned varint (1 to 10 bytes).
func (w *Writer) Uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

// Varint writes v zig-zag encoded as a varint, so small magnitudes are short.
func (w *Writer) Varint(v int64) { w.buf = binary.AppendVarint(w.buf, v) }

// Bool writes 1 for true and 0 for false.
func (w *Writer) Bool(v bool) {
	var b byte
	if v {
		b = 1
	}
	w.buf = append(w.buf, b)
}

// Float64 writes the IEEE 754 bits of v as 8 big-endian bytes.
func (w *Writer) Float64(v float64) { w.Uint64(math.Float64bits(v)) }

// Str writes a uvarint length followed by the bytes of s.
func (w *Writer) Str(s string) {
	w.Uvarint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// Bytes writes a uvarint length followed by b.
func (w *Writer) Bytes(b []byte) {
	w.Uvarint(uint64(len(b)))
	w.buf = append(w.buf, b...)
}

// Count writes the number of elements of a list that follows. Every element
// must encode to at least one byte: Reader.Count relies on it to reject
// counts the input cannot hold before anything is allocated.
func (w *Writer) Count(n int) { w.Uvarint(uint64(n)) }

// Reader decodes values from a byte slice. It never panics on bad input: the
// first failure is kept (a sticky error), every later read returns a zero
// value, and Err or Done reports what went wrong and where. So a decoder can
// read every field and check the error once at the end.
type Reader struct {
	buf []byte
	off int
	err error
}

// NewReader returns a Reader over b. Bytes returns slices that alias b.
func NewReader(b []byte) Reader { return Reader{buf: b} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Offset returns the number of bytes consumed so far.
func (r *Reader) Offset() int { return r.off }

// Remaining returns the number of bytes not yet read.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Done returns the first error met, or ErrTrailing if input is left over:
// call it after the last field so that nothing unread passes silently.
func (r *Reader) Done() error {
	if r.err == nil && r.off != len(r.buf) {
		r.fail("end of input", r.off, ErrTrailing)
	}
	return r.err
}

// Fail records err (for example a semantic check of the caller's) as the
// Reader's error unless an earlier one exists, so that the first problem is
// the one reported.
func (r *Reader) Fail(op string, err error) {
	if r.err == nil {
		r.fail(op, r.off, err)
	}
}

func (r *Reader) fail(op string, off int, err error) {
	r.err = &DecodeError{Op: op, Offset: off, Err: err}
}

// take returns the next n bytes, or nil after recording an error.
func (r *Reader) take(op string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.buf)-r.off {
		r.fail(op, r.off, ErrTruncated)
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// Version reads a version byte and checks that min <= v <= max.
func (r *Reader) Version(min, max uint8) uint8 {
	start := r.off
	b := r.take("version", 1)
	if b == nil {
		return 0
	}
	if b[0] < min || b[0] > max {
		r.fail("version", start, fmt.Errorf("%w: %d (supported %d..%d)", ErrVersion, b[0], min, max))
		return 0
	}
	return b[0]
}

// Uint8 reads one byte.
func (r *Reader) Uint8() uint8 {
	if b := r.take("uint8", 1); b != nil {
		return b[0]
	}
	return 0
}

// Uint16 reads 2 big-endian bytes.
func (r *Reader) Uint16() uint16 {
	if b := r.take("uint16", 2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// Uint32 reads 4 big-endian bytes.
func (r *Reader) Uint32() uint32 {
	if b := r.take("uint32", 4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// Uint64 reads 8 big-endian bytes.
func (r *Reader) Uint64() uint64 {
	if b := r.take("uint64", 8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Uvarint reads an unsigned varint in its shortest form.
func (r *Reader) Uvarint() uint64 { return r.uvarint("uvarint") }

func (r *Reader) uvarint(op string) uint64 {
	if r.err != nil {
		return 0
	}
	start := r.off
	var v uint64
	for i := 0; ; i++ {
		if r.off >= len(r.buf) {
			r.fail(op, start, ErrTruncated)
			return 0
		}
		c := r.buf[r.off]
		r.off++
		if i == 9 && c > 1 {
			r.fail(op, start, ErrOverflow)
			return 0
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if c == 0 && i > 0 {
				r.fail(op, start, ErrNonCanonical)
				return 0
			}
			return v
		}
	}
}

// Varint reads a zig-zag encoded signed varint.
func (r *Reader) Varint() int64 {
	u := r.uvarint("varint")
	return int64(u>>1) ^ -int64(u&1)
}

// Bool reads one byte that must be 0 or 1.
func (r *Reader) Bool() bool {
	start := r.off
	b := r.take("bool", 1)
	if b == nil {
		return false
	}
	if b[0] > 1 {
		r.fail("bool", start, ErrBool)
		return false
	}
	return b[0] == 1
}

// Float64 reads 8 big-endian bytes as IEEE 754 bits.
func (r *Reader) Float64() float64 { return math.Float64frombits(r.Uint64()) }

// length reads a length prefix and checks it against the bytes left.
func (r *Reader) length(op string) int {
	start := r.off
	n := r.uvarint(op)
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.buf)-r.off) {
		r.fail(op, start, fmt.Errorf("%w: %d > %d", ErrLength, n, len(r.buf)-r.off))
		return 0
	}
	return int(n)
}

// Str reads a length-prefixed string (a copy of the input bytes). It is not
// called String so that *Reader is no fmt.Stringer (printing one would
// consume its input).
func (r *Reader) Str() string {
	n := r.length("string")
	return string(r.take("string", n))
}

// Bytes reads a length-prefixed byte slice. The result aliases the Reader's
// input (no copy); it is nil on error and empty, not nil, for length 0.
func (r *Reader) Bytes() []byte {
	n := r.length("bytes")
	if r.err != nil {
		return nil
	}
	return r.take("bytes", n)
}

// Count reads a list's element count written by Writer.Count. Since every
// element takes at least one byte, a count above the bytes left is an error,
// so callers may size a slice by it without risk of a huge allocation.
func (r *Reader) Count() int { return r.length("count") }
