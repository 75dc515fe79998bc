package durability

import (
	"errors"
	"testing"
)

// TestRecoverReservedZeros: a host file system that reserves zeros ahead of
// appends (osfs's Preallocate) can leave them after a crash, past the last
// record of a segment whose cut was not yet durable and past a write torn
// inside them. Recovery keeps every whole record, truncates the torn tail,
// and cuts the zeros off the earlier segment so that a cursor reads
// through it; without that it refused to start, calling them corruption.
func TestRecoverReservedZeros(t *testing.T) {
	fs, s, _ := newSimFS(11)
	opts := Options{SegmentSize: 300}
	st, _, _ := openT(t, fs, opts)
	const n = 33
	for i := int64(1); i <= n; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(error) {})
		s.drain()
	}
	names, _ := fs.List(walDir)
	if len(names) < 3 {
		t.Fatalf("want several segments, got %v", names)
	}
	middle, last := walDir+"/"+names[1], walDir+"/"+names[len(names)-1]
	middleSize, _ := fs.Size(middle)
	lastData, _ := fs.ReadFile(last)
	first, _ := parseTSName(names[len(names)-1], walSuffix)
	sc := scanSegment(last, first, lastData, true)
	if len(sc.offs) < 2 {
		t.Fatalf("last segment holds %d records", len(sc.offs))
	}
	// The last record's write torn after a few bytes, zeros after it.
	cutAt := sc.offs[len(sc.offs)-1] + 5
	durably(t, fs, s, last, func(h fileT) error {
		if err := h.Truncate(cutAt); err != nil {
			return err
		}
		return h.Append(make([]byte, 700))
	})
	durably(t, fs, s, middle, func(h fileT) error { return h.Append(make([]byte, 500)) })
	fs.Crash(false)

	st2, m, rec := openT(t, fs, opts)
	checkPrefix(t, m, n-1)
	if rec.LastTS != n-1 || !rec.TornTail {
		t.Fatalf("recovery %+v, want the last record torn off", rec)
	}
	if size, _ := fs.Size(middle); size != middleSize {
		t.Fatalf("the earlier segment holds %d bytes after recovery, want its %d bytes of records", size, middleSize)
	}
	s.drain()
	recs, err := drainCursor(st2.NewCursor(0, 64))
	if err != nil || len(recs) != n-1 {
		t.Fatalf("cursor read %d records: %v", len(recs), err)
	}
}

// fileT is the file the tests write directly.
type fileT = interface {
	Append(p []byte) error
	Truncate(size int64) error
	Sync(done func(error))
	Close() error
}

// durably changes the named file with change and syncs it, so that the
// change survives a crash.
func durably(t *testing.T, fs fsT, s *sched, name string, change func(fileT) error) {
	t.Helper()
	h, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := change(h); err != nil {
		t.Fatal(err)
	}
	var serr error = errors.New("sync pending")
	h.Sync(func(err error) { serr = err })
	s.drain()
	if serr != nil {
		t.Fatal(serr)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
}
