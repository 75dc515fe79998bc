// Package disktest is a conformance suite for disk.FS implementations: the
// simulated FS and the real one run the same checks, so the simulator's disk
// behaves like the one production uses wherever both are defined.
package disktest

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"slices"
	"testing"

	"github.com/quiverdb/quiver/disk"
)

// Env is one empty FS under test and a way to run its completions.
type Env struct {
	FS disk.FS
	// Settle runs the FS's pending completions (the node's loop) until cond
	// holds, failing the test if it never does.
	Settle func(t *testing.T, cond func() bool)
}

// Run runs every check, each on a fresh Env from newEnv.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	checks := []struct {
		name string
		fn   func(*testing.T, Env)
	}{
		{"AppendRead", checkAppendRead},
		{"CreateTruncates", checkCreateTruncates},
		{"Truncate", checkTruncate},
		{"Namespace", checkNamespace},
		{"NotExist", checkNotExist},
		{"Invalid", checkInvalid},
		{"Sync", checkSync},
		{"Closed", checkClosed},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newEnv(t)) })
	}
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// read returns a file's content.
func read(t *testing.T, e Env, name string) []byte {
	t.Helper()
	b, err := e.FS.ReadFile(name)
	must(t, err)
	return b
}

func checkAppendRead(t *testing.T, e Env) {
	must(t, e.FS.MkdirAll("a/b"))
	h, err := e.FS.Create("a/b/f")
	must(t, err)
	must(t, h.Append([]byte("hello ")))
	must(t, h.Append([]byte("world")))
	if h.Size() != 11 {
		t.Fatalf("handle size %d, want 11", h.Size())
	}
	if n, err := e.FS.Size("a/b/f"); err != nil || n != 11 {
		t.Fatalf("Size %d, %v", n, err)
	}
	p := make([]byte, 5)
	if n, err := h.ReadAt(p, 6); err != nil || n != 5 || string(p) != "world" {
		t.Fatalf("ReadAt: %d %v %q", n, err, p)
	}
	if n, err := h.ReadAt(p, 9); err != io.EOF || n != 2 || string(p[:n]) != "ld" {
		t.Fatalf("short ReadAt: %d %v", n, err)
	}
	if _, err := h.ReadAt(p, 11); err != io.EOF {
		t.Fatalf("ReadAt at end: %v", err)
	}
	must(t, h.Close())
	h, err = e.FS.Open("a/b/f")
	must(t, err)
	must(t, h.Append([]byte("!")))
	if h.Size() != 12 || string(read(t, e, "a/b/f")) != "hello world!" {
		t.Fatalf("after reopen and append: size %d, %q", h.Size(), read(t, e, "a/b/f"))
	}
}

func checkCreateTruncates(t *testing.T, e Env) {
	h, err := e.FS.Create("f")
	must(t, err)
	must(t, h.Append([]byte("old")))
	must(t, h.Close())
	h, err = e.FS.Create("f")
	must(t, err)
	if h.Size() != 0 || len(read(t, e, "f")) != 0 {
		t.Fatalf("Create of an existing file kept %d bytes", h.Size())
	}
}

func checkTruncate(t *testing.T, e Env) {
	h, err := e.FS.Create("f")
	must(t, err)
	must(t, h.Append([]byte("abcdef")))
	must(t, h.Truncate(2))
	must(t, h.Append([]byte("X")))
	must(t, h.Truncate(5))
	want := []byte{'a', 'b', 'X', 0, 0}
	if got := read(t, e, "f"); !bytes.Equal(got, want) || h.Size() != 5 {
		t.Fatalf("after truncates %q (size %d), want %q", got, h.Size(), want)
	}
}

