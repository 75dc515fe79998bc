package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// TestDemoStartsAndPrintsURIs runs `quiver demo --check` on free ports and
// requires the printed Bolt URI of a running instance.
func TestDemoStartsAndPrintsURIs(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	runErr := runDemo([]string{"--check", "--bolt-port", "0", "--metrics-port", "0", "--data-directory", t.TempDir()})
	os.Stdout = stdout
	w.Close()
	var out bytes.Buffer
	if _, err := io.Copy(&out, r); err != nil {
		t.Fatal(err)
	}
	if runErr != nil {
		t.Fatalf("demo: %v\n%s", runErr, out.String())
	}
	for _, want := range []string{"bolt://127.0.0.1:", "neo4j://127.0.0.1:", "quiver console --host 127.0.0.1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}
