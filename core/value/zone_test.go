package value

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goZoneinfo is the toolchain's zone database, or nil (test skipped)
// when it cannot be found.
func goZoneinfo(t *testing.T) []byte {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("the toolchain's zone database: %v", err)
	}
	return data
}

// TestZoneDBIsGos: the embedded copy is byte for byte the toolchain's
// database, the one time/tzdata embeds.
func TestZoneDBIsGos(t *testing.T) {
	if zoneinfo != string(goZoneinfo(t)) {
		t.Fatal("core/value/zoneinfo.zip differs from the toolchain's lib/time/zoneinfo.zip: run go generate ./core/value")
	}
}

// TestLoadZone: every zone of the database loads, with the toolchain's
// data; unknown names, "" and the host's "Local" are refused.
func TestLoadZone(t *testing.T) {
	data := goZoneinfo(t)
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	for _, f := range z.File {
		r, _ := f.Open()
		tz, _ := io.ReadAll(r)
		r.Close()
		want, err := time.LoadLocationFromTZData(f.Name, tz)
		if err != nil {
			t.Fatal(err)
		}
		got, err := LoadZone(f.Name)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		wn, wo := when.In(want).Zone()
		gn, gop := when.In(got).Zone()
		if wn != gn || wo != gop {
			t.Fatalf("%s: %s%+d, want %s%+d", f.Name, gn, gop, wn, wo)
		}
	}
	if len(zoneDB) < 400 {
		t.Fatalf("only %d zones", len(zoneDB))
	}
	berlin, err := LoadZone("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(2026, 1, 15, 0, 0, 0, 0, berlin).Zone(); off != 3600 {
		t.Fatalf("Berlin in winter: %d", off)
	}
	if u, err := LoadZone("UTC"); err != nil || u != time.UTC {
		t.Fatalf("UTC: %v, %v", u, err)
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus", "../etc/passwd", "europe/berlin"} {
		if _, err := LoadZone(bad); err == nil {
			t.Errorf("LoadZone(%q) accepted", bad)
		}
	}
}

func BenchmarkLoadZone(b *testing.B) {
	for b.Loop() {
		if _, err := LoadZone("America/New_York"); err != nil {
			b.Fatal(err)
		}
	}
}
