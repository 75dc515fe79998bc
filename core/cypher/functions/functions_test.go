package functions

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

type testEnv struct{ nodes map[int64]value.Node }

func (e testEnv) Node(id int64) (value.Node, bool) { n, ok := e.nodes[id]; return n, ok }
func (testEnv) Rand() float64                      { return 0.25 }

var (
	nodeA = value.Node{ID: 1, Labels: []string{"A", "B"}, Props: value.Map{"name": "a", "age": int64(3)}}
	nodeB = value.Node{ID: 2}
	rel   = value.Relationship{ID: 7, StartID: 1, EndID: 2, Type: "KNOWS", Props: value.Map{"w": 1.5}}
	path  = value.Path{Nodes: []value.Node{nodeA, nodeB}, Rels: []value.Relationship{rel}}
	env   = testEnv{nodes: map[int64]value.Node{1: nodeA, 2: nodeB}}
)

type call struct {
	name string
	args []value.Value
	want value.Value
	// err, when set, is the expected "Kind/Detail" of the error.
	err string
}

func a(xs ...value.Value) []value.Value { return xs }
func l(xs ...value.Value) value.List    { return append(value.List{}, xs...) }

func runCalls(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		got, err := Call(env, c.name, c.args)
		if c.err != "" {
			e, ok := cyerr.As(err)
			if !ok || e.Kind()+"/"+e.Detail != c.err {
				t.Errorf("%s%v: error %v, want %s", c.name, c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: unexpected error %v", c.name, c.args, err)
			continue
		}
		if !cmp.Equal(got, c.want, cmpopts.EquateNaNs()) {
			t.Errorf("%s%v = %#v, want %#v", c.name, c.args, got, c.want)
		}
	}
}

const typeErr = "TypeError/InvalidArgumentValue"

func TestScalarFunctions(t *testing.T) {
	runCalls(t, []call{
		{name: "coalesce", args: a(nil, nil, int64(2), int64(3)), want: int64(2)},
		{name: "COALESCE", args: a(nil), want: nil},
		{name: "coalesce", args: a(), err: "SyntaxError/InvalidNumberOfArguments"},
		{name: "nosuch", args: a(), err: "SyntaxError/UnknownFunction"},
		{name: "head", args: a(l(int64(1), int64(2))), want: int64(1)},
		{name: "head", args: a(l()), want: nil},
		{name: "head", args: a(nil), want: nil},
		{name: "head", args: a("x"), err: typeErr},
		{name: "last", args: a(l(int64(1), int64(2))), want: int64(2)},
		{name: "size", args: a(l(int64(1), nil)), want: int64(2)},
		{name: "size", args: a("héllo"), want: int64(5)},
		{name: "size", args: a(nil), want: nil},
		{name: "size", args: a(int64(1)), err: typeErr},
		{name: "length", args: a(path), want: int64(1)},
		{name: "length", args: a(int64(1)), err: typeErr},
		{name: "type", args: a(rel), want: "KNOWS"},
		{name: "type", args: a(nodeA), err: typeErr},
		{name: "type", args: a(nil), want: nil},
		{name: "id", args: a(nodeA), want: int64(1)},
		{name: "id", args: a(rel), want: int64(7)},
		{name: "labels", args: a(nodeA), want: l("A", "B")},
		{name: "labels", args: a(int64(1)), err: typeErr},
		{name: "keys", args: a(nodeA), want: l("age", "name")},
		{name: "keys", args: a(value.Map{"b": nil, "a": int64(1)}), want: l("a", "b")},
		{name: "keys", args: a(rel), want: l("w")},
		{name: "keys", args: a("x"), err: typeErr},
		{name: "properties", args: a(nodeA), want: value.Map{"name": "a", "age": int64(3)}},
		{name: "properties", args: a(nodeB), want: value.Map{}},
		{name: "startNode", args: a(rel), want: nodeA},
		{name: "endNode", args: a(rel), want: nodeB},
		{name: "endNode", args: a(value.Relationship{EndID: 99}), err: "EntityNotFound/DeletedEntityAccess"},
		{name: "startNode", args: a(nil), want: nil},
		{name: "isEmpty", args: a(l()), want: true},
		{name: "isEmpty", args: a("a"), want: false},
	})
}

func TestConversionFunctions(t *testing.T) {
	runCalls(t, []call{
		{name: "toBoolean", args: a("true"), want: true},
		{name: "toBoolean", args: a(" FALSE "), want: false},
		{name: "toBoolean", args: a("yes"), want: nil},
		{name: "toBoolean", args: a(true), want: true},
		{name: "toBoolean", args: a(int64(0)), want: false},
		{name: "toBoolean", args: a(1.0), err: typeErr},
		{name: "toBoolean", args: a(l()), err: typeErr},
		{name: "toBooleanOrNull", args: a(1.0), want: nil},
		{name: "toInteger", args: a(82.9), want: int64(82)},
		{name: "toInteger", args: a(-82.9), want: int64(-82)},
		{name: "toInteger", args: a("42"), want: int64(42)},
		{name: "toInteger", args: a("42.7"), want: int64(42)},
		{name: "toInteger", args: a("1e3"), want: int64(1000)},
		{name: "toInteger", args: a("foo"), want: nil},
		{name: "toInteger", args: a(true), want: int64(1)},
		{name: "toInteger", args: a(value.Map{}), err: typeErr},
		{name: "toInteger", args: a(nodeA), err: typeErr},
		{name: "toInteger", args: a(math.NaN()), err: "ArgumentError/NumberOutOfRange"},
		{name: "toIntegerOrNull", args: a(l()), want: nil},
		{name: "toIntegerList", args: a(l("1", nil, 2.5, "x", l())), want: l(int64(1), nil, int64(2), nil, nil)},
		{name: "toFloat", args: a(int64(3)), want: 3.0},
		{name: "toFloat", args: a("3.4"), want: 3.4},
		{name: "toFloat", args: a("NaN"), want: math.NaN()},
		{name: "toFloat", args: a("inf"), want: nil},
		{name: "toFloat", args: a("0x10"), want: nil},
		{name: "toFloat", args: a("foo"), want: nil},
		{name: "toFloat", args: a(true), err: typeErr},
		{name: "toString", args: a(int64(42)), want: "42"},
		{name: "toString", args: a(1.0), want: "1.0"},
		{name: "toString", args: a(true), want: "true"},
		{name: "toString", args: a("s"), want: "s"},
		{name: "toString", args: a(l()), err: typeErr},
		{name: "toStringList", args: a(l(int64(1), 2.5, true, "apa")), want: l("1", "2.5", "true", "apa")},
		{name: "toStringOrNull", args: a(nodeA), want: nil},
	})
}

func TestFormatFloat(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", -1.5: "-1.5", 0.001: "0.001", 0.0001: "1.0E-4", 1e7: "1.0E7", 9999999: "9999999.0",
		1.5e20: "1.5E20", 123.456: "123.456", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity",
		0: "0.0", math.Copysign(0, -1): "-0.0", 1.0 / 3: "0.3333333333333333",
	} {
		if got := FormatFloat(f); got != want {
			t.Errorf("FormatFloat(%v) = %q, want %q", f, got, want)
		}
	}
	if FormatFloat(math.NaN()) != "NaN" {
		t.Errorf("NaN")
	}
}

