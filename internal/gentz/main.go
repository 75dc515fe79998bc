// Command gentz copies Go's zone database into core/value: the file
// $GOROOT/lib/time/zoneinfo.zip (the one the toolchain builds time/tzdata
// from), unchanged, which core/value embeds, so that core reads zone data
// from Go's database and never from the host's files.
// Run it through go generate ./core/value after a Go upgrade; a test in
// core/value fails while the copy differs from the toolchain's.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gentz:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip")
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile("zoneinfo.zip", data, 0o644)
}
