package cypher

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/quiverdb/quiver/core/value"
)

// numString formats a number as Cypher's toString does.
func numString(v value.Value) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		a := math.Abs(x)
		if a != 0 && (a >= 1e7 || a < 1e-3) {
			s := strconv.FormatFloat(x, 'E', -1, 64)
			mant, exp, _ := strings.Cut(s, "E")
			if !strings.Contains(mant, ".") {
				mant += ".0"
			}
			return mant + "E" + strings.TrimPrefix(exp, "+")
		}
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return ""
}

// aggregateNames are the aggregating functions.
var aggregateNames = map[string]bool{"count": true, "sum": true, "avg": true, "min": true, "max": true, "collect": true, "percentilecont": true, "percentiledisc": true, "stdev": true, "stdevp": true}

func isAggregate(f *FuncCall) bool { return aggregateNames[strings.ToLower(f.Name)] }

// funcArity gives the accepted argument counts of the built-in scalar
// functions (min, max; max -1 = variadic).
var funcArity = map[string][2]int{
	"id": {1, 1}, "labels": {1, 1}, "type": {1, 1}, "properties": {1, 1}, "keys": {1, 1},
	"nodes": {1, 1}, "relationships": {1, 1}, "startnode": {1, 1}, "endnode": {1, 1},
	"length": {1, 1}, "size": {1, 1}, "head": {1, 1}, "last": {1, 1}, "tail": {1, 1},
	"range": {2, 3}, "coalesce": {1, -1}, "tostring": {1, 1}, "tointeger": {1, 1},
	"tofloat": {1, 1}, "toboolean": {1, 1}, "abs": {1, 1}, "sign": {1, 1}, "ceil": {1, 1},
	"floor": {1, 1}, "round": {1, 1}, "sqrt": {1, 1}, "exists": {1, 1}, "reverse": {1, 1},
	"toupper": {1, 1}, "tolower": {1, 1}, "trim": {1, 1}, "ltrim": {1, 1}, "rtrim": {1, 1},
	"substring": {2, 3}, "replace": {3, 3}, "split": {2, 2}, "left": {2, 2}, "right": {2, 2},
	"exp": {1, 1}, "log": {1, 1}, "log10": {1, 1}, "sin": {1, 1}, "cos": {1, 1}, "tan": {1, 1},
	"e": {0, 0}, "pi": {0, 0}, "rand": {0, 0}, "tointegerornull": {1, 1}, "tofloatornull": {1, 1},
	"tobooleanornull": {1, 1}, "tostringornull": {1, 1},
}

func (c *execCtx) evalCall(f *FuncCall, r row) (value.Value, error) {
	name := strings.ToLower(f.Name)
	args := make([]value.Value, len(f.Args))
	for i, a := range f.Args {
		v, err := c.eval(a, r)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	if name == "coalesce" {
		for _, a := range args {
			if a != nil {
				return a, nil
			}
		}
		return nil, nil
	}
	switch name {
	case "e":
		return math.E, nil
	case "pi":
		return math.Pi, nil
	case "rand":
		return c.rand.Float64(), nil
	case "range":
		return rangeFn(args)
	case "substring", "replace", "split", "left", "right":
		return stringFn2(name, args)
	}
	if len(args) == 0 {
		return nil, runtimeErr(CodeSyntaxError, "InvalidNumberOfArguments", "%s() needs an argument", f.Name)
	}
	a := args[0]
	if a == nil {
		return nil, nil
	}
	return c.unaryFn(name, a)
}

func (c *execCtx) unaryFn(name string, a value.Value) (value.Value, error) {
	switch name {
	case "id", "labels", "type", "properties", "keys", "nodes", "relationships", "startnode", "endnode", "length", "exists":
		return c.graphFn(name, a)
	case "size":
		switch x := a.(type) {
		case string:
			return int64(len([]rune(x))), nil
		case value.List:
			return int64(len(x)), nil
		}
		return nil, typeErr("size() expects a string or list, got %s", typeName(a))
	case "head", "last", "tail":
		l, ok := a.(value.List)
		if !ok {
			return nil, typeErr("%s() expects a list, got %s", name, typeName(a))
		}
		switch {
		case name == "tail":
			if len(l) == 0 {
				return value.List{}, nil
			}
			return append(value.List{}, l[1:]...), nil
		case len(l) == 0:
			return nil, nil
		case name == "head":
			return l[0], nil
		}
		return l[len(l)-1], nil
	case "reverse":
		switch x := a.(type) {
		case string:
			rs := []rune(x)
			for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
				rs[i], rs[j] = rs[j], rs[i]
			}
			return string(rs), nil
		case value.List:
			out := make(value.List, len(x))
			for i, e := range x {
				out[len(x)-1-i] = e
			}
			return out, nil
		}
		return nil, typeErr("reverse() expects a string or list, got %s", typeName(a))
	case "tostring", "tostringornull":
		return toStringFn(a, name == "tostring")
	case "tointeger", "tointegerornull":
		return toIntegerFn(a, name == "tointeger")
	case "tofloat", "tofloatornull":
		return toFloatFn(a, name == "tofloat")
	case "toboolean", "tobooleanornull":
		return toBooleanFn(a, name == "toboolean")
	case "toupper", "tolower", "trim", "ltrim", "rtrim":
		s, ok := a.(string)
		if !ok {
			return nil, typeErr("%s() expects a string, got %s", name, typeName(a))
		}
		switch name {
		case "toupper":
			return strings.ToUpper(s), nil
		case "tolower":
			return strings.ToLower(s), nil
		case "trim":
			return strings.TrimSpace(s), nil
		case "ltrim":
			return strings.TrimLeftFunc(s, unicode.IsSpace), nil
		}
		return strings.TrimRightFunc(s, unicode.IsSpace), nil
	}
	return mathFn(name, a)
}

