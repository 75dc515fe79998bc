package simdisk

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/disk"
	"github.com/quiverdb/quiver/disk/disktest"
)

// newTestFS returns an FS driven by a fresh test scheduler.
func newTestFS(seed uint64) (*FS, *testSched) {
	s := &testSched{}
	return New(s, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))), s
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// syncNow syncs h, runs the scheduler until done and returns done's error.
func syncNow(t *testing.T, s *testSched, h disk.File) error {
	t.Helper()
	called, res := false, error(nil)
	h.Sync(func(err error) { called, res = true, err })
	s.runAll()
	if !called {
		t.Fatal("sync done never called")
	}
	return res
}

// syncDirNow syncs dir, runs the scheduler until done and returns done's
// error.
func syncDirNow(t *testing.T, f *FS, s *testSched, dir string) error {
	t.Helper()
	called, res := false, error(nil)
	f.SyncDir(dir, func(err error) { called, res = true, err })
	s.runAll()
	if !called {
		t.Fatal("syncdir done never called")
	}
	return res
}

// durableFile creates dir/name durably (entry synced) and returns its handle.
func durableFile(t *testing.T, f *FS, s *testSched, dir, name string) disk.File {
	t.Helper()
	must(t, f.MkdirAll(dir))
	h, err := f.Create(dir + "/" + name)
	must(t, err)
	must(t, syncDirNow(t, f, s, dir))
	return h
}

// content reads a file, failing the test if it cannot.
func content(t *testing.T, f *FS, name string) string {
	t.Helper()
	b, err := f.ReadFile(name)
	must(t, err)
	return string(b)
}

func TestCrashLosesExactlyUnsyncedBytes(t *testing.T) {
	f, s := newTestFS(1)
	h := durableFile(t, f, s, "wal", "seg")
	must(t, h.Append([]byte("synced-")))
	must(t, syncNow(t, s, h))
	must(t, h.Append([]byte("lost")))
	if got := content(t, f, "wal/seg"); got != "synced-lost" {
		t.Fatalf("before crash: %q", got)
	}
	f.Crash(false)
	if got := content(t, f, "wal/seg"); got != "synced-" {
		t.Fatalf("after crash: %q, want %q", got, "synced-")
	}
	if got := f.Faults(); got.LostBytes != 4 || got.Crashes != 1 || got.TornFiles != 0 {
		t.Fatalf("faults %+v", got)
	}
}

func TestSyncStartedBeforeAppendDoesNotCoverIt(t *testing.T) {
	f, s := newTestFS(2)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte("a")))
	var done error = errors.New("not called")
	h.Sync(func(err error) { done = err })
	must(t, h.Append([]byte("b")))
	s.runAll()
	must(t, done)
	f.Crash(false)
	if got := content(t, f, "d/f"); got != "a" {
		t.Fatalf("after crash: %q, want %q", got, "a")
	}
}

func TestSyncCompletesOnlyThroughScheduler(t *testing.T) {
	f, s := newTestFS(3)
	f.SetSyncLatency(Uniform(2*time.Millisecond, 4*time.Millisecond))
	h := durableFile(t, f, s, "d", "f")
	start := s.now
	var at time.Duration
	called := false
	h.Sync(func(error) { called, at = true, s.now })
	if called {
		t.Fatal("done ran inside Sync")
	}
	s.runAll()
	if d := at - start; !called || d < 2*time.Millisecond || d > 4*time.Millisecond {
		t.Fatalf("done called=%v after %v, want within [2ms,4ms]", called, d)
	}
}

func TestOverlappingSyncsNeverMoveDurabilityBack(t *testing.T) {
	f, s := newTestFS(4)
	h := durableFile(t, f, s, "d", "f")
	lat := []time.Duration{10 * time.Millisecond, time.Millisecond}
	f.SetSyncLatency(func(*rand.Rand) time.Duration { d := lat[0]; lat = lat[1:]; return d })
	must(t, h.Append([]byte("one")))
	var order []int
	h.Sync(func(error) { order = append(order, 1) })
	must(t, h.Append([]byte("two")))
	h.Sync(func(error) { order = append(order, 2) })
	s.runAll()
	if diff := cmp.Diff([]int{2, 1}, order); diff != "" {
		t.Fatalf("completion order (-want +got):\n%s", diff)
	}
	f.Crash(false)
	if got := content(t, f, "d/f"); got != "onetwo" {
		t.Fatalf("after crash: %q, want %q", got, "onetwo")
	}
}

