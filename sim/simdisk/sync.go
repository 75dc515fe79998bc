package simdisk

import (
	"io/fs"
	"time"
)

// syncFile captures the file as it is now and makes that durable after a
// drawn latency, unless a fault or a crash intervenes. Syncs complete in the
// order of their drawn latencies, not of their calls. A fault fails this
// sync's write-back when it completes; like Linux, the failure is then
// reported once per handle, to the first sync that completes on it from
// then on (this one, for its own handle), and none of those makes anything
// durable. A sync whose handle already reported a failure that happened
// while it was in flight completes without an error and makes nothing
// durable either: the pages it was to write were lost, and Linux does not
// report that twice to one open file description.
func (f *FS) syncFile(h *file, done func(error)) {
	n := h.n
	data, version, seq := n.data[:len(n.data):len(n.data)], n.version, n.errSeq
	fail := f.takeSyncFault()
	f.completeSync(func() {
		if fail != nil {
			n.errSeq++
			n.lastErr = fail
		}
		switch {
		case n.errSeq > h.seen:
			h.seen = n.errSeq
			done(&fs.PathError{Op: "sync", Path: h.name, Err: n.lastErr})
			return
		case n.errSeq > seq:
			f.faults.UnreportedSyncErrors++
			done(nil)
			return
		}
		if version > n.syncedVersion {
			n.synced, n.syncedVersion = data, version
		}
		done(nil)
	})
}

// SyncDir makes the directory's entries as of now durable and calls done
// later, on the loop.
func (f *FS) SyncDir(dir string, done func(error)) {
	p, err := cleanPath("syncdir", dir)
	if err == nil {
		var d *inode
		if d, err = f.lookupDir("syncdir", p); err == nil {
			f.syncEntries(d, p, done)
			return
		}
	}
	f.completeLater(0, func() { done(err) })
}

// syncEntries is SyncDir on a resolved directory.
func (f *FS) syncEntries(d *inode, name string, done func(error)) {
	entries, version := cloneEntries(d.entries), d.entriesVersion
	fail := f.takeSyncFault()
	f.completeSync(func() {
		if fail != nil {
			done(&fs.PathError{Op: "syncdir", Path: name, Err: fail})
			return
		}
		if version > d.durableVersion {
			d.durable, d.durableVersion = entries, version
		}
		done(nil)
	})
}

// completeSync runs fn after a drawn sync latency, counting it in flight
// meanwhile and telling the OnSync hook.
func (f *FS) completeSync(fn func()) {
	d := f.drawSyncLatency()
	f.inflight++
	if f.onSync != nil {
		f.onSync(d)
	}
	f.completeLater(d, func() {
		f.inflight--
		fn()
	})
}

// completeLater runs f through the scheduler after d, and never if a crash
// or wipe happens first.
func (f *FS) completeLater(d time.Duration, fn func()) {
	inc := f.incarnation
	f.sched.After(d, func() {
		if inc == f.incarnation {
			fn()
		}
	})
}

// drawSyncLatency draws one sync's latency, plus the SlowSync extra.
func (f *FS) drawSyncLatency() time.Duration {
	d := f.latency(f.rng)
	if f.slowExtra > 0 {
		d += f.slowExtra
		f.faults.SlowedSyncs++
	}
	return d
}
