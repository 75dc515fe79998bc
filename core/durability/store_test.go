package durability

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openT opens a Store on fs and fails the test on error.
func openT(t *testing.T, fs interface{}, opts Options) (*Store, *model, Recovery) {
	t.Helper()
	m := newModel()
	st, rec, err := Open(fs.(fsT), nopLog(), opts, m)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return st, m, rec
}

func checkPrefix(t *testing.T, m *model, k int64) {
	t.Helper()
	if d := cmp.Diff(prefixState(k).v, m.v, dcmp); d != "" {
		t.Fatalf("state differs from commits 1..%d (-want +got):\n%s", k, d)
	}
}

// TestGroupCommitSharesFsync: with one fsync at a time, commits arriving
// while an fsync runs wait for the next one and complete together, only
// after it.
func TestGroupCommitSharesFsync(t *testing.T) {
	fs, s, _ := newSimFS(1)
	st, _, _ := openT(t, fs, Options{SyncDepth: 1})
	s.drain()
	done := map[int64]bool{}
	appendTx := func(i int64) {
		st.Append(1, uint64(i), txDeltas(i), func(err error) {
			if err != nil {
				t.Fatalf("commit %d: %v", i, err)
			}
			done[i] = true
		})
	}
	appendTx(1)
	for len(done) == 0 && s.step() {
	}
	if !done[1] {
		t.Fatal("first commit never completed")
	}
	appendTx(2) // starts the next fsync
	for i := int64(3); i <= 10; i++ {
		appendTx(i) // these wait for the one after
	}
	if len(done) != 1 {
		t.Fatalf("commits completed before their fsync: %v", done)
	}
	s.step() // fsync covering 2
	if !done[2] || len(done) != 2 {
		t.Fatalf("after the second fsync: %v", done)
	}
	s.step() // one fsync covers 3..10
	if len(done) != 10 {
		t.Fatalf("3..10 did not share one fsync: %v", done)
	}
	if s.step() {
		t.Fatal("an fsync with nothing to cover ran")
	}
}

func TestReopenAfterClose(t *testing.T) {
	fs, s, _ := newSimFS(2)
	st, _, _ := openT(t, fs, Options{SegmentSize: 300})
	for i := int64(1); i <= 50; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(error) {})
		if i%3 == 0 {
			s.drain()
		}
	}
	closed := false
	st.Close(func(err error) { closed = err == nil })
	s.drain()
	if !closed {
		t.Fatal("close did not complete")
	}
	names, _ := fs.List(walDir)
	if len(names) < 5 {
		t.Fatalf("expected rotation into several segments, got %v", names)
	}
	fs.Crash(false)
	_, m, rec := openT(t, fs, Options{})
	checkPrefix(t, m, 50)
	if rec.LastTS != 50 || rec.Records != 50 || rec.TornTail {
		t.Fatalf("recovery %+v", rec)
	}
}

func TestAppendRejectsOldTimestamp(t *testing.T) {
	fs, s, _ := newSimFS(3)
	st, _, _ := openT(t, fs, Options{})
	st.Append(1, 5, txDeltas(1), func(error) {})
	var got error
	st.Append(1, 5, txDeltas(2), func(err error) { got = err })
	s.drain()
	if got == nil || !strings.Contains(got.Error(), "not after") {
		t.Fatalf("got %v", got)
	}
}

func TestSyncFailureStopsTheLog(t *testing.T) {
	fs, s, _ := newSimFS(4)
	st, _, _ := openT(t, fs, Options{})
	s.drain()
	fs.FailNextSync(errors.New("EIO"))
	var e1, e2 error
	st.Append(1, 1, txDeltas(1), func(err error) { e1 = err })
	s.drain()
	st.Append(1, 2, txDeltas(2), func(err error) { e2 = err })
	if !errors.Is(e1, ErrFailed) || !errors.Is(e2, ErrFailed) {
		t.Fatalf("errors %v, %v", e1, e2)
	}
}

func TestSyncEveryCompletesAtOnce(t *testing.T) {
	fs, s, _ := newSimFS(5)
	st, _, _ := openT(t, fs, Options{SyncEvery: 4})
	s.drain()
	n := 0
	for i := int64(1); i <= 10; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(err error) {
			if err == nil {
				n++
			}
		})
	}
	if n != 10 {
		t.Fatalf("%d of 10 completed before any fsync", n)
	}
	s.drain()
	fs.Crash(false)
	_, m, rec := openT(t, fs, Options{})
	// Records 1..8 were covered by the two fsyncs; 9 and 10 may be lost.
	if rec.LastTS < 8 {
		t.Fatalf("lost synced records: last %d", rec.LastTS)
	}
	checkPrefix(t, m, int64(rec.LastTS))
}

func TestSnapshotRetention(t *testing.T) {
	fs, s, _ := newSimFS(6)
	opts := Options{SegmentSize: 200, SnapshotRetention: 2, SnapshotChunkSize: 50}
	st, _, _ := openT(t, fs, opts)
	for i := int64(1); i <= 40; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(error) {})
		s.drain()
		if i%10 == 0 {
			var serr error = errors.New("pending")
			st.Snapshot(SnapshotInfo{Epoch: 1, TS: uint64(i)}, prefixState(i).source(), func(err error) { serr = err })
			s.drain()
			if serr != nil {
				t.Fatalf("snapshot at %d: %v", i, serr)
			}
		}
	}
	snaps, _ := fs.List(snapDir)
	if len(snaps) != 2 || !strings.HasPrefix(snaps[0], "00000000000000000030") {
		t.Fatalf("snapshots kept: %v", snaps)
	}
	segs, _ := fs.List(walDir)
	first, _ := parseTSName(segs[0], walSuffix)
	if first > 31 || first < 20 {
		t.Fatalf("segments kept: %v", segs)
	}
	for i := int64(41); i <= 45; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(error) {})
	}
	s.drain()
	fs.Crash(true)
	_, m, rec := openT(t, fs, opts)
	if rec.Snapshot == nil || rec.Snapshot.TS != 40 || rec.Records != 5 {
		t.Fatalf("recovery %+v", rec)
	}
	checkPrefix(t, m, 45)
}