func TestListFunctions(t *testing.T) {
	const argType = "ArgumentError/InvalidArgumentType"
	runCalls(t, []call{
		{name: "range", args: a(int64(0), int64(3)), want: l(int64(0), int64(1), int64(2), int64(3))},
		{name: "range", args: a(int64(2), int64(8), int64(3)), want: l(int64(2), int64(5), int64(8))},
		{name: "range", args: a(int64(3), int64(0), int64(-2)), want: l(int64(3), int64(1))},
		{name: "range", args: a(int64(3), int64(0)), want: l()},
		{name: "range", args: a(int64(0), int64(3), int64(-1)), want: l()},
		{name: "range", args: a(int64(math.MaxInt64-1), int64(math.MaxInt64)), want: l(int64(math.MaxInt64-1), int64(math.MaxInt64))},
		{name: "range", args: a(int64(math.MinInt64), int64(math.MaxInt64), int64(math.MaxInt64)),
			want: l(int64(math.MinInt64), int64(-1), int64(math.MaxInt64-1))},
		{name: "range", args: a(int64(0), int64(0), int64(math.MinInt64)), want: l(int64(0))},
		{name: "range", args: a(int64(2), int64(8), int64(0)), err: "ArgumentError/NumberOutOfRange"},
		{name: "range", args: a(int64(0), int64(math.MaxInt64)), err: "ArgumentError/NumberOutOfRange"},
		{name: "range", args: a(true, int64(1)), err: argType},
		{name: "range", args: a(int64(0), 1.0), err: argType},
		{name: "range", args: a(int64(0), int64(1), "x"), err: argType},
		{name: "range", args: a(int64(0), l(int64(1))), err: argType},
		{name: "range", args: a(nil, int64(1)), err: argType},
		{name: "reverse", args: a(l(int64(1), nil, "a")), want: l("a", nil, int64(1))},
		{name: "reverse", args: a("raksO"), want: "Oskar"},
		{name: "reverse", args: a(int64(1)), err: typeErr},
		{name: "tail", args: a(l(int64(1), int64(2))), want: l(int64(2))},
		{name: "tail", args: a(l()), want: l()},
		{name: "nodes", args: a(path), want: l(nodeA, nodeB)},
		{name: "relationships", args: a(path), want: l(rel)},
		{name: "nodes", args: a(nodeA), err: typeErr},
	})
}

