package graph

import (
	"bytes"
	"cmp"
	"math"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// Index keys are ordered by Cypher's orderability: values of different kinds
// order by kind, numbers (integers and floats) compare with each other by
// value, NaN is the greatest number. compareKeys is the one place that decides
// it; it will defer to core/value's Compare once that lands.

// Kind ranks in Cypher's ascending order.
const (
	rankMap = iota
	rankNode
	rankRel
	rankList
	rankPath
	rankPoint
	rankDateTime
	rankLocalDateTime
	rankDate
	rankTime
	rankLocalTime
	rankDuration
	rankString
	rankBool
	rankNumber
	rankBytes
	rankNull
)

// rankOf returns the ordering kind of v.
func rankOf(v value.Value) int {
	switch v.(type) {
	case value.Map:
		return rankMap
	case value.Node:
		return rankNode
	case value.Relationship:
		return rankRel
	case value.List:
		return rankList
	case value.Path:
		return rankPath
	case value.Point:
		return rankPoint
	case value.DateTime:
		return rankDateTime
	case value.LocalDateTime:
		return rankLocalDateTime
	case value.Date:
		return rankDate
	case value.Time:
		return rankTime
	case value.LocalTime:
		return rankLocalTime
	case value.Duration:
		return rankDuration
	case string:
		return rankString
	case bool:
		return rankBool
	case int64, float64:
		return rankNumber
	case []byte:
		return rankBytes
	}
	return rankNull
}

// compareKeys orders two index keys (a total order).
func compareKeys(a, b value.Value) int {
	ra, rb := rankOf(a), rankOf(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case int64, float64:
		return compareNumbers(a, b)
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		return compareBool(x, b.(bool))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case value.List:
		return compareLists(x, b.(value.List))
	case value.Map:
		return compareMaps(x, b.(value.Map))
	case value.Date:
		return cmp.Compare(x.Days, b.(value.Date).Days)
	case value.LocalTime:
		return cmp.Compare(x.Nanos, b.(value.LocalTime).Nanos)
	case value.Time:
		return compareTime(x, b.(value.Time))
	case value.LocalDateTime:
		y := b.(value.LocalDateTime)
		return cmpChain(cmp.Compare(x.Sec, y.Sec), cmp.Compare(x.Nsec, y.Nsec))
	case value.DateTime:
		y := b.(value.DateTime)
		return cmpChain(cmp.Compare(x.Sec, y.Sec), cmp.Compare(x.Nsec, y.Nsec),
			cmp.Compare(x.OffsetSec, y.OffsetSec), strings.Compare(x.Zone, y.Zone))
	case value.Duration:
		y := b.(value.Duration)
		return cmpChain(cmp.Compare(x.Months, y.Months), cmp.Compare(x.Days, y.Days),
			cmp.Compare(x.Seconds, y.Seconds), cmp.Compare(x.Nanos, y.Nanos))
	case value.Point:
		y := b.(value.Point)
		return cmpChain(cmp.Compare(x.SRID, y.SRID), cmp.Compare(x.X, y.X),
			cmp.Compare(x.Y, y.Y), cmp.Compare(x.Z, y.Z))
	}
	return 0
}

func cmpChain(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func compareTime(a, b value.Time) int {
	ua := a.Nanos - int64(a.OffsetSec)*1e9
	ub := b.Nanos - int64(b.OffsetSec)*1e9
	return cmpChain(cmp.Compare(ua, ub), cmp.Compare(a.OffsetSec, b.OffsetSec))
}

// compareNumbers compares integers and floats exactly; NaN is greatest.
func compareNumbers(a, b value.Value) int {
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt {
		return cmp.Compare(ai, bi)
	}
	if aInt {
		return -compareFloatInt(b.(float64), ai)
	}
	if bInt {
		return compareFloatInt(a.(float64), bi)
	}
	af, bf := a.(float64), b.(float64)
	an, bn := math.IsNaN(af), math.IsNaN(bf)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(af, bf)
}

// compareFloatInt compares f with i without losing precision.
func compareFloatInt(f float64, i int64) int {
	if math.IsNaN(f) {
		return 1
	}
	if f < -9.3e18 {
		return -1
	}
	if f > 9.3e18 {
		return 1
	}
	t := math.Trunc(f)
	ti := int64(t)
	if c := cmp.Compare(ti, i); c != 0 {
		return c
	}
	return cmp.Compare(f-t, 0)
}

func compareLists(a, b value.List) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareKeys(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func compareMaps(a, b value.Map) int {
	ka, kb := sortedKeys(a), sortedKeys(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if c := strings.Compare(ka[i], kb[i]); c != 0 {
			return c
		}
		if c := compareKeys(a[ka[i]], b[kb[i]]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(ka), len(kb))
}

func sortedKeys(m value.Map) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// containsNaN reports whether v is or holds a float NaN (never equal to
// anything in Cypher).
func containsNaN(v value.Value) bool {
	switch x := v.(type) {
	case float64:
		return math.IsNaN(x)
	case value.List:
		for _, e := range x {
			if containsNaN(e) {
				return true
			}
		}
	case value.Map:
		for _, e := range x {
			if containsNaN(e) {
				return true
			}
		}
	}
	return false
}
