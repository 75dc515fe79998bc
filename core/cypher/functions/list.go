package functions

import (
	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

// MaxRange is the longest list range() builds; a longer one is an
// ArgumentError rather than an out-of-memory crash.
const MaxRange = 10_000_000

func listFuncs() []*Func {
	return []*Func{
		{Name: "range", MinArgs: 2, MaxArgs: 3, Call: rangeFunc},
		fn1("reverse", reverse),
		fn1("tail", tail),
		fn1("nodes", pathNodes),
		fn1("relationships", pathRels),
	}
}

func rangeFunc(_ Env, args []value.Value) (value.Value, error) {
	ints := make([]int64, 3)
	ints[2] = 1
	for i, a := range args {
		x, ok := a.(int64)
		if !ok {
			return nil, cyerr.ArgumentError(cyerr.DetailInvalidArgumentType, "range() takes integers, not %s", typeName(a))
		}
		ints[i] = x
	}
	start, end, step := ints[0], ints[1], ints[2]
	if step == 0 {
		return nil, cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "range() step must not be 0")
	}
	n := rangeLen(start, end, step)
	if n > MaxRange {
		return nil, cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "range() of %d elements is longer than %d", n, MaxRange)
	}
	out := make(value.List, 0, n)
	for i := uint64(0); i < n; i++ {
		out = append(out, start+int64(i)*step)
	}
	return out, nil
}

// rangeLen counts the elements of range(start, end, step) without overflow.
func rangeLen(start, end, step int64) uint64 {
	if step > 0 {
		if start > end {
			return 0
		}
		return (uint64(end)-uint64(start))/uint64(step) + 1
	}
	if start < end {
		return 0
	}
	return (uint64(start)-uint64(end))/(uint64(-(step+1))+1) + 1
}

func reverse(v value.Value) (value.Value, error) {
	switch x := v.(type) {
	case value.List:
		out := make(value.List, len(x))
		for i, e := range x {
			out[len(x)-1-i] = e
		}
		return out, nil
	case string:
		r := []rune(x)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	}
	return nil, badArg("reverse", v)
}

func tail(v value.Value) (value.Value, error) {
	l, ok := v.(value.List)
	if !ok {
		return nil, badArg("tail", v)
	}
	if len(l) == 0 {
		return value.List{}, nil
	}
	return append(value.List{}, l[1:]...), nil
}

func pathNodes(v value.Value) (value.Value, error) {
	p, ok := v.(value.Path)
	if !ok {
		return nil, badArg("nodes", v)
	}
	out := make(value.List, len(p.Nodes))
	for i, n := range p.Nodes {
		out[i] = n
	}
	return out, nil
}

func pathRels(v value.Value) (value.Value, error) {
	p, ok := v.(value.Path)
	if !ok {
		return nil, badArg("relationships", v)
	}
	out := make(value.List, len(p.Rels))
	for i, r := range p.Rels {
		out[i] = r
	}
	return out, nil
}
