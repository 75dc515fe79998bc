package value

import (
	"math"
	"sort"
	"testing"
)

var (
	nan     = math.NaN()
	negZero = math.Copysign(0, -1)
)

func n(id int64) Node         { return Node{ID: id} }
func r(id int64) Relationship { return Relationship{ID: id, StartID: 1, EndID: 2} }
func l(xs ...Value) List      { return List(xs) }

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b Value
		want Tri
	}{
		{nil, nil, TriNull},
		{int64(1), nil, TriNull},
		{nil, "a", TriNull},
		{int64(1), int64(1), TriTrue},
		{int64(1), int64(2), TriFalse},
		{int64(1), 1.0, TriTrue},
		{1.0, int64(1), TriTrue},
		{int64(1), 1.5, TriFalse},
		{negZero, 0.0, TriTrue},
		{int64(1<<53 + 1), float64(1 << 53), TriFalse},
		{int64(1 << 53), float64(1 << 53), TriTrue},
		{int64(math.MaxInt64), two63, TriFalse},
		{int64(math.MinInt64), -two63, TriTrue},
		{nan, nan, TriFalse},
		{nan, int64(1), TriFalse},
		{nan, "a", TriFalse},
		{"a", "a", TriTrue},
		{"a", "b", TriFalse},
		{"1", int64(1), TriFalse},
		{true, true, TriTrue},
		{true, false, TriFalse},
		{true, int64(1), TriFalse},
		// Comparison1 [6]
		{l(int64(1), int64(2)), l(int64(1)), TriFalse},
		{l(nil), l(int64(1)), TriNull},
		{l("a"), l(int64(1)), TriFalse},
		{l(l(int64(1))), l(l(int64(1)), l(nil)), TriFalse},
		{l(l(int64(1)), l(int64(2))), l(l(int64(1)), l(nil)), TriNull},
		{l(l(int64(1)), l(int64(2), int64(3))), l(l(int64(1)), l(nil)), TriFalse},
		{l(), l(), TriTrue},
		{l(int64(1), 2.0), l(1.0, int64(2)), TriTrue},
		// Comparison1 [7]
		{Map{}, Map{}, TriTrue},
		{Map{"k": true}, Map{"k": true}, TriTrue},
		{Map{"k": "a", "l": int64(2)}, Map{"k": "a", "l": int64(2)}, TriTrue},
		{Map{}, Map{"k": nil}, TriFalse},
		{Map{"k": nil}, Map{}, TriFalse},
		{Map{"k": int64(1)}, Map{"k": int64(1), "l": nil}, TriFalse},
		{Map{"k": nil, "l": int64(1)}, Map{"l": int64(1)}, TriFalse},
		{Map{"k": nil}, Map{"k": nil, "l": nil}, TriFalse},
		{Map{"k": nil}, Map{"k": nil}, TriNull},
		{Map{"k": int64(1)}, Map{"k": nil}, TriNull},
		{Map{"k": int64(1), "l": nil}, Map{"k": nil, "l": nil}, TriNull},
		{Map{"k": int64(1), "l": nil}, Map{"k": nil, "l": int64(1)}, TriNull},
		{Map{"k": int64(1), "l": nil}, Map{"k": int64(1), "l": int64(1)}, TriNull},
		{Map{"k": int64(1), "l": nil}, Map{"k": int64(2), "l": nil}, TriFalse},
		{Map{"k": int64(1)}, Map{"j": int64(1)}, TriFalse},
		{n(1), n(1), TriTrue},
		{n(1), Node{ID: 1, Labels: []string{"X"}}, TriTrue},
		{n(1), n(2), TriFalse},
		{n(1), r(1), TriFalse},
		{r(3), r(3), TriTrue},
		{Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(5)}}, Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(5)}}, TriTrue},
		{Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(5)}}, Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(6)}}, TriFalse},
		{Path{Nodes: []Node{n(1)}}, Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(6)}}, TriFalse},
		{Path{Nodes: []Node{n(1)}}, n(1), TriFalse},
		{[]byte("ab"), []byte("ab"), TriTrue},
		{[]byte("ab"), "ab", TriFalse},
		{Date{Days: 3}, Date{Days: 3}, TriTrue},
		{Date{Days: 3}, LocalDateTime{Sec: 3}, TriFalse},
		{Duration{Days: 1}, Duration{Seconds: 86400}, TriFalse},
		{Point{SRID: 7203, X: 1, Y: 2, Z: 9}, Point{SRID: 7203, X: 1, Y: 2}, TriTrue},
		{Point{SRID: 9157, X: 1, Y: 2, Z: 9}, Point{SRID: 9157, X: 1, Y: 2}, TriFalse},
		{Point{SRID: 4326, X: 1, Y: 2}, Point{SRID: 7203, X: 1, Y: 2}, TriFalse},
		{struct{}{}, struct{}{}, TriFalse},
	}
	for _, tc := range tests {
		if got := Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := Equal(tc.b, tc.a); got != tc.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v (symmetry)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b Value
		want Cmp
	}{
		{nil, nil, CmpNull},
		{int64(1), nil, CmpNull},
		{int64(1), int64(2), CmpLess},
		{int64(2), int64(1), CmpGreater},
		{int64(1), 1.0, CmpEqual},
		{int64(1), 3.14, CmpLess},
		{3.14, int64(1), CmpGreater},
		{int64(3), 3.14, CmpLess},
		{int64(4), 3.14, CmpGreater},
		{int64(-3), -3.14, CmpGreater},
		{int64(math.MaxInt64), two63, CmpLess},
		{int64(math.MinInt64), -two63, CmpEqual},
		{int64(math.MinInt64), math.Inf(-1), CmpGreater},
		{int64(1<<53 + 1), float64(1 << 53), CmpGreater},
		{nan, int64(1), CmpUnordered},
		{nan, 1.0, CmpUnordered},
		{nan, nan, CmpUnordered},
		{nan, "a", CmpNull},
		{"a", "b", CmpLess},
		{"b", "a", CmpGreater},
		{"a", "a", CmpEqual},
		{"", "a", CmpLess},
		{"Z", "a", CmpLess},
		{"1.0", 1.0, CmpNull},
		{"1", int64(1), CmpNull},
		{false, true, CmpLess},
		{true, false, CmpGreater},
		{true, int64(1), CmpNull},
		// Comparison2 [4]
		{l(int64(1), int64(0)), l(int64(1)), CmpGreater},
		{l(int64(1), nil), l(int64(1)), CmpGreater},
		{l(int64(1), int64(2)), l(int64(1), nil), CmpNull},
		{l(int64(1), "a"), l(int64(1), nil), CmpNull},
		{l(int64(1), int64(2)), l(int64(3), nil), CmpLess},
		{l(), l(), CmpEqual},
		{l(), l(int64(1)), CmpLess},
		{l(int64(1), "a"), l(int64(1), int64(2)), CmpNull},
		{l(nan), l(int64(1)), CmpUnordered},
		{l(Map{"a": int64(1)}, int64(1)), l(Map{"a": int64(1)}, int64(2)), CmpLess},
		{Map{}, Map{}, CmpNull},
		{n(1), n(2), CmpNull},
		{r(1), r(2), CmpNull},
		{Path{Nodes: []Node{n(1)}}, Path{Nodes: []Node{n(1)}}, CmpNull},
		{Duration{Days: 1}, Duration{Days: 2}, CmpNull},
		{Point{SRID: 7203}, Point{SRID: 7203, X: 1}, CmpNull},
		{Date{Days: 1}, Date{Days: 2}, CmpLess},
		{Date{Days: 1}, LocalDateTime{Sec: 2}, CmpNull},
		{LocalTime{Nanos: 5}, LocalTime{Nanos: 4}, CmpGreater},
		{LocalDateTime{Sec: 1, Nsec: 2}, LocalDateTime{Sec: 1, Nsec: 3}, CmpLess},
		// 12:00+01:00 is 11:00Z, so before 11:30Z.
		{Time{Nanos: 12 * 3600e9, OffsetSec: 3600}, Time{Nanos: 11*3600e9 + 1800e9}, CmpLess},
		{DateTime{Sec: 10, OffsetSec: 3600}, DateTime{Sec: 11}, CmpLess},
		{DateTime{Sec: 10, OffsetSec: 3600}, DateTime{Sec: 10}, CmpEqual},
		{[]byte("a"), []byte("b"), CmpNull},
	}
	for _, tc := range tests {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%#v, %#v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		want := tc.want
		if want == CmpLess || want == CmpGreater {
			want = -want
		}
		if got := Compare(tc.b, tc.a); got != want {
			t.Errorf("Compare(%#v, %#v) = %v, want %v (antisymmetry)", tc.b, tc.a, got, want)
		}
	}
}

