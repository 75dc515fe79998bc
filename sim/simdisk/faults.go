package simdisk

import (
	"io/fs"
	"time"
)

// SetSyncLatency sets the distribution that Sync and SyncDir latencies are
// drawn from.
func (f *FS) SetSyncLatency(l Latency) { f.latency = l }

// FailNextWrite makes the next Append fail with err and write nothing.
func (f *FS) FailNextWrite(err error) { f.nextWrite = err }

// FailNextSync makes the write-back of the next Sync or SyncDir fail with
// err: it completes with err and makes nothing durable. A failed file sync
// also fails the next sync to complete on every other handle of the file,
// and silences syncs of its own handle that were in flight with it (see
// the package documentation).
func (f *FS) FailNextSync(err error) { f.nextSync = err }

// SlowSync adds extra to the latency of every Sync and SyncDir started from
// now on; SlowSync(0) ends it.
func (f *FS) SlowSync(extra time.Duration) { f.slowExtra = extra }

// SetFull makes every Append fail with ErrFull while full is true.
func (f *FS) SetFull(full bool) { f.full = full }

// FlipBitsOnRead makes each read (ReadAt, ReadFile) that returns data flip
// one random bit of the returned bytes with probability p. The stored data
// is unchanged. FlipBitsOnRead(0) ends it.
func (f *FS) FlipBitsOnRead(p float64) { f.readFlipP = p }

// FlipBit corrupts the stored file: it flips the lowest bit of the byte at
// offset off, in the current contents and, if they reach that far, in the
// synced contents too, so the damage survives a crash.
func (f *FS) FlipBit(name string, off int64) error {
	p, err := cleanPath("flipbit", name)
	if err != nil {
		return err
	}
	n, err := f.lookupFile("flipbit", p)
	if err != nil {
		return err
	}
	if off < 0 || off >= int64(len(n.data)) {
		return &fs.PathError{Op: "flipbit", Path: name, Err: fs.ErrInvalid}
	}
	n.data = flipped(n.data, off)
	if off < int64(len(n.synced)) {
		n.synced = flipped(n.synced, off)
	}
	f.faults.BitFlips++
	return nil
}

// Faults returns the counts of faults injected so far.
func (f *FS) Faults() Faults { return f.faults }

// flipped returns a copy of b with the lowest bit of b[off] flipped; copying
// keeps captured sync snapshots intact.
func flipped(b []byte, off int64) []byte {
	c := append([]byte(nil), b...)
	c[off] ^= 1
	return c
}

// writeFault returns the error an Append must fail with, if any, and counts
// it.
func (f *FS) writeFault() error {
	if f.full {
		f.faults.FullRejections++
		return ErrFull
	}
	if err := f.nextWrite; err != nil {
		f.nextWrite = nil
		f.faults.FailedWrites++
		return err
	}
	return nil
}

// takeSyncFault consumes the FailNextSync error, if any, and counts it.
func (f *FS) takeSyncFault() error {
	err := f.nextSync
	if err != nil {
		f.nextSync = nil
		f.faults.FailedSyncs++
	}
	return err
}

// maybeFlipRead flips one random bit of b with the FlipBitsOnRead
// probability.
func (f *FS) maybeFlipRead(b []byte) {
	if f.readFlipP <= 0 || len(b) == 0 || f.rng.Float64() >= f.readFlipP {
		return
	}
	i := f.rng.IntN(len(b) * 8)
	b[i/8] ^= 1 << (i % 8)
	f.faults.ReadFlips++
}
