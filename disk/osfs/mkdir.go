package osfs

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
)

// MkdirAll creates a directory and its missing parents durably: after each
// directory it creates, it fsyncs that directory's parent, synchronously.
// It is meant for start-up; it blocks the caller for those fsyncs.
func (f *FS) MkdirAll(dir string) error {
	p, err := local("mkdir", dir)
	if err != nil || p == "." {
		return err
	}
	parent := "."
	for _, c := range strings.Split(p, string(filepath.Separator)) {
		cur := filepath.Join(parent, c)
		created, err := f.mkdirOne(cur)
		if err != nil {
			return err
		}
		if created {
			if err := fsyncDir(f.root, parent); err != nil {
				return err
			}
		}
		parent = cur
	}
	return nil
}

// mkdirOne creates one directory, reporting whether it did; an existing
// directory is fine, an existing file is not.
func (f *FS) mkdirOne(p string) (bool, error) {
	err := f.root.Mkdir(p, 0o755)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return false, err
	}
	st, serr := f.root.Stat(p)
	if serr != nil {
		return false, serr
	}
	if !st.IsDir() {
		return false, &fs.PathError{Op: "mkdir", Path: p, Err: errors.New("not a directory")}
	}
	return false, nil
}
