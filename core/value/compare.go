package value

import (
	"bytes"
	"math"
	"sort"
	"strings"
)

// This file defines the four relations openCypher puts on values:
//
//   - Equal: the = operator, three-valued (null in, null out; NaN = NaN is false).
//   - Compare: the <, <=, >, >= operators; values of different types are
//     incomparable (null), except integers and floats, which compare by value.
//   - Equivalent / Key: DISTINCT, grouping and set membership, where
//     null ≡ null and NaN ≡ NaN, and 1 ≡ 1.0.
//   - Order: the total order of ORDER BY across all types, ascending:
//     map < node < relationship < list < path < datetime < localdatetime <
//     date < time < localtime < duration < point < bytes < string <
//     boolean < number < null, with NaN the greatest number.

// rank is a value's position in the global ORDER BY order of types.
type rank uint8

const (
	rankMap rank = iota
	rankNode
	rankRel
	rankList
	rankPath
	rankDateTime
	rankLocalDateTime
	rankDate
	rankTime
	rankLocalTime
	rankDuration
	rankPoint
	rankBytes
	rankString
	rankBool
	rankNumber
	rankNull
	rankUnknown
)

func rankOf(v Value) rank {
	switch v.(type) {
	case nil:
		return rankNull
	case Map:
		return rankMap
	case Node:
		return rankNode
	case Relationship:
		return rankRel
	case List:
		return rankList
	case Path:
		return rankPath
	case DateTime:
		return rankDateTime
	case LocalDateTime:
		return rankLocalDateTime
	case Date:
		return rankDate
	case Time:
		return rankTime
	case LocalTime:
		return rankLocalTime
	case Duration:
		return rankDuration
	case Point:
		return rankPoint
	case []byte:
		return rankBytes
	case string:
		return rankString
	case bool:
		return rankBool
	case int64, float64:
		return rankNumber
	}
	return rankUnknown
}

// two63 is 2^63 as a float64: the first float above every int64.
const two63 = 9223372036854775808.0

// cmpIntFloat compares an integer with a non-NaN float exactly (no rounding
// of the integer to float64).
func cmpIntFloat(i int64, f float64) int {
	if f >= two63 {
		return -1
	}
	if f < -two63 {
		return 1
	}
	t := math.Trunc(f)
	it := int64(t)
	switch {
	case i < it:
		return -1
	case i > it:
		return 1
	case f > t:
		return -1
	case f < t:
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat compares two non-NaN floats.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// isNaN reports whether v is a float NaN.
func isNaN(v Value) bool {
	f, ok := v.(float64)
	return ok && f != f
}

// cmpNumbers compares two numbers (int64 or float64) that are not NaN.
func cmpNumbers(a, b Value) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpInt(x, y)
		case float64:
			return cmpIntFloat(x, y)
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return -cmpIntFloat(y, x)
		case float64:
			return cmpFloat(x, y)
		}
	}
	panic("value: cmpNumbers on a non-number")
}

// Equal is the Cypher = operator. It is TriNull when either side is null, or
// when two lists or maps differ only where one side holds null; values of
// different types are unequal, except integers and floats, which are equal
// when they denote the same number. NaN equals nothing, itself included.
func Equal(a, b Value) Tri {
	if a == nil || b == nil {
		return TriNull
	}
	ra, rb := rankOf(a), rankOf(b)
	if ra != rb {
		return TriFalse
	}
	switch ra {
	case rankNumber:
		if isNaN(a) || isNaN(b) {
			return TriFalse
		}
		return TriOf(cmpNumbers(a, b) == 0)
	case rankList:
		return equalLists(a.(List), b.(List))
	case rankMap:
		return equalMaps(a.(Map), b.(Map))
	case rankNode:
		return TriOf(a.(Node).ID == b.(Node).ID)
	case rankRel:
		return TriOf(a.(Relationship).ID == b.(Relationship).ID)
	case rankPath:
		return TriOf(samePath(a.(Path), b.(Path)))
	case rankBytes:
		return TriOf(bytes.Equal(a.([]byte), b.([]byte)))
	case rankPoint:
		return TriOf(equalPoints(a.(Point), b.(Point)))
	case rankUnknown:
		return TriFalse
	}
	// string, bool and the temporal structs are comparable Go values.
	return TriOf(a == b)
}

func equalLists(a, b List) Tri {
	if len(a) != len(b) {
		return TriFalse
	}
	res := TriTrue
	for i := range a {
		switch Equal(a[i], b[i]) {
		case TriFalse:
			return TriFalse
		case TriNull:
			res = TriNull
		}
	}
	return res
}

func equalMaps(a, b Map) Tri {
	if len(a) != len(b) {
		return TriFalse
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return TriFalse
		}
	}
	res := TriTrue
	for _, k := range sortedKeys(a) {
		switch Equal(a[k], b[k]) {
		case TriFalse:
			return TriFalse
		case TriNull:
			res = TriNull
		}
	}
	return res
}

func samePath(a, b Path) bool {
	if len(a.Nodes) != len(b.Nodes) || len(a.Rels) != len(b.Rels) {
		return false
	}
	for i := range a.Nodes {
		if a.Nodes[i].ID != b.Nodes[i].ID {
			return false
		}
	}
	for i := range a.Rels {
		if a.Rels[i].ID != b.Rels[i].ID {
			return false
		}
	}
	return true
}

