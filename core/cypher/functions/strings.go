package functions

import (
	"strings"
	"unicode"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

// Strings are indexed by code point.

func stringFuncs() []*Func {
	return []*Func{
		strFn("left", 2, func(a []value.Value) (value.Value, error) { return leftRight("left", a, true) }),
		strFn("right", 2, func(a []value.Value) (value.Value, error) { return leftRight("right", a, false) }),
		{Name: "substring", MinArgs: 2, MaxArgs: 3, Call: substring},
		strMap("trim", func(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }),
		strMap("lTrim", func(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) }),
		strMap("rTrim", func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }),
		strMap("toUpper", strings.ToUpper),
		strMap("toLower", strings.ToLower),
		strMap("upper", strings.ToUpper),
		strMap("lower", strings.ToLower),
		strFn("replace", 3, replace),
		strFn("split", 2, split),
	}
}

// strFn builds a function whose result is null when any argument is null.
func strFn(name string, n int, call func(args []value.Value) (value.Value, error)) *Func {
	return fn(name, n, func(_ Env, args []value.Value) (value.Value, error) {
		if anyNull(args) {
			return nil, nil
		}
		return call(args)
	})
}

func strMap(name string, f func(string) string) *Func {
	return fn1(name, func(v value.Value) (value.Value, error) {
		s, ok := v.(string)
		if !ok {
			return nil, badArg(name, v)
		}
		return f(s), nil
	})
}

// strArgs checks that every argument is a string.
func strArgs(name string, args []value.Value) ([]string, error) {
	out := make([]string, len(args))
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, badArg(name, a)
		}
		out[i] = s
	}
	return out, nil
}

// intArg reads a non-negative integer argument.
func intArg(name string, v value.Value) (int64, error) {
	n, ok := v.(int64)
	if !ok {
		return 0, badArg(name, v)
	}
	if n < 0 {
		return 0, cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "%s(): negative argument %d", name, n)
	}
	return n, nil
}

func leftRight(name string, args []value.Value, left bool) (value.Value, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, badArg(name, args[0])
	}
	n, err := intArg(name, args[1])
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	if n >= int64(len(r)) {
		return s, nil
	}
	if left {
		return string(r[:n]), nil
	}
	return string(r[int64(len(r))-n:]), nil
}

func substring(_ Env, args []value.Value) (value.Value, error) {
	if args[0] == nil {
		return nil, nil
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, badArg("substring", args[0])
	}
	start, err := intArg("substring", args[1])
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	if start >= int64(len(r)) {
		return "", nil
	}
	end := int64(len(r))
	if len(args) == 3 {
		n, err := intArg("substring", args[2])
		if err != nil {
			return nil, err
		}
		if n < end-start {
			end = start + n
		}
	}
	return string(r[start:end]), nil
}

func replace(args []value.Value) (value.Value, error) {
	s, err := strArgs("replace", args)
	if err != nil {
		return nil, err
	}
	return strings.ReplaceAll(s[0], s[1], s[2]), nil
}

func split(args []value.Value) (value.Value, error) {
	s, err := strArgs("split", args)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(s[0], s[1])
	out := make(value.List, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}