func TestStringFunctions(t *testing.T) {
	const oor = "ArgumentError/NumberOutOfRange"
	runCalls(t, []call{
		{name: "left", args: a("hello", int64(3)), want: "hel"},
		{name: "left", args: a("hello", int64(30)), want: "hello"},
		{name: "left", args: a(nil, int64(3)), want: nil},
		{name: "left", args: a("hello", int64(-1)), err: oor},
		{name: "right", args: a("hello", int64(3)), want: "llo"},
		{name: "right", args: a("héllo", int64(4)), want: "éllo"},
		{name: "substring", args: a("0123456789", int64(1)), want: "123456789"},
		{name: "substring", args: a("0123456789", int64(1), int64(3)), want: "123"},
		{name: "substring", args: a("0123", int64(10)), want: ""},
		{name: "substring", args: a("0123", int64(1), int64(math.MaxInt64)), want: "123"},
		{name: "substring", args: a("0123", int64(-1)), err: oor},
		{name: "substring", args: a(int64(1), int64(1)), err: typeErr},
		{name: "trim", args: a("  a b \t"), want: "a b"},
		{name: "lTrim", args: a("  a "), want: "a "},
		{name: "rtrim", args: a("  a "), want: "  a"},
		{name: "toUpper", args: a("aBc"), want: "ABC"},
		{name: "toLower", args: a("aBc"), want: "abc"},
		{name: "toLower", args: a(int64(1)), err: typeErr},
		{name: "replace", args: a("hello", "l", "w"), want: "hewwo"},
		{name: "replace", args: a("hello", nil, "w"), want: nil},
		{name: "split", args: a("a,b,,c,", ","), want: l("a", "b", "", "c", "")},
		{name: "split", args: a("abc", ""), want: l("a", "b", "c")},
		{name: "split", args: a("abc", int64(1)), err: typeErr},
	})
}

func TestMathFunctions(t *testing.T) {
	const oor = "ArgumentError/NumberOutOfRange"
	runCalls(t, []call{
		{name: "abs", args: a(int64(-3)), want: int64(3)},
		{name: "abs", args: a(-3.5), want: 3.5},
		{name: "abs", args: a(int64(math.MinInt64)), err: oor},
		{name: "abs", args: a("x"), err: typeErr},
		{name: "abs", args: a(nil), want: nil},
		{name: "ceil", args: a(1.2), want: 2.0},
		{name: "ceil", args: a(int64(1)), want: 1.0},
		{name: "floor", args: a(-1.2), want: -2.0},
		{name: "round", args: a(2.5), want: 3.0},
		{name: "round", args: a(-2.5), want: -2.0},
		{name: "round", args: a(-2.6), want: -3.0},
		{name: "round", args: a(0.49999999999999994), want: 0.0},
		{name: "round", args: a(int64(3)), want: 3.0},
		{name: "round", args: a(math.NaN()), want: math.NaN()},
		{name: "round", args: a(3.14159, int64(2)), want: 3.14},
		{name: "round", args: a(-1.5, int64(0)), want: -2.0},
		{name: "round", args: a(1.25, int64(1)), want: 1.3},
		{name: "round", args: a(1.25, int64(1), "HALF_EVEN"), want: 1.2},
		{name: "round", args: a(1.35, int64(1), "half_even"), want: 1.4},
		{name: "round", args: a(1.25, int64(1), "HALF_DOWN"), want: 1.2},
		{name: "round", args: a(1.21, int64(1), "UP"), want: 1.3},
		{name: "round", args: a(-1.21, int64(1), "UP"), want: -1.3},
		{name: "round", args: a(-1.29, int64(1), "DOWN"), want: -1.2},
		{name: "round", args: a(-1.21, int64(1), "CEILING"), want: -1.2},
		{name: "round", args: a(-1.21, int64(1), "FLOOR"), want: -1.3},
		{name: "round", args: a(9.96, int64(1)), want: 10.0},
		{name: "round", args: a(1234.5, int64(-2)), want: 1200.0},
		{name: "round", args: a(0.004, int64(2), "UP"), want: 0.01},
		{name: "round", args: a(0.004, int64(2)), want: 0.0},
		{name: "round", args: a(1.5, int64(5)), want: 1.5},
		{name: "round", args: a(1.25, int64(1), "UNNECESSARY"), err: "ArgumentError/InvalidArgumentValue"},
		{name: "round", args: a(1.25, int64(1), "SIDEWAYS"), err: "ArgumentError/InvalidArgumentValue"},
		{name: "sign", args: a(-2.5), want: int64(-1)},
		{name: "sign", args: a(int64(0)), want: int64(0)},
		{name: "sign", args: a(int64(7)), want: int64(1)},
		{name: "rand", args: a(), want: 0.25},
		{name: "sqrt", args: a(int64(16)), want: 4.0},
		{name: "sqrt", args: a(-1.0), want: math.NaN()},
		{name: "exp", args: a(int64(0)), want: 1.0},
		{name: "log", args: a(math.E), want: 1.0},
		{name: "log10", args: a(int64(100)), want: 2.0},
		{name: "e", args: a(), want: math.E},
		{name: "pi", args: a(), want: math.Pi},
		{name: "sin", args: a(int64(0)), want: 0.0},
		{name: "cos", args: a(int64(0)), want: 1.0},
		{name: "tan", args: a(int64(0)), want: 0.0},
		{name: "asin", args: a(int64(1)), want: math.Pi / 2},
		{name: "acos", args: a(int64(1)), want: 0.0},
		{name: "atan", args: a(int64(0)), want: 0.0},
		{name: "atan2", args: a(int64(1), int64(0)), want: math.Pi / 2},
		{name: "atan2", args: a(nil, int64(0)), want: nil},
		{name: "degrees", args: a(math.Pi), want: 180.0},
		{name: "radians", args: a(int64(180)), want: math.Pi},
	})
	if f, _ := Lookup("rand"); !f.Volatile {
		t.Errorf("rand must be volatile")
	}
}