func equalPoints(a, b Point) bool {
	if a.SRID != b.SRID || a.X != b.X || a.Y != b.Y {
		return false
	}
	return !a.Is3D() || a.Z == b.Z
}

// sortedKeys returns m's keys in ascending order.
func sortedKeys(m Map) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Cmp is the outcome of comparing two values with <, <=, > or >=.
type Cmp int8

// The outcomes of Compare.
const (
	CmpLess      Cmp = -1
	CmpEqual     Cmp = 0
	CmpGreater   Cmp = 1
	CmpUnordered Cmp = 2 // a NaN was involved: every inequality is false
	CmpNull      Cmp = 3 // incomparable or null: every inequality is null
)

// Compare compares a and b as Cypher's inequality operators do. Numbers
// compare by value across int and float; strings by code point; booleans
// false < true; lists lexicographically, element by element; temporal values
// of the same type by their instant (durations are incomparable). Anything
// else, including values of different types and null, is CmpNull.
func Compare(a, b Value) Cmp {
	if a == nil || b == nil {
		return CmpNull
	}
	ra, rb := rankOf(a), rankOf(b)
	if ra != rb {
		return CmpNull
	}
	switch ra {
	case rankNumber:
		if isNaN(a) || isNaN(b) {
			return CmpUnordered
		}
		return Cmp(cmpNumbers(a, b))
	case rankString:
		return Cmp(strings.Compare(a.(string), b.(string)))
	case rankBool:
		return Cmp(cmpBool(a.(bool), b.(bool)))
	case rankList:
		return compareLists(a.(List), b.(List))
	case rankDateTime, rankLocalDateTime, rankDate, rankTime, rankLocalTime:
		return Cmp(cmpTemporal(a, b))
	}
	return CmpNull
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func compareLists(a, b List) Cmp {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if Equal(a[i], b[i]) == TriTrue {
			continue
		}
		if c := Compare(a[i], b[i]); c != CmpEqual {
			return c
		}
	}
	return Cmp(cmpInt(int64(len(a)), int64(len(b))))
}

// Less is a < b. Points follow Neo4j's partial order (comparePoints).
func Less(a, b Value) Tri {
	if t, ok := pointIneq(a, b, func(lt, _, _, _ Tri) Tri { return lt }); ok {
		return t
	}
	return cmpTri(Compare(a, b), func(c Cmp) bool { return c < 0 })
}

// LessEq is a <= b.
func LessEq(a, b Value) Tri {
	if t, ok := pointIneq(a, b, func(_, le, _, _ Tri) Tri { return le }); ok {
		return t
	}
	return cmpTri(Compare(a, b), func(c Cmp) bool { return c <= 0 })
}

// Greater is a > b.
func Greater(a, b Value) Tri {
	if t, ok := pointIneq(a, b, func(_, _, gt, _ Tri) Tri { return gt }); ok {
		return t
	}
	return cmpTri(Compare(a, b), func(c Cmp) bool { return c > 0 })
}

// GreaterEq is a >= b.
func GreaterEq(a, b Value) Tri {
	if t, ok := pointIneq(a, b, func(_, _, _, ge Tri) Tri { return ge }); ok {
		return t
	}
	return cmpTri(Compare(a, b), func(c Cmp) bool { return c >= 0 })
}

func cmpTri(c Cmp, test func(Cmp) bool) Tri {
	switch c {
	case CmpNull:
		return TriNull
	case CmpUnordered:
		return TriFalse
	}
	return TriOf(test(c))
}

// cmpTemporal compares two temporal values of the same type by the instant
// or position they denote; ties are broken by offset and zone so that the
// result is a total order.
func cmpTemporal(a, b Value) int {
	switch x := a.(type) {
	case Date:
		return cmpInt(x.Days, b.(Date).Days)
	case LocalTime:
		return cmpInt(x.Nanos, b.(LocalTime).Nanos)
	case LocalDateTime:
		y := b.(LocalDateTime)
		return firstNonZero(cmpInt(x.Sec, y.Sec), cmpInt(int64(x.Nsec), int64(y.Nsec)))
	case Time:
		y := b.(Time)
		ux := x.Nanos - int64(x.OffsetSec)*1e9
		uy := y.Nanos - int64(y.OffsetSec)*1e9
		return firstNonZero(cmpInt(ux, uy), cmpInt(int64(x.OffsetSec), int64(y.OffsetSec)))
	case DateTime:
		y := b.(DateTime)
		return firstNonZero(cmpInt(x.Sec, y.Sec), cmpInt(int64(x.Nsec), int64(y.Nsec)))
	}
	panic("value: cmpTemporal on a non-temporal value")
}

func firstNonZero(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

// Equivalent reports whether a and b are the same for DISTINCT, grouping
// keys and IN-list de-duplication: equality, except that null is equivalent
// to null and NaN to NaN (also inside lists and maps).
func Equivalent(a, b Value) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if isNaN(a) || isNaN(b) {
		return isNaN(a) && isNaN(b)
	}
	switch x := a.(type) {
	case List:
		y, ok := b.(List)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equivalent(x[i], y[i]) {
				return false
			}
		}
		return true
	case Map:
		y, ok := b.(Map)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equivalent(xv, yv) {
				return false
			}
		}
		return true
	}
	return Equal(a, b) == TriTrue
}
