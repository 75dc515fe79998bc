package value

import "math"

// The spatial reference ids Neo4j and Bolt use for the four coordinate
// reference systems.
const (
	SRIDCartesian   uint32 = 7203 // cartesian 2D: x, y
	SRIDCartesian3D uint32 = 9157 // cartesian 3D: x, y, z
	SRIDWGS84       uint32 = 4326 // WGS-84 2D: longitude, latitude
	SRIDWGS843D     uint32 = 4979 // WGS-84 3D: longitude, latitude, height
)

// CRSName returns the name Neo4j gives a point's coordinate reference system
// ("cartesian", "cartesian-3d", "wgs-84", "wgs-84-3d"), or "" for an SRID
// that is none of the four.
func CRSName(srid uint32) string {
	switch srid {
	case SRIDCartesian:
		return "cartesian"
	case SRIDCartesian3D:
		return "cartesian-3d"
	case SRIDWGS84:
		return "wgs-84"
	case SRIDWGS843D:
		return "wgs-84-3d"
	}
	return ""
}

// IsGeographic reports whether p is a WGS-84 point.
func (p Point) IsGeographic() bool { return p.SRID == SRIDWGS84 || p.SRID == SRIDWGS843D }

// coords returns p's meaningful coordinates.
func (p Point) coords() []float64 {
	if p.Is3D() {
		return []float64{p.X, p.Y, p.Z}
	}
	return []float64{p.X, p.Y}
}

// comparePoints is Neo4j's partial order on points of one CRS: p < q when
// every coordinate of p is below q's, p <= q when none is above; points
// whose coordinates disagree in direction, or of different CRSs, are
// incomparable (null). A NaN coordinate makes every inequality false.
// It returns the four outcomes for <, <=, >, >=.
func comparePoints(a, b Point) (lt, le, gt, ge Tri) {
	if a.SRID != b.SRID {
		return TriNull, TriNull, TriNull, TriNull
	}
	var less, more, equal int
	ca, cb := a.coords(), b.coords()
	for i := range ca {
		switch {
		case math.IsNaN(ca[i]) || math.IsNaN(cb[i]):
			return TriFalse, TriFalse, TriFalse, TriFalse
		case ca[i] < cb[i]:
			less++
		case ca[i] > cb[i]:
			more++
		default:
			equal++
		}
	}
	switch {
	case less > 0 && more > 0:
		return TriNull, TriNull, TriNull, TriNull
	case equal == len(ca):
		return TriFalse, TriTrue, TriFalse, TriTrue
	case more == 0:
		return TriOf(equal == 0), TriTrue, TriFalse, TriFalse
	}
	return TriFalse, TriFalse, TriOf(equal == 0), TriTrue
}

// PointInequality answers op ("<", "<=", ">" or ">=") when a or b is a
// point: ok is false when neither is. A point against a non-point is null.
func PointInequality(op string, a, b Value) (t Tri, ok bool) {
	switch op {
	case "<":
		return pointIneq(a, b, func(lt, _, _, _ Tri) Tri { return lt })
	case "<=":
		return pointIneq(a, b, func(_, le, _, _ Tri) Tri { return le })
	case ">":
		return pointIneq(a, b, func(_, _, gt, _ Tri) Tri { return gt })
	case ">=":
		return pointIneq(a, b, func(_, _, _, ge Tri) Tri { return ge })
	}
	return TriNull, false
}

// pointIneq answers an inequality when an operand is a point; ok is false
// otherwise, and a point against a non-point (or null) is null.
func pointIneq(a, b Value, pick func(lt, le, gt, ge Tri) Tri) (Tri, bool) {
	pa, okA := a.(Point)
	pb, okB := b.(Point)
	switch {
	case okA && okB:
		return pick(comparePoints(pa, pb)), true
	case okA || okB:
		return TriNull, true
	}
	return TriNull, false
}
