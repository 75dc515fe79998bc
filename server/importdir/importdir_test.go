package importdir

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfinement(t *testing.T) {
	base := t.TempDir()
	imp := filepath.Join(base, "import")
	must(t, os.MkdirAll(filepath.Join(imp, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(imp, "a.csv"), []byte("in"), 0o644))
	must(t, os.WriteFile(filepath.Join(imp, "sub", "b.csv"), []byte("deep"), 0o644))
	must(t, os.WriteFile(filepath.Join(base, "secret.csv"), []byte("out"), 0o644))
	must(t, os.Symlink(filepath.Join(base, "secret.csv"), filepath.Join(imp, "link.csv")))
	must(t, os.Symlink(base, filepath.Join(imp, "up")))
	must(t, os.Symlink("a.csv", filepath.Join(imp, "inner.csv")))
	d, err := Open(imp)
	must(t, err)
	defer d.Close()

	for name, want := range map[string]string{
		"a.csv": "in", "sub/b.csv": "deep", "./sub/../a.csv": "in", "inner.csv": "in",
		filepath.Join(imp, "a.csv"): "in", "file://" + filepath.Join(imp, "sub", "b.csv"): "deep",
	} {
		f, err := d.Open(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != want {
			t.Errorf("%s: read %q, want %q", name, b, want)
		}
	}
	for name, want := range map[string]string{
		"../secret.csv":                   "outside the import directory",
		"sub/../../secret.csv":            "outside the import directory",
		filepath.Join(base, "secret.csv"): "outside the import directory",
		"/etc/passwd":                     "outside the import directory",
		"link.csv":                        "symbolic link",
		"up/secret.csv":                   "symbolic link",
		"missing.csv":                     "does not exist",
		"sub":                             "not a regular file",
		"":                                "empty",
	} {
		f, err := d.Open(name)
		if err == nil {
			f.Close()
			t.Errorf("%q: opened, want refused", name)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", name, err, want)
		}
	}
	if _, err := Open(filepath.Join(base, "nope")); err == nil {
		t.Error("a missing import directory opened")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
