package bolt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxChunk is the largest chunk body Bolt allows.
const MaxChunk = 0xFFFF

// ErrMessageTooLarge reports a message over the reader's limit.
var ErrMessageTooLarge = errors.New("bolt: message exceeds the size limit")

// ChunkReader reads chunked messages, skipping NOOP chunks between them.
type ChunkReader struct {
	r   *bufio.Reader
	max int
	buf []byte
	hdr [2]byte // here, not on Read's stack, from which io.ReadFull would move it to the heap
}

// NewChunkReader reads messages of at most max bytes from r.
func NewChunkReader(r io.Reader, max int) *ChunkReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 32*1024)
	}
	return &ChunkReader{r: br, max: max}
}

// Read returns the next message. The slice is valid until the next call.
// io.EOF means the peer closed cleanly between messages; a close inside a
// message is io.ErrUnexpectedEOF.
func (c *ChunkReader) Read() ([]byte, error) {
	c.buf = c.buf[:0]
	hdr := c.hdr[:]
	for {
		if _, err := io.ReadFull(c.r, hdr); err != nil {
			if err == io.EOF && len(c.buf) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		n := int(binary.BigEndian.Uint16(hdr))
		if n == 0 {
			if len(c.buf) == 0 {
				continue // NOOP between messages
			}
			return c.buf, nil
		}
		if len(c.buf)+n > c.max {
			return nil, fmt.Errorf("%w (%d bytes)", ErrMessageTooLarge, c.max)
		}
		start := len(c.buf)
		c.buf = append(c.buf, make([]byte, n)...)
		if _, err := io.ReadFull(c.r, c.buf[start:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// AppendChunked appends msg split into chunks, followed by the end marker.
func AppendChunked(dst, msg []byte) []byte {
	for len(msg) > 0 {
		n := min(len(msg), MaxChunk)
		dst = append(dst, byte(n>>8), byte(n))
		dst = append(dst, msg[:n]...)
		msg = msg[n:]
	}
	return append(dst, 0, 0)
}

// WriteMessage writes msg to w as chunks ending with the end marker.
func WriteMessage(w io.Writer, msg []byte) error {
	_, err := w.Write(AppendChunked(nil, msg))
	return err
}