func mathFn(name string, a value.Value) (value.Value, error) {
	if !isNumber(a) {
		return nil, typeErr("%s() expects a number, got %s", name, typeName(a))
	}
	if i, ok := a.(int64); ok {
		switch name {
		case "abs":
			if i < 0 {
				return -i, nil
			}
			return i, nil
		case "sign":
			return int64(cmpInt(i, 0)), nil
		}
	}
	f := toFloat(a)
	fns := map[string]func(float64) float64{
		"abs": math.Abs, "ceil": math.Ceil, "floor": math.Floor, "sqrt": math.Sqrt,
		"exp": math.Exp, "log": math.Log, "log10": math.Log10, "sin": math.Sin, "cos": math.Cos, "tan": math.Tan,
		"round": func(x float64) float64 { return math.Floor(x + 0.5) },
	}
	if name == "sign" {
		return int64(cmpFloat(f, 0)), nil
	}
	fn, ok := fns[name]
	if !ok {
		return nil, runtimeErr(CodeSyntaxError, "UnknownFunction", "unknown function %s", name)
	}
	return fn(f), nil
}

func rangeFn(args []value.Value) (value.Value, error) {
	for _, a := range args {
		if _, ok := a.(int64); !ok {
			return nil, runtimeErr(CodeArgumentError, "InvalidArgumentType", "range() expects integers, got %s", typeName(a))
		}
	}
	from, to, step := args[0].(int64), args[1].(int64), int64(1)
	if len(args) == 3 {
		step = args[2].(int64)
	}
	if step == 0 {
		return nil, runtimeErr(CodeArgumentError, "NumberOutOfRange", "range() step must not be zero")
	}
	out := value.List{}
	for i := from; (step > 0 && i <= to) || (step < 0 && i >= to); i += step {
		out = append(out, i)
		if len(out) > 10_000_000 {
			return nil, runtimeErr(CodeArgumentError, "NumberOutOfRange", "range() too large")
		}
	}
	return out, nil
}

func stringFn2(name string, args []value.Value) (value.Value, error) {
	if args[0] == nil {
		return nil, nil
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, typeErr("%s() expects a string, got %s", name, typeName(args[0]))
	}
	switch name {
	case "replace", "split":
		for _, a := range args[1:] {
			if a == nil {
				return nil, nil
			}
			if _, ok := a.(string); !ok {
				return nil, typeErr("%s() expects strings, got %s", name, typeName(a))
			}
		}
		if name == "replace" {
			return strings.ReplaceAll(s, args[1].(string), args[2].(string)), nil
		}
		out := value.List{}
		for _, p := range strings.Split(s, args[1].(string)) {
			out = append(out, p)
		}
		return out, nil
	}
	rs := []rune(s)
	var nums []int64
	for _, a := range args[1:] {
		if a == nil {
			return nil, runtimeErr(CodeArgumentError, "InvalidArgumentValue", "%s() length must not be null", name)
		}
		n, ok := a.(int64)
		if !ok {
			return nil, typeErr("%s() expects an integer, got %s", name, typeName(a))
		}
		if n < 0 {
			return nil, runtimeErr(CodeArgumentError, "NegativeIntegerArgument", "%s() expects a non-negative integer", name)
		}
		nums = append(nums, n)
	}
	n := int64(len(rs))
	switch name {
	case "left":
		return string(rs[:min(nums[0], n)]), nil
	case "right":
		return string(rs[n-min(nums[0], n):]), nil
	}
	start := min(nums[0], n)
	end := n
	if len(nums) == 2 {
		end = min(start+nums[1], n)
	}
	return string(rs[start:end]), nil
}

