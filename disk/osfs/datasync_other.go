//go:build !linux

package osfs

import "os"

// datasync makes f's data durable: fsync(2) where fdatasync is not to hand.
func datasync(f *os.File) error { return f.Sync() }
