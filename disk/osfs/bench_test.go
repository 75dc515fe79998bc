package osfs

import (
	"testing"
)

// BenchmarkSync measures one append plus a Sync waited for: the latency of
// an fsync on this machine's disk.
func BenchmarkSync(b *testing.B) {
	f, l := benchFS(b)
	h, err := f.Create("f")
	if err != nil {
		b.Fatal(err)
	}
	rec := make([]byte, 100)
	for b.Loop() {
		if err := h.Append(rec); err != nil {
			b.Fatal(err)
		}
		h.Sync(func(err error) {
			if err != nil {
				b.Error(err)
			}
		})
		(<-l)()
	}
}

// BenchmarkGroupCommit issues 64 append+Sync pairs per op without waiting in
// between, as concurrent commits do, and reports how many requests each
// fsync served.
func BenchmarkGroupCommit(b *testing.B) {
	f, l := benchFS(b)
	h, err := f.Create("f")
	if err != nil {
		b.Fatal(err)
	}
	rec := make([]byte, 100)
	const per = 64
	for b.Loop() {
		pending := 0
		for range per {
			if err := h.Append(rec); err != nil {
				b.Fatal(err)
			}
			h.Sync(func(error) { pending-- })
			pending++
		}
		for pending > 0 {
			(<-l)()
		}
	}
	st := f.Stats()
	b.ReportMetric(float64(st.Requests)/float64(st.Fsyncs), "requests/fsync")
}

// benchFS returns an FS on a temporary directory and its loop channel.
func benchFS(b *testing.B) (*FS, loop) {
	l := make(loop, 1<<16)
	f, err := New(b.TempDir(), l.post)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f, l
}
