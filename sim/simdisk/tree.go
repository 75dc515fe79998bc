package simdisk

import (
	"io/fs"
	"path"
	"sort"
	"strings"
)

// inode is a file or a directory. A file's bytes below len(data) are never
// modified in place (Truncate and FlipBit copy), so a Sync may capture
// data[:n:n] without copying.
type inode struct {
	dir bool

	// data is the file's current contents; version counts its changes.
	data    []byte
	version uint64
	// synced is the durable contents, captured at syncedVersion.
	synced        []byte
	syncedVersion uint64
	// errSeq counts the file's failed write-backs and lastErr is the latest
	// one's error; each handle reports every failure once (see file.seen).
	errSeq  uint64
	lastErr error

	// entries are a directory's current entries; entriesVersion counts
	// their changes.
	entries        map[string]*inode
	entriesVersion uint64
	// durable are the entries that survive a crash, captured at
	// durableVersion.
	durable        map[string]*inode
	durableVersion uint64
}

// newDir returns an empty directory.
func newDir() *inode {
	return &inode{dir: true, entries: map[string]*inode{}, durable: map[string]*inode{}}
}

// cleanPath turns a name into a clean slash path relative to the root; the
// root itself is ".". It rejects absolute paths and paths leaving the root.
func cleanPath(op, name string) (string, error) {
	p := path.Clean(name)
	if p == "" || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return p, nil
}

// components splits a clean path into its names; the root has none.
func components(p string) []string {
	if p == "." {
		return nil
	}
	return strings.Split(p, "/")
}

// lookup returns the inode at a clean path in the current tree.
func (f *FS) lookup(op, p string) (*inode, error) {
	n := f.root
	for _, c := range components(p) {
		if !n.dir {
			return nil, &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist}
		}
		child, ok := n.entries[c]
		if !ok {
			return nil, &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist}
		}
		n = child
	}
	return n, nil
}

// lookupFile returns the file at a clean path.
func (f *FS) lookupFile(op, p string) (*inode, error) {
	n, err := f.lookup(op, p)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return nil, &fs.PathError{Op: op, Path: p, Err: errIsDir}
	}
	return n, nil
}

// lookupDir returns the directory at a clean path.
func (f *FS) lookupDir(op, p string) (*inode, error) {
	n, err := f.lookup(op, p)
	if err != nil {
		return nil, err
	}
	if !n.dir {
		return nil, &fs.PathError{Op: op, Path: p, Err: errNotDir}
	}
	return n, nil
}

// parentOf returns the directory holding a clean, non-root path and the
// entry's name in it.
func (f *FS) parentOf(op, p string) (*inode, string, error) {
	if p == "." {
		return nil, "", &fs.PathError{Op: op, Path: p, Err: fs.ErrInvalid}
	}
	dir, err := f.lookupDir(op, path.Dir(p))
	if err != nil {
		return nil, "", err
	}
	return dir, path.Base(p), nil
}

// setEntry changes a directory's current entries: child nil removes name.
func (f *FS) setEntry(dir *inode, name string, child *inode) {
	if child == nil {
		delete(dir.entries, name)
	} else {
		dir.entries[name] = child
	}
	dir.entriesVersion = f.nextVersion()
}

// syncEntriesNow makes a directory's current entries durable at once.
func syncEntriesNow(dir *inode) {
	dir.durable = cloneEntries(dir.entries)
	dir.durableVersion = dir.entriesVersion
}

// cloneEntries copies an entry map.
func cloneEntries(m map[string]*inode) map[string]*inode {
	c := make(map[string]*inode, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// sortedNames returns the keys of an entry map in order.
func sortedNames(m map[string]*inode) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
