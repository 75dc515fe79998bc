package tck

import (
	"math"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

func mustParse(t *testing.T, s string) value.Value {
	t.Helper()
	v, err := ParseValue(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMatchValue(t *testing.T) {
	point1 := 0.1 // a variable, so that 0.1 + 0.2 is computed in float64
	a := value.Node{ID: 7, Labels: []string{"B", "A"}, Props: value.Map{"x": int64(1)}}
	b := value.Node{ID: 8}
	r := value.Relationship{ID: 3, StartID: 7, EndID: 8, Type: "T"}
	tests := []struct {
		exp     string
		act     value.Value
		ignore  bool
		matches bool
	}{
		{"null", nil, false, true},
		{"null", false, false, false},
		{"1", int64(1), false, true},
		{"1", 1.0, false, false},
		{"1.0", int64(1), false, false},
		{"1.0", 1.0, false, true},
		{"0.1", 0.1, false, true},
		{"0.30000000000000004", point1 + 0.2, false, true},
		{"0.3", point1 + 0.2, false, false},
		{"NaN", math.NaN(), false, true},
		{"NaN", 1.0, false, false},
		{"-Inf", math.Inf(-1), false, true},
		{"'a'", "a", false, true},
		{"'a'", "A", false, false},
		{"'1'", int64(1), false, false},
		{"'1984-10-11'", value.Date{Days: 5397}, false, true},
		{"'1984-10-12'", value.Date{Days: 5397}, false, false},
		{"'12:00'", value.LocalTime{Nanos: 12 * 3600e9}, false, true},
		{"true", true, false, true},
		{"[1, 2]", value.List{int64(1), int64(2)}, false, true},
		{"[1, 2]", value.List{int64(2), int64(1)}, false, false},
		{"[1, 2]", value.List{int64(2), int64(1)}, true, true},
		{"[[1, 2]]", value.List{value.List{int64(2), int64(1)}}, true, true},
		{"[1, 1, 2]", value.List{int64(1), int64(2), int64(2)}, true, false},
		{"[1]", value.List{int64(1), int64(1)}, false, false},
		{"{a: 1}", value.Map{"a": int64(1)}, false, true},
		{"{a: 1}", value.Map{"a": int64(1), "b": nil}, false, false},
		{"{a: null}", value.Map{}, false, false},
		{"(:A:B {x: 1})", a, false, true},
		{"(:A {x: 1})", a, false, false},
		{"(:A:B)", a, false, false},
		{"(:A:B:C {x: 1})", a, false, false},
		{"()", b, false, true},
		{"()", r, false, false},
		{"[:T]", r, false, true},
		{"[:U]", r, false, false},
		{"[:T {w: 1}]", r, false, false},
		{"<(:A:B {x: 1})-[:T]->()>", value.Path{Nodes: []value.Node{a, b}, Rels: []value.Relationship{r}}, false, true},
		{"<()<-[:T]-(:A:B {x: 1})>", value.Path{Nodes: []value.Node{b, a}, Rels: []value.Relationship{r}}, false, true},
		{"<()-[:T]->(:A:B {x: 1})>", value.Path{Nodes: []value.Node{b, a}, Rels: []value.Relationship{r}}, false, false},
		{"<()>", value.Path{Nodes: []value.Node{b}}, false, true},
		{"<()>", b, false, false},
	}
	for _, tc := range tests {
		if got := MatchValue(mustParse(t, tc.exp), tc.act, tc.ignore); got != tc.matches {
			t.Errorf("MatchValue(%s, %#v, ignore=%v) = %v", tc.exp, tc.act, tc.ignore, got)
		}
	}
}

func TestCompareResultNeedsPerfectMatching(t *testing.T) {
	// Greedy pairing would take row {x: [1, 2]} for the first expected row
	// and then fail; a one-to-one matching exists.
	exp, err := ParseTable([][]string{{"x"}, {"[1, 2]"}, {"[2, 1]"}})
	if err != nil {
		t.Fatal(err)
	}
	exp.IgnoreListOrder = true
	res := &Result{Columns: []string{"x"}, Rows: [][]value.Value{
		{value.List{int64(2), int64(1)}}, {value.List{int64(1), int64(2)}},
	}}
	if err := CompareResult(exp, res); err != nil {
		t.Fatal(err)
	}
	exp.IgnoreListOrder = false
	if err := CompareResult(exp, res); err != nil {
		t.Fatal(err)
	}
	exp.Ordered = true
	if err := CompareResult(exp, res); err == nil {
		t.Fatal("ordered comparison accepted swapped rows")
	}
	res.Rows = res.Rows[:1]
	exp.Ordered = false
	if err := CompareResult(exp, res); err == nil {
		t.Fatal("missing row accepted")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    value.Value
		want string
	}{
		{nil, "null"},
		{value.List{int64(1), 2.5, "it's", true}, `[1, 2.5, 'it\'s', true]`},
		{value.Map{"b": int64(1), "a": value.List{}}, "{a: [], b: 1}"},
		{value.Node{Labels: []string{"A"}, Props: value.Map{"k": "v"}}, "(:A {k: 'v'})"},
		{value.Node{}, "()"},
		{value.Relationship{Type: "T"}, "[:T]"},
		{value.Path{Nodes: []value.Node{{ID: 1}, {ID: 2}}, Rels: []value.Relationship{{StartID: 2, EndID: 1, Type: "T"}}}, "<()<-[:T]-()>"},
		{value.Date{Days: -1}, "'1969-12-31'"},
		{value.LocalTime{Nanos: 12*3600e9 + 5e9 + 1e6}, "'12:00:05.001'"},
		{value.Time{Nanos: 3600e9, OffsetSec: -5400}, "'01:00-01:30'"},
		{value.LocalDateTime{Sec: 86400 + 60, Nsec: 1000}, "'1970-01-02T00:01:00.000001'"},
		{value.DateTime{Sec: 0, OffsetSec: 3600, Zone: "Europe/Stockholm"}, "'1970-01-01T01:00+01:00[Europe/Stockholm]'"},
		{value.Duration{Months: 14, Days: 3, Seconds: 3723, Nanos: 5e8}, "'P1Y2M3DT1H2M3.5S'"},
		{value.Duration{}, "'PT0S'"},
		{value.Duration{Seconds: -1, Nanos: 5e8}, "'PT-0.5S'"},
	}
	for _, tc := range tests {
		if got := Format(tc.v); got != tc.want {
			t.Errorf("Format(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestDuplicateColumnsCompareByPosition(t *testing.T) {
	exp := Expected{Columns: []string{"a", "a"}, Rows: [][]value.Value{{int64(1), int64(2)}}}
	if err := CompareResult(exp, &Result{Columns: []string{"a", "a"}, Rows: [][]value.Value{{int64(1), int64(2)}}}); err != nil {
		t.Fatal(err)
	}
	if err := CompareResult(exp, &Result{Columns: []string{"a", "a"}, Rows: [][]value.Value{{int64(2), int64(2)}}}); err == nil {
		t.Fatal("accepted a wrong value under a duplicate column name")
	}
}
