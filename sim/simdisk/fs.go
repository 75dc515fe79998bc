package simdisk

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/quiverdb/quiver/disk"
)

// Scheduler runs f on the node's loop once d of virtual time has passed. The
// simulated world provides it.
type Scheduler interface {
	After(d time.Duration, f func())
}

// Latency draws one sync latency from the FS's random source.
type Latency func(r *rand.Rand) time.Duration

// Uniform returns a Latency drawn uniformly from [lo, hi].
func Uniform(lo, hi time.Duration) Latency {
	if hi < lo {
		lo, hi = hi, lo
	}
	return func(r *rand.Rand) time.Duration {
		return lo + time.Duration(r.Int64N(int64(hi-lo)+1))
	}
}

// DefaultSyncLatency is the sync latency of a new FS: 0.5 to 5 ms, uniform.
var DefaultSyncLatency = Uniform(500*time.Microsecond, 5*time.Millisecond)

// ErrFull is returned by Append while the disk is full. It wraps
// syscall.ENOSPC, as the real file system's error does.
var ErrFull = fmt.Errorf("simdisk: disk full: %w", syscall.ENOSPC)

// ErrStale is returned by a File opened before a Crash or Wipe.
var ErrStale = errors.New("simdisk: stale file handle (opened before a crash)")

var (
	errIsDir    = errors.New("is a directory")
	errNotDir   = errors.New("not a directory")
	errNotEmpty = errors.New("directory not empty")
)

// FS is a simulated disk.FS. See the package documentation for its rules.
type FS struct {
	sched Scheduler
	rng   *rand.Rand
	root  *inode

	// incarnation changes at every Crash and Wipe; work captured under an
	// older one is dropped.
	incarnation uint64
	// versions is the source of version numbers for files and directories.
	versions uint64

	latency   Latency
	slowExtra time.Duration
	nextWrite error
	nextSync  error
	full      bool
	readFlipP float64

	inflight int                         // syncs started and not completed
	onSync   func(latency time.Duration) // OnSync's hook

	faults Faults
}

// Faults counts the faults an FS actually injected, by kind.
type Faults struct {
	FailedWrites int // appends failed by FailNextWrite
	FailedSyncs  int // Syncs and SyncDirs failed by FailNextSync
	// UnreportedSyncErrors counts syncs that completed without an error
	// although a write-back failed while they ran, because another sync of
	// the same handle had reported it (what a caller must not rely on).
	UnreportedSyncErrors int
	SlowedSyncs          int   // syncs delayed by SlowSync
	FullRejections       int   // appends refused because the disk was full
	ReadFlips            int   // reads that returned a flipped bit
	BitFlips             int   // bits flipped in stored data by FlipBit
	Crashes              int   // calls to Crash
	TornFiles            int   // files that kept a torn prefix of unsynced appends
	LostBytes            int64 // unsynced file bytes dropped by crashes
	Wipes                int   // calls to Wipe
}

// Add returns the sum of two counts, for totals over nodes.
func (a Faults) Add(b Faults) Faults {
	return Faults{
		FailedWrites:         a.FailedWrites + b.FailedWrites,
		FailedSyncs:          a.FailedSyncs + b.FailedSyncs,
		UnreportedSyncErrors: a.UnreportedSyncErrors + b.UnreportedSyncErrors,
		SlowedSyncs:          a.SlowedSyncs + b.SlowedSyncs,
		FullRejections:       a.FullRejections + b.FullRejections,
		ReadFlips:            a.ReadFlips + b.ReadFlips,
		BitFlips:             a.BitFlips + b.BitFlips,
		Crashes:              a.Crashes + b.Crashes,
		TornFiles:            a.TornFiles + b.TornFiles,
		LostBytes:            a.LostBytes + b.LostBytes,
		Wipes:                a.Wipes + b.Wipes,
	}
}

var _ disk.FS = (*FS)(nil)

// New returns an empty FS whose syncs complete through sched and whose
// random choices come from rng.
func New(sched Scheduler, rng *rand.Rand) *FS {
	return &FS{sched: sched, rng: rng, root: newDir(), latency: DefaultSyncLatency}
}

// nextVersion returns a fresh, increasing version number.
func (f *FS) nextVersion() uint64 {
	f.versions++
	return f.versions
}

// Create creates or truncates the named file and opens it.
func (f *FS) Create(name string) (disk.File, error) {
	p, err := cleanPath("create", name)
	if err != nil {
		return nil, err
	}
	dir, base, err := f.parentOf("create", p)
	if err != nil {
		return nil, err
	}
	n, ok := dir.entries[base]
	switch {
	case ok && n.dir:
		return nil, &fs.PathError{Op: "create", Path: name, Err: errIsDir}
	case ok:
		f.setData(n, nil)
	default:
		n = &inode{}
		f.setEntry(dir, base, n)
	}
	return f.handle(n, p), nil
}

// Open opens an existing file.
func (f *FS) Open(name string) (disk.File, error) {
	p, err := cleanPath("open", name)
	if err != nil {
		return nil, err
	}
	n, err := f.lookupFile("open", p)
	if err != nil {
		return nil, err
	}
	return f.handle(n, p), nil
}

// ReadFile returns a copy of the named file's current contents, subject to
// FlipBitsOnRead.
func (f *FS) ReadFile(name string) ([]byte, error) {
	p, err := cleanPath("read", name)
	if err != nil {
		return nil, err
	}
	n, err := f.lookupFile("read", p)
	if err != nil {
		return nil, err
	}
	b := append([]byte(nil), n.data...)
	f.maybeFlipRead(b)
	return b, nil
}

// Size returns the named file's current size.
func (f *FS) Size(name string) (int64, error) {
	p, err := cleanPath("size", name)
	if err != nil {
		return 0, err
	}
	n, err := f.lookupFile("size", p)
	if err != nil {
		return 0, err
	}
	return int64(len(n.data)), nil
}

// List returns the sorted names of a directory's current entries.
func (f *FS) List(dir string) ([]string, error) {
	p, err := cleanPath("list", dir)
	if err != nil {
		return nil, err
	}
	d, err := f.lookupDir("list", p)
	if err != nil {
		return nil, err
	}
	return sortedNames(d.entries), nil
}