func TestInequalityOperators(t *testing.T) {
	type ops struct{ lt, le, gt, ge Tri }
	tests := []struct {
		a, b Value
		want ops
	}{
		{int64(1), int64(2), ops{TriTrue, TriTrue, TriFalse, TriFalse}},
		{int64(2), int64(2), ops{TriFalse, TriTrue, TriFalse, TriTrue}},
		{1.0, int64(1), ops{TriFalse, TriTrue, TriFalse, TriTrue}},
		{nan, int64(1), ops{TriFalse, TriFalse, TriFalse, TriFalse}},
		{nan, nan, ops{TriFalse, TriFalse, TriFalse, TriFalse}},
		{nan, "a", ops{TriNull, TriNull, TriNull, TriNull}},
		{"a", int64(1), ops{TriNull, TriNull, TriNull, TriNull}},
		{nil, nil, ops{TriNull, TriNull, TriNull, TriNull}},
	}
	for _, tc := range tests {
		got := ops{Less(tc.a, tc.b), LessEq(tc.a, tc.b), Greater(tc.a, tc.b), GreaterEq(tc.a, tc.b)}
		if got != tc.want {
			t.Errorf("%#v vs %#v: got %+v, want %+v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestComparisonAcrossTypesOnlyNumbers(t *testing.T) {
	// Comparison2 [3]: among these values only 1 and 3.14 are comparable.
	p := Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(1)}}
	vals := []Value{n(1), r(1), p, "", int64(1), 3.14, true, nil, l(), Map{}}
	for i, a := range vals {
		for j, b := range vals {
			if i == j {
				continue
			}
			got := Compare(a, b)
			numeric := (i == 4 || i == 5) && (j == 4 || j == 5)
			if numeric != (got != CmpNull) {
				t.Errorf("Compare(%#v, %#v) = %v", a, b, got)
			}
		}
	}
}

func TestOrderAcrossTypes(t *testing.T) {
	// ReturnOrderBy1 [11] plus every other type, ascending.
	p := Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(1)}}
	want := []Value{
		Map{"a": "map"}, n(1), r(1), l("list"), p,
		DateTime{Sec: 1}, LocalDateTime{Sec: 1}, Date{Days: 1}, Time{Nanos: 1}, LocalTime{Nanos: 1},
		Duration{Days: 1}, Point{SRID: 7203}, []byte("b"), "text", false, 1.5, nan, nil,
	}
	got := append([]Value(nil), want...)
	// Reverse, then sort: the result must come back in want's order.
	for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
		got[i], got[j] = got[j], got[i]
	}
	sort.SliceStable(got, func(i, j int) bool { return Order(got[i], got[j]) < 0 })
	for i := range want {
		if Key(got[i]) != Key(want[i]) {
			t.Fatalf("position %d: got %#v, want %#v", i, got[i], want[i])
		}
	}
}

