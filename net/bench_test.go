package net

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

var benchSizes = []int{64, 1024, 64 << 10}

// BenchmarkFrameEncode measures AppendFrame into a reused buffer.
func BenchmarkFrameEncode(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("body=%d", size), func(b *testing.B) {
			msg := Message{Type: 9, Body: bytes.Repeat([]byte{0xab}, size)}
			buf := make([]byte, 0, size+FrameHeaderSize+FrameCRCSize)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendFrame(buf[:0], msg)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// BenchmarkFrameDecode measures Decoder.Next over an in-memory stream of
// frames, including the checksum and the fresh body allocation per frame.
func BenchmarkFrameDecode(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("body=%d", size), func(b *testing.B) {
			frame := AppendFrame(nil, Message{Type: 9, Body: bytes.Repeat([]byte{0xab}, size)})
			stream := bytes.Repeat(frame, 64)
			r := bytes.NewReader(stream)
			d := NewDecoder(r, 0)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Next(); err != nil {
					if err != io.EOF {
						b.Fatal(err)
					}
					r.Reset(stream)
					if _, err := d.Next(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// BenchmarkBodyCodec measures writing and reading a typical small body
// (version, two varints, a fixed uint64, a bool, a string and bytes).
func BenchmarkBodyCodec(b *testing.B) {
	buf := make([]byte, 0, 128)
	payload := bytes.Repeat([]byte{1}, 32)
	b.ReportAllocs()
	for b.Loop() {
		w := NewWriter(buf[:0])
		w.Version(1)
		w.Uvarint(1 << 40)
		w.Varint(-12345)
		w.Uint64(99)
		w.Bool(true)
		w.Bytes(payload)
		r := NewReader(w.Data())
		r.Version(1, 1)
		r.Uvarint()
		r.Varint()
		r.Uint64()
		r.Bool()
		r.Bytes()
		if err := r.Done(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bodies/s")
}
