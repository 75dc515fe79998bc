package net

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// A frame carries one Message (or the connection's hello) on a byte stream:
//
//	offset size field
//	0      1    magic 'Q' (0x51)
//	1      1    frame format version (FrameVersion)
//	2      1    kind (KindMessage or KindHello)
//	3      2    message type, big-endian
//	5      4    body length n, big-endian
//	9      n    body
//	9+n    4    CRC-32C (Castagnoli) of bytes [0, 9+n), big-endian
//
// The first frame a connection carries is a hello naming the sender's
// advertised "host:port", so that the receiver knows whom later messages
// come from. Every other frame is a message.
const (
	FrameMagic      = 0x51 // 'Q'
	FrameVersion    = 1
	FrameHeaderSize = 9
	FrameCRCSize    = 4
	// DefaultMaxBody is the largest body a Decoder accepts unless told
	// otherwise.
	DefaultMaxBody = 64 << 20
	// MaxAddrLen bounds the address a hello may carry.
	MaxAddrLen = 1024
	// helloVersion is the version of the hello body's encoding.
	helloVersion = 1
)

// FrameKind says what a frame carries.
type FrameKind uint8

// The kinds of frames.
const (
	KindMessage FrameKind = 1 // a protocol Message
	KindHello   FrameKind = 2 // the connection's first frame: the sender's address
)

// Frame errors, wrapped in a *FrameError that says at which stream offset
// the bad frame starts.
var (
	ErrBadMagic      = errors.New("bad magic byte")
	ErrFrameVersion  = errors.New("unsupported frame version")
	ErrFrameKind     = errors.New("unknown frame kind")
	ErrFrameTooLarge = errors.New("frame body exceeds limit")
	ErrChecksum      = errors.New("checksum mismatch")
	ErrNoHello       = errors.New("first frame is not a hello")
	ErrHello         = errors.New("invalid hello")
)

// FrameError reports a malformed frame and where in the stream it started.
type FrameError struct {
	Offset int64 // stream offset of the frame's first byte
	Err    error
}

// Error implements error.
func (e *FrameError) Error() string {
	return fmt.Sprintf("net: frame at stream offset %d: %v", e.Offset, e.Err)
}

// Unwrap returns the cause, for errors.Is.
func (e *FrameError) Unwrap() error { return e.Err }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Frame is one decoded frame. For a hello, Msg.Type is 0 and Msg.Body holds
// the encoded hello; use ParseHello.
type Frame struct {
	Kind FrameKind
	Msg  Message
}

// AppendFrame appends the frame carrying msg to dst and returns the result.
// It panics if the body is longer than math.MaxUint32 bytes, which no
// sender should build (the transport drops bodies above its limit first).
func AppendFrame(dst []byte, msg Message) []byte {
	return appendFrame(dst, KindMessage, msg.Type, msg.Body)
}

// AppendHello appends the hello frame announcing addr to dst.
func AppendHello(dst []byte, addr string) []byte {
	var body [2 + MaxAddrLen + 8]byte
	w := NewWriter(body[:0])
	w.Version(helloVersion)
	w.Str(addr)
	return appendFrame(dst, KindHello, 0, w.Data())
}

// ParseHello returns the address a hello frame announces.
func ParseHello(f Frame) (string, error) {
	if f.Kind != KindHello {
		return "", ErrNoHello
	}
	if f.Msg.Type != 0 {
		return "", fmt.Errorf("%w: message type %d, want 0", ErrHello, f.Msg.Type)
	}
	r := NewReader(f.Msg.Body)
	r.Version(helloVersion, helloVersion)
	addr := r.Str()
	if err := r.Done(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrHello, err)
	}
	if addr == "" || len(addr) > MaxAddrLen {
		return "", fmt.Errorf("%w: address length %d", ErrHello, len(addr))
	}
	return addr, nil
}

