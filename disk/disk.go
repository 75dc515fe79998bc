// Package disk defines the file system a node sees. Writes land in the file
// at once but are durable only after a Sync, whose completion is reported
// later, as an event on the node's loop, so a slow disk never stalls it.
package disk

// FS is a node's file system. Names are slash-separated paths relative to the
// node's data directory.
type FS interface {
	// Create creates the named file, truncating it if it exists, and opens it
	// for reading and appending.
	Create(name string) (File, error)
	// Open opens an existing file for reading and appending.
	Open(name string) (File, error)
	// ReadFile returns the whole content of the named file.
	ReadFile(name string) ([]byte, error)
	// Rename atomically replaces newName with oldName. It is durable only
	// after SyncDir of the directory.
	Rename(oldName, newName string) error
	// Remove deletes the named file or empty directory.
	Remove(name string) error
	// List returns the names of the entries of a directory, sorted.
	List(dir string) ([]string, error)
	// MkdirAll creates a directory and its parents.
	MkdirAll(dir string) error
	// Size returns the current size of the named file in bytes.
	Size(name string) (int64, error)
	// SyncDir makes the directory's entries (creations, renames, removals)
	// durable and then calls done on the node's loop.
	SyncDir(dir string, done func(error))
}

// File is an open file.
type File interface {
	// Append writes p at the end of the file. The bytes are readable at once
	// and durable only after a Sync that started after Append returned.
	Append(p []byte) error
	// ReadAt reads len(p) bytes at offset off, like io.ReaderAt.
	ReadAt(p []byte, off int64) (int, error)
	// Truncate cuts the file to size bytes.
	Truncate(size int64) error
	// Size is the current size of the file in bytes.
	Size() int64
	// Sync makes everything appended to the file so far (through any of its
	// handles) durable and then calls done on the node's loop. Syncs may
	// overlap and may complete in any order; each done reports its own
	// result. As on Linux, a failed write-back is reported once per handle
	// (open file description): to the first Sync completing on each handle
	// after it. A Sync of a handle that completes without an error while
	// another Sync of the same handle reports a failure proves nothing, so a
	// caller that keeps several Syncs of one file in flight gives each its
	// own handle (Open the file again) and treats a failure as covering
	// every Sync in flight.
	Sync(done func(error))
	// Close releases the file. Unsynced data stays in the file as written.
	Close() error
}
