package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Sync() error { return nil }

// lines decodes every JSON log line, failing on a line that repeats a key.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		if _, err := dec.Token(); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		seen := map[string]bool{}
		m := map[string]any{}
		for dec.More() {
			k, _ := dec.Token()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("log line %s: %v", sc.Text(), err)
			}
			if seen[k.(string)] {
				t.Errorf("log line repeats the key %q: %s", k, sc.Text())
			}
			seen[k.(string)] = true
			m[k.(string)] = v
		}
		out = append(out, m)
	}
	return out
}

func find(lines []map[string]any, msg string, match func(map[string]any) bool) map[string]any {
	for _, l := range lines {
		if l["msg"] == msg && (match == nil || match(l)) {
			return l
		}
	}
	return nil
}

func startLogged(t *testing.T, mod func(*Config)) (*Server, *syncBuffer) {
	t.Helper()
	cfg, err := ParseConfig([]string{"--bolt-address", "127.0.0.1", "--bolt-port", "0", "--metrics-address", "127.0.0.1",
		"--metrics-port", "0", "--data-directory", t.TempDir()}, noEnv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(&cfg)
	}
	buf := &syncBuffer{}
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(LogEncoderConfig()), buf, zap.DebugLevel))
	s, err := Start(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, buf
}

func metric(t *testing.T, s *Server, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	mfs, err := s.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.Metric {
			for k, v := range labels {
				ok := false
				for _, lp := range m.Label {
					ok = ok || (lp.GetName() == k && lp.GetValue() == v)
				}
				if !ok {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

func mval(t *testing.T, s *Server, name string, labels map[string]string) float64 {
	t.Helper()
	m := metric(t, s, name, labels)
	switch {
	case m == nil:
		return 0
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

func connect(t *testing.T, s *Server, auth neo4j.AuthToken) neo4j.DriverWithContext {
	d, err := neo4j.NewDriverWithContext("bolt://"+s.BoltAddr(), auth)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	return d
}

var isoTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$`)

// TestLogs: ISO-8601 times under their own key, connections and failed
// logins at info/warn, every query at debug with duration, rows and
// outcome, parameters only when asked, slow queries at warn.
func TestLogs(t *testing.T) {
	s, buf := startLogged(t, func(c *Config) { c.AuthUser, c.AuthPassword = "ann", "secret" })
	ctx := context.Background()
	bad := connect(t, s, neo4j.BasicAuth("ann", "wrong", ""))
	if err := bad.VerifyConnectivity(ctx); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	d := connect(t, s, neo4j.BasicAuth("ann", "secret", ""))
	if _, err := neo4j.ExecuteQuery(ctx, d, "UNWIND range(1, $n) AS x RETURN x", map[string]any{"n": 3}, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	if _, err := neo4j.ExecuteQuery(ctx, d, "UNWIND [1, 0] AS x RETURN 1 / x", nil, neo4j.EagerResultTransformer); err == nil {
		t.Fatal("1/0 succeeded")
	}
	if _, err := neo4j.ExecuteQuery(ctx, d, "CREATE SNAPSHOT", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	s.bolt.Backend.(*observer).slow = time.Nanosecond
	if _, err := neo4j.ExecuteQuery(ctx, d, "RETURN 'slow'", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return find(buf.lines(t), "snapshot written", nil) != nil })

	lines := buf.lines(t)
	for _, l := range lines {
		if ts, _ := l["time"].(string); !isoTime.MatchString(ts) {
			t.Errorf("time %v is not ISO-8601: %v", l["time"], l)
		}
	}
	if l := find(lines, "authentication failed", nil); l == nil || l["level"] != "warn" || l["user"] != "ann" || l["remote"] == "" {
		t.Errorf("failed login line: %v", l)
	}
	if l := find(lines, "connection accepted", nil); l == nil || l["level"] != "info" {
		t.Errorf("connection line: %v", l)
	}
	q := find(lines, "query", func(l map[string]any) bool { return strings.HasPrefix(l["query"].(string), "UNWIND range") })
	if q == nil || q["level"] != "debug" || q["rows"] != 3.0 || q["outcome"] != "ok" || q["duration_ms"] == nil {
		t.Errorf("query line: %v", q)
	}
	if q != nil && q["parameters"] != nil {
		t.Errorf("parameters logged without --log-query-parameters: %v", q)
	}
	f := find(lines, "query failed", nil)
	if f == nil || f["level"] != "info" || f["outcome"] != "client_error" || f["code"] != "Neo.ClientError.Statement.ArgumentError" {
		t.Errorf("failed query line: %v", f)
	}
	if l := find(lines, "slow query", nil); l == nil || l["level"] != "warn" || l["query"] != "RETURN 'slow'" {
		t.Errorf("slow query line: %v", l)
	}
	if l := find(lines, "snapshot written", nil); l == nil || l["ts"] == l["time"] {
		t.Errorf("snapshot line: %v", l)
	}
}

func TestLogQueryParameters(t *testing.T) {
	s, buf := startLogged(t, func(c *Config) { c.LogQueryParams = true })
	d := connect(t, s, neo4j.NoAuth())
	if _, err := neo4j.ExecuteQuery(context.Background(), d, "RETURN $p AS p", map[string]any{"p": "hello"}, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	q := find(buf.lines(t), "query", nil)
	p, _ := q["parameters"].(map[string]any)
	if p["p"] != "hello" {
		t.Errorf("query line lacks its parameters: %v", q)
	}
}

// TestLogFile: --log-file appends the JSON lines to a file.
func TestLogFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "quiver.log")
	log, closeLog, err := NewLogger("INFO", file)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hello", zap.Int("n", 1))
	log.Debug("hidden")
	closeLog()
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), `"msg":"hello"`) || strings.Contains(string(b), "hidden") || !strings.Contains(string(b), `"time":"`) {
		t.Errorf("log file: %v %q", err, b)
	}
	if _, _, err := NewLogger("INFO", filepath.Join(file, "not-a-dir", "x.log")); err == nil {
		t.Error("an unwritable --log-file was accepted")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition never held")
}

// TestMetrics: outcomes counted when the query ends (a runtime error is an
// error), active transactions and sessions, durations by type, graph size,
// WAL and snapshot metrics, and a metrics port of 0 meaning a free port.
func TestMetrics(t *testing.T) {
	s, _ := startLogged(t, nil)
	if s.MetricsAddr() == "" || strings.HasSuffix(s.MetricsAddr(), ":0") {
		t.Fatalf("--metrics-port 0 must listen on a free port, got %q", s.MetricsAddr())
	}
	ctx := context.Background()
	d := connect(t, s, neo4j.NoAuth())
	run := func(q string) error {
		_, err := neo4j.ExecuteQuery(ctx, d, q, nil, neo4j.EagerResultTransformer)
		return err
	}
	if err := run("CREATE (:A)-[:R]->(:B)"); err != nil {
		t.Fatal(err)
	}
	if err := run("MATCH (n) RETURN n"); err != nil {
		t.Fatal(err)
	}
	if err := run("UNWIND [1, 0] AS x RETURN 1 / x"); err == nil {
		t.Fatal("1/0 succeeded")
	}
	if got := mval(t, s, "quiver_queries_total", map[string]string{"outcome": "ok"}); got != 2 {
		t.Errorf("ok queries %v, want 2 (a runtime failure is not ok)", got)
	}
	if got := mval(t, s, "quiver_queries_total", map[string]string{"outcome": "client_error"}); got != 1 {
		t.Errorf("client_error queries %v, want 1", got)
	}
	if got := mval(t, s, "quiver_query_errors_total", map[string]string{"code": "Neo.ClientError.Statement.ArgumentError"}); got != 1 {
		t.Errorf("errors by code %v", got)
	}
	if got := mval(t, s, "quiver_query_duration_seconds", map[string]string{"type": "write", "outcome": "ok"}); got != 1 {
		t.Errorf("write durations %v, want 1", got)
	}
	if got := mval(t, s, "quiver_query_duration_seconds", map[string]string{"type": "read", "outcome": "ok"}); got != 1 {
		t.Errorf("read durations %v, want 1", got)
	}
	if v, e := mval(t, s, "quiver_vertices", nil), mval(t, s, "quiver_edges", nil); v != 2 || e != 1 {
		t.Errorf("vertices %v edges %v, want 2 and 1", v, e)
	}
	if mval(t, s, "quiver_wal_written_bytes_total", nil) <= 0 || mval(t, s, "quiver_wal_fsync_duration_seconds", nil) <= 0 {
		t.Error("no WAL bytes or fsyncs metered")
	}
	if mval(t, s, "quiver_memory_heap_bytes", nil) <= 0 || mval(t, s, "quiver_data_directory_bytes", nil) <= 0 {
		t.Error("no memory or disk figure")
	}

	sess := d.NewSession(ctx, neo4j.SessionConfig{})
	defer sess.Close(ctx)
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Run(ctx, "CREATE (:C)", nil); err != nil {
		t.Fatal(err)
	}
	if got := mval(t, s, "quiver_active_transactions", nil); got != 1 {
		t.Errorf("active transactions %v inside BEGIN, want 1", got)
	}
	if got := mval(t, s, "quiver_bolt_sessions", nil); got < 1 {
		t.Errorf("sessions %v, want at least 1", got)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mval(t, s, "quiver_active_transactions", nil); got != 0 {
		t.Errorf("active transactions %v after COMMIT, want 0", got)
	}
	if err := run("CREATE SNAPSHOT"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return mval(t, s, "quiver_snapshots_total", nil) >= 1 })
	if mval(t, s, "quiver_snapshot_size_bytes", nil) <= 0 || mval(t, s, "quiver_snapshot_duration_seconds", nil) < 1 {
		t.Error("snapshot size or duration not metered")
	}
}
