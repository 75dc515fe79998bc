// Package console is the client behind `quiver console`: it runs Cypher
// through the Neo4j Go driver and prints results as tables (or CSV or JSON
// lines for scripts), in the spirit of mgconsole and cypher-shell.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Output formats.
const (
	Tabular = "tabular"
	CSV     = "csv"
	JSON    = "json"
)

// Console runs queries and prints their results.
type Console struct {
	d   neo4j.DriverWithContext
	out io.Writer
	// Err receives errors and notices (default: the output).
	Err io.Writer
	// Format is Tabular (default), CSV or JSON.
	Format string
	// Params are the parameters every query gets (:param, :params).
	Params map[string]any
	// Failed counts queries that failed.
	Failed int
	// Timing prints each query's duration in the tabular summary (on by
	// default; tests turn it off for stable output).
	Timing bool
}

// New returns a console writing to out.
func New(d neo4j.DriverWithContext, out io.Writer) *Console {
	return &Console{d: d, out: out, Err: out, Format: Tabular, Params: map[string]any{}, Timing: true}
}

// Help is what :help prints.
const Help = `Enter Cypher ending with ';' (it may span lines). Commands, on a line of their own:
  :help                  this text
  :quit, :exit           leave (Ctrl-D too)
  :param name => expr    set $name to the value of a Cypher expression, e.g. :param ids => [1, 2, 3]
  :param {a: 1, b: 'x'}  set several at once
  :params                list the parameters
  :params clear          forget them
Ctrl-C cancels the running query and returns to the prompt; at the prompt it clears the line.
Output: --format tabular (default), csv or json (one JSON object per row).`

// ErrQuit is returned by Exec for :quit.
var ErrQuit = errors.New("quit")

// IsCommand reports whether a line is a console command (":help", ...).
func IsCommand(line string) bool { return strings.HasPrefix(strings.TrimSpace(line), ":") }

// Command runs a console command line. It returns ErrQuit for :quit.
func (c *Console) Command(ctx context.Context, line string) error {
	line = strings.TrimSuffix(strings.TrimSpace(line), ";")
	name, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(name) {
	case ":help", ":h", ":?":
		fmt.Fprintln(c.out, Help)
	case ":quit", ":exit", ":q":
		return ErrQuit
	case ":param":
		return c.setParam(ctx, rest)
	case ":params":
		if rest == "clear" {
			c.Params = map[string]any{}
			return nil
		}
		c.listParams()
	default:
		c.Failed++
		fmt.Fprintf(c.Err, "unknown command %s (:help lists them)\n", name)
	}
	return nil
}

// setParam evaluates ":param name => expr" on the server (with the
// parameters set so far) and stores the value.
func (c *Console) setParam(ctx context.Context, arg string) error {
	if strings.HasPrefix(arg, "{") {
		return c.setParamMap(ctx, arg)
	}
	name, expr, ok := strings.Cut(arg, "=>")
	name, expr = strings.TrimPrefix(strings.TrimSpace(name), "$"), strings.TrimSpace(expr)
	if !ok || name == "" || expr == "" {
		c.Failed++
		fmt.Fprintln(c.Err, "usage: :param name => expression   (e.g. :param limit => 10)")
		return nil
	}
	name = strings.Trim(name, "`")
	v, ok := c.evaluate(ctx, expr)
	if ok {
		c.Params[name] = v
	}
	return nil
}

// setParamMap evaluates ":param {a: 1, b: 'x'}" and sets each key.
func (c *Console) setParamMap(ctx context.Context, expr string) error {
	v, ok := c.evaluate(ctx, expr)
	if !ok {
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		c.Failed++
		fmt.Fprintln(c.Err, ":param {…} needs a map, e.g. :param {limit: 10, name: 'ann'}")
		return nil
	}
	for k, e := range m {
		c.Params[k] = e
	}
	return nil
}

// evaluate returns the value of a Cypher expression, evaluated by the
// server with the parameters set so far, or reports why it failed.
func (c *Console) evaluate(ctx context.Context, expr string) (any, bool) {
	ctx, cancel := context.WithDeadline(ctx, time.Now().Add(100*365*24*time.Hour))
	defer cancel()
	sess := c.d.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead})
	defer sess.Close(context.Background())
	res, err := sess.Run(ctx, "RETURN "+expr+" AS v", c.Params)
	var rec *neo4j.Record
	if err == nil {
		rec, err = res.Single(ctx)
	}
	if err != nil {
		c.report(ctx, err)
		return nil, false
	}
	return rec.Values[0], true
}

func (c *Console) listParams() {
	names := make([]string, 0, len(c.Params))
	for k := range c.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintln(c.out, "no parameters (:param name => value sets one)")
	}
	for _, k := range names {
		fmt.Fprintf(c.out, ":param %s => %s\n", name(k), Format(c.Params[k]))
	}
}

