package functions

import (
	"math"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

func convertFuncs() []*Func {
	type conv struct {
		name string
		f    func(value.Value) (value.Value, error)
	}
	convs := []conv{
		{"toBoolean", ToBoolean}, {"toInteger", ToInteger}, {"toFloat", ToFloat}, {"toString", ToString},
	}
	var out []*Func
	for _, c := range convs {
		out = append(out, fn1(c.name, c.f), fn1(c.name+"OrNull", orNull(c.f)), fn1(c.name+"List", listOf(c.name+"List", orNull(c.f))))
	}
	return out
}

// orNull turns a conversion's errors into null.
func orNull(f func(value.Value) (value.Value, error)) func(value.Value) (value.Value, error) {
	return func(v value.Value) (value.Value, error) {
		r, err := f(v)
		if err != nil {
			return nil, nil
		}
		return r, nil
	}
}

// listOf maps a conversion over a list (toIntegerList and friends).
func listOf(name string, f func(value.Value) (value.Value, error)) func(value.Value) (value.Value, error) {
	return func(v value.Value) (value.Value, error) {
		l, ok := v.(value.List)
		if !ok {
			return nil, badArg(name, v)
		}
		out := make(value.List, len(l))
		for i, e := range l {
			if e == nil {
				continue
			}
			r, err := f(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
}

// ToBoolean is toBoolean(): booleans pass, the strings "true" and "false"
// (any case, surrounding space ignored) convert, other strings give null,
// integers are true unless zero. Other types are a TypeError.
func ToBoolean(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, nil
	}
	return nil, badArg("toBoolean", v)
}

// ToInteger is toInteger(): floats truncate toward zero, strings parse as
// an integer or else as a float (then truncate), unparsable strings give
// null, booleans give 1 or 0. Other types are a TypeError.
func ToInteger(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case float64:
		return floatToInt("toInteger", x)
	case string:
		s := strings.TrimSpace(x)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		f, ok := parseFloat(s)
		if !ok {
			return nil, nil
		}
		r, err := floatToInt("toInteger", f)
		if err != nil {
			return nil, nil
		}
		return r, nil
	}
	return nil, badArg("toInteger", v)
}

func floatToInt(name string, f float64) (value.Value, error) {
	t := math.Trunc(f)
	if f != f || t >= 9223372036854775808.0 || t < -9223372036854775808.0 {
		return nil, cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "%s(): %v does not fit an integer", name, f)
	}
	return int64(t), nil
}

// parseFloat parses a Cypher/Java float literal as toFloat() accepts it.
func parseFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	// Go also accepts "inf", "nan", underscores and hex; Java does not.
	if s == "" || strings.ContainsAny(s, "_xXpPiInN") {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimRight(s, "dDfF"), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// ToFloat is toFloat(): integers widen, strings parse (null when they do
// not). Other types are a TypeError.
func ToFloat(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case string:
		f, ok := parseFloat(x)
		if !ok {
			return nil, nil
		}
		return f, nil
	}
	return nil, badArg("toFloat", v)
}

// ToString is toString(): numbers, booleans, strings and temporal values in
// Cypher's notation. Other types are a TypeError.
func ToString(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return FormatFloat(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case value.Point:
		return FormatPoint(x), nil
	}
	if s, ok := FormatTemporal(v); ok {
		return s, nil
	}
	return nil, badArg("toString", v)
}

// FormatFloat writes f as Cypher (and Java's Double.toString) does: the
// shortest digits that round-trip, always with a fraction ("1.0"),
// scientific notation outside [1e-3, 1e7) ("1.0E20", "1.5E-5"), and NaN,
// Infinity and -Infinity spelled out.
func FormatFloat(f float64) string {
	switch {
	case f != f:
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
