package osfs

import (
	"io/fs"
	"os"
	"sort"
	"sync"

	"github.com/quiverdb/quiver/disk"
)

// file is an open file. Append and ReadAt run on the caller's goroutine;
// Sync runs on the syncer's. Size is tracked by the handle: it counts what
// this handle wrote, so a file should have one writer at a time.
type file struct {
	f      *os.File
	size   int64
	syncer *syncer
	zeros  []byte // non-nil: appends reserve len(zeros) bytes ahead (FS.Preallocate)
	alloc  int64  // with zeros: the file's end, size plus the zeros reserved past it

	// mu guards the close protocol shared with the syncer: a Close while a
	// sync of this file is queued or running is carried out by the syncer
	// once that sync is done.
	mu       sync.Mutex
	inflight int
	closing  bool
	closed   bool
}

var _ disk.File = (*file)(nil)

// Append writes p at the end of the file.
func (h *file) Append(p []byte) error {
	if h.isClosed() {
		return &fs.PathError{Op: "append", Path: h.f.Name(), Err: fs.ErrClosed}
	}
	if h.zeros != nil {
		return h.appendReserved(p)
	}
	n, err := h.f.Write(p)
	h.size += int64(n)
	if err != nil {
		h.restat()
	}
	return err
}

// appendReserved writes p at the handle's end, inside the zeros reserved
// past it, reserving more first when p would run past them.
func (h *file) appendReserved(p []byte) error {
	for h.size+int64(len(p)) > h.alloc {
		n, err := h.f.WriteAt(h.zeros, h.alloc)
		h.alloc += int64(n)
		if err != nil {
			return err
		}
	}
	n, err := h.f.WriteAt(p, h.size)
	h.size += int64(n) // WriteAt wrote n bytes in place: the end moved that far
	return err
}

// restat resets the tracked size from the file system after a failed write.
func (h *file) restat() {
	if st, err := h.f.Stat(); err == nil {
		h.size = st.Size()
	}
}

// ReadAt reads len(p) bytes at off.
func (h *file) ReadAt(p []byte, off int64) (int, error) {
	return h.f.ReadAt(p, off)
}

// Truncate cuts or zero-extends the file to size bytes.
func (h *file) Truncate(size int64) error {
	if err := h.f.Truncate(size); err != nil {
		return err
	}
	h.size, h.alloc = size, size
	return nil
}

// Size is the file's size as this handle knows it.
func (h *file) Size() int64 { return h.size }

// Sync fsyncs the file on the syncer goroutine and posts done.
func (h *file) Sync(done func(error)) {
	if !h.beginSync() {
		err := &fs.PathError{Op: "sync", Path: h.f.Name(), Err: fs.ErrClosed}
		h.syncer.post(func() { done(err) })
		return
	}
	h.syncer.request(fileTarget{h}, done)
}

// beginSync counts a sync in flight unless the handle is closing.
func (h *file) beginSync() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing || h.closed {
		return false
	}
	h.inflight++
	return true
}

// endSync is called by the syncer after fsyncing; it carries out a Close
// that waited for this sync.
func (h *file) endSync() {
	h.mu.Lock()
	h.inflight--
	closeNow := h.closing && h.inflight == 0 && !h.closed
	if closeNow {
		h.closed = true
	}
	h.mu.Unlock()
	if closeNow {
		h.f.Close()
	}
}

// Close releases the file, at once or, when a sync of it is in flight, as
// soon as that sync is done. Unsynced data stays in the file.
func (h *file) Close() error {
	h.mu.Lock()
	if h.closing || h.closed {
		h.mu.Unlock()
		return &fs.PathError{Op: "close", Path: h.f.Name(), Err: fs.ErrClosed}
	}
	h.closing = true
	now := h.inflight == 0
	if now {
		h.closed = true
	}
	h.mu.Unlock()
	var terr error
	if h.alloc > h.size {
		// Cut the reserved zeros off (durable only with a later sync of
		// the file; a reader takes any left for the file's end).
		terr = h.f.Truncate(h.size)
	}
	if now {
		if err := h.f.Close(); terr == nil {
			terr = err
		}
	}
	return terr
}

// isClosed reports whether Close was called.
func (h *file) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closing || h.closed
}

// sortStrings sorts names in place.
func sortStrings(names []string) { sort.Strings(names) }
