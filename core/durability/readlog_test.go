package durability

import (
	"testing"
)

// TestReadLogReadsEveryRecordInOrder: across segment rotations and a
// restart, ReadLog returns exactly the appended records, and a crash that
// tears the last record leaves the records recovery would keep.
func TestReadLogReadsEveryRecordInOrder(t *testing.T) {
	fs, s, _ := newSimFS(3)
	st, _, _ := openT(t, fs, Options{SegmentSize: 300})
	s.drain()
	for i := int64(1); i <= 20; i++ {
		st.Append(1, uint64(i), txDeltas(i), func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		})
		s.drain()
	}
	recs, err := ReadLog(fs)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 20 {
		t.Fatalf("read %d records, want 20", len(recs))
	}
	for i, r := range recs {
		if r.TS != uint64(i+1) || len(r.Deltas) != len(txDeltas(int64(i+1))) {
			t.Fatalf("record %d: ts %d with %d deltas", i, r.TS, len(r.Deltas))
		}
	}
	names, _ := fs.List(walDir)
	if len(names) < 2 {
		t.Fatalf("the test wants several segments, got %v", names)
	}
	// One more record written but not synced, then a torn crash.
	st.Append(1, 21, txDeltas(21), func(error) {})
	st.kick()
	fs.Crash(true)
	recs, err = ReadLog(fs)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(recs); n != 20 && n != 21 {
		t.Fatalf("after a torn crash: %d records", n)
	}
	_, _, rec := openT(t, fs, Options{SegmentSize: 300})
	if rec.LastTS != uint64(len(recs)) {
		t.Fatalf("recovery kept up to %d, ReadLog read %d records", rec.LastTS, len(recs))
	}
}
