// Package osfs is the real disk.FS: files under one directory of the host's
// file system. Fsyncs run on the FS's own syncer goroutine, batched (syncs
// requested while one batch runs share the next), and report completion by
// posting onto the node's event loop, so a slow disk never stalls the loop.
package osfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/quiverdb/quiver/disk"
)

// FS is a disk.FS rooted at a directory. Its namespace operations run
// directly on the calling goroutine (they are cheap); only fsyncs, and
// MkdirAll's parent fsyncs, touch the disk's flush path.
type FS struct {
	root   *os.Root
	syncer *syncer

	// What Preallocate set: files created with a name ending in preSuffix
	// reserve preChunk bytes of zeros ahead of their appends, written from
	// preZeros.
	preSuffix string
	preChunk  int64
	preZeros  []byte
}

var _ disk.FS = (*FS)(nil)

// New opens (creating it if needed) the directory dir as the root of an FS
// whose sync completions are handed to post, which must run them on the
// node's event loop. Close stops the syncer goroutine.
func New(dir string, post func(func())) (*FS, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &FS{root: root, syncer: newSyncer(post)}, nil
}

// SetSyncDelay makes every fsync batch wait d before it starts: a slow disk,
// for tests and the chaos harness. Zero turns it off.
func (f *FS) SetSyncDelay(d time.Duration) { f.syncer.setDelay(d) }

// Preallocate makes the files created from now on whose names end in
// suffix (a WAL's segments) reserve space ahead of their appends: the
// handle that Create returns writes chunk bytes of zeros past its end
// whenever an append would run past what it reserved, and appends into
// them. An append then overwrites blocks the file already holds, so the
// fsync that makes it durable flushes the data alone, without a journal
// commit for a grown size or new blocks (on ext4 such a commit also waits
// for every other file's data in the same journal transaction): one
// commit's fsync no longer waits for unrelated writers on the same file
// system. The handle's Size stays what was appended; the zeros past it
// stay in the file (ReadFile and Size of the name see them) until
// Truncate, or Close, cuts them off, so a reader of such a file must
// take zeros where a record should start for its end. Call it before
// creating files; chunk ≤ 0 turns it off.
func (f *FS) Preallocate(suffix string, chunk int64) {
	f.preSuffix, f.preChunk, f.preZeros = suffix, max(chunk, 0), nil
	if chunk > 0 {
		f.preZeros = make([]byte, chunk)
	}
}

// Stats returns the syncer's counts so far.
func (f *FS) Stats() Stats { return f.syncer.snapshot() }

// Close completes the syncs already requested, stops the syncer goroutine
// and releases the root. Syncs requested afterwards fail with fs.ErrClosed.
func (f *FS) Close() error {
	f.syncer.stop()
	return f.root.Close()
}

// local cleans a name and refuses names outside the root.
func local(op, name string) (string, error) {
	p := path.Clean(name)
	if p == "" || !filepath.IsLocal(filepath.FromSlash(p)) && p != "." {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return filepath.FromSlash(p), nil
}

// Create creates or truncates the named file and opens it for reading and
// appending.
func (f *FS) Create(name string) (disk.File, error) {
	if f.preChunk > 0 && strings.HasSuffix(name, f.preSuffix) {
		// Appends go to the handle's own end, inside the reserved zeros:
		// no O_APPEND, which would write past them.
		df, err := f.open("create", name, os.O_RDWR|os.O_CREATE|os.O_TRUNC)
		if err != nil {
			return nil, err
		}
		h := df.(*file)
		h.zeros = f.preZeros
		return h, nil
	}
	return f.open("create", name, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND)
}

// Open opens an existing file for reading and appending.
func (f *FS) Open(name string) (disk.File, error) {
	return f.open("open", name, os.O_RDWR|os.O_APPEND)
}

// open opens a file handle with the given flags.
func (f *FS) open(op, name string, flags int) (disk.File, error) {
	p, err := local(op, name)
	if err != nil {
		return nil, err
	}
	osf, err := f.root.OpenFile(p, flags, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := osf.Stat()
	if err == nil && st.IsDir() {
		err = &fs.PathError{Op: op, Path: name, Err: errors.New("is a directory")}
	}
	if err != nil {
		osf.Close()
		return nil, err
	}
	return &file{f: osf, size: st.Size(), syncer: f.syncer}, nil
}

// ReadFile returns the whole content of the named file.
func (f *FS) ReadFile(name string) ([]byte, error) {
	p, err := local("read", name)
	if err != nil {
		return nil, err
	}
	return f.root.ReadFile(p)
}

// Rename atomically replaces newName with oldName; durable after SyncDir of
// both directories.
func (f *FS) Rename(oldName, newName string) error {
	op, err := local("rename", oldName)
	if err != nil {
		return err
	}
	np, err := local("rename", newName)
	if err != nil {
		return err
	}
	return f.root.Rename(op, np)
}

// Remove deletes a file or an empty directory; durable after SyncDir.
func (f *FS) Remove(name string) error {
	p, err := local("remove", name)
	if err != nil {
		return err
	}
	return f.root.Remove(p)
}

// List returns the sorted names of a directory's entries.
func (f *FS) List(dir string) ([]string, error) {
	p, err := local("list", dir)
	if err != nil {
		return nil, err
	}
	d, err := f.root.Open(p)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	sortStrings(names)
	return names, nil
}

// Size returns the named file's size.
func (f *FS) Size(name string) (int64, error) {
	p, err := local("size", name)
	if err != nil {
		return 0, err
	}
	st, err := f.root.Stat(p)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// SyncDir fsyncs the directory on the syncer goroutine and posts done.
func (f *FS) SyncDir(dir string, done func(error)) {
	p, err := local("syncdir", dir)
	if err != nil {
		f.syncer.post(func() { done(err) })
		return
	}
	f.syncer.request(dirTarget{root: f.root, path: p}, done)
}