func checkNamespace(t *testing.T, e Env) {
	must(t, e.FS.MkdirAll("d/sub"))
	must(t, e.FS.MkdirAll("d/sub"))
	for _, n := range []string{"d/z", "d/a", "d/m", "d/old"} {
		h, err := e.FS.Create(n)
		must(t, err)
		must(t, h.Append([]byte(n)))
		must(t, h.Close())
	}
	must(t, e.FS.Rename("d/z", "d/b"))
	must(t, e.FS.Rename("d/m", "d/old"))
	must(t, e.FS.Remove("d/a"))
	names, err := e.FS.List("d")
	must(t, err)
	if want := []string{"b", "old", "sub"}; !slices.Equal(names, want) {
		t.Fatalf("List %v, want %v", names, want)
	}
	if got := string(read(t, e, "d/old")); got != "d/m" {
		t.Fatalf("renamed-over file holds %q, want %q", got, "d/m")
	}
	if err := e.FS.Remove("d"); err == nil {
		t.Fatal("Remove of a non-empty directory succeeded")
	}
	if err := e.FS.MkdirAll("d/b/x"); err == nil {
		t.Fatal("MkdirAll through a file succeeded")
	}
	if _, err := e.FS.Open("d/sub"); err == nil {
		t.Fatal("Open of a directory succeeded")
	}
	must(t, e.FS.Remove("d/sub"))
	root, err := e.FS.List(".")
	must(t, err)
	if !slices.Equal(root, []string{"d"}) {
		t.Fatalf("List root %v", root)
	}
}

func checkNotExist(t *testing.T, e Env) {
	errs := map[string]error{}
	_, errs["open"] = e.FS.Open("missing")
	_, errs["create in missing dir"] = e.FS.Create("nodir/f")
	_, errs["read"] = e.FS.ReadFile("missing")
	_, errs["size"] = e.FS.Size("missing")
	_, errs["list"] = e.FS.List("nodir")
	errs["remove"] = e.FS.Remove("missing")
	errs["rename"] = e.FS.Rename("missing", "x")
	for _, op := range sortedKeys(errs) {
		if !errors.Is(errs[op], fs.ErrNotExist) {
			t.Errorf("%s: %v, want fs.ErrNotExist", op, errs[op])
		}
	}
}

func checkInvalid(t *testing.T, e Env) {
	must(t, e.FS.MkdirAll("d"))
	for _, name := range []string{"../x", "/etc/passwd", "d/../../x"} {
		if _, err := e.FS.Create(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Create(%q): %v, want fs.ErrInvalid", name, err)
		}
		if _, err := e.FS.ReadFile(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("ReadFile(%q): %v, want fs.ErrInvalid", name, err)
		}
	}
}

func checkSync(t *testing.T, e Env) {
	must(t, e.FS.MkdirAll("d"))
	h, err := e.FS.Create("d/f")
	must(t, err)
	must(t, h.Append([]byte("x")))
	calls := 0
	var errs []error
	done := func(err error) { calls++; errs = append(errs, err) }
	h.Sync(done)
	e.FS.SyncDir("d", done)
	h.Sync(done)
	if calls != 0 {
		t.Fatal("a sync completed inside the call instead of on the loop")
	}
	e.Settle(t, func() bool { return calls == 3 })
	for _, err := range errs {
		must(t, err)
	}
	var missing error
	e.FS.SyncDir("nodir", func(err error) { missing = err; calls++ })
	e.Settle(t, func() bool { return calls == 4 })
	if missing == nil {
		t.Fatal("SyncDir of a missing directory succeeded")
	}
}

func checkClosed(t *testing.T, e Env) {
	h, err := e.FS.Create("f")
	must(t, err)
	must(t, h.Close())
	if err := h.Append([]byte("x")); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("Append after Close: %v, want fs.ErrClosed", err)
	}
	if err := h.Close(); err == nil {
		t.Fatal("second Close succeeded")
	}
	var res error
	called := false
	h.Sync(func(err error) { res, called = err, true })
	e.Settle(t, func() bool { return called })
	if res == nil {
		t.Fatal("Sync after Close succeeded")
	}
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string]error) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
