package simdisk

import "bytes"

// Crash drops all volatile state, as a power failure would: files revert to
// their synced contents and directories to their durable entries; with torn,
// files may keep a random prefix of their unsynced appends. Pending syncs
// never complete, and handles opened before now fail with ErrStale.
func (f *FS) Crash(torn bool) {
	f.incarnation++
	f.inflight = 0
	f.faults.Crashes++
	seen := map[*inode]bool{}
	f.recoverDir(f.root, torn, seen)
}

// Wipe leaves an empty disk, as after replacing it. Pending syncs never
// complete, and handles opened before now fail with ErrStale.
func (f *FS) Wipe() {
	f.incarnation++
	f.inflight = 0
	f.faults.Wipes++
	f.root = newDir()
}

// recoverDir reverts a directory to its durable entries and recovers each,
// in name order so the random draws are deterministic.
func (f *FS) recoverDir(d *inode, torn bool, seen map[*inode]bool) {
	if seen[d] {
		return
	}
	seen[d] = true
	d.entries = cloneEntries(d.durable)
	d.entriesVersion = d.durableVersion
	for _, name := range sortedNames(d.entries) {
		child := d.entries[name]
		if child.dir {
			f.recoverDir(child, torn, seen)
		} else if !seen[child] {
			seen[child] = true
			f.recoverFile(child, torn)
		}
	}
}

// recoverFile reverts a file to its synced contents, or with torn to those
// plus a random prefix of its unsynced appends.
func (f *FS) recoverFile(n *inode, torn bool) {
	keep := len(n.synced)
	if appendedOnly(n) {
		unsynced := len(n.data) - len(n.synced)
		f.faults.LostBytes += int64(unsynced)
		if torn && unsynced > 0 {
			extra := f.rng.IntN(unsynced + 1)
			keep += extra
			f.faults.LostBytes -= int64(extra)
			if extra > 0 {
				f.faults.TornFiles++
			}
		}
		n.data = n.data[:keep:keep]
	} else {
		n.data = n.synced
	}
	n.synced = n.data
	n.version = f.nextVersion()
	n.syncedVersion = n.version
}

// appendedOnly reports whether the file's unsynced changes are appends: its
// synced contents are a prefix of its current ones.
func appendedOnly(n *inode) bool {
	return len(n.data) >= len(n.synced) && bytes.Equal(n.data[:len(n.synced)], n.synced)
}