func TestTornCrashKeepsPrefixOfUnsyncedAppend(t *testing.T) {
	const last = "0123456789"
	sawNone, sawPart, sawAll := false, false, false
	for seed := uint64(0); seed < 200; seed++ {
		f, s := newTestFS(seed)
		h := durableFile(t, f, s, "d", "f")
		must(t, h.Append([]byte("head|")))
		must(t, syncNow(t, s, h))
		must(t, h.Append([]byte(last)))
		f.Crash(true)
		got := content(t, f, "d/f")
		k := len(got) - len("head|")
		if k < 0 || got != "head|"+last[:k] {
			t.Fatalf("seed %d: torn result %q is not synced data plus a prefix", seed, got)
		}
		lost := f.Faults().LostBytes
		if lost != int64(len(last)-k) {
			t.Fatalf("seed %d: LostBytes %d, want %d", seed, lost, len(last)-k)
		}
		sawNone = sawNone || k == 0
		sawPart = sawPart || (k > 0 && k < len(last))
		sawAll = sawAll || k == len(last)
		if torn := f.Faults().TornFiles; (k > 0) != (torn == 1) {
			t.Fatalf("seed %d: kept %d bytes, TornFiles %d", seed, k, torn)
		}
	}
	if !sawNone || !sawPart || !sawAll {
		t.Fatalf("torn prefixes not varied: none=%v part=%v all=%v", sawNone, sawPart, sawAll)
	}
}

func TestTornPrefixIsDurableAfterCrash(t *testing.T) {
	f, s := newTestFS(7)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte("abcdefghijklmnop")))
	f.Crash(true)
	first := content(t, f, "d/f")
	f.Crash(true)
	if got := content(t, f, "d/f"); got != first {
		t.Fatalf("second crash changed the surviving prefix: %q then %q", first, got)
	}
}

func TestCrashRevertsUnsyncedTruncate(t *testing.T) {
	f, s := newTestFS(8)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte("abcdef")))
	must(t, syncNow(t, s, h))
	must(t, h.Truncate(2))
	must(t, h.Append([]byte("XY")))
	f.Crash(true)
	if got := content(t, f, "d/f"); got != "abcdef" {
		t.Fatalf("unsynced truncate survived: %q", got)
	}
	h, err := f.Open("d/f")
	must(t, err)
	must(t, h.Truncate(3))
	must(t, syncNow(t, s, h))
	f.Crash(false)
	if got := content(t, f, "d/f"); got != "abc" {
		t.Fatalf("synced truncate lost: %q", got)
	}
}

func TestPendingSyncNeverFiresAfterCrash(t *testing.T) {
	f, s := newTestFS(9)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte("data")))
	fired := false
	h.Sync(func(error) { fired = true })
	f.SyncDir("d", func(error) { fired = true })
	f.Crash(false)
	s.runAll()
	if fired {
		t.Fatal("a sync callback from before the crash fired")
	}
	if got := content(t, f, "d/f"); got != "" {
		t.Fatalf("pending sync made data durable across the crash: %q", got)
	}
}

func TestHandlesGoStaleAfterCrash(t *testing.T) {
	f, s := newTestFS(10)
	h := durableFile(t, f, s, "d", "f")
	f.Crash(false)
	if err := h.Append([]byte("x")); !errors.Is(err, ErrStale) {
		t.Fatalf("append on stale handle: %v", err)
	}
	var got error
	h.Sync(func(err error) { got = err })
	s.runAll()
	if !errors.Is(got, ErrStale) {
		t.Fatalf("sync on stale handle: %v", got)
	}
	if _, err := h.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrStale) {
		t.Fatalf("read on stale handle: %v", err)
	}
}

