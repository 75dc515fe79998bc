package graph

import (
	"math"
	"slices"

	"github.com/quiverdb/quiver/core/value"
)

// Index keys are ordered by value.Order, Cypher's ORDER BY order: values of
// different kinds order by kind, integers and floats compare by value, NaN
// is the greatest number. Range scans use value.Compare (the < operator), so
// they only match values comparable with their bounds.

// compareKeys orders two index keys (a total order).
func compareKeys(a, b value.Value) int { return value.Order(a, b) }

// Kinds for grouping: values of one kind are contiguous in index order.
const (
	rankOther = iota
	rankNumber
)

// rankOf returns a value's kind: equal ranks mean the same kind in
// value.Order's grouping (numbers are one kind).
func rankOf(v value.Value) any {
	switch v.(type) {
	case int64, float64:
		return rankNumber
	case nil:
		return nil
	}
	return typeName(v)
}

// typeName distinguishes the non-numeric kinds.
func typeName(v value.Value) any {
	switch v.(type) {
	case value.Map:
		return "map"
	case value.List:
		return "list"
	case string:
		return "string"
	case bool:
		return "bool"
	case []byte:
		return "bytes"
	case value.Date:
		return "date"
	case value.LocalTime:
		return "localtime"
	case value.Time:
		return "time"
	case value.LocalDateTime:
		return "localdatetime"
	case value.DateTime:
		return "datetime"
	case value.Duration:
		return "duration"
	case value.Point:
		return "point"
	}
	return rankOther
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

// sortedKeys returns m's keys in order.
func sortedKeys(m value.Map) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