type aggCase struct {
	name     string
	distinct bool
	rows     [][]value.Value
	want     value.Value
	err      string
}

func rows1(xs ...value.Value) [][]value.Value {
	out := make([][]value.Value, len(xs))
	for i, x := range xs {
		out[i] = []value.Value{x}
	}
	return out
}

func rowsP(p value.Value, xs ...value.Value) [][]value.Value {
	out := make([][]value.Value, len(xs))
	for i, x := range xs {
		out[i] = []value.Value{x, p}
	}
	return out
}

func TestAggregates(t *testing.T) {
	i := func(x int64) value.Value { return x }
	cases := []aggCase{
		{name: "count", rows: [][]value.Value{{}, {}, {}}, want: i(3)},
		{name: "count", rows: rows1(i(1), nil, i(1)), want: i(2)},
		{name: "count", distinct: true, rows: rows1(i(1), nil, 1.0, i(2)), want: i(2)},
		{name: "count", rows: nil, want: i(0)},
		{name: "sum", rows: rows1(i(1), i(2), nil), want: i(3)},
		{name: "sum", rows: rows1(i(1), 2.5), want: 3.5},
		{name: "sum", rows: nil, want: i(0)},
		{name: "sum", distinct: true, rows: rows1(i(1), i(1), i(2)), want: i(3)},
		{name: "sum", rows: rows1(i(math.MaxInt64), i(1)), err: "ArgumentError/NumberOutOfRange"},
		{name: "sum", rows: rows1("a"), err: typeErr},
		{name: "sum", rows: rows1(value.Duration{Days: 1}, value.Duration{Seconds: 1, Nanos: 6e8}, value.Duration{Nanos: 6e8}),
			want: value.Duration{Days: 1, Seconds: 2, Nanos: 2e8}},
		{name: "sum", rows: rows1(value.Duration{Days: 1}, i(1)), err: "TypeError/InvalidArgumentType"},
		{name: "avg", rows: rows1(i(1), i(2), nil), want: 1.5},
		{name: "avg", rows: nil, want: nil},
		{name: "avg", rows: rows1(true), err: typeErr},
		{name: "min", rows: rows1(i(3), nil, 1.5, i(2)), want: 1.5},
		{name: "max", rows: rows1(i(3), nil, 1.5, i(2)), want: i(3)},
		{name: "max", rows: rows1("a", i(1), l()), want: i(1)},
		{name: "min", rows: rows1("a", i(1), l()), want: l()},
		{name: "min", rows: rows1(nil), want: nil},
		{name: "collect", rows: rows1(i(1), nil, i(1)), want: l(i(1), i(1))},
		{name: "collect", distinct: true, rows: rows1(i(1), nil, i(1), 1.0, "a"), want: l(i(1), "a")},
		{name: "collect", rows: nil, want: l()},
		{name: "stDev", rows: rows1(i(2), i(4), i(4), i(4), i(5), i(5), i(7), i(9)), want: math.Sqrt(32.0 / 7)},
		{name: "stDevP", rows: rows1(i(2), i(4), i(4), i(4), i(5), i(5), i(7), i(9)), want: 2.0},
		{name: "stDev", rows: rows1(i(2)), want: 0.0},
		{name: "stDevP", rows: nil, want: 0.0},
		{name: "percentileDisc", rows: rowsP(0.0, 10.0, 20.0, 30.0), want: 10.0},
		{name: "percentileDisc", rows: rowsP(0.5, 10.0, 20.0, 30.0), want: 20.0},
		{name: "percentileDisc", rows: rowsP(1.0, 10.0, 20.0, 30.0), want: 30.0},
		{name: "percentileDisc", rows: rowsP(0.5, i(30), i(10), i(20), i(40)), want: i(20)},
		{name: "percentileDisc", rows: rowsP(0.51, i(30), i(10), i(20), i(40)), want: i(30)},
		{name: "percentileCont", rows: rowsP(0.0, 10.0, 20.0, 30.0), want: 10.0},
		{name: "percentileCont", rows: rowsP(0.5, 10.0, 20.0, 30.0), want: 20.0},
		{name: "percentileCont", rows: rowsP(1.0, 10.0, 20.0, 30.0), want: 30.0},
		{name: "percentileCont", rows: rowsP(0.25, i(10), i(20)), want: 12.5},
		{name: "percentileCont", rows: rowsP(0.5, nil), want: nil},
		{name: "percentileCont", rows: rowsP(1.1, 10.0), err: "ArgumentError/NumberOutOfRange"},
		{name: "percentileDisc", rows: rowsP(-0.1, 10.0), err: "ArgumentError/NumberOutOfRange"},
		{name: "percentileDisc", rows: rowsP(nil, 10.0), err: "ArgumentError/NumberOutOfRange"},
		{name: "percentileDisc", rows: [][]value.Value{{i(1), 0.5}, {i(2), i(3)}}, err: "ArgumentError/NumberOutOfRange"},
		{name: "percentileDisc", rows: rowsP(0.5, "a"), err: typeErr},
	}
	for _, c := range cases {
		acc, ok := NewAccumulator(c.name, c.distinct)
		if !ok {
			t.Fatalf("no aggregate %s", c.name)
		}
		var err error
		for _, r := range c.rows {
			if err = acc.Add(r); err != nil {
				break
			}
		}
		var got value.Value
		if err == nil {
			got, err = acc.Result()
		}
		if c.err != "" {
			e, ok := cyerr.As(err)
			if !ok || e.Kind()+"/"+e.Detail != c.err {
				t.Errorf("%s%v: error %v, want %s", c.name, c.rows, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: unexpected error %v", c.name, c.rows, err)
			continue
		}
		if !cmp.Equal(got, c.want, cmpopts.EquateApprox(0, 1e-12)) {
			t.Errorf("%s(distinct=%v)%v = %#v, want %#v", c.name, c.distinct, c.rows, got, c.want)
		}
	}
	if !IsAggregate("COUNT") || IsAggregate("size") {
		t.Errorf("IsAggregate wrong")
	}
	if _, ok := NewAccumulator("nosuch", false); ok {
		t.Errorf("NewAccumulator accepted an unknown name")
	}
}

func TestEveryFunctionHandlesAnyArgument(t *testing.T) {
	// No function panics, whatever it is given.
	samples := []value.Value{nil, true, int64(-1), int64(0), int64(math.MinInt64), 1.5, math.NaN(), math.Inf(1), "", "x",
		l(), l(int64(1), nil), value.Map{"a": nil}, nodeA, rel, path, value.Date{Days: 1}, value.Duration{Days: 1}, []byte("b")}
	for _, name := range Names() {
		f, _ := Lookup(name)
		maxArgs := f.MaxArgs
		if maxArgs < 0 {
			maxArgs = 3
		}
		for n := f.MinArgs; n <= maxArgs; n++ {
			args := make([]value.Value, n)
			var try func(i int)
			try = func(i int) {
				if i == n {
					_, _ = f.Call(env, args)
					return
				}
				for _, s := range samples {
					args[i] = s
					try(i + 1)
				}
			}
			if n <= 2 {
				try(0)
			} else {
				for _, s := range samples {
					for j := range args {
						args[j] = s
					}
					_, _ = f.Call(env, args)
				}
			}
		}
	}
}
