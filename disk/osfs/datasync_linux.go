//go:build linux

package osfs

import (
	"os"
	"syscall"
)

// datasync makes f's data durable with the metadata needed to read it back
// (its size, its blocks) but not its times: fdatasync(2). Writes into
// blocks the file already holds (FS.Preallocate) then need no journal
// commit.
func datasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if serr = syscall.Fdatasync(int(fd)); serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}
