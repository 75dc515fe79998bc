// Package proctest runs real `quiver serve` processes: kill -9 survival,
// `quiver console` scripts and the JavaScript driver.
package proctest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quiver-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "quiver")
	out, err := exec.Command("go", "build", "-o", binary, "github.com/quiverdb/quiver/cmd/quiver").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building quiver: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// serve starts `quiver serve` on a free port and waits until it accepts
// Bolt connections.
func serve(t *testing.T, dataDir string, extra ...string) (*exec.Cmd, int) {
	port := freePort(t)
	args := append([]string{"serve", "--bolt-address", "127.0.0.1", "--bolt-port", fmt.Sprint(port),
		"--metrics-enabled=false", "--data-directory", dataDir}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return cmd, port
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("quiver serve did not start listening")
	return nil, 0
}

func count(t *testing.T, port int) int64 {
	d, err := neo4j.NewDriverWithContext(fmt.Sprintf("bolt://127.0.0.1:%d", port), neo4j.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	res, err := neo4j.ExecuteQuery(context.Background(), d, "MATCH (n:K) RETURN count(n) AS c", nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	return res.Records[0].Values[0].(int64)
}

// TestKill9 acknowledges writes, kills the server with SIGKILL, restarts it
// on the same data directory and finds every acknowledged write.
func TestKill9(t *testing.T) {
	dir := t.TempDir()
	cmd, port := serve(t, dir)
	d, err := neo4j.NewDriverWithContext(fmt.Sprintf("bolt://127.0.0.1:%d", port), neo4j.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		if _, err := neo4j.ExecuteQuery(ctx, d, "CREATE (:K {i: $i})", map[string]any{"i": i}, neo4j.EagerResultTransformer); err != nil {
			t.Fatal(err)
		}
	}
	// Index changes run as auto-commit queries (refused in the explicit
	// transactions ExecuteQuery opens, as in Memgraph).
	sess := d.NewSession(ctx, neo4j.SessionConfig{})
	res, err := sess.Run(ctx, "CREATE INDEX ON :K(i)", nil)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	sess.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d.Close(ctx)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	_, port = serve(t, dir)
	if got := count(t, port); got != 300 {
		t.Fatalf("after kill -9: %d of 300 acknowledged nodes", got)
	}
	// Clean shutdown with SIGTERM, then another restart.
	cmd3, port3 := serve(t, t.TempDir())
	_ = port3
	if err := cmd3.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd3.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("SIGTERM exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("no graceful exit within 10 s of SIGTERM")
	}
}

// TestConsole runs `quiver console` with -e and with a piped script.
func TestConsole(t *testing.T) {
	_, port := serve(t, t.TempDir())
	p := fmt.Sprint(port)
	out, err := exec.Command(binary, "console", "--port", p, "-e", "CREATE (:K {name: 'a;b'}); MATCH (n:K) RETURN n.name AS name, n;").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{`| name  | n`, `"a;b"`, `(:K {name: "a;b"})`, "1 row in set", "1 node created, 1 property set, 1 label added"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("console -e output lacks %q:\n%s", want, out)
		}
	}
	cmd := exec.Command(binary, "console", "--port", p)
	cmd.Stdin = strings.NewReader("MATCH (n:K)\nRETURN count(n)\n  AS c;\nRETRN 1;\n")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "| 1 |") || !strings.Contains(string(out), "query exception") {
		t.Errorf("piped script: %v\n%s", err, out)
	}
}

// TestBadFlags checks the clear messages for bad configuration.
func TestBadFlags(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "file")
	_ = os.WriteFile(file, nil, 0o644)
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--bolt-port", "70000"}, "", "is not a port"},
		{[]string{"--bolt-port", "x"}, "", "invalid value"},
		{[]string{"--bolt-port", fmt.Sprint(busy.Addr().(*net.TCPAddr).Port), "--bolt-address", "127.0.0.1"}, "", "is the port busy"},
		{[]string{"--data-directory", filepath.Join(file, "sub")}, "", "cannot be created"},
		{nil, "QUIVER_QUERY_EXECUTION_TIMEOUT_SEC=-3", "must be >= 0"},
		{nil, "QUIVER_STORAGE_WAL_ENABLED=maybe", "QUIVER_STORAGE_WAL_ENABLED"},
		{[]string{"--auth-user", "u"}, "", "needs --auth-password"},
	} {
		args := append([]string{"serve", "--metrics-enabled=false", "--data-directory", t.TempDir()}, c.args...)
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), c.env)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%v %s: %v, output %q lacks %q", c.args, c.env, err, firstLine(out), c.want)
		}
	}
}

func firstLine(b []byte) string {
	s := bufio.NewScanner(strings.NewReader(string(b)))
	s.Scan()
	return s.Text()
}

// TestJSDriver runs the npm neo4j-driver (installed with npm ci from the
// lockfile in jsdriver/) against quiver serve over bolt:// and neo4j://,
// with authentication on (the Go driver tests cover it off).
func TestJSDriver(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: the JavaScript driver test needs node and npm")
	}
	dir, _ := filepath.Abs("jsdriver")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "neo4j-driver", "package.json")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	node := func(script string, args ...string) {
		cmd := exec.Command("node", append([]string{script}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		t.Logf("node %s %v:\n%s", script, args, out)
		if err != nil {
			t.Errorf("node %s %v failed: %v", script, args, err)
		}
	}
	_, port := serve(t, t.TempDir(), "--auth-user", "quiver", "--auth-password", "pw")
	for _, scheme := range []string{"bolt", "neo4j"} {
		node("test.js", fmt.Sprintf("%s://127.0.0.1:%d", scheme, port), "quiver", "pw")
	}
	node("auth.js", fmt.Sprintf("bolt://127.0.0.1:%d", port), "quiver", "pw")
}

// TestMetricsAndHealth scrapes /metrics and /health of a running server.
func TestMetricsAndHealth(t *testing.T) {
	mport := freePort(t)
	dir := t.TempDir()
	port := freePort(t)
	cmd := exec.Command(binary, "serve", "--bolt-address", "127.0.0.1", "--bolt-port", fmt.Sprint(port),
		"--metrics-address", "127.0.0.1", "--metrics-port", fmt.Sprint(mport), "--data-directory", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	get := func(path string) string {
		for i := 0; i < 100; i++ {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", mport, path))
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return string(b)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("GET %s never answered", path)
		return ""
	}
	if h := get("/health"); !strings.Contains(h, `"status":"ok"`) {
		t.Errorf("/health: %s", h)
	}
	_ = count(t, port)
	m := get("/metrics")
	for _, want := range []string{`quiver_queries_total{outcome="ok"} 1`, "quiver_bolt_connections_accepted_total", "quiver_writable 1"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
