// Package functions is the Cypher function library: scalar, list, string,
// math and type-conversion functions over value.Value, and the aggregation
// functions as accumulators. Errors are *cyerr.Error values carrying the
// TCK's error type and detail.
package functions

import (
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

// Env is what a function may ask of the running query.
type Env interface {
	// Node returns the node with the given id (startNode, endNode).
	Node(id int64) (value.Node, bool)
	// Rand returns a pseudo-random float in [0, 1), from the host's seeded
	// source.
	Rand() float64
}

// Func is one scalar function.
type Func struct {
	// Name is the canonical spelling (toUpper, percentileCont, ...).
	Name string
	// MinArgs and MaxArgs bound the argument count; MaxArgs < 0 means any.
	MinArgs, MaxArgs int
	// Volatile functions (rand) may return a different value per call, so
	// they must not be folded into constants.
	Volatile bool
	// Call evaluates the function.
	Call func(env Env, args []value.Value) (value.Value, error)
}

// CheckArity returns a compile-time SyntaxError when n arguments do not fit f.
func (f *Func) CheckArity(n int) error {
	if n < f.MinArgs || (f.MaxArgs >= 0 && n > f.MaxArgs) {
		return &cyerr.Error{Code: cyerr.CodeSyntaxError, Detail: cyerr.DetailInvalidNumberOfArgs,
			Phase: cyerr.PhaseCompile, Msg: "wrong number of arguments to " + f.Name}
	}
	return nil
}

// all returns every scalar function, freshly built (registry holds the one
// shared, immutable copy).
func all() []*Func {
	var out []*Func
	for _, group := range [][]*Func{scalarFuncs(), convertFuncs(), listFuncs(), stringFuncs(), mathFuncs(), temporalFuncs(), truncateFuncs(), betweenFuncs()} {
		out = append(out, group...)
	}
	return out
}

// registry indexes every scalar function by its canonical and its
// lower-case name. It is built once and never written: Funcs are shared and
// immutable.
var registry = index(all())

func index(fs []*Func) map[string]*Func {
	m := make(map[string]*Func, 2*len(fs))
	for _, f := range fs {
		m[strings.ToLower(f.Name)] = f
	}
	for _, f := range fs {
		m[f.Name] = f
	}
	return m
}

// Lookup finds a scalar function by name, case-insensitively.
func Lookup(name string) (*Func, bool) {
	if f, ok := registry[name]; ok {
		return f, true
	}
	f, ok := registry[strings.ToLower(name)]
	return f, ok
}

// Names returns the canonical names of all scalar functions, sorted.
func Names() []string {
	var out []string
	for _, f := range all() {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

// Call looks a function up and calls it, checking the argument count. An
// unknown name is a compile-time SyntaxError (UnknownFunction).
func Call(env Env, name string, args []value.Value) (value.Value, error) {
	f, ok := Lookup(name)
	if !ok {
		return nil, &cyerr.Error{Code: cyerr.CodeSyntaxError, Detail: cyerr.DetailUnknownFunction,
			Phase: cyerr.PhaseCompile, Msg: "unknown function " + name}
	}
	if err := f.CheckArity(len(args)); err != nil {
		return nil, err
	}
	return f.Call(env, args)
}

// fn builds a Func with a fixed number of arguments.
func fn(name string, n int, call func(env Env, args []value.Value) (value.Value, error)) *Func {
	return &Func{Name: name, MinArgs: n, MaxArgs: n, Call: call}
}

// fn1 builds a one-argument function that maps null to null.
func fn1(name string, call func(v value.Value) (value.Value, error)) *Func {
	return fn(name, 1, func(_ Env, args []value.Value) (value.Value, error) {
		if args[0] == nil {
			return nil, nil
		}
		return call(args[0])
	})
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
	case []byte:
		return "ByteArray"
	case value.List:
		return "List"
	case value.Map:
		return "Map"
	case value.Node:
		return "Node"
	case value.Relationship:
		return "Relationship"
	case value.Path:
		return "Path"
	case value.Date:
		return "Date"
	case value.LocalTime:
		return "LocalTime"
	case value.Time:
		return "Time"
	case value.LocalDateTime:
		return "LocalDateTime"
	case value.DateTime:
		return "DateTime"
	case value.Duration:
		return "Duration"
	case value.Point:
		return "Point"
	}
	return "Unknown"
}

// badArg is the runtime TypeError for a function given a value of the wrong
// type (TCK: InvalidArgumentValue).
func badArg(name string, v value.Value) error {
	return cyerr.TypeError(cyerr.DetailInvalidArgumentValue, "%s() cannot take a %s argument", name, typeName(v))
}

// anyNull reports whether any argument is null.
func anyNull(args []value.Value) bool {
	for _, a := range args {
		if a == nil {
			return true
		}
	}
	return false
}
