package osfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockName is the file in a data directory whose lock marks the directory
// in use. It holds a line about the holder, for the error a second opener
// gets.
const LockName = "quiver.lock"

// ErrInUse is wrapped by the error of LockDir when the directory is held.
var ErrInUse = errors.New("data directory in use")

// InUseError reports a data directory locked by another opener: another
// process, or another LockDir in this one.
type InUseError struct {
	Dir    string // the data directory
	Holder string // what the holder wrote about itself ("" if unknown)
}

// Error names the directory and the holder.
func (e *InUseError) Error() string {
	h := e.Holder
	if h == "" {
		h = "a holder that has not described itself yet"
	}
	return fmt.Sprintf("data directory %s is in use by %s (lock file %s); two servers writing one WAL would corrupt it",
		e.Dir, h, filepath.Join(e.Dir, LockName))
}

// Unwrap makes errors.Is(err, ErrInUse) true.
func (e *InUseError) Unwrap() error { return ErrInUse }

// DirLock is an exclusive lock on a data directory (flock on its lock
// file), held until Unlock or the end of the process: a crash releases it
// too, so a stale lock file never blocks a restart.
type DirLock struct{ f *os.File }

// LockDir creates dir if needed and locks it for this opener, recording in
// the lock file this process's id, host name and start time, and about,
// what else identifies it (a listening address, say). When the directory is
// locked already it returns an *InUseError naming the holder.
func LockDir(dir, about string) (*DirLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	name := filepath.Join(dir, LockName)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	held, err := tryLock(f)
	if err != nil || held {
		holder, _ := os.ReadFile(name)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", name, err)
		}
		return nil, &InUseError{Dir: dir, Holder: strings.TrimSpace(string(holder))}
	}
	if err := describe(f, about); err != nil {
		f.Close() // closing releases the lock
		return nil, fmt.Errorf("writing %s: %w", name, err)
	}
	return &DirLock{f: f}, nil
}

// describe writes the holder line into the locked file.
func describe(f *os.File, about string) error {
	host, _ := os.Hostname()
	line := fmt.Sprintf("pid %d on host %s, since %s", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if about != "" {
		line += ", " + about
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(line+"\n"), 0)
	return err
}

// Unlock releases the directory. The lock file stays; its content is only
// read while it is locked.
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