func appendFrame(dst []byte, kind FrameKind, typ uint16, body []byte) []byte {
	if uint64(len(body)) > math.MaxUint32 {
		panic(fmt.Sprintf("net: frame body of %d bytes exceeds 4 GiB", len(body)))
	}
	start := len(dst)
	dst = append(dst, FrameMagic, FrameVersion, byte(kind))
	dst = binary.BigEndian.AppendUint16(dst, typ)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	dst = append(dst, body...)
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// Decoder reads frames from a byte stream. Give it a buffered reader (such
// as a *bufio.Reader) when the stream is a socket. Each decoded body is a
// fresh slice that the caller may keep.
type Decoder struct {
	r       io.Reader
	maxBody int
	off     int64
	hdr     [FrameHeaderSize + FrameCRCSize]byte
}

// NewDecoder returns a Decoder reading from r that rejects bodies longer
// than maxBody bytes (DefaultMaxBody when maxBody <= 0).
func NewDecoder(r io.Reader, maxBody int) *Decoder {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	return &Decoder{r: r, maxBody: maxBody}
}

// Offset returns the number of stream bytes consumed by whole frames.
func (d *Decoder) Offset() int64 { return d.off }

// Next reads the next frame. It returns io.EOF when the stream ends cleanly
// between frames, an error wrapping io.ErrUnexpectedEOF when it ends inside
// one, a *FrameError for a malformed frame, and the reader's own error
// otherwise. After an error the stream position is unknown: stop reading.
func (d *Decoder) Next() (Frame, error) {
	hdr := d.hdr[:FrameHeaderSize]
	if _, err := io.ReadFull(d.r, hdr); err != nil {
		return Frame{}, d.readErr(err, "header")
	}
	if err := d.checkHeader(hdr); err != nil {
		return Frame{}, &FrameError{Offset: d.off, Err: err}
	}
	n := int(binary.BigEndian.Uint32(hdr[5:9]))
	body, err := readBody(d.r, n)
	if err != nil {
		return Frame{}, d.readErr(err, "body")
	}
	sum := d.hdr[FrameHeaderSize:]
	if _, err := io.ReadFull(d.r, sum); err != nil {
		return Frame{}, d.readErr(err, "checksum")
	}
	crc := crc32.Update(crc32.Checksum(hdr, castagnoli), castagnoli, body)
	if got := binary.BigEndian.Uint32(sum); got != crc {
		return Frame{}, &FrameError{Offset: d.off, Err: fmt.Errorf("%w: stored %08x, computed %08x", ErrChecksum, got, crc)}
	}
	f := Frame{Kind: FrameKind(hdr[2]), Msg: Message{Type: binary.BigEndian.Uint16(hdr[3:5]), Body: body}}
	d.off += int64(FrameHeaderSize + n + FrameCRCSize)
	return f, nil
}

// ReadHello reads the first frame of a connection, which must be a hello,
// and returns the address it announces.
func (d *Decoder) ReadHello() (string, error) {
	start := d.off
	f, err := d.Next()
	if err != nil {
		return "", err
	}
	addr, err := ParseHello(f)
	if err != nil {
		return "", &FrameError{Offset: start, Err: err}
	}
	return addr, nil
}

func (d *Decoder) checkHeader(hdr []byte) error {
	if hdr[0] != FrameMagic {
		return fmt.Errorf("%w: %#02x", ErrBadMagic, hdr[0])
	}
	if hdr[1] != FrameVersion {
		return fmt.Errorf("%w: %d (supported %d)", ErrFrameVersion, hdr[1], FrameVersion)
	}
	if k := FrameKind(hdr[2]); k != KindMessage && k != KindHello {
		return fmt.Errorf("%w: %d", ErrFrameKind, hdr[2])
	}
	if n := binary.BigEndian.Uint32(hdr[5:9]); uint64(n) > uint64(d.maxBody) {
		return fmt.Errorf("%w: %d > %d bytes", ErrFrameTooLarge, n, d.maxBody)
	}
	return nil
}

// readErr turns a short read inside a frame into io.ErrUnexpectedEOF, and a
// clean end before a frame's first byte into io.EOF.
func (d *Decoder) readErr(err error, part string) error {
	if err == io.EOF && part == "header" {
		return io.EOF
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("net: frame at stream offset %d: stream ended in %s: %w", d.off, part, io.ErrUnexpectedEOF)
	}
	return err
}

// bodyChunk is how much of a large body is allocated before its bytes
// arrive, so a header that claims a huge body costs memory only as fast as
// the peer actually sends data.
const bodyChunk = 1 << 20

func readBody(r io.Reader, n int) ([]byte, error) {
	if n <= bodyChunk {
		body := make([]byte, n)
		_, err := io.ReadFull(r, body)
		return body, err
	}
	body := make([]byte, 0, bodyChunk)
	for len(body) < n {
		if len(body) == cap(body) {
			body = append(body, make([]byte, min(cap(body), n-len(body)))...)[:len(body)]
		}
		m, err := io.ReadFull(r, body[len(body):min(cap(body), n)])
		body = body[:len(body)+m]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return body, nil
}
