package durability

import "testing"

// TestRecoveredEmptySegmentIsReused: a crash right after a rotation leaves
// a segment that holds only its header. After recovery the next append
// creates that segment again; the Store must list it once, and a cursor
// must read every record and come to an end. (Found by the replication
// scenario, seed 242 of an earlier version: the Store listed the segment
// twice and MAIN's catch-up cursor stepped between the two entries
// forever, so simulated time stood still.)
func TestRecoveredEmptySegmentIsReused(t *testing.T) {
	fs, s, _ := newSimFS(7)
	st, _, _ := openT(t, fs, Options{})
	for i := 1; i <= 5; i++ {
		st.Append(1, uint64(i), txDeltas(int64(i)), func(error) {})
		s.drain()
	}
	closed := false
	st.Close(func(error) { closed = true })
	s.drain()
	if !closed {
		t.Fatal("the store did not close")
	}
	// The segment a rotation at 6 would create, with only its header.
	f, err := fs.Create(segName(6))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Append(appendSegHeader(nil, 6)); err != nil {
		t.Fatal(err)
	}
	synced := false
	f.Sync(func(error) { synced = true })
	s.drain()
	fs.SyncDir(walDir, func(error) {})
	s.drain()
	if !synced {
		t.Fatal("the segment was not synced")
	}
	st, _, _ = openT(t, fs, Options{})
	for i := 6; i <= 7; i++ {
		st.Append(1, uint64(i), txDeltas(int64(i)), func(error) {})
		s.drain()
	}
	seen := map[string]bool{}
	for _, sg := range st.segs {
		if seen[sg.name] {
			t.Fatalf("segment %s listed twice: %v", sg.name, st.segs)
		}
		seen[sg.name] = true
	}
	c := st.NewCursor(0, 1024)
	var got []Record
	for step := 0; ; step++ {
		if step > 1000 {
			t.Fatalf("the cursor never came to an end (%d records read)", len(got))
		}
		recs, more, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, recs...)
		if !more {
			break
		}
	}
	if len(got) != 7 || got[6].TS != 7 {
		t.Fatalf("read %d records, want 1..7", len(got))
	}
}
