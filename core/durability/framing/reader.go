package framing

import (
	"errors"
	"fmt"
	"io"
)

// Error is a Damage found by a Reader.
func (d *Damage) Error() string { return fmt.Sprintf("offset %d: %s", d.Offset, d.Reason) }

// MinChunk is the smallest piece a Reader reads.
const MinChunk = HeaderSize

// Frame is one whole frame a Reader returned: where it starts and its body.
type Frame struct {
	Off  int64
	Body []byte
}

// Reader walks a segment file's frames in bounded pieces: each Next makes
// at most one ReadAt, of at most the chunk size, or of the rest of one frame
// when a frame is larger than that, and never reads a byte twice (the start
// of a frame a piece cut is kept for the next). So reading N bytes of
// frames costs N bytes of reads in about N/chunk calls, wherever they sit
// in the file, and a caller that runs one Next per turn of its loop never
// stalls it on a long read. A Reader resumes where it stopped: a segment
// still being appended to is read further as its limit grows.
type Reader struct {
	r     io.ReaderAt
	off   int64 // where the next frame starts
	chunk int
	need  int    // size of the frame at off, once its header was read
	buf   []byte // buf[lo:hi] holds the bytes from off already read
	lo    int
	hi    int
	bad   error // sticky damage
}

// NewReader reads frames from r starting at off (just past a segment's
// header, or at a frame boundary Offset reported), in pieces of chunk bytes
// (at least MinChunk).
func NewReader(r io.ReaderAt, off int64, chunk int) *Reader {
	return &Reader{r: r, off: off, chunk: max(chunk, MinChunk)}
}

// Offset is where the next frame starts.
func (r *Reader) Offset() int64 { return r.off }

// Next reads the piece at Offset, not past limit (where the file's whole
// frames end: its size, or the size written so far), and returns the
// frames wholly inside what it has read, in order. Their bodies stay valid
// until the next call. At limit it returns nothing. A frame that is
// damaged, or that runs past limit, is a *Damage error, returned with the
// whole frames before it, and again by every later call. A short read is
// an error too.
func (r *Reader) Next(limit int64) ([]Frame, error) {
	if r.bad != nil {
		return nil, r.bad
	}
	if r.off >= limit {
		return nil, nil
	}
	have := r.hi - r.lo
	n := int(min(int64(max(r.chunk+have, r.need)), limit-r.off))
	if cap(r.buf) < n {
		nb := make([]byte, n)
		copy(nb, r.buf[r.lo:r.hi])
		r.buf = nb
	} else {
		copy(r.buf, r.buf[r.lo:r.hi])
	}
	r.lo, r.hi = 0, have
	buf := r.buf[:n]
	if n > have {
		if k, err := r.r.ReadAt(buf[have:], r.off+int64(have)); k < n-have {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("framing: reading %d bytes at %d: %w", n-have, r.off+int64(have), err)
		}
	}
	r.need = 0
	early := r.off+int64(n) < limit // the piece stops before limit: more can be read
	var frames []Frame
	p := 0
	for p < n {
		rest := buf[p:]
		if len(rest) < HeaderSize && early {
			break // the header's rest comes with the next piece
		}
		body, size, st := Parse(rest)
		if st == OK {
			frames = append(frames, Frame{Off: r.off + int64(p), Body: body})
			p += size
			continue
		}
		if st == Short && size > 0 && r.off+int64(p)+int64(size) <= limit {
			r.need = size // read this frame's rest next time
			break
		}
		r.bad = &Damage{Offset: r.off + int64(p), Reason: st.String()}
		r.off += int64(p)
		return frames, r.bad
	}
	r.off += int64(p)
	r.lo, r.hi = p, n
	return frames, nil
}