func TestOrderLists(t *testing.T) {
	// ReturnOrderBy1 [10], ascending.
	want := []List{
		l(), l("a"), l("a", int64(1)), l(int64(1)), l(int64(1), "a"), l(int64(1), nil),
		l(nil, int64(1)), l(nil, int64(2)),
	}
	for i := range want {
		for j := range want {
			if got, exp := Order(want[i], want[j]), cmpInt(int64(i), int64(j)); got != exp {
				t.Errorf("Order(%v, %v) = %d, want %d", want[i], want[j], got, exp)
			}
		}
	}
}

func TestOrderWithinTypes(t *testing.T) {
	// Each row is strictly ascending.
	rows := [][]Value{
		{math.Inf(-1), int64(math.MinInt64), int64(-1), -0.5, int64(0), 0.5, int64(1), 1.5, int64(1<<53 + 1), math.Inf(1), nan},
		{"", "A", "a", "aa", "b", "é"},
		{false, true},
		{Map{}, Map{"a": int64(1)}, Map{"a": int64(2)}, Map{"a": int64(2), "b": nil}, Map{"b": int64(0)}},
		{n(1), n(2), n(10)},
		{r(1), r(2)},
		{Path{Nodes: []Node{n(1)}}, Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(1)}},
			Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(2)}}, Path{Nodes: []Node{n(2)}}},
		{Date{Days: -1}, Date{Days: 0}, Date{Days: 5}},
		{Time{Nanos: 12 * 3600e9, OffsetSec: 3600}, Time{Nanos: 11*3600e9 + 1}},
		{DateTime{Sec: 5, OffsetSec: 0}, DateTime{Sec: 5, OffsetSec: 3600}, DateTime{Sec: 5, OffsetSec: 3600, Zone: "Europe/Paris"}, DateTime{Sec: 6}},
		{Duration{Seconds: 86399}, Duration{Days: 1}, Duration{Seconds: 86401}, Duration{Months: 1}},
		{Point{SRID: 4326, X: 9}, Point{SRID: 7203, X: 1}, Point{SRID: 7203, X: 1, Y: 1}},
		{[]byte(""), []byte("a")},
	}
	for _, row := range rows {
		for i := range row {
			for j := range row {
				if got, exp := Order(row[i], row[j]), cmpInt(int64(i), int64(j)); got != exp {
					t.Errorf("Order(%#v, %#v) = %d, want %d", row[i], row[j], got, exp)
				}
			}
		}
	}
	if Order(int64(1), 1.0) != 0 || Order(negZero, int64(0)) != 0 {
		t.Errorf("equal numbers must order as ties")
	}
}

