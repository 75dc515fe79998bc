package simdisk

import (
	"encoding/binary"
	"hash/fnv"
	"time"
)

// DurableHash is a canonical hash of what would survive a crash right now:
// the durable directory entries, depth first in name order, and each file's
// synced contents. Two disks with the same durable state hash the same,
// whatever they hold only in cache. It reads and changes nothing.
func (f *FS) DurableHash() uint64 {
	h := fnv.New64a()
	var buf [8]byte
	word := func(x uint64) {
		binary.LittleEndian.PutUint64(buf[:], x)
		h.Write(buf[:])
	}
	var walk func(d *inode)
	seen := map[*inode]bool{}
	walk = func(d *inode) {
		names := sortedNames(d.durable)
		word(uint64(len(names)))
		for _, name := range names {
			child := d.durable[name]
			word(uint64(len(name)))
			h.Write([]byte(name))
			switch {
			case seen[child]: // a hard link or a cycle: named, not walked twice
				word(2)
			case child.dir:
				seen[child] = true
				word(1)
				walk(child)
			default:
				seen[child] = true
				word(0)
				word(uint64(len(child.synced)))
				h.Write(child.synced)
			}
		}
	}
	seen[f.root] = true
	walk(f.root)
	return h.Sum64()
}

// Dirty reports whether a crash now would lose something: a file whose
// contents differ from its synced ones, or a directory whose entries differ
// from its durable ones.
func (f *FS) Dirty() bool {
	seen := map[*inode]bool{}
	var dirty func(n *inode) bool
	dirty = func(n *inode) bool {
		if seen[n] {
			return false
		}
		seen[n] = true
		if !n.dir {
			return n.version != n.syncedVersion
		}
		if n.entriesVersion != n.durableVersion {
			return true
		}
		for _, name := range sortedNames(n.entries) {
			if dirty(n.entries[name]) {
				return true
			}
		}
		return false
	}
	return dirty(f.root)
}

// SyncsInFlight is the number of Syncs and SyncDirs started and not yet
// completed (a crash drops them).
func (f *FS) SyncsInFlight() int { return f.inflight }

// OnSync registers fn, called whenever a Sync or SyncDir starts, with the
// latency its completion was drawn to take. A nemesis uses it to aim a
// crash inside that window, when synced and written data differ. fn runs
// inside the caller's Sync; it must not call back into the FS's node.
func (f *FS) OnSync(fn func(latency time.Duration)) { f.onSync = fn }
