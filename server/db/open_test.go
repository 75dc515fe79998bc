package db

import (
	"errors"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/disk/osfs"
)

// TestSecondOpenRefused: while one DB holds a data directory, a second Open
// of it fails naming the holder, and touches nothing; after Close the
// directory opens again.
func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(Config{Dir: dir, WAL: true, Owner: "bolt first:7687"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(Config{Dir: dir, WAL: true, Owner: "bolt second:7687"})
	if !errors.Is(err, osfs.ErrInUse) || !strings.Contains(err.Error(), "bolt first:7687") {
		t.Fatalf("second open: %v, want in use by the first", err)
	}
	d.Close()
	d2, err := Open(Config{Dir: dir, WAL: true})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	d2.Close()
}
