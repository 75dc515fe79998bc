// Package console is the client behind `quiver console`: it runs Cypher
// through the Neo4j Go driver and prints results as tables, in the spirit of
// mgconsole.
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
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// Console runs queries on one session and prints their results.
type Console struct {
	d   neo4j.DriverWithContext
	out io.Writer
	// Failed counts queries that failed.
	Failed int
}

// New returns a console writing to out.
func New(d neo4j.DriverWithContext, out io.Writer) *Console { return &Console{d: d, out: out} }

// Split removes every complete ';'-terminated query from buf (quotes and
// backticks respected) and returns them; an incomplete tail stays.
func Split(buf *strings.Builder) []string {
	s := buf.String()
	var out []string
	start := 0
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
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

// Script runs every ';'-terminated query from r; a final query without ';'
// runs too. It returns an error if any query failed.
func (c *Console) Script(ctx context.Context, r io.Reader) error {
	var buf strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
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

// Run executes one query and prints its table or its error.
func (c *Console) Run(ctx context.Context, q string) {
	start := time.Now()
	sess := c.d.NewSession(ctx, neo4j.SessionConfig{})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, q, nil)
	var recs []*neo4j.Record
	if err == nil {
		recs, err = res.Collect(ctx)
	}
	if err != nil {
		c.Failed++
		var ne *neo4j.Neo4jError
		if errors.As(err, &ne) {
			fmt.Fprintf(c.out, "Client received query exception: %s\n", ne.Msg)
		} else {
			fmt.Fprintf(c.out, "Error: %v\n", err)
		}
		return
	}
	keys, _ := res.Keys()
	if len(keys) > 0 {
		c.table(keys, recs)
	}
	fmt.Fprintf(c.out, "%d rows in set (%.3f sec)\n", len(recs), time.Since(start).Seconds())
}

func (c *Console) table(keys []string, recs []*neo4j.Record) {
	cells := make([][]string, len(recs))
	widths := make([]int, len(keys))
	for i, k := range keys {
		widths[i] = len(k)
	}
	for r, rec := range recs {
		cells[r] = make([]string, len(keys))
		for i, v := range rec.Values {
			cells[r][i] = Format(v)
			widths[i] = max(widths[i], len(cells[r][i]))
		}
	}
	sep := "+"
	for _, w := range widths {
		sep += strings.Repeat("-", w+2) + "+"
	}
	row := func(vals []string) {
		line := "|"
		for i, v := range vals {
			line += " " + v + strings.Repeat(" ", widths[i]-len(v)) + " |"
		}
		fmt.Fprintln(c.out, line)
	}
	fmt.Fprintln(c.out, sep)
	row(keys)
	fmt.Fprintln(c.out, sep)
	for _, r := range cells {
		row(r)
	}
	fmt.Fprintln(c.out, sep)
}

// Format renders a driver value as mgconsole does.
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return "Null"
	case string:
		return fmt.Sprintf("%q", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Format(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return "{" + formatProps(x) + "}"
	case dbtype.Node:
		s := "("
		for _, l := range x.Labels {
			s += ":" + l
		}
		if len(x.Props) > 0 {
			s += " {" + formatProps(x.Props) + "}"
		}
		return s + ")"
	case dbtype.Relationship:
		s := "[:" + x.Type
		if len(x.Props) > 0 {
			s += " {" + formatProps(x.Props) + "}"
		}
		return s + "]"
	case dbtype.Path:
		parts := []string{}
		for i, n := range x.Nodes {
			parts = append(parts, Format(n))
			if i < len(x.Relationships) {
				parts = append(parts, "-"+Format(x.Relationships[i])+"-")
			}
		}
		return strings.Join(parts, "")
	}
	return fmt.Sprint(v)
}

func formatProps(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + Format(m[k])
	}
	return strings.Join(parts, ", ")
}
