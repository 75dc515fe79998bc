package net

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// kind names one Writer/Reader method pair; the tests and fuzz targets drive
// the codec through sequences of kinds.
type kind uint8

const (
	kUint8 kind = iota
	kUint16
	kUint32
	kUint64
	kUvarint
	kVarint
	kBool
	kFloat64
	kString
	kBytes
	kCount
	numKinds
)

// field is one value of some kind; only the member the kind names is used.
type field struct {
	K kind
	U uint64
	I int64
	B bool
	S string
	Y []byte
}

func writeField(w *Writer, f field) {
	switch f.K {
	case kUint8:
		w.Uint8(uint8(f.U))
	case kUint16:
		w.Uint16(uint16(f.U))
	case kUint32:
		w.Uint32(uint32(f.U))
	case kUint64:
		w.Uint64(f.U)
	case kUvarint:
		w.Uvarint(f.U)
	case kVarint:
		w.Varint(f.I)
	case kBool:
		w.Bool(f.B)
	case kFloat64:
		w.Float64(math.Float64frombits(f.U))
	case kString:
		w.Str(f.S)
	case kBytes:
		w.Bytes(f.Y)
	case kCount:
		w.Count(int(f.U))
	}
}

func readField(r *Reader, k kind) field {
	f := field{K: k}
	switch k {
	case kUint8:
		f.U = uint64(r.Uint8())
	case kUint16:
		f.U = uint64(r.Uint16())
	case kUint32:
		f.U = uint64(r.Uint32())
	case kUint64:
		f.U = r.Uint64()
	case kUvarint:
		f.U = r.Uvarint()
	case kVarint:
		f.I = r.Varint()
	case kBool:
		f.B = r.Bool()
	case kFloat64:
		f.U = math.Float64bits(r.Float64())
	case kString:
		f.S = r.Str()
	case kBytes:
		f.Y = r.Bytes()
	case kCount:
		f.U = uint64(r.Count())
	}
	return f
}

func genField(t *rapid.T) field {
	k := kind(rapid.IntRange(0, int(numKinds)-1).Draw(t, "kind"))
	f := field{K: k}
	switch k {
	case kUint8:
		f.U = uint64(rapid.Uint8().Draw(t, "u8"))
	case kUint16:
		f.U = uint64(rapid.Uint16().Draw(t, "u16"))
	case kUint32:
		f.U = uint64(rapid.Uint32().Draw(t, "u32"))
	case kUint64, kUvarint, kFloat64:
		f.U = rapid.Uint64().Draw(t, "u64")
	case kVarint:
		f.I = rapid.Int64().Draw(t, "i64")
	case kBool:
		f.B = rapid.Bool().Draw(t, "bool")
	case kString:
		f.S = rapid.String().Draw(t, "string")
	case kBytes:
		f.Y = rapid.SliceOf(rapid.Byte()).Draw(t, "bytes")
		if f.Y == nil {
			f.Y = []byte{}
		}
	case kCount:
		f.U = uint64(rapid.IntRange(0, 3).Draw(t, "count"))
	}
	return f
}

// TestCodecRoundTrip checks that every sequence of values reads back equal,
// consumes the whole input, and that every proper prefix of the encoding
// fails with a DecodeError instead of panicking or succeeding.
func TestCodecRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		fields := rapid.SliceOf(rapid.Custom(genField)).Draw(t, "fields")
		// A count promises that many following bytes; pad so it holds.
		fields = append(fields, field{K: kBytes, Y: make([]byte, 8)})
		var w Writer
		for _, f := range fields {
			writeField(&w, f)
		}
		data := w.Data()
		r := NewReader(data)
		var got []field
		for _, f := range fields {
			got = append(got, readField(&r, f.K))
		}
		if err := r.Done(); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if d := cmp.Diff(fields, got); d != "" {
			t.Fatalf("round trip mismatch (-want +got):\n%s", d)
		}
		cut := rapid.IntRange(0, len(data)-1).Draw(t, "cut")
		r = NewReader(data[:cut])
		for _, f := range fields {
			readField(&r, f.K)
		}
		var de *DecodeError
		if err := r.Done(); !errors.As(err, &de) {
			t.Fatalf("prefix of %d/%d bytes: got %v, want a DecodeError", cut, len(data), err)
		}
	})
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		read func(r *Reader)
		want error
		off  int
	}{
		{"empty uint8", nil, func(r *Reader) { r.Uint8() }, ErrTruncated, 0},
		{"short uint64", []byte{1, 2, 3}, func(r *Reader) { r.Uint64() }, ErrTruncated, 0},
		{"unterminated uvarint", []byte{0x80, 0x80}, func(r *Reader) { r.Uvarint() }, ErrTruncated, 0},
		{"overflow uvarint", bytes.Repeat([]byte{0xff}, 10), func(r *Reader) { r.Uvarint() }, ErrOverflow, 0},
		{"11-byte uvarint", append(bytes.Repeat([]byte{0x80}, 10), 0), func(r *Reader) { r.Uvarint() }, ErrOverflow, 0},
		{"non-canonical uvarint", []byte{0x81, 0x00}, func(r *Reader) { r.Uvarint() }, ErrNonCanonical, 0},
		{"bad bool", []byte{2}, func(r *Reader) { r.Bool() }, ErrBool, 0},
		{"string longer than input", []byte{5, 'a', 'b'}, func(r *Reader) { r.Str() }, ErrLength, 0},
		{"huge bytes length", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, func(r *Reader) { r.Bytes() }, ErrLength, 0},
		{"huge count", []byte{1, 0xff, 0x7f}, func(r *Reader) { r.Uint8(); r.Count() }, ErrLength, 1},
		{"version too new", []byte{3}, func(r *Reader) { r.Version(1, 2) }, ErrVersion, 0},
		{"version zero", []byte{0}, func(r *Reader) { r.Version(1, 2) }, ErrVersion, 0},
		{"trailing", []byte{1, 2}, func(r *Reader) { r.Uint8() }, ErrTrailing, 1},
		{"sticky first error", []byte{2, 1}, func(r *Reader) { r.Bool(); r.Uint8(); r.Uint64() }, ErrBool, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(tc.in)
			tc.read(&r)
			err := r.Done()
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want DecodeError wrapping %v", err, tc.want)
			}
			if de.Offset != tc.off {
				t.Fatalf("offset %d, want %d (%v)", de.Offset, tc.off, err)
			}
		})
	}
}

