package functions

import (
	"sort"
	"unicode/utf8"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

func scalarFuncs() []*Func {
	return []*Func{
		{Name: "coalesce", MinArgs: 1, MaxArgs: -1, Call: coalesce},
		fn1("head", func(v value.Value) (value.Value, error) { return listEnd("head", v, true) }),
		fn1("last", func(v value.Value) (value.Value, error) { return listEnd("last", v, false) }),
		fn1("size", size),
		fn1("length", length),
		fn1("isEmpty", isEmpty),
		fn1("type", relType),
		fn1("id", entityID),
		fn1("labels", labels),
		fn1("keys", keys),
		fn1("properties", properties),
		fn("startNode", 1, func(env Env, a []value.Value) (value.Value, error) { return endpoint(env, "startNode", a[0], true) }),
		fn("endNode", 1, func(env Env, a []value.Value) (value.Value, error) { return endpoint(env, "endNode", a[0], false) }),
	}
}

func coalesce(_ Env, args []value.Value) (value.Value, error) {
	for _, a := range args {
		if a != nil {
			return a, nil
		}
	}
	return nil, nil
}

func listEnd(name string, v value.Value, first bool) (value.Value, error) {
	l, ok := v.(value.List)
	if !ok {
		return nil, badArg(name, v)
	}
	if len(l) == 0 {
		return nil, nil
	}
	if first {
		return l[0], nil
	}
	return l[len(l)-1], nil
}

func size(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case value.List:
		return int64(len(x)), nil
	case string:
		return int64(utf8.RuneCountInString(x)), nil
	case value.Map:
		return int64(len(x)), nil
	}
	return nil, badArg("size", v)
}

func length(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case value.Path:
		return int64(len(x.Rels)), nil
	case string:
		return int64(utf8.RuneCountInString(x)), nil
	case value.List:
		return int64(len(x)), nil
	}
	return nil, badArg("length", v)
}

func isEmpty(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case value.List:
		return len(x) == 0, nil
	case string:
		return len(x) == 0, nil
	case value.Map:
		return len(x) == 0, nil
	}
	return nil, badArg("isEmpty", v)
}

func relType(v value.Value) (value.Value, error) {
	if r, ok := v.(value.Relationship); ok {
		return r.Type, nil
	}
	return nil, badArg("type", v)
}

func entityID(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case value.Node:
		return x.ID, nil
	case value.Relationship:
		return x.ID, nil
	}
	return nil, badArg("id", v)
}

func labels(v value.Value) (value.Value, error) {
	n, ok := v.(value.Node)
	if !ok {
		return nil, badArg("labels", v)
	}
	out := make(value.List, len(n.Labels))
	for i, l := range n.Labels {
		out[i] = l
	}
	return out, nil
}

// propsOf returns the property map of a node, relationship or map.
func propsOf(name string, v value.Value) (value.Map, error) {
	switch x := v.(type) {
	case value.Node:
		return x.Props, nil
	case value.Relationship:
		return x.Props, nil
	case value.Map:
		return x, nil
	}
	return nil, badArg(name, v)
}

// keys returns the keys of an entity or map in ascending order. Entities
// list only keys whose value is not null (a stored property is never null).
func keys(v value.Value) (value.Value, error) {
	m, err := propsOf("keys", v)
	if err != nil {
		return nil, err
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	out := make(value.List, len(ks))
	for i, k := range ks {
		out[i] = k
	}
	return out, nil
}

func properties(v value.Value) (value.Value, error) {
	m, err := propsOf("properties", v)
	if err != nil {
		return nil, err
	}
	out := make(value.Map, len(m))
	for k, x := range m {
		out[k] = x
	}
	return out, nil
}

func endpoint(env Env, name string, v value.Value, start bool) (value.Value, error) {
	if v == nil {
		return nil, nil
	}
	r, ok := v.(value.Relationship)
	if !ok {
		return nil, badArg(name, v)
	}
	id := r.EndID
	if start {
		id = r.StartID
	}
	n, ok := env.Node(id)
	if !ok {
		return nil, cyerr.Runtime(cyerr.CodeEntityNotFound, "DeletedEntityAccess", "%s(): node %d no longer exists", name, id)
	}
	return n, nil
}