// Split removes every complete ';'-terminated query from buf (quotes,
// backticks and comments respected) and returns them; an incomplete tail
// stays.
func Split(buf *strings.Builder) []string {
	s := buf.String()
	var out []string
	start := 0
	var quote rune
	escaped, lineComment := false, false
	for i, r := range s {
		switch {
		case lineComment:
			lineComment = r != '\n'
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case r == '\\' && quote != '`':
				escaped = true
			case r == quote:
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
		case r == '/' && strings.HasPrefix(s[i:], "//"):
			lineComment = true
		case r == ';':
			if q := strings.TrimSpace(s[start:i]); q != "" {
				out = append(out, q)
			}
			start = i + 1
		}
	}
	rest := s[start:]
	buf.Reset()
	if strings.TrimSpace(rest) != "" {
		buf.WriteString(rest)
	}
	return out
}

// Script runs every command line and ';'-terminated query from r; a final
// query without ';' runs too. It returns an error if any failed.
func (c *Console) Script(ctx context.Context, r io.Reader) error {
	var buf strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if strings.TrimSpace(buf.String()) == "" && IsCommand(sc.Text()) {
			if err := c.Command(ctx, sc.Text()); errors.Is(err, ErrQuit) {
				break
			}
			continue
		}
		buf.WriteString(sc.Text() + "\n")
		for _, q := range Split(&buf) {
			c.Run(ctx, q)
		}
	}
	if q := strings.TrimSpace(buf.String()); q != "" {
		c.Run(ctx, q)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if c.Failed > 0 {
		return fmt.Errorf("%d queries failed", c.Failed)
	}
	return nil
}

// Run executes one query and prints its result or its error. When ctx
// ends (Ctrl-C) it abandons the query: the driver drops the connection,
// which makes the server roll the transaction back.
func (c *Console) Run(ctx context.Context, q string) {
	start := time.Now()
	// The driver interrupts a blocked read only for a context with a
	// deadline; a plain cancellable one would leave Ctrl-C waiting for the
	// server's next message.
	ctx, cancel := context.WithDeadline(ctx, start.Add(100*365*24*time.Hour))
	defer cancel()
	sess := c.d.NewSession(ctx, neo4j.SessionConfig{})
	defer sess.Close(context.Background())
	res, err := sess.Run(ctx, q, c.Params)
	var recs []*neo4j.Record
	if err == nil {
		recs, err = res.Collect(ctx)
	}
	var sum neo4j.ResultSummary
	if err == nil {
		sum, err = res.Consume(ctx)
	}
	if err != nil {
		c.report(ctx, err)
		return
	}
	keys, _ := res.Keys()
	rows := make([][]any, len(recs))
	for i, r := range recs {
		rows[i] = r.Values
	}
	switch c.Format {
	case CSV:
		err = writeCSV(c.out, keys, rows, len(keys) > 0)
	case JSON:
		err = writeJSON(c.out, keys, rows)
	default:
		if len(keys) > 0 {
			writeTable(c.out, keys, rows)
		}
		fmt.Fprintln(c.out, c.summaryLine(len(keys) > 0, len(rows), sum, time.Since(start)))
	}
	if err != nil {
		fmt.Fprintf(c.Err, "Error: %v\n", err)
	}
}

// report prints a failed or cancelled query.
func (c *Console) report(ctx context.Context, err error) {
	c.Failed++
	var ne *neo4j.Neo4jError
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(c.Err, "Query cancelled.")
	case errors.As(err, &ne):
		fmt.Fprintf(c.Err, "Client received query exception: %s (%s)\n", ne.Msg, ne.Code)
	default:
		fmt.Fprintf(c.Err, "Error: %v\n", err)
	}
}

// summaryLine is "2 rows in set, 3 nodes created, 2 properties set (0.004
// sec)", or just the counters for a statement without columns.
func (c *Console) summaryLine(hasCols bool, n int, sum neo4j.ResultSummary, d time.Duration) string {
	var parts []string
	if hasCols || sum == nil {
		parts = append(parts, plural(n, "row", "rows")+" in set")
	}
	if sum != nil {
		parts = append(parts, Counters(sum.Counters())...)
	}
	if len(parts) == 0 {
		parts = append(parts, "no changes")
	}
	s := strings.Join(parts, ", ")
	if c.Timing {
		s += fmt.Sprintf(" (%.3f sec)", d.Seconds())
	}
	return s
}

// Counters words a summary's update counters: "3 nodes created", "2
// properties set", ..., in a fixed order, leaving out zeros.
func Counters(k neo4j.Counters) []string {
	var out []string
	for _, c := range []struct {
		n         int
		one, many string
	}{
		{k.NodesCreated(), "node created", "nodes created"},
		{k.NodesDeleted(), "node deleted", "nodes deleted"},
		{k.RelationshipsCreated(), "relationship created", "relationships created"},
		{k.RelationshipsDeleted(), "relationship deleted", "relationships deleted"},
		{k.PropertiesSet(), "property set", "properties set"},
		{k.LabelsAdded(), "label added", "labels added"},
		{k.LabelsRemoved(), "label removed", "labels removed"},
		{k.IndexesAdded(), "index added", "indexes added"},
		{k.IndexesRemoved(), "index removed", "indexes removed"},
		{k.ConstraintsAdded(), "constraint added", "constraints added"},
		{k.ConstraintsRemoved(), "constraint removed", "constraints removed"},
	} {
		if c.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", c.n, map[bool]string{true: c.one, false: c.many}[c.n == 1]))
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