func TestCreateIsDurableOnlyAfterSyncDir(t *testing.T) {
	f, s := newTestFS(11)
	must(t, f.MkdirAll("d"))
	h, err := f.Create("d/synced-data-only")
	must(t, err)
	must(t, h.Append([]byte("x")))
	must(t, syncNow(t, s, h))
	h2, err := f.Create("d/entry-only")
	must(t, err)
	must(t, h2.Append([]byte("y")))
	// A SyncDir started before a creation does not cover it.
	var early error = errors.New("not called")
	f.SyncDir("d", func(err error) { early = err })
	_, err = f.Create("d/late")
	must(t, err)
	s.runAll()
	must(t, early)
	f.Crash(false)
	names, err := f.List("d")
	must(t, err)
	want := []string{"entry-only", "synced-data-only"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("entries after crash (-want +got):\n%s", diff)
	}
	if got := content(t, f, "d/entry-only"); got != "" {
		t.Fatalf("unsynced contents survived: %q", got)
	}
}

func TestRenameDurability(t *testing.T) {
	f, s := newTestFS(12)
	h := durableFile(t, f, s, "d", "tmp")
	must(t, h.Append([]byte("v1")))
	must(t, syncNow(t, s, h))
	must(t, f.Rename("d/tmp", "d/final"))
	f.Crash(false)
	names, err := f.List("d")
	must(t, err)
	if diff := cmp.Diff([]string{"tmp"}, names); diff != "" {
		t.Fatalf("rename without SyncDir survived (-want +got):\n%s", diff)
	}
	must(t, f.Rename("d/tmp", "d/final"))
	must(t, syncDirNow(t, f, s, "d"))
	f.Crash(false)
	names, err = f.List("d")
	must(t, err)
	if diff := cmp.Diff([]string{"final"}, names); diff != "" {
		t.Fatalf("synced rename lost (-want +got):\n%s", diff)
	}
	if got := content(t, f, "d/final"); got != "v1" {
		t.Fatalf("renamed file content %q", got)
	}
}

func TestRenameReplacesAtomically(t *testing.T) {
	f, s := newTestFS(13)
	old := durableFile(t, f, s, "d", "cur")
	must(t, old.Append([]byte("old")))
	must(t, syncNow(t, s, old))
	h, err := f.Create("d/cur.tmp")
	must(t, err)
	must(t, h.Append([]byte("new")))
	must(t, syncNow(t, s, h))
	must(t, f.Rename("d/cur.tmp", "d/cur"))
	if got := content(t, f, "d/cur"); got != "new" {
		t.Fatalf("before crash: %q", got)
	}
	f.Crash(false)
	if got := content(t, f, "d/cur"); got != "old" {
		t.Fatalf("unsynced replace survived: %q", got)
	}
}

func TestRemoveDurableOnlyAfterSyncDir(t *testing.T) {
	f, s := newTestFS(14)
	durableFile(t, f, s, "d", "f")
	must(t, f.Remove("d/f"))
	if _, err := f.Open("d/f"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open after remove: %v", err)
	}
	f.Crash(false)
	if _, err := f.Open("d/f"); err != nil {
		t.Fatalf("unsynced remove survived a crash: %v", err)
	}
	must(t, f.Remove("d/f"))
	must(t, syncDirNow(t, f, s, "d"))
	f.Crash(false)
	if _, err := f.Open("d/f"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("synced remove lost: %v", err)
	}
}

func TestMkdirAllIsDurable(t *testing.T) {
	f, _ := newTestFS(15)
	must(t, f.MkdirAll("a/b/c"))
	must(t, f.MkdirAll("a/b/c"))
	f.Crash(false)
	for _, d := range []string{".", "a", "a/b", "a/b/c"} {
		if _, err := f.List(d); err != nil {
			t.Fatalf("list %s after crash: %v", d, err)
		}
	}
}

func TestWipeEmptiesDiskAndDropsPendingSyncs(t *testing.T) {
	f, s := newTestFS(16)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte("x")))
	must(t, syncNow(t, s, h))
	fired := false
	h.Sync(func(error) { fired = true })
	f.Wipe()
	s.runAll()
	if fired {
		t.Fatal("sync from before the wipe fired")
	}
	names, err := f.List(".")
	must(t, err)
	if len(names) != 0 {
		t.Fatalf("wiped disk lists %v", names)
	}
	if f.Faults().Wipes != 1 {
		t.Fatalf("faults %+v", f.Faults())
	}
}