func toStringFn(a value.Value, strict bool) (value.Value, error) {
	switch x := a.(type) {
	case string:
		return x, nil
	case int64, float64:
		return numString(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	if strict {
		return nil, runtimeErr(CodeTypeError, "InvalidArgumentValue", "toString() cannot convert %s", typeName(a))
	}
	return nil, nil
}

func toIntegerFn(a value.Value, strict bool) (value.Value, error) {
	switch x := a.(type) {
	case int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || x >= 9.223372036854775807e18 || x < -9.223372036854775808e18 {
			return nil, nil
		}
		return int64(x), nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case string:
		s := strings.TrimSpace(x)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return toIntegerFn(f, strict)
		}
		return nil, nil
	}
	if strict {
		return nil, runtimeErr(CodeTypeError, "InvalidArgumentValue", "toInteger() cannot convert %s", typeName(a))
	}
	return nil, nil
}

func toFloatFn(a value.Value, strict bool) (value.Value, error) {
	switch x := a.(type) {
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
		return nil, nil
	}
	if strict {
		return nil, runtimeErr(CodeTypeError, "InvalidArgumentValue", "toFloat() cannot convert %s", typeName(a))
	}
	return nil, nil
}

func toBooleanFn(a value.Value, strict bool) (value.Value, error) {
	switch x := a.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, nil
	case int64:
		return x != 0, nil
	}
	if strict {
		return nil, runtimeErr(CodeTypeError, "InvalidArgumentValue", "toBoolean() cannot convert %s", typeName(a))
	}
	return nil, nil
}

func (c *execCtx) graphFn(name string, a value.Value) (value.Value, error) {
	switch x := a.(type) {
	case nodeRef:
		switch name {
		case "id":
			return x.id, nil
		case "labels":
			if !c.tx.VertexExists(x.id) {
				return nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "node %d was deleted", x.id)
			}
			out := value.List{}
			for _, l := range c.tx.VertexLabels(x.id) {
				out = append(out, l)
			}
			return out, nil
		case "properties":
			return c.copyProps(x)
		case "keys":
			return c.keysOf(x)
		}
	case relRef:
		e, ok := c.tx.Edge(x.id)
		switch name {
		case "id":
			return x.id, nil
		case "type":
			if !ok {
				return nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "relationship %d was deleted", x.id)
			}
			return e.Type, nil
		case "properties":
			return c.copyProps(x)
		case "keys":
			return c.keysOf(x)
		case "startnode":
			return nodeRef{e.From}, nil
		case "endnode":
			return nodeRef{e.To}, nil
		}
	case pathRef:
		switch name {
		case "length":
			return int64(len(x.rels)), nil
		case "nodes":
			out := value.List{}
			for _, n := range x.nodes {
				out = append(out, nodeRef{n})
			}
			return out, nil
		case "relationships":
			out := value.List{}
			for _, n := range x.rels {
				out = append(out, relRef{n})
			}
			return out, nil
		}
	case value.Map:
		switch name {
		case "properties":
			return x, nil
		case "keys":
			return c.keysOf(x)
		}
	case value.List:
		if name == "length" {
			return int64(len(x)), nil
		}
	case string:
		if name == "length" {
			return int64(len([]rune(x))), nil
		}
	}
	if name == "exists" {
		return true, nil
	}
	return nil, runtimeErr(CodeTypeError, "InvalidArgumentValue", "%s() cannot take %s", name, typeName(a))
}

func (c *execCtx) copyProps(v value.Value) (value.Value, error) {
	p, err := c.propsOf(v)
	if err != nil {
		return nil, err
	}
	out := value.Map{}
	for k, e := range p {
		out[k] = e
	}
	return out, nil
}

func (c *execCtx) keysOf(v value.Value) (value.Value, error) {
	p, err := c.propsOf(v)
	if err != nil {
		return nil, err
	}
	out := value.List{}
	for _, k := range sortedKeys(p) {
		out = append(out, k)
	}
	return out, nil
}
