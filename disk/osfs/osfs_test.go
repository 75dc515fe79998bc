package osfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/disk/disktest"
)

// loop is a stand-in event loop: posted closures wait in a channel until the
// test runs them.
type loop chan func()

func (l loop) post(f func()) { l <- f }

// runOne runs the next posted closure, failing after a timeout.
func (l loop) runOne(t *testing.T) {
	t.Helper()
	select {
	case f := <-l:
		f()
	case <-time.After(10 * time.Second):
		t.Fatal("nothing posted to the loop")
	}
}

// newFS returns an FS on a fresh temporary directory, closed at cleanup.
func newFS(t *testing.T) (*FS, loop, string) {
	t.Helper()
	dir := t.TempDir()
	l := make(loop, 1024)
	f, err := New(dir, l.post)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, l, dir
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFileOperations(t *testing.T) {
	f, _, dir := newFS(t)
	must(t, f.MkdirAll("wal/a"))
	h, err := f.Create("wal/a/seg")
	must(t, err)
	must(t, h.Append([]byte("hello ")))
	must(t, h.Append([]byte("world")))
	if h.Size() != 11 {
		t.Fatalf("size %d", h.Size())
	}
	p := make([]byte, 5)
	_, err = h.ReadAt(p, 6)
	must(t, err)
	if string(p) != "world" {
		t.Fatalf("ReadAt %q", p)
	}
	if _, err := h.ReadAt(p, 8); err != io.EOF {
		t.Fatalf("short ReadAt: %v", err)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, "wal", "a", "seg"))
	must(t, err)
	if string(onDisk) != "hello world" {
		t.Fatalf("on disk %q", onDisk)
	}
	must(t, h.Truncate(5))
	must(t, h.Append([]byte("!")))
	got, err := f.ReadFile("wal/a/seg")
	must(t, err)
	if string(got) != "hello!" {
		t.Fatalf("after truncate+append %q", got)
	}
	if n, err := f.Size("wal/a/seg"); err != nil || n != 6 || h.Size() != 6 {
		t.Fatalf("Size %d %v, handle %d", n, err, h.Size())
	}
	must(t, h.Close())
}

func TestOpenAppendsAtEnd(t *testing.T) {
	f, _, _ := newFS(t)
	h, err := f.Create("f")
	must(t, err)
	must(t, h.Append([]byte("ab")))
	must(t, h.Close())
	h, err = f.Open("f")
	must(t, err)
	if h.Size() != 2 {
		t.Fatalf("size on open %d", h.Size())
	}
	must(t, h.Append([]byte("c")))
	got, err := f.ReadFile("f")
	must(t, err)
	if string(got) != "abc" {
		t.Fatalf("content %q", got)
	}
}