func TestListIsSorted(t *testing.T) {
	f, _ := newTestFS(17)
	for _, n := range []string{"m", "b", "z", "a", "k"} {
		_, err := f.Create(n)
		must(t, err)
	}
	must(t, f.MkdirAll("c"))
	names, err := f.List("")
	must(t, err)
	if diff := cmp.Diff([]string{"a", "b", "c", "k", "m", "z"}, names); diff != "" {
		t.Fatalf("list (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	f, _ := newTestFS(18)
	must(t, f.MkdirAll("d"))
	h, err := f.Create("d/f")
	must(t, err)
	must(t, h.Append([]byte("abc")))
	_, err = f.Create("g")
	must(t, err)
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"open missing", errOf(f.Open("d/missing")), fs.ErrNotExist},
		{"create in missing dir", errOf(f.Create("nodir/f")), fs.ErrNotExist},
		{"create over dir", errOf(f.Create("d")), errIsDir},
		{"open dir", errOf(f.Open("d")), errIsDir},
		{"escape root", errOf(f.Create("../x")), fs.ErrInvalid},
		{"absolute", errOf(f.Open("/etc/passwd")), fs.ErrInvalid},
		{"remove non-empty dir", f.Remove("d"), errNotEmpty},
		{"remove missing", f.Remove("d/missing"), fs.ErrNotExist},
		{"rename missing", f.Rename("d/missing", "d/x"), fs.ErrNotExist},
		{"rename dir into itself", f.Rename("d", "d/sub"), fs.ErrInvalid},
		{"rename dir over file", f.Rename("d", "g"), errNotDir},
		{"rename file over dir", f.Rename("g", "d"), errIsDir},
		{"rename dir", f.Rename("d", "top"), nil},
		{"list file", errOf(f.List("top/f")), errNotDir},
		{"mkdir through file", f.MkdirAll("top/f/x"), errNotDir},
		{"flipbit past end", f.FlipBit("top/f", 3), fs.ErrInvalid},
	}
	for _, c := range cases {
		if c.want == nil && c.err != nil || c.want != nil && !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := h.ReadAt(make([]byte, 4), 0); err != io.EOF {
		t.Errorf("short read: %v, want io.EOF", err)
	}
	must(t, h.Close())
	if err := h.Append(nil); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("append after close: %v", err)
	}
}

// errOf keeps the error of a two-result call.
func errOf[T any](_ T, err error) error { return err }

func TestDeterministicForSameSeed(t *testing.T) {
	run := func(seed uint64) string {
		f, s := newTestFS(seed)
		must(t, f.MkdirAll("d"))
		f.FlipBitsOnRead(0.3)
		var out bytes.Buffer
		for i := range 20 {
			h, err := f.Create("d/" + string(rune('a'+i)))
			must(t, err)
			must(t, h.Append(bytes.Repeat([]byte{byte(i)}, 50)))
			if i%3 == 0 {
				h.Sync(func(error) {})
			}
			if i%5 == 0 {
				f.SyncDir("d", func(error) {})
			}
			s.runUntil(s.now + 2*time.Millisecond)
			must(t, h.Append(bytes.Repeat([]byte{byte(i + 1)}, 50)))
		}
		f.Crash(true)
		names, err := f.List("d")
		must(t, err)
		for _, n := range names {
			out.WriteString(n + "=" + content(t, f, "d/"+n) + ";")
		}
		return out.String()
	}
	a, b, c := run(42), run(42), run(43)
	if a != b {
		t.Fatal("same seed gave different results")
	}
	if a == c {
		t.Fatal("different seeds gave identical results")
	}
}

func TestConformance(t *testing.T) {
	disktest.Run(t, func(t *testing.T) disktest.Env {
		f, s := newTestFS(99)
		return disktest.Env{FS: f, Settle: func(t *testing.T, cond func() bool) {
			s.runAll()
			if !cond() {
				t.Fatal("condition not met once every event ran")
			}
		}}
	})
}