// TestReaderStickyZero checks that once failed, reads return zero values
// and consume nothing.
func TestReaderStickyZero(t *testing.T) {
	r := NewReader([]byte{0xff, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	r.Bool()
	off := r.Offset()
	if v := r.Uint64(); v != 0 {
		t.Fatalf("Uint64 after error = %d, want 0", v)
	}
	if s := r.Str(); s != "" {
		t.Fatalf("String after error = %q", s)
	}
	if b := r.Bytes(); b != nil {
		t.Fatalf("Bytes after error = %v", b)
	}
	if r.Offset() != off {
		t.Fatalf("offset moved from %d to %d after error", off, r.Offset())
	}
	if !errors.Is(r.Err(), ErrBool) {
		t.Fatalf("Err = %v", r.Err())
	}
	r.Fail("mine", errors.New("later"))
	if !errors.Is(r.Err(), ErrBool) {
		t.Fatalf("Fail replaced the first error: %v", r.Err())
	}
}

func TestReaderErrorMessage(t *testing.T) {
	r := NewReader([]byte{9, 'x'})
	r.Str()
	want := "net: decoding string at byte 0: length exceeds remaining input: 9 > 1"
	if got := r.Err().Error(); got != want {
		t.Fatalf("error text %q, want %q", got, want)
	}
}

// TestWriterAllocs checks that encoding into a buffer with room allocates
// nothing and that decoding fixed and varint fields allocates nothing.
func TestWriterAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	payload := []byte("payload")
	var data []byte
	allocs := testing.AllocsPerRun(100, func() {
		w := NewWriter(buf[:0])
		w.Version(1)
		w.Uvarint(123456)
		w.Varint(-42)
		w.Uint64(7)
		w.Bool(true)
		w.Str("hello")
		w.Bytes(payload)
		data = w.Data()
	})
	if allocs != 0 {
		t.Fatalf("Writer allocated %v times per run", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() {
		r := NewReader(data)
		r.Version(1, 1)
		r.Uvarint()
		r.Varint()
		r.Uint64()
		r.Bool()
		r.Count() // reads the string's length as a count
		r.Uint8()
		r.Uint8()
		r.Uint8()
		r.Uint8()
		r.Uint8()
		r.Bytes()
		if err := r.Done(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Reader allocated %v times per run", allocs)
	}
}

// FuzzReader reads arbitrary input as the sequence of kinds that ops names.
// It must never panic; a failure must be a DecodeError; a success must be
// canonical: re-encoding the values gives back exactly the bytes consumed.
func FuzzReader(f *testing.F) {
	var w Writer
	w.Uvarint(300)
	w.Varint(-5)
	w.Str("quiver")
	w.Bool(true)
	w.Uint64(math.MaxUint64)
	f.Add([]byte{byte(kUvarint), byte(kVarint), byte(kString), byte(kBool), byte(kUint64)}, append([]byte(nil), w.Data()...))
	f.Add([]byte{byte(kBytes), byte(kCount)}, []byte{2, 0xff, 0xfe, 1})
	f.Add([]byte{byte(kUvarint)}, bytes.Repeat([]byte{0xff}, 11))
	f.Add([]byte{byte(kUvarint)}, []byte{0x80, 0})
	f.Add([]byte{byte(kString), byte(kUint16)}, []byte{0xff, 0xff, 0x03})
	f.Add([]byte{byte(kFloat64), byte(kUint32), byte(kUint8), byte(kBool)}, make([]byte, 14))
	f.Fuzz(func(t *testing.T, ops, data []byte) {
		r := NewReader(data)
		var got []field
		for _, op := range ops {
			got = append(got, readField(&r, kind(op%byte(numKinds))))
			if r.Err() != nil {
				break
			}
		}
		if err := r.Err(); err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(data) {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		var w Writer
		for _, f := range got {
			writeField(&w, f)
		}
		if !bytes.Equal(w.Data(), data[:r.Offset()]) {
			t.Fatalf("not canonical: read %x, re-encoded %x", data[:r.Offset()], w.Data())
		}
	})
}
