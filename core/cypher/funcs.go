package cypher

import (
	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/cypher/functions"
	"math"
	"strconv"
	"strings"
	"time"

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

func isAggregate(f *FuncCall) bool { return functions.IsAggregate(f.Name) }

// graphFuncs are the functions the engine evaluates itself, because they
// read the graph (entities are references inside the engine); every other
// scalar function comes from package functions.
var graphFuncs = map[string]bool{
	"id": true, "labels": true, "type": true, "properties": true, "keys": true,
	"nodes": true, "relationships": true, "startnode": true, "endnode": true,
	"length": true, "exists": true, "elementid": true,
}

// lookupFunc resolves a scalar function for the compiler: its arity bounds,
// or false when unknown.
func lookupFunc(name string) (minArgs, maxArgs int, ok bool) {
	if graphFuncs[strings.ToLower(name)] {
		return 1, 1, true
	}
	f, ok := functions.Lookup(name)
	if !ok {
		return 0, 0, false
	}
	return f.MinArgs, f.MaxArgs, true
}

// Node implements functions.Env.
func (c *execCtx) Node(id int64) (value.Node, bool) {
	if !c.tx.VertexExists(id) {
		return value.Node{}, false
	}
	return c.exportNode(id), true
}

// Rand implements functions.Env.
func (c *execCtx) Rand() float64 { return c.rand.Float64() }

func (c *execCtx) evalCall(f *FuncCall, r row) (value.Value, error) {
	name, graph := f.lower, f.graph
	if name == "" {
		name = strings.ToLower(f.Name) // an expression the checker never saw
		graph = graphFuncs[name]
	}
	// The arguments go on the execution's argument stack instead of a
	// slice per call: nested calls push theirs above and pop them before
	// this call's next argument goes on, and no function keeps its args.
	base := len(c.args)
	defer c.popArgs(base)
	for _, a := range f.Args {
		v, err := c.eval(a, r)
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, v)
	}
	args := c.args[base:]
	if graph {
		if len(args) != 1 {
			return nil, runtimeErr(CodeSyntaxError, "InvalidNumberOfArguments", "%s() takes one argument", f.Name)
		}
		if args[0] == nil {
			return nil, nil
		}
		return c.graphFn(name, args[0])
	}
	fn, ok := f.fn, f.fn != nil
	if !ok {
		fn, ok = functions.Lookup(f.Name)
	}
	if !ok {
		return nil, runtimeErr(CodeSyntaxError, "UnknownFunction", "unknown function '%s'", f.Name)
	}
	if err := fn.CheckArity(len(args)); err != nil {
		return nil, fromCyerr(err)
	}
	for i, a := range args {
		args[i] = c.export(a)
	}
	var env functions.Env = c
	if c.hasNow {
		env = clockEnv{c}
	}
	v, err := fn.Call(env, args)
	if err != nil {
		return nil, fromCyerr(err)
	}
	if l, ok := v.(value.List); ok && c.guard != nil {
		// A list a function builds (range, ...) counts while it lives.
		if err := c.guard.Check(valuesBytes(l)); err != nil {
			return nil, err
		}
	}
	return fromExternal(v), nil
}

// popArgs drops the arguments above base from the argument stack.
func (c *execCtx) popArgs(base int) {
	clear(c.args[base:])
	c.args = c.args[:base]
}

func (c *execCtx) graphFn(name string, a value.Value) (value.Value, error) {
	switch x := a.(type) {
	case nodeRef:
		switch name {
		case "id":
			return x.id, nil
		case "elementid":
			return ElementID(x.id), nil
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
		if !ok {
			e, ok = c.deleted[x.id]
		}
		switch name {
		case "id":
			return x.id, nil
		case "elementid":
			return ElementID(x.id), nil
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

// fromCyerr converts the function library's errors into engine errors.
func fromCyerr(err error) error {
	if err == nil {
		return nil // the common case, without errors.As's allocation
	}
	if ce, ok := cyerr.As(err); ok {
		return &Error{Code: ce.Code, Detail: ce.Detail, Phase: Phase(ce.Phase), Line: ce.Line, Column: ce.Column, Msg: ce.Msg}
	}
	return err
}

// clockEnv is the function environment of an execution that knows the time.
type clockEnv struct{ *execCtx }

// Now implements functions.Clock: the statement's time.
func (e clockEnv) Now() time.Time { return e.now }

// ElementID is the element id of a node or relationship: what elementId()
// returns and what Bolt 5 sends in a Node's or Relationship's element_id
// (the id in decimal).
func ElementID(id int64) string { return strconv.FormatInt(id, 10) }
