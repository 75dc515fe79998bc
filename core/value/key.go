package value

import (
	"math"
	"strconv"
)

// Key returns a grouping key for v: Key(a) == Key(b) exactly when
// Equivalent(a, b). Use it to hash rows for DISTINCT and aggregation.
func Key(v Value) string { return string(AppendKey(nil, v)) }

// AppendKey appends v's grouping key (see Key) to dst. Every scalar ends in
// ';' and strings carry their length, so keys of composite values are
// unambiguous.
func AppendKey(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, 'z', ';')
	case bool:
		if x {
			return append(dst, 'b', '1', ';')
		}
		return append(dst, 'b', '0', ';')
	case int64:
		return appendIntKey(dst, x)
	case float64:
		return appendFloatKey(dst, x)
	case string:
		return appendStrKey(append(dst, 's'), x)
	case []byte:
		return appendStrKey(append(dst, 'x'), string(x))
	case List:
		dst = append(dst, '[')
		for _, e := range x {
			dst = AppendKey(dst, e)
		}
		return append(dst, ']')
	case Map:
		dst = append(dst, '{')
		for _, k := range sortedKeys(x) {
			dst = appendStrKey(dst, k)
			dst = AppendKey(dst, x[k])
		}
		return append(dst, '}')
	case Node:
		return appendInts(append(dst, 'n'), x.ID)
	case Relationship:
		return appendInts(append(dst, 'r'), x.ID)
	case Path:
		dst = append(dst, 'p', '(')
		for i, n := range x.Nodes {
			dst = appendInts(dst, n.ID)
			if i < len(x.Rels) {
				dst = appendInts(dst, x.Rels[i].ID)
			}
		}
		return append(dst, ')')
	}
	return appendTemporalKey(dst, v)
}

func appendIntKey(dst []byte, i int64) []byte {
	return appendInts(append(dst, 'i'), i)
}

// appendFloatKey gives integral floats the key of the equal integer, so
// that 1 and 1.0 group together; every NaN shares one key.
func appendFloatKey(dst []byte, f float64) []byte {
	switch {
	case f != f:
		return append(dst, 'N', ';')
	case f == math.Trunc(f) && f >= -two63 && f < two63:
		return appendIntKey(dst, int64(f))
	}
	dst = append(dst, 'f')
	dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	return append(dst, ';')
}

func appendStrKey(dst []byte, s string) []byte {
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, ':')
	return append(dst, s...)
}

// appendInts appends each integer followed by ';'.
func appendInts(dst []byte, xs ...int64) []byte {
	for _, x := range xs {
		dst = strconv.AppendInt(dst, x, 10)
		dst = append(dst, ';')
	}
	return dst
}

func appendTemporalKey(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case Date:
		return appendInts(append(dst, 'D'), x.Days)
	case LocalTime:
		return appendInts(append(dst, 'l'), x.Nanos)
	case Time:
		return appendInts(append(dst, 'T'), x.Nanos, int64(x.OffsetSec))
	case LocalDateTime:
		return appendInts(append(dst, 'L'), x.Sec, int64(x.Nsec))
	case DateTime:
		dst = appendInts(append(dst, 'd'), x.Sec, int64(x.Nsec), int64(x.OffsetSec))
		return appendStrKey(dst, x.Zone)
	case Duration:
		return appendInts(append(dst, 'u'), x.Months, x.Days, x.Seconds, int64(x.Nanos))
	case Point:
		dst = appendInts(append(dst, 'P'), int64(x.SRID))
		dst = appendFloatBits(dst, x.X)
		dst = appendFloatBits(dst, x.Y)
		if x.Is3D() {
			dst = appendFloatBits(dst, x.Z)
		}
		return dst
	}
	// Not a Cypher value: give each such value a key of its own kind so it
	// never collides with a real value.
	return append(dst, '?', ';')
}

// appendFloatBits appends a float coordinate so that equal coordinates
// (0.0 and -0.0 included) give equal keys.
func appendFloatBits(dst []byte, f float64) []byte {
	if f == 0 {
		f = 0
	}
	dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	return append(dst, ';')
}
