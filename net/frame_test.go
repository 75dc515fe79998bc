package net

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

func genMessage(t *rapid.T) Message {
	body := rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "body")
	if body == nil {
		body = []byte{}
	}
	return Message{Type: rapid.Uint16().Draw(t, "type"), Body: body}
}

// TestFrameRoundTrip checks that a hello followed by any messages decodes
// back to the same address and messages, then io.EOF; and that any proper
// prefix of the stream ends in io.ErrUnexpectedEOF or io.EOF at a frame
// boundary, never in a wrong frame.
func TestFrameRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		addr := rapid.StringMatching(`[a-z0-9.]{1,20}:[0-9]{1,5}`).Draw(t, "addr")
		msgs := rapid.SliceOf(rapid.Custom(genMessage)).Draw(t, "msgs")
		stream := AppendHello(nil, addr)
		bounds := map[int]bool{len(stream): true}
		for _, m := range msgs {
			stream = AppendFrame(stream, m)
			bounds[len(stream)] = true
		}
		d := NewDecoder(bufio.NewReader(bytes.NewReader(stream)), 0)
		got, err := d.ReadHello()
		if err != nil || got != addr {
			t.Fatalf("hello: got %q, %v; want %q", got, err, addr)
		}
		var back []Message
		for {
			f, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("frame %d: %v", len(back), err)
			}
			if f.Kind != KindMessage {
				t.Fatalf("frame %d kind %d", len(back), f.Kind)
			}
			back = append(back, f.Msg)
		}
		if d := cmp.Diff(msgs, back, cmpEmpty); d != "" {
			t.Fatalf("messages differ (-want +got):\n%s", d)
		}
		if d.Offset() != int64(len(stream)) {
			t.Fatalf("offset %d, want %d", d.Offset(), len(stream))
		}
		cut := rapid.IntRange(0, len(stream)-1).Draw(t, "cut")
		d = NewDecoder(bytes.NewReader(stream[:cut]), 0)
		for {
			_, err := d.Next()
			if err == nil {
				continue
			}
			if err == io.EOF && bounds[cut] || cut == 0 {
				break
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("prefix %d: got %v, want unexpected EOF", cut, err)
			}
			break
		}
	})
}

var cmpEmpty = cmpopts.EquateEmpty()

func TestFrameErrors(t *testing.T) {
	good := AppendFrame(nil, Message{Type: 7, Body: []byte("hello")})
	mutate := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	big := AppendFrame(nil, Message{Type: 1, Body: make([]byte, 100)})
	tests := []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"bad magic", mutate(func(b []byte) { b[0] = 'X' }), 0, ErrBadMagic},
		{"bad version", mutate(func(b []byte) { b[1] = 2 }), 0, ErrFrameVersion},
		{"bad kind", mutate(func(b []byte) { b[2] = 9 }), 0, ErrFrameKind},
		{"body flipped", mutate(func(b []byte) { b[10] ^= 1 }), 0, ErrChecksum},
		{"type flipped", mutate(func(b []byte) { b[4] ^= 0x80 }), 0, ErrChecksum},
		{"crc flipped", mutate(func(b []byte) { b[len(b)-1] ^= 1 }), 0, ErrChecksum},
		{"over limit", big, 99, ErrFrameTooLarge},
		{"huge length", mutate(func(b []byte) { b[5] = 0xff }), 0, ErrFrameTooLarge},
		{"truncated header", good[:4], 0, io.ErrUnexpectedEOF},
		{"truncated body", good[:11], 0, io.ErrUnexpectedEOF},
		{"truncated crc", good[:len(good)-1], 0, io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(bytes.NewReader(tc.in), tc.max)
			_, err := d.Next()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var fe *FrameError
			if tc.want != io.ErrUnexpectedEOF && !errors.As(err, &fe) {
				t.Fatalf("got %T, want *FrameError", err)
			}
		})
	}
	if _, err := NewDecoder(bytes.NewReader(big), 100).Next(); err != nil {
		t.Fatalf("body at exactly the limit: %v", err)
	}
	if _, err := NewDecoder(bytes.NewReader(nil), 0).Next(); err != io.EOF {
		t.Fatalf("empty stream: got %v, want io.EOF", err)
	}
}

func TestFrameErrorMessage(t *testing.T) {
	s := AppendFrame(nil, Message{Type: 1})
	s = AppendFrame(s, Message{Type: 2, Body: []byte{1}})
	s[len(s)-1] ^= 0xff
	d := NewDecoder(bytes.NewReader(s), 0)
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := d.Next()
	want := "net: frame at stream offset 13: checksum mismatch"
	if err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Fatalf("got %v, want prefix %q", err, want)
	}
}

