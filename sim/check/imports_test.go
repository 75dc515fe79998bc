package check

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestImportsOnlyPorcupineAndStdlib enforces DESIGN.md's layout: sim/check
// is shared with the real-process chaos runs, so it may import porcupine
// and the standard library only.
func TestImportsOnlyPorcupineAndStdlib(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if path != "github.com/anishathalye/porcupine" && strings.Contains(first, ".") {
				t.Errorf("%s imports %q: sim/check may import only porcupine and the standard library", name, path)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source file examined")
	}
}
