package value

import (
	"bytes"
	"math"
	"testing"
)

func TestPointInequality(t *testing.T) {
	p := Point{SRID: SRIDCartesian, X: 1, Y: 1}
	pt := func(x, y float64) Point { return Point{SRID: SRIDCartesian, X: x, Y: y} }
	cases := []struct {
		a, b           Value
		lt, le, gt, ge Tri
	}{
		{p, pt(2, 2), TriTrue, TriTrue, TriFalse, TriFalse},
		{p, pt(2, 1), TriFalse, TriTrue, TriFalse, TriFalse},
		{p, p, TriFalse, TriTrue, TriFalse, TriTrue},
		{p, pt(0, 0), TriFalse, TriFalse, TriTrue, TriTrue},
		{p, pt(1, 0), TriFalse, TriFalse, TriFalse, TriTrue},
		{p, pt(2, 0), TriNull, TriNull, TriNull, TriNull},
		{p, Point{SRID: SRIDWGS84, X: 2, Y: 2}, TriNull, TriNull, TriNull, TriNull},
		{p, pt(math.NaN(), 2), TriFalse, TriFalse, TriFalse, TriFalse},
		{p, int64(1), TriNull, TriNull, TriNull, TriNull},
		{nil, p, TriNull, TriNull, TriNull, TriNull},
		{Point{SRID: SRIDCartesian3D, X: 1, Y: 1, Z: 1}, Point{SRID: SRIDCartesian3D, X: 2, Y: 2, Z: 0}, TriNull, TriNull, TriNull, TriNull},
		{Point{SRID: SRIDCartesian3D, X: 1, Y: 1, Z: 1}, Point{SRID: SRIDCartesian3D, X: 2, Y: 2, Z: 2}, TriTrue, TriTrue, TriFalse, TriFalse},
	}
	for _, c := range cases {
		got := [4]Tri{Less(c.a, c.b), LessEq(c.a, c.b), Greater(c.a, c.b), GreaterEq(c.a, c.b)}
		want := [4]Tri{c.lt, c.le, c.gt, c.ge}
		if got != want {
			t.Errorf("%v vs %v: <, <=, >, >= = %v, want %v", c.a, c.b, got, want)
		}
		for i, op := range []string{"<", "<=", ">", ">="} {
			if r, ok := PointInequality(op, c.a, c.b); !ok || r != want[i] {
				t.Errorf("PointInequality(%s, %v, %v) = %v, %v; want %v", op, c.a, c.b, r, ok, want[i])
			}
		}
	}
	if _, ok := PointInequality("<", int64(1), int64(2)); ok {
		t.Error("PointInequality answered for two integers")
	}
}

func TestPointEqualityAndEncodingIgnore2DZ(t *testing.T) {
	a := Point{SRID: SRIDCartesian, X: 1, Y: 2}
	b := Point{SRID: SRIDCartesian, X: 1, Y: 2, Z: 9}
	if Equal(a, b) != TriTrue {
		t.Fatal("2D points differing only in the unused Z are not equal")
	}
	if !bytes.Equal(AppendValue(nil, a), AppendValue(nil, b)) {
		t.Fatal("equal 2D points encode differently")
	}
	if Equal(a, Point{SRID: SRIDWGS84, X: 1, Y: 2}) != TriFalse {
		t.Fatal("points of different CRSs are equal")
	}
	if CRSName(SRIDWGS843D) != "wgs-84-3d" || CRSName(1) != "" {
		t.Fatal("CRSName")
	}
}