// TestCorruptionInTheMiddle flips a bit in a record before the tail: Open
// refuses with the file and offset, and with StartDespiteCorruption starts
// from the valid records before it, moving the rest aside.
func TestCorruptionInTheMiddle(t *testing.T) {
	for _, seg := range []int{0, -1} { // a middle segment, and mid-way in the last one
		fs, s, _ := newSimFS(7)
		opts := Options{SegmentSize: 400}
		st, _, _ := openT(t, fs, opts)
		for i := int64(1); i <= 40; i++ {
			st.Append(1, uint64(i), txDeltas(i), func(error) {})
			s.drain()
		}
		names, _ := fs.List(walDir)
		if seg < 0 {
			seg = len(names) - 1
		}
		name := walDir + "/" + names[seg]
		data, _ := fs.ReadFile(name)
		first, _ := parseTSName(names[seg], walSuffix)
		sc := scanSegment(name, first, data, false)
		if len(sc.offs) < 3 {
			t.Fatalf("segment %s has %d records", name, len(sc.offs))
		}
		badOff := sc.offs[1]
		if err := fs.FlipBit(name, badOff+frameHeaderSize+1); err != nil {
			t.Fatal(err)
		}
		fs.Crash(false)
		_, _, err := Open(fs, nopLog(), opts, newModel())
		var ce *CorruptionError
		if !errors.As(err, &ce) || ce.File != name || ce.Offset != badOff {
			t.Fatalf("got %v, want corruption in %s at %d", err, name, badOff)
		}
		if !strings.Contains(err.Error(), name) {
			t.Fatalf("message does not name the file: %v", err)
		}
		opts.StartDespiteCorruption = true
		st2, m, rec := openT(t, fs, opts)
		want := int64(sc.recs[0].TS)
		if !rec.SkippedCorrupt || rec.LastTS != uint64(want) {
			t.Fatalf("recovery %+v, want last %d", rec, want)
		}
		checkPrefix(t, m, want)
		// The instance goes on from there; a later recovery sees one history.
		for i := want + 1; i <= want+5; i++ {
			st2.Append(1, uint64(i), txDeltas(i), func(error) {})
		}
		s.drain()
		fs.Crash(false)
		opts.StartDespiteCorruption = false
		_, m, _ = openT(t, fs, opts)
		checkPrefix(t, m, want+5)
	}
}

func TestCursorReadsAfter(t *testing.T) {
	fs, s, _ := newSimFS(8)
	opts := Options{SegmentSize: 300, SnapshotRetention: 1}
	st, _, _ := openT(t, fs, opts)
	for i := int64(1); i <= 40; i++ {
		st.Append(2, uint64(i), txDeltas(i), func(error) {})
		s.drain()
	}
	for _, after := range []uint64{0, 1, 17, 39, 40} {
		for _, chunk := range []int{1, 50, 1 << 20} {
			recs, err := drainCursor(st.NewCursor(after, chunk))
			if err != nil {
				t.Fatalf("after %d: %v", after, err)
			}
			if len(recs) != int(40-after) {
				t.Fatalf("after %d chunk %d: %d records", after, chunk, len(recs))
			}
			for i, r := range recs {
				want := after + uint64(i) + 1
				if r.TS != want || r.Epoch != 2 || r.PrevTS != want-1 {
					t.Fatalf("after %d: record %d is %+v", after, i, r)
				}
				if d := cmp.Diff(txDeltas(int64(want)), r.Deltas, dcmp); d != "" {
					t.Fatal(d)
				}
			}
		}
	}
	var serr error = errors.New("pending")
	st.Snapshot(SnapshotInfo{Epoch: 2, TS: 30}, prefixState(30).source(), func(err error) { serr = err })
	s.drain()
	if serr != nil {
		t.Fatal(serr)
	}
	if _, err := drainCursor(st.NewCursor(2, 0)); !errors.Is(err, ErrLogGone) {
		t.Fatalf("reading past retention: %v", err)
	}
	info, ds, err := ReadSnapshot(fs, st.Snapshots()[0].Name)
	if err != nil || info.TS != 30 {
		t.Fatalf("snapshot %+v: %v", info, err)
	}
	m := newModel()
	if err := m.apply(ds); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(prefixState(30).v, m.v, dcmp); d != "" {
		t.Fatal(d)
	}
}

// TestFlushWithSyncEvery: Flush makes records durable that SyncEvery left
// buffered or unsynced.
func TestFlushWithSyncEvery(t *testing.T) {
	fs, s, _ := newSimFS(9)
	st, _, _ := openT(t, fs, Options{SyncEvery: 100, Defer: func(f func()) { s.After(0, f) }})
	s.drain()
	for i := int64(1); i <= 3; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(error) {})
	}
	flushed := false
	st.Flush(func(err error) { flushed = err == nil })
	s.drain()
	if !flushed {
		t.Fatal("flush did not complete")
	}
	fs.Crash(false)
	_, m, rec := openT(t, fs, Options{})
	if rec.LastTS != 3 {
		t.Fatalf("recovered to %d after Flush, want 3", rec.LastTS)
	}
	checkPrefix(t, m, 3)
}
