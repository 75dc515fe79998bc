package coreguard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCoreIsDeterministic is the guard itself: core/ must contain none of
// the constructs DESIGN.md forbids.
func TestCoreIsDeterministic(t *testing.T) {
	vs, err := CheckDir("../../core", "core")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("forbidden in core: %s", v)
	}
}

// TestGuardCatchesPlantedConstructs plants each forbidden construct in a
// file of core and requires the guard to name it, so a guard that checks
// nothing cannot pass.
func TestGuardCatchesPlantedConstructs(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"goroutine", `func f() { go g() }`, "go statement"},
		{"channel type", `func f(c chan int) {}`, "channel type"},
		{"channel send", `func f(c X) { c <- 1 }`, "channel send"},
		{"channel receive", `func f(c X) { _ = <-c }`, "channel receive"},
		{"select", `func f() { select {} }`, "select statement"},
		{"time.Now", `import "time"; func f() { _ = time.Now() }`, "time.Now"},
		{"time.Sleep", `import "time"; func f() { time.Sleep(1) }`, "time.Sleep"},
		{"time.After", `import "time"; func f() { _ = time.After(1) }`, "time.After"},
		{"time.NewTicker", `import "time"; func f() { _ = time.NewTicker(1) }`, "time.NewTicker"},
		{"renamed time", `import tm "time"; func f() { _ = tm.Since(x) }`, "time.Since"},
		{"global rand", `import "math/rand"; func f() { _ = rand.Intn(3) }`, "global random"},
		{"global rand v2", `import "math/rand/v2"; func f() { _ = rand.IntN(3) }`, "global random"},
		{"crypto/rand", `import "crypto/rand"`, "crypto randomness"},
		{"maphash", `import "hash/maphash"`, "maphash"},
		{"os", `import "os"`, "real IO"},
		{"ioutil", `import "io/ioutil"`, "real IO"},
		{"net", `import "net"`, "real network"},
		{"exec", `import "os/exec"`, "real processes"},
		{"sync outside graph", `import "sync"`, "only core/graph and core/instance"},
		{"uninitialised var", `var counter int`, "mutable state"},
		{"written var", `var n = 0; func f() { n++ }`, "write to package-level variable n"},
		{"map var written", `var m = map[string]int{}; func f() { m["a"] = 1 }`, "write to package-level variable m"},
		{"address taken", `var n = 0; func f() *int { return &n }`, "address of package-level variable n"},
		{"sync var", `import "sync"; var mu = sync.Mutex{}`, "synchronisation state"},
		{"time.LoadLocation", `import "time"; func f() { _, _ = time.LoadLocation("Europe/Berlin") }`, "time.LoadLocation reads $ZONEINFO"},
		{"time.Local", `import "time"; func f() { _ = time.Now().In(time.Local) }`, "host's time zone"},
		{"runtime", `import "runtime"; func f() { runtime.GC() }`, "Go runtime"},
		{"runtime/pprof", `import "runtime/pprof"`, "Go runtime"},
		{"runtime/metrics", `import "runtime/metrics"`, "Go runtime"},
		{"debug.SetGCPercent", `import "runtime/debug"; func f() { debug.SetGCPercent(1) }`, "debug.SetGCPercent"},
		{"log", `import "log"; func f() { log.Println("x") }`, "standard logger"},
		{"log/slog", `import "log/slog"; func f() { slog.Info("x") }`, "default logger"},
		{"fmt.Println", `import "fmt"; func f() { fmt.Println("x") }`, "fmt.Println writes to the process's stdout"},
		{"fmt.Printf", `import "fmt"; func f() { fmt.Printf("x") }`, "fmt.Printf writes"},
		{"fmt.Print", `import "fmt"; func f() { fmt.Print("x") }`, "fmt.Print writes"},
		{"renamed fmt", `import f "fmt"; func g() { f.Println("x") }`, "fmt.Println"},
		{"builtin println", `func f() { println("x") }`, "builtin println"},
		{"builtin print", `func f() { print("x") }`, "builtin print"},
		{"filepath.WalkDir", `import "path/filepath"; func f() { _ = filepath.WalkDir(".", nil) }`, "directory walks"},
		{"embedded bytes", "import _ \"embed\"\n//go:embed x\nvar b []byte", "mutable state"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := CheckSource("planted.go", "package p\n"+tc.src+"\n", "core/planted")
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if strings.Contains(v.What, tc.want) {
					return
				}
			}
			t.Errorf("planted %s not caught; got %v", tc.name, vs)
		})
	}
}

// TestGuardAllowsDeterministicCode checks that what the rule permits passes:
// seeded randomness, durations, read-only tables, shadowing locals and sync
// in core/graph.
func TestGuardAllowsDeterministicCode(t *testing.T) {
	src := `package p
import (
	_ "embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync/atomic"
	"time"
)
var ErrX = errors.New("x")

// data is filled at build time and cannot be written.
//
//go:embed data.txt
var data string

func print(s string) string { return fmt.Sprintf("%s%s", s, debug.Stack()) }
func g() { _ = print(data) }
func zone(b []byte) (*time.Location, error) { return time.LoadLocationFromTZData("X", b) }
var table = map[string]int{"a": 1}
var _ = table
func f(r *rand.Rand) time.Duration {
	table := map[string]int{}
	table["b"] = 2
	_ = rand.New(rand.NewPCG(1, 2))
	var v atomic.Int64
	v.Add(1)
	return time.Duration(r.IntN(3)) * time.Second
}
`
	vs, err := CheckSource("ok.go", src, "core/graph")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 {
		t.Errorf("deterministic code flagged: %v", vs)
	}
}

// TestGuardScansTree plants a forbidden file in a copy-like tree and runs the
// directory walk the real guard uses, so the walk itself is proven to reach
// nested packages and skip tests and testdata.
func TestGuardScansTree(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("deep/pkg/bad.go", "package pkg\nimport \"time\"\nfunc f() { _ = time.Now() }\n")
	write("deep/pkg/bad_test.go", "package pkg\nfunc g() { go g() }\n")
	write("deep/pkg/testdata/x.go", "package x\nfunc g() { go g() }\n")
	vs, err := CheckDir(root, "core")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || !strings.Contains(vs[0].What, "time.Now") {
		t.Fatalf("want exactly the planted time.Now, got %v", vs)
	}
}