func TestHelloErrors(t *testing.T) {
	if _, err := NewDecoder(bytes.NewReader(AppendFrame(nil, Message{Type: 1})), 0).ReadHello(); !errors.Is(err, ErrNoHello) {
		t.Fatalf("message first: got %v, want ErrNoHello", err)
	}
	if _, err := NewDecoder(bytes.NewReader(AppendHello(nil, "")), 0).ReadHello(); !errors.Is(err, ErrHello) {
		t.Fatalf("empty address: got %v, want ErrHello", err)
	}
	bad := appendFrame(nil, KindHello, 0, []byte{9, 1, 'a'})
	if _, err := NewDecoder(bytes.NewReader(bad), 0).ReadHello(); !errors.Is(err, ErrVersion) {
		t.Fatalf("hello version 9: got %v, want ErrVersion", err)
	}
}

// TestHugeLengthAllocatesLittle checks that a header claiming a big body
// followed by little data does not allocate the claimed size up front.
func TestHugeLengthAllocatesLittle(t *testing.T) {
	hdr := []byte{FrameMagic, FrameVersion, byte(KindMessage), 0, 1, 0x03, 0xff, 0xff, 0xff, 1, 2, 3}
	allocs := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewDecoder(bytes.NewReader(hdr), 0).Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
				b.Fatalf("got %v", err)
			}
		}
	})
	if per := allocs.AllocedBytesPerOp(); per > 2<<20 {
		t.Fatalf("allocated %d bytes for a 64 MiB claim with 3 bytes of data", per)
	}
}

// FuzzFrameDecode decodes arbitrary bytes as a frame stream. It must never
// panic; every frame it accepts must re-encode to exactly the bytes it was
// read from; and it must stop with io.EOF, io.ErrUnexpectedEOF or a
// *FrameError.
func FuzzFrameDecode(f *testing.F) {
	f.Add(AppendHello(nil, "127.0.0.1:7687"), false)
	f.Add(AppendFrame(AppendHello(nil, "a:1"), Message{Type: 3, Body: []byte("body")}), false)
	f.Add(AppendFrame(AppendFrame(nil, Message{}), Message{Type: 0xffff, Body: bytes.Repeat([]byte{0xee}, 40)}), false)
	f.Add([]byte{FrameMagic, FrameVersion, byte(KindMessage), 0, 0, 0xff, 0xff, 0xff, 0xff}, false)
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), false)
	f.Add([]byte{FrameMagic, FrameVersion, byte(KindHello), 0, 0, 0, 0, 0, 3, 1, 1, 'x', 0, 0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		if fix {
			fixChecksums(data)
		}
		d := NewDecoder(bytes.NewReader(data), 1<<16)
		var again []byte
		for {
			fr, err := d.Next()
			if err != nil {
				var fe *FrameError
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &fe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				break
			}
			if fr.Kind == KindHello {
				if addr, err := ParseHello(fr); err == nil {
					if h := AppendHello(nil, addr); !bytes.Equal(h, data[len(again):len(again)+len(h)]) {
						t.Fatalf("hello %q not canonical", addr)
					}
				}
			}
			again = appendFrame(again, fr.Kind, fr.Msg.Type, fr.Msg.Body)
			if int64(len(again)) != d.Offset() || !bytes.Equal(again, data[:len(again)]) {
				t.Fatalf("re-encoding differs from input at frame ending %d", d.Offset())
			}
		}
	})
}

// fixChecksums rewrites the checksum of every whole frame it can walk in b,
// so the fuzzer also explores what lies behind the checksum check.
func fixChecksums(b []byte) {
	for off := 0; off+FrameHeaderSize <= len(b); {
		n := int(binary.BigEndian.Uint32(b[off+5 : off+9]))
		end := off + FrameHeaderSize + n
		if n > len(b) || end+FrameCRCSize > len(b) {
			return
		}
		binary.BigEndian.PutUint32(b[end:], crc32.Checksum(b[off:end], castagnoli))
		off = end + FrameCRCSize
	}
}

// TestLargeBodyRoundTrip covers the chunked read of bodies above bodyChunk.
func TestLargeBodyRoundTrip(t *testing.T) {
	body := make([]byte, 3*bodyChunk+5)
	for i := range body {
		body[i] = byte(i * 7)
	}
	stream := AppendFrame(nil, Message{Type: 2, Body: body})
	f, err := NewDecoder(bytes.NewReader(stream), 0).Next()
	if err != nil || !bytes.Equal(f.Msg.Body, body) {
		t.Fatalf("large body: err %v, equal %v", err, bytes.Equal(f.Msg.Body, body))
	}
	if _, err := NewDecoder(bytes.NewReader(stream[:2*bodyChunk]), 0).Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated large body: got %v", err)
	}
}
