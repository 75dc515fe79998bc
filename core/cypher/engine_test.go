package cypher_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/cypher/functions"
	"github.com/quiverdb/quiver/core/value"
)

// run executes query and renders its rows, one per line, or the error.
func run(t testing.TB, e *cypher.Engine, g cypher.Tx, query string) string {
	t.Helper()
	res, err := e.Run(g, query, map[string]value.Value{"p": int64(7)})
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	b.WriteString(strings.Join(res.Columns(), " | ") + "\n")
	for {
		rec, ok, err := res.Next()
		if err != nil {
			return b.String() + "error: " + err.Error() + "\n"
		}
		if !ok {
			break
		}
		parts := make([]string, len(rec))
		for i, v := range rec {
			parts[i] = render(v)
		}
		b.WriteString(strings.Join(parts, " | ") + "\n")
	}
	return b.String()
}

func render(v value.Value) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "'" + x + "'"
	case value.List:
		var ps []string
		for _, e := range x {
			ps = append(ps, render(e))
		}
		return "[" + strings.Join(ps, ", ") + "]"
	case value.Map:
		var ks []string
		for k := range x {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		var ps []string
		for _, k := range ks {
			ps = append(ps, k+": "+render(x[k]))
		}
		return "{" + strings.Join(ps, ", ") + "}"
	case value.Node:
		return "(" + strings.Join(append([]string{""}, x.Labels...), ":") + " " + render(value.Map(x.Props)) + ")"
	case value.Relationship:
		return "[:" + x.Type + " " + render(value.Map(x.Props)) + "]"
	case value.Path:
		var ps []string
		for i, n := range x.Nodes {
			ps = append(ps, render(n))
			if i < len(x.Rels) {
				ps = append(ps, render(x.Rels[i]))
			}
		}
		return "<" + strings.Join(ps, ",") + ">"
	case value.Point:
		return functions.FormatPoint(x)
	}
	return fmt.Sprint(v)
}

// TestVarLengthStreams pulls a few rows of a variable-length match whose
// full result is astronomically large (every path of a complete graph):
// the executor must stream it, never collect it.
func TestVarLengthStreams(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	g := cyphertest.New()
	if _, err := drain(e, g, "UNWIND range(1, 12) AS i CREATE (:K {i: i})"); err != nil {
		t.Fatal(err)
	}
	if _, err := drain(e, g, "MATCH (a:K), (b:K) WHERE a <> b CREATE (a)-[:E]->(b)"); err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(g, "MATCH p = (:K {i: 1})-[:E*]->() RETURN length(p) AS n", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		rec, ok, err := res.Next()
		if err != nil || !ok {
			t.Fatalf("row %d: ok=%v err=%v", i, ok, err)
		}
		if rec[0] != int64(i) {
			t.Fatalf("row %d: path length %v, want %d (depth first)", i, rec[0], i)
		}
	}
	res.Close()
	if _, ok, _ := res.Next(); ok {
		t.Fatal("Next after Close returned a row")
	}
}

// TestIntFloatComparisonsAreExact checks that comparing an integer with a
// float never rounds the integer to float64 first: 2^53+1 is not 2^53.0.
func TestIntFloatComparisonsAreExact(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	got := run(t, e, cyphertest.New(), `WITH 9007199254740993 AS i, 9007199254740992.0 AS f
RETURN i > f AS gt, i = f AS eq, i <> f AS ne, [x IN [f, i] | x] AS l
ORDER BY gt`)
	want := "gt | eq | ne | l\ntrue | false | true | [9.007199254740992e+15, 9007199254740993]\n"
	if got != want {
		t.Fatalf("got\n%swant\n%s", got, want)
	}
	got = run(t, e, cyphertest.New(), `UNWIND [9007199254740993, 9007199254740992.0, 9007199254740992] AS x
RETURN x ORDER BY x DESC`)
	if !strings.HasPrefix(got, "x\n9007199254740993\n") {
		t.Fatalf("ORDER BY rounds integers through float64:\n%s", got)
	}
}
