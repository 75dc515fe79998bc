package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"

	"github.com/quiverdb/quiver/server"
	"github.com/quiverdb/quiver/server/console"
)

// newConsole starts an in-process server and a console on it, printing
// into the returned buffer without timings.
func newConsole(t *testing.T) (*console.Console, *bytes.Buffer) {
	c, out, _ := newConsoleServer(t)
	return c, out
}

func newConsoleServer(t *testing.T) (*console.Console, *bytes.Buffer, *server.Server) {
	t.Helper()
	cfg, err := server.ParseConfig([]string{"--bolt-address", "127.0.0.1", "--bolt-port", "0", "--metrics-enabled=false",
		"--data-directory", t.TempDir()}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.Start(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	d, err := neo4j.NewDriverWithContext("bolt://"+s.BoltAddr(), neo4j.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	var out bytes.Buffer
	c := console.New(d, &out)
	c.Timing = false
	return c, &out, s
}

// gauge reads a gauge from the server's registry.
func gauge(t *testing.T, s *server.Server, name string) float64 {
	mfs, err := s.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.Metric[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func script(t *testing.T, c *console.Console, out *bytes.Buffer, s string) string {
	t.Helper()
	out.Reset()
	_ = c.Script(context.Background(), strings.NewReader(s))
	return out.String()
}

// TestValuesPrintAsCypher: paths keep their directions, temporal values
// print as toString() with zone names, strings are quoted and escaped.
func TestValuesPrintAsCypher(t *testing.T) {
	c, out := newConsole(t)
	script(t, c, out, "CREATE (:A {n: 1})<-[:R]-(:B)-[:S]->(:C);")
	for q, want := range map[string]string{
		"MATCH p = (:A)<-[:R]-(:B)-[:S]->(:C) RETURN p":                                     "(:A {n: 1})<-[:R]-(:B)-[:S]->(:C)",
		"RETURN datetime('2024-01-02T03:04:05.123+01:00[Europe/Stockholm]') AS d":           "2024-01-02T03:04:05.123+01:00[Europe/Stockholm]",
		"RETURN datetime('2024-01-02T03:04:05Z') AS d":                                      "2024-01-02T03:04:05Z",
		"RETURN datetime('2024-01-02T03:04:05.5-05:30') AS d":                               "2024-01-02T03:04:05.500-05:30",
		"RETURN date('2024-01-02') AS d, localtime('12:30') AS t":                           "| 2024-01-02 | 12:30 |",
		"RETURN time('12:30:01.25+02:00') AS t":                                             "12:30:01.250+02:00",
		"RETURN localdatetime('2024-01-02T03:04') AS t":                                     "2024-01-02T03:04",
		"RETURN duration('P1DT2H') AS d":                                                    "P1DT2H",
		`RETURN 'say "hi"\n\\ok' AS s, 1.0 AS f, [1, null, true] AS l, {b: 1, a: 'x'} AS m`: `| "say \"hi\"\n\\ok" | 1.0 | [1, null, true] | {a: "x", b: 1} |`,
	} {
		if got := script(t, c, out, q+";"); !strings.Contains(got, want) {
			t.Errorf("%s:\n%s\nwant %q", q, got, want)
		}
	}
}

// TestTableAlignsByDisplayWidth: every line of a table with accented,
// CJK and emoji text is as wide on screen as the border.
func TestTableAlignsByDisplayWidth(t *testing.T) {
	c, out := newConsole(t)
	got := script(t, c, out, "UNWIND ['é', '日本語', 'ascii', '🙂x', 'ｆｕｌｌ'] AS s RETURN s, size(s) AS n;")
	lines := strings.Split(strings.TrimSpace(got), "\n")
	w := console.Width(lines[0])
	for _, l := range lines[:len(lines)-1] {
		if console.Width(l) != w {
			t.Errorf("line %q is %d columns wide, the border %d:\n%s", l, console.Width(l), w, got)
		}
	}
	for s, want := range map[string]int{"abc": 3, "日本": 4, "é": 1, "e\u0301": 1, "🙂": 2, "ｆ": 2} {
		if got := console.Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestWritesPrintCounters: a write says what it changed.
func TestWritesPrintCounters(t *testing.T) {
	c, out := newConsole(t)
	if got := script(t, c, out, "CREATE (:A {x: 1}), (:B {y: 2}), (:C);"); !strings.Contains(got, "3 nodes created, 2 properties set, 3 labels added") {
		t.Errorf("CREATE printed %q", got)
	}
	if got := script(t, c, out, "MATCH (a:A) SET a.z = 3 RETURN a.z AS z;"); !strings.Contains(got, "1 row in set, 1 property set") {
		t.Errorf("SET printed %q", got)
	}
	if got := script(t, c, out, "CREATE INDEX ON :A(x);"); !strings.Contains(got, "1 index added") {
		t.Errorf("CREATE INDEX printed %q", got)
	}
}

// TestCommands: :help, :param, :params and :quit work (they were syntax
// errors), in scripts as at the prompt.
func TestCommands(t *testing.T) {
	c, out := newConsole(t)
	got := script(t, c, out, ":help\n:param limit => 1 + 2\n:param `the name` => 'x'\n:params\nUNWIND range(1, 10) AS x RETURN x LIMIT $limit;\n:quit\nRETURN 'after quit';\n")
	for _, want := range []string{":param name => expr", ":param limit => 3", ":param `the name` => \"x\"", "3 rows in set"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "after quit") || c.Failed != 0 {
		t.Errorf(":quit did not stop the script, or something failed (%d):\n%s", c.Failed, got)
	}
	if got := script(t, c, out, ":params clear\n:param {a: 1, b: 'x'}\n:params\n"); !strings.Contains(got, ":param a => 1\n:param b => \"x\"") {
		t.Errorf(":param {map} printed %q", got)
	}
	if got := script(t, c, out, ":nonsense\n"); !strings.Contains(got, "unknown command") {
		t.Errorf(":nonsense printed %q", got)
	}
}

func TestFormats(t *testing.T) {
	c, out := newConsole(t)
	c.Format = console.CSV
	if got := script(t, c, out, "RETURN 'a,b' AS s, 1 AS n, null AS z;"); got != "s,n,z\n\"a,b\",1,\n" {
		t.Errorf("csv: %q", got)
	}
	c.Format = console.JSON
	got := script(t, c, out, "UNWIND [1, 2] AS x RETURN x, 'v' + x AS s;")
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 2 {
		t.Fatalf("json: %q", got)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &row); err != nil || row["x"] != 2.0 || row["s"] != "v2" {
		t.Errorf("json row %q: %v %v", lines[1], row, err)
	}
}

// TestCancel: cancelling the context (what Ctrl-C does) ends a running
// query promptly and the console keeps working.
func TestCancel(t *testing.T) {
	c, out, s := newConsoleServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan time.Duration)
	go func() {
		start := time.Now()
		c.Run(ctx, "UNWIND range(1, 1000) AS a UNWIND range(1, 1000) AS b UNWIND range(1, 1000) AS c RETURN a, b, c")
		done <- time.Since(start)
	}()
	time.Sleep(300 * time.Millisecond)
	cancelled := time.Now()
	cancel()
	select {
	case <-done:
		t.Logf("Run returned %v after the cancel", time.Since(cancelled))
	case <-time.After(5 * time.Second):
		t.Fatal("the query did not return within 5 s of the cancel")
	}
	if !strings.Contains(out.String(), "Query cancelled.") {
		t.Errorf("output %q", out.String())
	}
	// The server ends the abandoned query's transaction.
	deadline := time.Now().Add(5 * time.Second)
	for gauge(t, s, "quiver_active_transactions") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the server still runs the cancelled query 5 s later")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("the server ended the query %v after the cancel", time.Since(cancelled))
	if got := script(t, c, out, "RETURN 1 AS one;"); !strings.Contains(got, "1 row in set") {
		t.Errorf("after a cancel: %q", got)
	}
}

func TestSplit(t *testing.T) {
	var b strings.Builder
	b.WriteString("RETURN 'a;b' AS x; // c;\nRETURN \"q\\\";\" AS y;\nRETURN")
	got := console.Split(&b)
	if len(got) != 2 || got[0] != "RETURN 'a;b' AS x" || !strings.HasPrefix(got[1], "// c;\nRETURN \"q\\\";\"") || b.String() != "\nRETURN" {
		t.Errorf("Split: %q, rest %q", got, b.String())
	}
}
