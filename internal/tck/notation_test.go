package tck

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/quiverdb/quiver/core/value"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		in   string
		want value.Value
	}{
		{"null", nil},
		{"true", true},
		{"false", false},
		{"0", int64(0)},
		{"-12", int64(-12)},
		{"9223372036854775807", int64(math.MaxInt64)},
		{"-9223372036854775808", int64(math.MinInt64)},
		{"1.0", 1.0},
		{"-0.5", -0.5},
		{".5", 0.5},
		{"1e3", 1000.0},
		{"1.2635418652381264e305", 1.2635418652381264e305},
		{"-1.5E-3", -0.0015},
		{"NaN", math.NaN()},
		{"Inf", math.Inf(1)},
		{"-Inf", math.Inf(-1)},
		{"''", ""},
		{"'a b'", "a b"},
		{`'it\'s'`, "it's"},
		{`'a\\b'`, `a\b`},
		{`'\u00e9\n'`, "é\n"},
		{`"dq"`, "dq"},
		{"'ünï'", "ünï"},
		{"[]", value.List{}},
		{"[1, 'a', [null]]", value.List{int64(1), "a", value.List{nil}}},
		{"{}", value.Map{}},
		{"{a: 1, `b c`: {d: []}}", value.Map{"a": int64(1), "b c": value.Map{"d": value.List{}}}},
		{"()", value.Node{Props: value.Map{}}},
		{"(:A:B {name: 'x'})", value.Node{Labels: []string{"A", "B"}, Props: value.Map{"name": "x"}}},
		{"(:`odd label`)", value.Node{Labels: []string{"odd label"}, Props: value.Map{}}},
		{"[:T]", value.Relationship{Type: "T", Props: value.Map{}}},
		{"[:T {w: 1.5}]", value.Relationship{Type: "T", Props: value.Map{"w": 1.5}}},
		{"[[:T]]", value.List{value.Relationship{Type: "T", Props: value.Map{}}}},
		{"<()>", value.Path{Nodes: []value.Node{{Props: value.Map{}}}}},
		{"<(:A)-[:T]->(:B)<-[:U {k: 1}]-()>", value.Path{
			Nodes: []value.Node{{ID: 0, Labels: []string{"A"}, Props: value.Map{}}, {ID: 1, Labels: []string{"B"}, Props: value.Map{}}, {ID: 2, Props: value.Map{}}},
			Rels:  []value.Relationship{{Type: "T", StartID: 0, EndID: 1, Props: value.Map{}}, {Type: "U", StartID: 2, EndID: 1, Props: value.Map{"k": int64(1)}}},
		}},
		{"  [ 1 ,2 ]  ", value.List{int64(1), int64(2)}},
	}
	for _, tc := range tests {
		got, err := ParseValue(tc.in)
		if err != nil {
			t.Errorf("ParseValue(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got, cmpopts.EquateNaNs()); d != "" {
			t.Errorf("ParseValue(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}

func TestParseValueErrors(t *testing.T) {
	for _, in := range []string{"", "nul", "[1,", "[1 2]", "{a 1}", "{a: }", "'open", "(:A", "[:A:B]", "<(a)-[:T]-(b)>",
		"<()-[:T]>", "1 2", "99999999999999999999", "1.2.3", "(:A {x: 1", "<()", "@"} {
		if v, err := ParseValue(in); err == nil {
			t.Errorf("ParseValue(%q) = %#v, want an error", in, v)
		}
	}
}

func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"null", "[1, 'a']", "{a: (:A {b: [:T]})}", "<(:A)-[:T]->()<-[:U]-()>", `'\u00e9'`, "-Inf", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseValue(s)
		if err != nil {
			return
		}
		// Whatever parses prints and parses back to a matching value
		// (temporal values aside, which the notation writes as strings).
		back, err := ParseValue(Format(v))
		if err != nil {
			t.Fatalf("Format(%#v) = %q does not parse: %v", v, Format(v), err)
		}
		if !MatchValue(back, roundTripIDs(v), false) {
			t.Fatalf("%q -> %q does not match itself", s, Format(v))
		}
	})
}

// roundTripIDs gives parsed paths real-looking ids so that Format prints
// their directions.
func roundTripIDs(v value.Value) value.Value {
	switch x := v.(type) {
	case value.List:
		out := make(value.List, len(x))
		for i, e := range x {
			out[i] = roundTripIDs(e)
		}
		return out
	case value.Map:
		out := value.Map{}
		for k, e := range x {
			out[k] = roundTripIDs(e)
		}
		return out
	}
	return v
}
