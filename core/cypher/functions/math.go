package functions

import (
	"math"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

func mathFuncs() []*Func {
	return []*Func{
		fn1("abs", abs),
		floatFn("ceil", math.Ceil),
		floatFn("floor", math.Floor),
		{Name: "round", MinArgs: 1, MaxArgs: 3, Call: round},
		fn1("sign", sign),
		{Name: "rand", Volatile: true, Call: func(env Env, _ []value.Value) (value.Value, error) { return env.Rand(), nil }},
		floatFn("sqrt", math.Sqrt),
		floatFn("exp", math.Exp),
		floatFn("log", math.Log),
		floatFn("log10", math.Log10),
		floatFn("sin", math.Sin),
		floatFn("cos", math.Cos),
		floatFn("tan", math.Tan),
		floatFn("cot", func(x float64) float64 { return 1 / math.Tan(x) }),
		floatFn("asin", math.Asin),
		floatFn("acos", math.Acos),
		floatFn("atan", math.Atan),
		floatFn("haversin", func(x float64) float64 { return (1 - math.Cos(x)) / 2 }),
		floatFn("degrees", func(x float64) float64 { return x * 180 / math.Pi }),
		floatFn("radians", func(x float64) float64 { return x * math.Pi / 180 }),
		{Name: "atan2", MinArgs: 2, MaxArgs: 2, Call: atan2},
		fn("e", 0, func(Env, []value.Value) (value.Value, error) { return math.E, nil }),
		fn("pi", 0, func(Env, []value.Value) (value.Value, error) { return math.Pi, nil }),
	}
}

// toF reads a number as a float64.
func toF(name string, v value.Value) (float64, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	}
	return 0, badArg(name, v)
}

// floatFn builds a one-argument numeric function with a float result.
func floatFn(name string, f func(float64) float64) *Func {
	return fn1(name, func(v value.Value) (value.Value, error) {
		x, err := toF(name, v)
		if err != nil {
			return nil, err
		}
		return f(x), nil
	})
}

func abs(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case int64:
		if x == math.MinInt64 {
			return nil, cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "abs(): %d has no integer absolute value", x)
		}
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case float64:
		return math.Abs(x), nil
	}
	return nil, badArg("abs", v)
}

func sign(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case int64:
		return int64(cmpSign(float64(x))), nil
	case float64:
		return int64(cmpSign(x)), nil
	}
	return nil, badArg("sign", v)
}

func cmpSign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func atan2(_ Env, args []value.Value) (value.Value, error) {
	if anyNull(args) {
		return nil, nil
	}
	y, err := toF("atan2", args[0])
	if err != nil {
		return nil, err
	}
	x, err := toF("atan2", args[1])
	if err != nil {
		return nil, err
	}
	return math.Atan2(y, x), nil
}

// round is round(x): halves go toward +infinity (round(-2.5) = -2.0);
// round(x, precision[, mode]) rounds to precision decimal places with a
// java.math.RoundingMode (default HALF_UP: halves away from zero).
func round(_ Env, args []value.Value) (value.Value, error) {
	if anyNull(args) {
		return nil, nil
	}
	x, err := toF("round", args[0])
	if err != nil {
		return nil, err
	}
	if len(args) == 1 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return x, nil
		}
		r := math.Floor(x)
		if x-r >= 0.5 {
			r++
		}
		return r, nil
	}
	prec, ok := args[1].(int64)
	if !ok {
		return nil, badArg("round", args[1])
	}
	mode := "HALF_UP"
	if len(args) == 3 {
		m, ok := args[2].(string)
		if !ok {
			return nil, badArg("round", args[2])
		}
		mode = strings.ToUpper(m)
	}
	return roundDecimal(x, prec, mode)
}

// roundDecimal rounds x at prec decimal places the way BigDecimal.setScale
// does on the shortest decimal representation of x.
func roundDecimal(x float64, prec int64, mode string) (value.Value, error) {
	switch mode {
	case "UP", "DOWN", "CEILING", "FLOOR", "HALF_UP", "HALF_DOWN", "HALF_EVEN", "UNNECESSARY":
	default:
		return nil, cyerr.ArgumentError(cyerr.DetailInvalidArgumentValue, "round(): unknown rounding mode %q", mode)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 || prec > 400 {
		return x, nil
	}
	neg := x < 0
	mant, exp, _ := strings.Cut(strconv.FormatFloat(math.Abs(x), 'e', -1, 64), "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	// x = 0.digits × 10^(e+1); keep the first k digits.
	k := int64(e) + 1 + prec
	if k >= int64(len(digits)) {
		return x, nil
	}
	var keep, rest string
	if k >= 0 {
		keep, rest = digits[:k], digits[k:]
	} else {
		keep, rest = "", strings.Repeat("0", int(min(-k, 400)))+digits
	}
	up, err := roundsUp(mode, neg, keep, rest)
	if err != nil {
		return nil, err
	}
	if up {
		keep = incDecimal(keep)
	}
	if keep == "" {
		keep = "0"
	}
	// keep holds the digits of the result × 10^(-prec).
	r, _ := strconv.ParseFloat(keep+"e"+strconv.FormatInt(-prec, 10), 64)
	if neg {
		r = -r
	}
	return r, nil
}

// roundsUp decides whether dropping rest (nonempty) increments keep.
func roundsUp(mode string, neg bool, keep, rest string) (bool, error) {
	nonzero := strings.Trim(rest, "0") != ""
	if !nonzero {
		return false, nil
	}
	half := strings.TrimRight(rest, "0") == "5"
	above := rest[0] > '5' || (rest[0] == '5' && !half)
	switch mode {
	case "UP":
		return true, nil
	case "DOWN":
		return false, nil
	case "CEILING":
		return !neg, nil
	case "FLOOR":
		return neg, nil
	case "HALF_UP":
		return above || half, nil
	case "HALF_DOWN":
		return above, nil
	case "HALF_EVEN":
		odd := keep != "" && (keep[len(keep)-1]-'0')%2 == 1
		return above || (half && odd), nil
	}
	return false, cyerr.ArgumentError(cyerr.DetailInvalidArgumentValue, "round(): rounding necessary under mode UNNECESSARY")
}

// incDecimal adds one to a decimal digit string.
func incDecimal(d string) string {
	b := []byte(d)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}
