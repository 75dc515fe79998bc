package simdisk

import "testing"

// BenchmarkAppendSync measures one 100-byte Append plus a Sync run to
// completion through the test scheduler: the simulated disk's cost per
// group commit in a simulation. The file is rotated every 1 MB, as WAL
// segments are.
func BenchmarkAppendSync(b *testing.B) {
	f, s := newTestFS(1)
	if err := f.MkdirAll("wal"); err != nil {
		b.Fatal(err)
	}
	h, err := f.Create("wal/seg")
	if err != nil {
		b.Fatal(err)
	}
	rec := make([]byte, 100)
	done := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if i%10000 == 0 {
			if h, err = f.Create("wal/seg"); err != nil {
				b.Fatal(err)
			}
		}
		if err := h.Append(rec); err != nil {
			b.Fatal(err)
		}
		h.Sync(done)
		s.runAll()
	}
}

// BenchmarkCrash measures a crash with torn writes over 100 files of 10 KB
// with unsynced tails.
func BenchmarkCrash(b *testing.B) {
	f, s := newTestFS(1)
	if err := f.MkdirAll("d"); err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		h, err := f.Create("d/" + string(rune('A'+i)))
		if err != nil {
			b.Fatal(err)
		}
		if err := h.Append(make([]byte, 10000)); err != nil {
			b.Fatal(err)
		}
	}
	f.SyncDir("d", func(error) {})
	s.runAll()
	for b.Loop() {
		f.Crash(true)
	}
}