func TestNamespace(t *testing.T) {
	f, _, _ := newFS(t)
	must(t, f.MkdirAll("d"))
	for _, n := range []string{"d/z", "d/a", "d/m"} {
		h, err := f.Create(n)
		must(t, err)
		must(t, h.Close())
	}
	must(t, f.Rename("d/z", "d/b"))
	must(t, f.Remove("d/m"))
	names, err := f.List("d")
	must(t, err)
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" {
		t.Fatalf("List (-want +got):\n%s", diff)
	}
	root, err := f.List(".")
	must(t, err)
	if diff := cmp.Diff([]string{"d"}, root); diff != "" {
		t.Fatalf("List root (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	f, _, _ := newFS(t)
	must(t, f.MkdirAll("d"))
	h, err := f.Create("d/f")
	must(t, err)
	must(t, h.Close())
	cases := []struct {
		name string
		err  error
		want error // nil: any error
	}{
		{"open missing", errOf(f.Open("missing")), fs.ErrNotExist},
		{"escape root", errOf(f.Create("../x")), fs.ErrInvalid},
		{"absolute", errOf(f.Open("/etc/passwd")), fs.ErrInvalid},
		{"read escape", errOf(f.ReadFile("d/../../x")), fs.ErrInvalid},
		{"remove missing", f.Remove("nope"), fs.ErrNotExist},
		{"mkdir through file", f.MkdirAll("d/f/x"), nil},
		{"append after close", h.Append([]byte("x")), fs.ErrClosed},
		{"close twice", h.Close(), fs.ErrClosed},
	}
	for _, c := range cases {
		if c.want == nil && c.err == nil || c.want != nil && !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := f.Open("d"); err == nil {
		t.Error("Open of a directory succeeded")
	}
}

// errOf keeps the error of a two-result call.
func errOf[T any](_ T, err error) error { return err }

func TestSyncCompletesOnTheLoop(t *testing.T) {
	f, l, _ := newFS(t)
	h, err := f.Create("f")
	must(t, err)
	must(t, h.Append([]byte("x")))
	var res error = errors.New("not called")
	calls := 0
	h.Sync(func(err error) { res = err; calls++ })
	f.SyncDir(".", func(err error) {
		calls++
		if err != nil {
			t.Errorf("SyncDir: %v", err)
		}
	})
	for calls < 2 {
		l.runOne(t)
	}
	must(t, res)
}

// TestTwoHandlesSyncAtOnce keeps one file's fsync running on one handle
// while a second handle's fsync starts: they overlap instead of queueing.
func TestTwoHandlesSyncAtOnce(t *testing.T) {
	f, l, _ := newFS(t)
	f.SetSyncDelay(300 * time.Millisecond)
	h1, err := f.Create("f")
	must(t, err)
	h2, err := f.Open("f")
	must(t, err)
	must(t, h1.Append([]byte("a")))
	start := time.Now()
	calls := 0
	h1.Sync(func(err error) { must(t, err); calls++ })
	must(t, h1.Append([]byte("b")))
	h2.Sync(func(err error) { must(t, err); calls++ })
	for calls < 2 {
		l.runOne(t)
	}
	// one after the other would take at least 600 ms
	if d := time.Since(start); d >= 600*time.Millisecond {
		t.Fatalf("two handles' syncs took %v: they ran one after the other", d)
	}
	if st := f.Stats(); st.Fsyncs != 2 {
		t.Fatalf("stats %+v, want 2 fsyncs", st)
	}
}

func TestSyncsShareFsyncs(t *testing.T) {
	f, l, _ := newFS(t)
	f.SetSyncDelay(200 * time.Millisecond)
	h, err := f.Create("f")
	must(t, err)
	const n = 10
	var order []int
	for i := range n {
		must(t, h.Append([]byte{byte(i)}))
		h.Sync(func(err error) {
			must(t, err)
			order = append(order, i)
		})
	}
	for len(order) < n {
		l.runOne(t)
	}
	st := f.Stats()
	if st.Requests != n || st.Fsyncs > 2 || st.Batches > 2 {
		t.Fatalf("stats %+v: want %d requests served by at most 2 fsyncs", st, n)
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, order); diff != "" {
		t.Fatalf("done order (-want +got):\n%s", diff)
	}
}

func TestCloseWaitsForInflightSync(t *testing.T) {
	f, l, _ := newFS(t)
	f.SetSyncDelay(50 * time.Millisecond)
	h, err := f.Create("f")
	must(t, err)
	must(t, h.Append([]byte("x")))
	var res error = errors.New("not called")
	h.Sync(func(err error) { res = err })
	must(t, h.Close())
	var after error
	h.Sync(func(err error) { after = err })
	l.runOne(t)
	l.runOne(t)
	must(t, res)
	if !errors.Is(after, fs.ErrClosed) {
		t.Fatalf("sync after close: %v", after)
	}
}

func TestSyncAfterFSClose(t *testing.T) {
	dir := t.TempDir()
	l := make(loop, 16)
	f, err := New(dir, l.post)
	must(t, err)
	h, err := f.Create("f")
	must(t, err)
	var first error = errors.New("not called")
	h.Sync(func(err error) { first = err })
	must(t, f.Close())
	l.runOne(t)
	must(t, first)
	var late error
	h.Sync(func(err error) { late = err })
	l.runOne(t)
	if !errors.Is(late, fs.ErrClosed) {
		t.Fatalf("sync after FS close: %v", late)
	}
}

func TestConformance(t *testing.T) {
	disktest.Run(t, func(t *testing.T) disktest.Env {
		f, l, _ := newFS(t)
		return disktest.Env{FS: f, Settle: func(t *testing.T, cond func() bool) {
			for !cond() {
				l.runOne(t)
			}
		}}
	})
}

// TestPreallocateReservesZerosAhead checks FS.Preallocate: a file whose
// name ends in the suffix holds zeros past what was appended, its handle's
// Size is what was appended, a second handle's sync makes the appends
// durable, Truncate and Close cut the zeros off, and other files are
// appended to as before.
func TestPreallocateReservesZerosAhead(t *testing.T) {
	f, l, _ := newFS(t)
	f.Preallocate(".wal", 4096)
	must(t, f.MkdirAll("wal"))
	h, err := f.Create("wal/1.wal")
	must(t, err)
	var want []byte
	for i := range 50 { // 5,000 bytes: two reservations of 4,096
		rec := make([]byte, 100)
		for j := range rec {
			rec[j] = byte(i + 1)
		}
		must(t, h.Append(rec))
		want = append(want, rec...)
	}
	if h.Size() != int64(len(want)) {
		t.Fatalf("handle size %d, want %d", h.Size(), len(want))
	}
	size, err := f.Size("wal/1.wal")
	must(t, err)
	data, err := f.ReadFile("wal/1.wal")
	must(t, err)
	if size != 8192 || !cmp.Equal(data[:len(want)], want) || !allZero(data[len(want):]) {
		t.Fatalf("file of %d bytes: want the appends then zeros to 8192", size)
	}
	h2, err := f.Open("wal/1.wal")
	must(t, err)
	var syncErr error = errors.New("not run")
	h2.Sync(func(err error) { syncErr = err })
	l.runOne(t)
	must(t, syncErr)
	must(t, h2.Close())
	must(t, h.Truncate(h.Size()))
	if size, _ := f.Size("wal/1.wal"); size != int64(len(want)) {
		t.Fatalf("after Truncate the file holds %d bytes, want %d", size, len(want))
	}
	must(t, h.Append([]byte("tail")))
	want = append(want, "tail"...)
	must(t, h.Close())
	data, err = f.ReadFile("wal/1.wal")
	must(t, err)
	if !cmp.Equal(data, want) {
		t.Fatalf("after Close the file holds %d bytes, want the %d appended", len(data), len(want))
	}
	o, err := f.Create("wal/other.snap")
	must(t, err)
	must(t, o.Append([]byte("ab")))
	must(t, o.Append([]byte("cd")))
	must(t, o.Close())
	if data, _ := f.ReadFile("wal/other.snap"); string(data) != "abcd" {
		t.Fatalf("a file without the suffix holds %q", data)
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
