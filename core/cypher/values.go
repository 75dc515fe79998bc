package cypher

import (
	"math"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// Inside the executor, graph entities are references read live from the
// transaction; they become value.Node / Relationship / Path on the way out.
type nodeRef struct{ id int64 }
type relRef struct{ id int64 }
type pathRef struct {
	nodes []int64
	rels  []int64
}

// tri is a three-valued boolean.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triNull
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func (t tri) value() value.Value {
	switch t {
	case triTrue:
		return true
	case triFalse:
		return false
	}
	return nil
}

func isNumber(v value.Value) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func toFloat(v value.Value) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

// equal is Cypher's = with three-valued logic.
func equal(a, b value.Value) tri {
	if a == nil || b == nil {
		return triNull
	}
	switch x := a.(type) {
	case int64, float64:
		// exact across int and float: core/value never rounds the integer
		return tri(value.Equal(a, b))
	case bool:
		y, ok := b.(bool)
		return triOf(ok && x == y)
	case string:
		y, ok := b.(string)
		return triOf(ok && x == y)
	case nodeRef:
		y, ok := b.(nodeRef)
		return triOf(ok && x.id == y.id)
	case relRef:
		y, ok := b.(relRef)
		return triOf(ok && x.id == y.id)
	case pathRef:
		y, ok := b.(pathRef)
		if !ok || len(x.nodes) != len(y.nodes) || len(x.rels) != len(y.rels) {
			return triFalse
		}
		for i := range x.nodes {
			if x.nodes[i] != y.nodes[i] {
				return triFalse
			}
		}
		for i := range x.rels {
			if x.rels[i] != y.rels[i] {
				return triFalse
			}
		}
		return triTrue
	case value.List:
		y, ok := b.(value.List)
		if !ok || len(x) != len(y) {
			return triFalse
		}
		res := triTrue
		for i := range x {
			switch equal(x[i], y[i]) {
			case triFalse:
				return triFalse
			case triNull:
				res = triNull
			}
		}
		return res
	case value.Map:
		y, ok := b.(value.Map)
		if !ok || len(x) != len(y) {
			return triFalse
		}
		res := triTrue
		for k, xv := range x {
			yv, ok := y[k]
			if !ok {
				return triFalse
			}
			switch equal(xv, yv) {
			case triFalse:
				return triFalse
			case triNull:
				res = triNull
			}
		}
		return res
	}
	// temporal, spatial, bytes: core/value's rules
	return tri(value.Equal(a, b))
}

// equivalent is equality for grouping and DISTINCT: null equals null, NaN
// equals NaN.
func equivalent(a, b value.Value) bool {
	return orderCompare(a, b) == 0
}

// orderRank gives the global sort order of value types.
func orderRank(v value.Value) int {
	switch v.(type) {
	case value.Map:
		return 0
	case nodeRef, value.Node:
		return 1
	case relRef, value.Relationship:
		return 2
	case value.List:
		return 3
	case pathRef, value.Path:
		return 4
	case value.Point:
		return 5
	case value.DateTime:
		return 6
	case value.LocalDateTime:
		return 7
	case value.Date:
		return 8
	case value.Time:
		return 9
	case value.LocalTime:
		return 10
	case value.Duration:
		return 11
	case string:
		return 12
	case bool:
		return 13
	case int64, float64:
		return 14
	case nil:
		return 16
	}
	return 15
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

// orderCompare is the total order used by ORDER BY, DISTINCT and grouping.
func orderCompare(a, b value.Value) int {
	ra, rb := orderRank(a), orderRank(b)
	if ra != rb {
		return cmpInt(int64(ra), int64(rb))
	}
	switch x := a.(type) {
	case nodeRef:
		return cmpInt(x.id, b.(nodeRef).id)
	case relRef:
		return cmpInt(x.id, b.(relRef).id)
	case value.List:
		y := b.(value.List)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := orderCompare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmpInt(int64(len(x)), int64(len(y)))
	case pathRef:
		y := b.(pathRef)
		return orderCompare(pathList(x), pathList(y))
	case value.Map:
		y := b.(value.Map)
		kx, ky := sortedKeys(x), sortedKeys(y)
		for i := 0; i < len(kx) && i < len(ky); i++ {
			if c := strings.Compare(kx[i], ky[i]); c != 0 {
				return c
			}
			if c := orderCompare(x[kx[i]], y[ky[i]]); c != 0 {
				return c
			}
		}
		return cmpInt(int64(len(kx)), int64(len(ky)))
	}
	// Scalars (null, numbers, strings, booleans, temporal, spatial) hold no
	// entity references, so core/value's order is the order.
	return value.Order(a, b)
}

func pathList(p pathRef) value.List {
	l := value.List{}
	for i, n := range p.nodes {
		l = append(l, nodeRef{n})
		if i < len(p.rels) {
			l = append(l, relRef{p.rels[i]})
		}
	}
	return l
}

func sortedKeys(m value.Map) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// compareOp is Cypher's <, <=, >, >= comparability: values of different
// kinds (and NaN) compare as null.
func compareOp(a, b value.Value) (int, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	ra, rb := orderRank(a), orderRank(b)
	if ra != rb {
		return 0, false
	}
	switch x := a.(type) {
	case int64, float64, string, bool, value.Date, value.LocalTime, value.Time, value.LocalDateTime, value.DateTime:
		switch c := value.Compare(a, b); c {
		case value.CmpUnordered:
			return 0, true // see nanCompare: every comparison with NaN is false
		case value.CmpNull:
			return 0, false
		default:
			return int(c), true
		}
	case value.List:
		y := b.(value.List)
		for i := 0; i < len(x) && i < len(y); i++ {
			c, ok := compareOp(x[i], y[i])
			if !ok {
				return 0, false
			}
			if c != 0 {
				return c, true
			}
		}
		return cmpInt(int64(len(x)), int64(len(y))), true
	}
	return 0, false
}

func isFloatNaN(v value.Value) bool {
	f, ok := v.(float64)
	return ok && math.IsNaN(f)
}

// typeName names a value's Cypher type for error messages.
func typeName(v value.Value) string {
	switch v.(type) {
	case nil:
		return "Null"
	case bool:
		return "Boolean"
	case int64:
		return "Integer"
	case float64:
		return "Float"
	case string:
		return "String"
	case value.List:
		return "List"
	case value.Map:
		return "Map"
	case nodeRef:
		return "Node"
	case relRef:
		return "Relationship"
	case pathRef:
		return "Path"
	}
	return "Value"
}
