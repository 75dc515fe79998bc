package value

import (
	"bytes"
	"math"
	"strings"
)

// Order is the total order ORDER BY uses: it returns -1, 0 or +1. Values of
// different types order by type (see the file comment of compare.go); within
// a type, numbers by value with NaN above +Inf, strings by code point,
// false < true, lists lexicographically, maps by their sorted keys and then
// values, nodes and relationships by id, paths element by element, temporal
// values by instant, durations by their average length. Order(a, b) == 0 for
// every pair of equivalent values, and sorting with it is deterministic.
func Order(a, b Value) int {
	ra, rb := rankOf(a), rankOf(b)
	if ra != rb {
		return cmpInt(int64(ra), int64(rb))
	}
	switch ra {
	case rankNumber:
		return orderNumbers(a, b)
	case rankString:
		return strings.Compare(a.(string), b.(string))
	case rankBool:
		return cmpBool(a.(bool), b.(bool))
	case rankList:
		return orderLists(a.(List), b.(List))
	case rankMap:
		return orderMaps(a.(Map), b.(Map))
	case rankNode:
		return cmpInt(a.(Node).ID, b.(Node).ID)
	case rankRel:
		return cmpInt(a.(Relationship).ID, b.(Relationship).ID)
	case rankPath:
		return orderPaths(a.(Path), b.(Path))
	case rankDateTime:
		x, y := a.(DateTime), b.(DateTime)
		return firstNonZero(cmpTemporal(x, y), cmpInt(int64(x.OffsetSec), int64(y.OffsetSec)), strings.Compare(x.Zone, y.Zone))
	case rankLocalDateTime, rankDate, rankTime, rankLocalTime:
		return cmpTemporal(a, b)
	case rankDuration:
		return orderDurations(a.(Duration), b.(Duration))
	case rankPoint:
		return orderPoints(a.(Point), b.(Point))
	case rankBytes:
		return bytes.Compare(a.([]byte), b.([]byte))
	}
	return 0
}

func orderNumbers(a, b Value) int {
	na, nb := isNaN(a), isNaN(b)
	switch {
	case na && nb:
		return 0
	case na:
		return 1
	case nb:
		return -1
	}
	return cmpNumbers(a, b)
}

func orderLists(a, b List) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if c := Order(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmpInt(int64(len(a)), int64(len(b)))
}

func orderMaps(a, b Map) int {
	ka, kb := sortedKeys(a), sortedKeys(b)
	n := min(len(ka), len(kb))
	for i := 0; i < n; i++ {
		if c := strings.Compare(ka[i], kb[i]); c != 0 {
			return c
		}
		if c := Order(a[ka[i]], b[kb[i]]); c != 0 {
			return c
		}
	}
	return cmpInt(int64(len(ka)), int64(len(kb)))
}

func orderPaths(a, b Path) int {
	n := min(len(a.Nodes), len(b.Nodes))
	for i := 0; i < n; i++ {
		if c := cmpInt(a.Nodes[i].ID, b.Nodes[i].ID); c != 0 {
			return c
		}
		if i < len(a.Rels) && i < len(b.Rels) {
			if c := cmpInt(a.Rels[i].ID, b.Rels[i].ID); c != 0 {
				return c
			}
		}
	}
	return cmpInt(int64(len(a.Nodes)), int64(len(b.Nodes)))
}

// secondsPerMonth is the average Gregorian month (365.2425 days / 12).
const secondsPerMonth = 2629746

func orderDurations(a, b Duration) int {
	la := float64(a.Months)*secondsPerMonth + float64(a.Days)*86400 + float64(a.Seconds) + float64(a.Nanos)/1e9
	lb := float64(b.Months)*secondsPerMonth + float64(b.Days)*86400 + float64(b.Seconds) + float64(b.Nanos)/1e9
	return firstNonZero(cmpFloat(la, lb), cmpInt(a.Months, b.Months), cmpInt(a.Days, b.Days),
		cmpInt(a.Seconds, b.Seconds), cmpInt(int64(a.Nanos), int64(b.Nanos)))
}

func orderPoints(a, b Point) int {
	c := firstNonZero(cmpInt(int64(a.SRID), int64(b.SRID)), orderFloat(a.X, b.X), orderFloat(a.Y, b.Y))
	if c != 0 || !a.Is3D() {
		return c
	}
	return orderFloat(a.Z, b.Z)
}

// orderFloat orders floats with NaN last.
func orderFloat(a, b float64) int {
	switch na, nb := math.IsNaN(a), math.IsNaN(b); {
	case na && nb:
		return 0
	case na:
		return 1
	case nb:
		return -1
	}
	return cmpFloat(a, b)
}
