package durability

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/disk"
)

// drainCursor steps c until it is caught up (a test's loop; a node runs
// one step per turn).
func drainCursor(c *Cursor) ([]Record, error) {
	var out []Record
	for {
		recs, more, err := c.Next()
		out = append(out, recs...)
		if err != nil || !more {
			return out, err
		}
	}
}

// countFS counts the bytes and calls of every read through it.
type countFS struct {
	disk.FS
	bytes, calls, files int64
}

func (c *countFS) Open(name string) (disk.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	c.files++
	return countFile{f, c}, nil
}

func (c *countFS) ReadFile(name string) ([]byte, error) {
	b, err := c.FS.ReadFile(name)
	c.bytes += int64(len(b))
	c.calls++
	return b, err
}

type countFile struct {
	disk.File
	c *countFS
}

func (f countFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	f.c.bytes += int64(n)
	f.c.calls++
	return n, err
}

// TestCursorCostIsLinear: reading the last N records of a long WAL costs
// about their size in reads, plus at most one segment, however many
// segments come before them; the old whole-segment reads cost the size of
// every segment they touched, at every call.
func TestCursorCostIsLinear(t *testing.T) {
	const segSize = 4 << 10
	type cost struct{ bytes, calls int64 }
	measure := func(total, n int) (cost, int64) {
		sfs, s, _ := newSimFS(3)
		fs := &countFS{FS: sfs}
		st, _, _ := openT(t, sfs, Options{SegmentSize: segSize})
		for i := 1; i <= total; i++ {
			st.Append(1, uint64(i), txDeltas(int64(i)), func(error) {})
			s.drain()
		}
		st.fs = fs // count the cursor's reads only
		recs, err := drainCursor(st.NewCursor(uint64(total-n), 1024))
		if err != nil || len(recs) != n {
			t.Fatalf("total %d: %d records, %v", total, len(recs), err)
		}
		var size int64
		for i := total - n + 1; i <= total; i++ {
			size += int64(len(AppendRecord(nil, &Record{Epoch: 1, TS: uint64(i), PrevTS: uint64(i - 1), Deltas: txDeltas(int64(i))})))
		}
		return cost{fs.bytes, fs.calls}, size
	}
	for _, n := range []int{10, 100, 1000} {
		short, _ := measure(n+10, n)
		long, size := measure(n+20000, n)
		t.Logf("N=%d (%d bytes of records): %d bytes in %d reads after 10 records, %d bytes in %d reads after 20000",
			n, size, short.bytes, short.calls, long.bytes, long.calls)
		if long.bytes > size+2*segSize {
			t.Errorf("N=%d: read %d bytes for %d bytes of records behind 20000 others", n, long.bytes, size)
		}
		if long.calls > (size+segSize)/1024+2*(size/segSize+2) {
			t.Errorf("N=%d: %d read calls for %d bytes", n, long.calls, size)
		}
	}
}

// TestCursorResumesAndFollows: a cursor caught up with the WAL picks up
// records appended later, across segment rotations, step by step; a
// segment retired under it is ErrLogGone.
func TestCursorResumesAndFollows(t *testing.T) {
	fs, s, _ := newSimFS(4)
	st, _, _ := openT(t, fs, Options{SegmentSize: 500, SnapshotRetention: 1})
	c := st.NewCursor(0, 64)
	var got []Record
	for i := int64(1); i <= 30; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(error) {})
		if i%3 == 0 {
			s.drain()
			recs, err := drainCursor(c)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, recs...)
			if len(got) != int(i) {
				t.Fatalf("after %d appends the cursor read %d", i, len(got))
			}
		}
	}
	for i, r := range got {
		if r.TS != uint64(i+1) || !cmp.Equal(r.Deltas, txDeltas(int64(i+1)), dcmp) {
			t.Fatalf("record %d is %+v", i, r)
		}
	}
	if len(st.segs) < 3 {
		t.Fatalf("only %d segments: the test needs rotations", len(st.segs))
	}
	// A cursor that read a whole segment goes on when retention removes
	// it; one that still needed it gets ErrLogGone.
	whole := st.NewCursor(0, 1<<20)
	var seen []Record
	for whole.rd == nil || whole.rd.Offset() < whole.limit(0) {
		recs, _, err := whole.Next()
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, recs...)
	}
	lag := st.NewCursor(2, 64)
	if recs, _, err := lag.Next(); err != nil || len(recs) != 0 {
		t.Fatalf("first step (the header): %v, %v", recs, err)
	}
	end := st.segs[1].firstTS - 1 // the first segment's last record
	if uint64(len(seen)) != end {
		t.Fatalf("read %d records of the first segment, which ends at %d", len(seen), end)
	}
	st.Snapshot(SnapshotInfo{Epoch: 1, TS: end}, prefixState(int64(end)).source(), func(error) {})
	s.drain()
	if st.segs[0].firstTS != end+1 {
		t.Fatalf("the snapshot at %d left segments from %d", end, st.segs[0].firstTS)
	}
	if _, err := drainCursor(lag); !errors.Is(err, ErrLogGone) {
		t.Fatalf("segment retired under the cursor: %v", err)
	}
	if _, _, err := lag.Next(); !errors.Is(err, ErrLogGone) {
		t.Fatal("the error is not sticky")
	}
	rest, err := drainCursor(whole)
	if err != nil || len(seen)+len(rest) != 30 || rest[len(rest)-1].TS != 30 {
		t.Fatalf("after its segment was retired the cursor read %d more (%d before): %v", len(rest), len(seen), err)
	}
}

// TestCursorReportsCorruption: a flipped bit inside a record the cursor
// reads is a CorruptionError naming the file and offset.
func TestCursorReportsCorruption(t *testing.T) {
	fs, s, _ := newSimFS(5)
	st, _, _ := openT(t, fs, Options{})
	for i := int64(1); i <= 5; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(error) {})
	}
	s.drain()
	name := st.segs[0].name
	if err := fs.FlipBit(name, segHeaderSize+frameHeaderSize+2); err != nil {
		t.Fatal(err)
	}
	_, err := drainCursor(st.NewCursor(0, 0))
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.File != name || ce.Offset != segHeaderSize {
		t.Fatalf("got %v", err)
	}
}

// TestCursorWithoutWAL: with the WAL off there is nothing to read after a
// commit: the reader needs a snapshot.
func TestCursorWithoutWAL(t *testing.T) {
	fs, s, _ := newSimFS(6)
	st, _, _ := openT(t, fs, Options{DisableWAL: true})
	c := st.NewCursor(0, 0)
	if recs, more, err := c.Next(); err != nil || more || len(recs) != 0 {
		t.Fatalf("empty store: %v %v %v", recs, more, err)
	}
	done := false
	st.Append(1, 1, txDeltas(1), func(err error) { done = err == nil })
	s.drain()
	if !done {
		t.Fatal("append without a WAL did not complete at once")
	}
	if names, _ := fs.List(walDir); len(names) != 0 {
		t.Fatalf("WAL files written: %v", names)
	}
	if _, _, err := c.Next(); !errors.Is(err, ErrLogGone) {
		t.Fatalf("reading a commit the WAL never held: %v", err)
	}
}
