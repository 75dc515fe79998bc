package simdisk

import (
	"io/fs"
	"path"
)

// Rename moves oldName to newName, replacing a file or an empty directory
// there. It is durable once SyncDir of both directories has completed.
func (f *FS) Rename(oldName, newName string) error {
	op, np, err := cleanPair("rename", oldName, newName)
	if err != nil {
		return err
	}
	odir, obase, err := f.parentOf("rename", op)
	if err != nil {
		return err
	}
	n, ok := odir.entries[obase]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldName, Err: fs.ErrNotExist}
	}
	ndir, nbase, err := f.parentOf("rename", np)
	if err != nil {
		return err
	}
	if err := f.checkRenameTarget(n, ndir, nbase, np); err != nil {
		return err
	}
	if op == np {
		return nil
	}
	f.setEntry(odir, obase, nil)
	f.setEntry(ndir, nbase, n)
	return nil
}

// cleanPair cleans both names of a two-name operation.
func cleanPair(op, a, b string) (string, string, error) {
	pa, err := cleanPath(op, a)
	if err != nil {
		return "", "", err
	}
	pb, err := cleanPath(op, b)
	return pa, pb, err
}

// checkRenameTarget refuses renames that would replace a non-empty
// directory, mix files and directories, or move a directory into itself.
func (f *FS) checkRenameTarget(n, ndir *inode, nbase, np string) error {
	if n.dir && isInside(n, ndir, f.root, np) {
		return &fs.PathError{Op: "rename", Path: np, Err: fs.ErrInvalid}
	}
	old, ok := ndir.entries[nbase]
	if !ok || old == n {
		return nil
	}
	switch {
	case old.dir && !n.dir:
		return &fs.PathError{Op: "rename", Path: np, Err: errIsDir}
	case !old.dir && n.dir:
		return &fs.PathError{Op: "rename", Path: np, Err: errNotDir}
	case old.dir && len(old.entries) > 0:
		return &fs.PathError{Op: "rename", Path: np, Err: errNotEmpty}
	}
	return nil
}

// isInside reports whether target (the directory that will hold np) is dir
// itself or lies below it.
func isInside(dir, target, root *inode, np string) bool {
	n := root
	if n == dir {
		return true
	}
	for _, c := range components(path.Dir(np)) {
		n = n.entries[c]
		if n == dir {
			return true
		}
	}
	return target == dir
}

// Remove deletes a file or an empty directory. It is durable once SyncDir of
// its directory has completed. Open handles keep working, as on Unix.
func (f *FS) Remove(name string) error {
	p, err := cleanPath("remove", name)
	if err != nil {
		return err
	}
	dir, base, err := f.parentOf("remove", p)
	if err != nil {
		return err
	}
	n, ok := dir.entries[base]
	if !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	if n.dir && len(n.entries) > 0 {
		return &fs.PathError{Op: "remove", Path: name, Err: errNotEmpty}
	}
	f.setEntry(dir, base, nil)
	return nil
}

// MkdirAll creates a directory and its missing parents, durably: the parent
// of each directory it creates is synced at once (see the package rules).
func (f *FS) MkdirAll(dir string) error {
	p, err := cleanPath("mkdir", dir)
	if err != nil {
		return err
	}
	n := f.root
	for _, c := range components(p) {
		child, ok := n.entries[c]
		if !ok {
			child = newDir()
			f.setEntry(n, c, child)
			syncEntriesNow(n)
		}
		if !child.dir {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: errNotDir}
		}
		n = child
	}
	return nil
}
