package simdisk

import (
	"io"
	"io/fs"

	"github.com/quiverdb/quiver/disk"
)

// file is an open handle on an inode.
type file struct {
	fs          *FS
	n           *inode
	name        string
	incarnation uint64
	closed      bool
	// seen is the inode's errSeq this handle has reported, as Linux keeps
	// a write-back error cursor per open file description: a failure is
	// reported to the first sync completing on each handle after it.
	seen uint64
}

var _ disk.File = (*file)(nil)

// handle opens a handle on n under the current incarnation.
func (f *FS) handle(n *inode, name string) *file {
	return &file{fs: f, n: n, name: name, incarnation: f.incarnation, seen: n.errSeq}
}

// check fails on a closed handle or one from before a crash.
func (h *file) check(op string) error {
	if h.closed {
		return &fs.PathError{Op: op, Path: h.name, Err: fs.ErrClosed}
	}
	if h.incarnation != h.fs.incarnation {
		return &fs.PathError{Op: op, Path: h.name, Err: ErrStale}
	}
	return nil
}

// Append adds p at the end of the file, unless a fault refuses it: then
// nothing is written.
func (h *file) Append(p []byte) error {
	if err := h.check("append"); err != nil {
		return err
	}
	if err := h.fs.writeFault(); err != nil {
		return &fs.PathError{Op: "append", Path: h.name, Err: err}
	}
	h.fs.setData(h.n, appendBytes(h.n.data, p))
	return nil
}

// appendBytes is append that doubles the capacity when it grows, so that a
// growing WAL segment is copied fewer times than append's 1.25x would.
// Bytes below len(b) are left untouched, as captured syncs require.
func appendBytes(b, p []byte) []byte {
	if need := len(b) + len(p); need > cap(b) {
		c := make([]byte, len(b), max(2*cap(b), need, 512))
		copy(c, b)
		b = c
	}
	return append(b, p...)
}

// ReadAt reads the current contents at off, subject to FlipBitsOnRead. Like
// io.ReaderAt it returns io.EOF when it reads fewer than len(p) bytes.
func (h *file) ReadAt(p []byte, off int64) (int, error) {
	if err := h.check("read"); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: h.name, Err: fs.ErrInvalid}
	}
	if off >= int64(len(h.n.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.n.data[off:])
	h.fs.maybeFlipRead(p[:n])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Truncate cuts or zero-extends the file to size bytes.
func (h *file) Truncate(size int64) error {
	if err := h.check("truncate"); err != nil {
		return err
	}
	if size < 0 {
		return &fs.PathError{Op: "truncate", Path: h.name, Err: fs.ErrInvalid}
	}
	b := make([]byte, size)
	copy(b, h.n.data)
	h.fs.setData(h.n, b)
	return nil
}

// Size is the file's current size.
func (h *file) Size() int64 { return int64(len(h.n.data)) }

// Sync makes the contents as of now durable and calls done later.
func (h *file) Sync(done func(error)) {
	if err := h.check("sync"); err != nil {
		h.fs.completeLater(0, func() { done(err) })
		return
	}
	h.fs.syncFile(h, done)
}

// Close releases the handle; the file keeps its unsynced data.
func (h *file) Close() error {
	if err := h.check("close"); err != nil {
		return err
	}
	h.closed = true
	return nil
}

// setData replaces a file's contents and counts a change.
func (f *FS) setData(n *inode, data []byte) {
	n.data = data
	n.version = f.nextVersion()
}