func TestEquivalentAndKey(t *testing.T) {
	groups := [][]Value{
		{nil},
		{nan, math.Copysign(nan, -1)},
		{int64(1), 1.0},
		{int64(0), 0.0, negZero},
		{1.5},
		{int64(1<<53 + 1)},
		{float64(1 << 53), int64(1 << 53)},
		{two63},
		{int64(math.MinInt64), -two63},
		{math.Inf(1)},
		{"1"},
		{"a"},
		{""},
		{true},
		{false},
		{[]byte("a")},
		{l()},
		{l(nil)},
		{l(nil, nil)},
		{l(int64(1), nan), l(1.0, nan)},
		{l("a;", "b"), l("a;", "b")},
		{l("a", ";b")},
		{l(l())},
		{Map{}},
		{Map{"a": nil}},
		{Map{"a": int64(1), "b": l(nil)}, Map{"b": l(nil), "a": 1.0}},
		{Map{"a": int64(1)}},
		{Map{"b": int64(1)}},
		{n(1), Node{ID: 1, Labels: []string{"L"}}},
		{n(2)},
		{r(1)},
		{Path{Nodes: []Node{n(1)}}},
		{Path{Nodes: []Node{n(1), n(2)}, Rels: []Relationship{r(1)}}},
		{Date{Days: 1}},
		{LocalDateTime{Sec: 1}},
		{LocalTime{Nanos: 1}},
		{Time{Nanos: 1}},
		{Time{Nanos: 1, OffsetSec: 60}},
		{DateTime{Sec: 1}},
		{DateTime{Sec: 1, Zone: "UTC"}},
		{Duration{Days: 1}},
		{Duration{Seconds: 86400}},
		{Point{SRID: 7203, X: 1, Y: 2}, Point{SRID: 7203, X: 1, Y: 2, Z: 7}},
		{Point{SRID: 7203, X: 0, Y: 0}, Point{SRID: 7203, X: math.Copysign(0, -1), Y: 0}},
		{Point{SRID: 9157, X: 1, Y: 2}},
	}
	for gi, g := range groups {
		for hi, h := range groups {
			for _, a := range g {
				for _, b := range h {
					same := gi == hi
					if got := Equivalent(a, b); got != same {
						t.Errorf("Equivalent(%#v, %#v) = %v, want %v", a, b, got, same)
					}
					if got := Key(a) == Key(b); got != same {
						t.Errorf("Key(%#v)=%q, Key(%#v)=%q: equal %v, want %v", a, Key(a), b, Key(b), got, same)
					}
					if same && Order(a, b) != 0 {
						t.Errorf("Order(%#v, %#v) != 0 for equivalent values", a, b)
					}
				}
			}
		}
	}
}

func TestTriLogic(t *testing.T) {
	vals := []Tri{TriFalse, TriTrue, TriNull}
	// Tables indexed [a][b] in the order false, true, null.
	and := [3][3]Tri{{TriFalse, TriFalse, TriFalse}, {TriFalse, TriTrue, TriNull}, {TriFalse, TriNull, TriNull}}
	or := [3][3]Tri{{TriFalse, TriTrue, TriNull}, {TriTrue, TriTrue, TriTrue}, {TriNull, TriTrue, TriNull}}
	xor := [3][3]Tri{{TriFalse, TriTrue, TriNull}, {TriTrue, TriFalse, TriNull}, {TriNull, TriNull, TriNull}}
	not := [3]Tri{TriTrue, TriFalse, TriNull}
	for i, a := range vals {
		if a.Not() != not[i] {
			t.Errorf("NOT %v = %v", a, a.Not())
		}
		for j, b := range vals {
			if a.And(b) != and[i][j] || a.Or(b) != or[i][j] || a.Xor(b) != xor[i][j] {
				t.Errorf("%v op %v: and %v or %v xor %v", a, b, a.And(b), a.Or(b), a.Xor(b))
			}
		}
	}
	if TriTrue.Value() != true || TriFalse.Value() != false || TriNull.Value() != nil {
		t.Errorf("Tri.Value wrong")
	}
	for _, v := range []Value{nil, true, false} {
		tr, ok := TriFromValue(v)
		if !ok || tr.Value() != v {
			t.Errorf("TriFromValue(%v) = %v, %v", v, tr, ok)
		}
	}
	if _, ok := TriFromValue(int64(1)); ok {
		t.Errorf("TriFromValue(1) accepted an integer")
	}
}
