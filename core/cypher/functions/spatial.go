package functions

import (
	"math"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

// earthRadiusMeters is the radius Neo4j's haversine distance uses.
const earthRadiusMeters = 6378140.0

// spatialFuncs are point(), point.distance() and its older name distance().
func spatialFuncs() []*Func {
	return []*Func{
		fn1("point", func(v value.Value) (value.Value, error) { return NewPoint(v) }),
		fn("point.distance", 2, distanceFunc),
		fn("distance", 2, distanceFunc),
		fn("point.withinBBox", 3, withinBBox),
	}
}

// withinBBox is point.withinBBox(p, lowerLeft, upperRight): whether p lies
// in the box, edges included; null when an argument is null or the CRSs
// differ. A WGS-84 box whose lower-left longitude exceeds its upper-right
// one crosses the antimeridian.
func withinBBox(_ Env, args []value.Value) (value.Value, error) {
	var ps [3]value.Point
	for i, a := range args {
		if a == nil {
			return nil, nil
		}
		p, ok := a.(value.Point)
		if !ok {
			return nil, badArg("point.withinBBox", a)
		}
		ps[i] = p
	}
	p, ll, ur := ps[0], ps[1], ps[2]
	if p.SRID != ll.SRID || p.SRID != ur.SRID {
		return nil, nil
	}
	inX := ll.X <= p.X && p.X <= ur.X
	if p.IsGeographic() && ll.X > ur.X {
		inX = p.X >= ll.X || p.X <= ur.X
	}
	in := inX && ll.Y <= p.Y && p.Y <= ur.Y
	if p.Is3D() {
		in = in && ll.Z <= p.Z && p.Z <= ur.Z
	}
	return in, nil
}

func distanceFunc(_ Env, args []value.Value) (value.Value, error) {
	if args[0] == nil || args[1] == nil {
		return nil, nil
	}
	a, ok := args[0].(value.Point)
	if !ok {
		return nil, badArg("point.distance", args[0])
	}
	b, ok := args[1].(value.Point)
	if !ok {
		return nil, badArg("point.distance", args[1])
	}
	return Distance(a, b), nil
}

// Distance is point.distance: Euclidean for cartesian points, the haversine
// great-circle distance in meters for WGS-84 points (for 3D points, at the
// mean height, combined with the height difference, as Neo4j computes it),
// and null for points of different CRSs.
func Distance(a, b value.Point) value.Value {
	if a.SRID != b.SRID {
		return nil
	}
	if !a.IsGeographic() {
		dx, dy, dz := a.X-b.X, a.Y-b.Y, 0.0
		if a.Is3D() {
			dz = a.Z - b.Z
		}
		return math.Sqrt(dx*dx + dy*dy + dz*dz)
	}
	rad := math.Pi / 180
	lat1, lat2 := a.Y*rad, b.Y*rad
	dLat, dLon := (b.Y-a.Y)*rad, (b.X-a.X)*rad
	sLat, sLon := math.Sin(dLat/2), math.Sin(dLon/2)
	h := sLat*sLat + math.Cos(lat1)*math.Cos(lat2)*sLon*sLon
	c := 2 * math.Atan2(math.Sqrt(h), math.Sqrt(1-h))
	if !a.Is3D() {
		return earthRadiusMeters * c
	}
	flat := (earthRadiusMeters + (a.Z+b.Z)/2) * c
	dz := a.Z - b.Z
	return math.Sqrt(flat*flat + dz*dz)
}

// pointKeys are the keys point() accepts.
var pointKeys = []string{"crs", "height", "latitude", "longitude", "srid", "x", "y", "z"}

func pointErr(format string, args ...any) error {
	return cyerr.ArgumentError(cyerr.DetailInvalidArgumentValue, format, args...)
}

// NewPoint is point(map): {x, y[, z]} is cartesian, {longitude, latitude[,
// height]} WGS-84; crs ('cartesian', 'cartesian-3D', 'WGS-84', 'WGS-84-3D',
// any case) or srid (7203, 9157, 4326, 4979) choose the system explicitly.
// A null map or a null coordinate gives null; unknown keys, missing or
// non-numeric coordinates, a crs that disagrees with the coordinates or the
// srid, and a latitude outside [-90, 90] are errors.
func NewPoint(arg value.Value) (value.Value, error) {
	m, ok := arg.(value.Map)
	if !ok {
		return nil, badArg("point", arg)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if i := sort.SearchStrings(pointKeys, k); i == len(pointKeys) || pointKeys[i] != k {
			return nil, pointErr("point() does not take the key %q (it takes x, y, z, longitude, latitude, height, crs, srid)", k)
		}
		if m[k] == nil {
			return nil, nil
		}
	}
	srid, err := pointSRID(m)
	if err != nil {
		return nil, err
	}
	return buildPoint(m, srid)
}

// pointSRID decides the point's CRS from crs, srid and the keys present.
func pointSRID(m value.Map) (uint32, error) {
	_, geo := m["longitude"]
	_, lat := m["latitude"]
	_, height := m["height"]
	geo = geo || lat || height
	_, z := m["z"]
	threeD := z || height
	var fromCRS, fromSRID uint32
	if c, ok := m["crs"]; ok {
		s, ok := c.(string)
		if !ok {
			return 0, cyerr.TypeError(cyerr.DetailInvalidArgumentType, "point() crs must be a String, got %s", typeName(c))
		}
		fromCRS = sridOfCRS(strings.ToLower(s))
		if fromCRS == 0 {
			return 0, pointErr("unknown coordinate reference system %q (use 'cartesian', 'cartesian-3D', 'WGS-84' or 'WGS-84-3D')", s)
		}
	}
	if v, ok := m["srid"]; ok {
		n, ok := v.(int64)
		if !ok {
			return 0, cyerr.TypeError(cyerr.DetailInvalidArgumentType, "point() srid must be an Integer, got %s", typeName(v))
		}
		if n < 0 || n > math.MaxUint32 || value.CRSName(uint32(n)) == "" {
			return 0, pointErr("unknown srid %d (use 7203, 9157, 4326 or 4979)", n)
		}
		fromSRID = uint32(n)
	}
	switch {
	case fromCRS != 0 && fromSRID != 0 && fromCRS != fromSRID:
		return 0, pointErr("point() crs %q and srid %d name different coordinate systems", value.CRSName(fromCRS), fromSRID)
	case fromCRS != 0:
		return checkSRID(fromCRS, geo, threeD)
	case fromSRID != 0:
		return checkSRID(fromSRID, geo, threeD)
	case geo && threeD:
		return value.SRIDWGS843D, nil
	case geo:
		return value.SRIDWGS84, nil
	case threeD:
		return value.SRIDCartesian3D, nil
	}
	return value.SRIDCartesian, nil
}

func sridOfCRS(name string) uint32 {
	for _, s := range []uint32{value.SRIDCartesian, value.SRIDCartesian3D, value.SRIDWGS84, value.SRIDWGS843D} {
		if value.CRSName(s) == name {
			return s
		}
	}
	return 0
}

// checkSRID rejects an explicit CRS that the coordinates contradict.
func checkSRID(srid uint32, geo, threeD bool) (uint32, error) {
	p := value.Point{SRID: srid}
	if geo && !p.IsGeographic() {
		return 0, pointErr("a %s point takes x, y and z, not longitude, latitude or height", value.CRSName(srid))
	}
	if threeD && !p.Is3D() {
		return 0, pointErr("a 2D %s point cannot take a third coordinate", value.CRSName(srid))
	}
	return srid, nil
}

// buildPoint reads the coordinates for srid from m.
func buildPoint(m value.Map, srid uint32) (value.Value, error) {
	p := value.Point{SRID: srid}
	names := [3]string{"x", "y", "z"}
	if _, ok := m["x"]; !ok && p.IsGeographic() {
		names = [3]string{"longitude", "latitude", "height"}
	}
	for _, other := range []string{"longitude", "latitude", "height", "x", "y", "z"} {
		if _, ok := m[other]; ok && other != names[0] && other != names[1] && other != names[2] {
			return nil, pointErr("point() cannot mix %s with %s", other, strings.Join(names[:], ", "))
		}
	}
	n := 2
	if p.Is3D() {
		n = 3
	}
	dst := [3]*float64{&p.X, &p.Y, &p.Z}
	for i := 0; i < n; i++ {
		v, ok := m[names[i]]
		if !ok {
			return nil, pointErr("a %s point needs %s", value.CRSName(srid), strings.Join(names[:n], ", "))
		}
		f, ok := toFloat(v)
		if !ok {
			return nil, cyerr.TypeError(cyerr.DetailInvalidArgumentType, "point() %s must be a number, got %s", names[i], typeName(v))
		}
		*dst[i] = f
	}
	if p.IsGeographic() && !(p.Y >= -90 && p.Y <= 90) {
		return nil, pointErr("a WGS-84 latitude must lie in [-90, 90], got %s", FormatFloat(p.Y))
	}
	return p, nil
}

func toFloat(v value.Value) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// PointField is a point's property: x, y, z, longitude, latitude, height,
// crs and srid, as Neo4j names them. A geographic name on a cartesian point,
// a third coordinate on a 2D point, or any other name is an error.
func PointField(p value.Point, key string) (value.Value, error) {
	switch key {
	case "crs":
		return value.CRSName(p.SRID), nil
	case "srid":
		return int64(p.SRID), nil
	case "x":
		return p.X, nil
	case "y":
		return p.Y, nil
	case "z":
		if p.Is3D() {
			return p.Z, nil
		}
	case "longitude", "latitude", "height":
		if !p.IsGeographic() {
			return nil, pointErr("field %s is not available on a %s point", key, value.CRSName(p.SRID))
		}
		switch {
		case key == "longitude":
			return p.X, nil
		case key == "latitude":
			return p.Y, nil
		case p.Is3D():
			return p.Z, nil
		}
	default:
		return nil, pointErr("a point has no field %s (it has x, y, z, longitude, latitude, height, crs, srid)", key)
	}
	return nil, pointErr("field %s is not available on a 2D %s point", key, value.CRSName(p.SRID))
}

// FormatPoint writes p as Neo4j's toString does:
// point({x: 1.0, y: 2.0, crs: 'cartesian'}).
func FormatPoint(p value.Point) string {
	var b strings.Builder
	b.WriteString("point({x: " + FormatFloat(p.X) + ", y: " + FormatFloat(p.Y))
	if p.Is3D() {
		b.WriteString(", z: " + FormatFloat(p.Z))
	}
	b.WriteString(", crs: '" + value.CRSName(p.SRID) + "'})")
	return b.String()
}
