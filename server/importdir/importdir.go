// Package importdir is the file source LOAD CSV reads through: files inside
// one import directory (--import-directory) and nothing else. Paths are
// resolved with os.Root, so neither ".." nor a symbolic link can lead out.
package importdir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Dir opens files inside one directory. It is safe for concurrent use.
type Dir struct {
	path string
	root *os.Root
}

// Open opens the import directory, which must exist.
func Open(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("--import-directory %s: %v", dir, err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("--import-directory %s cannot be opened: %v", dir, err)
	}
	return &Dir{path: abs, root: root}, nil
}

// Path is the import directory's absolute path.
func (d *Dir) Path() string { return d.path }

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// Open opens name for reading. A relative name is taken from the import
// directory; an absolute one (or a file:// URL) must lie inside it. Names
// that lead outside, through ".." or a symbolic link, and anything that is
// not a regular file are refused.
func (d *Dir) Open(name string) (io.ReadCloser, error) {
	rel, err := d.relative(name)
	if err != nil {
		return nil, err
	}
	f, err := d.root.Open(rel)
	if err != nil {
		return nil, d.explain(name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	return f, nil
}

// relative turns name into a path relative to the directory.
func (d *Dir) relative(name string) (string, error) {
	p := strings.TrimPrefix(name, "file://")
	if p == "" {
		return "", errors.New("the file name is empty")
	}
	if filepath.IsAbs(p) {
		rel, err := filepath.Rel(d.path, filepath.Clean(p))
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", d.outside(name)
		}
		p = rel
	}
	if c := filepath.Clean(p); c == ".." || strings.HasPrefix(c, ".."+string(filepath.Separator)) {
		return "", d.outside(name)
	}
	return p, nil
}

func (d *Dir) outside(name string) error {
	return fmt.Errorf("%s is outside the import directory %s; LOAD CSV reads only files inside it", name, d.path)
}

// explain words an open error for the user; os.Root reports a path that a
// symbolic link leads out of the directory as an escape.
func (d *Dir) explain(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s does not exist in the import directory %s", name, d.path)
	case strings.Contains(err.Error(), "escapes"):
		return fmt.Errorf("%s leads outside the import directory %s (through a symbolic link or ..); LOAD CSV reads only files inside it", name, d.path)
	}
	return err
}
