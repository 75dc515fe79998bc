package cypher

import (
	"fmt"

	"github.com/quiverdb/quiver/core/value"
)

// Slot rows.
//
// A row is a slice of values with one slot per variable name of its plan
// (hidden names, starting with a space, included: anonymous pattern
// elements, aggregate results). The compiler numbers every name it
// declares in the plan's layout, so that one name has one slot in every
// part, subquery and nested scope of the statement; a row then holds what
// a map from names to values held, indexed by a number known at plan time
// instead of hashed per row. A slot whose variable the row does not bind
// holds the unbound marker, which is not a value: reading it through get
// gives null, and has tells it from a null binding.
//
// Expressions resolve their variables when the compiler checks them
// (Var.slot and the like hold slot+1, 0 when unresolved, which falls back
// to a lookup by name); operators resolve theirs when they are built.

// row is one binding of the plan's variables, indexed by layout slot.
type row []value.Value

// unboundT marks a slot whose variable the row does not bind.
type unboundT struct{}

// isUnbound reports whether v is the unbound marker.
func isUnbound(v value.Value) bool {
	_, ok := v.(unboundT)
	return ok
}

// get returns the value in slot i, null when the row does not bind it.
func (r row) get(i int) value.Value {
	v := r[i]
	if isUnbound(v) {
		return nil
	}
	return v
}

// lookup returns the value in slot i and whether the row binds it.
func (r row) lookup(i int) (value.Value, bool) {
	v := r[i]
	if isUnbound(v) {
		return nil, false
	}
	return v, true
}

// has reports whether the row binds slot i.
func (r row) has(i int) bool { return !isUnbound(r[i]) }

// clone returns a copy of r that can be changed without changing r.
func (r row) clone() row {
	n := make(row, len(r))
	copy(n, r)
	return n
}

// with returns a copy of r with slot i bound to v.
func (r row) with(i int, v value.Value) row {
	n := r.clone()
	n[i] = v
	return n
}

// bound counts the slots the row binds.
func (r row) bound() int {
	n := 0
	for _, v := range r {
		if !isUnbound(v) {
			n++
		}
	}
	return n
}

// layout numbers the variable names of one plan. The compiler adds names;
// once the plan is compiled the layout only answers.
type layout struct {
	names []string
	index map[string]int
	blank row // a row of the layout's width that binds nothing
}

func newLayout() *layout { return &layout{index: map[string]int{}} }

// add returns name's slot, numbering it the first time.
func (l *layout) add(name string) int {
	if i, ok := l.index[name]; ok {
		return i
	}
	i := len(l.names)
	l.names = append(l.names, name)
	l.index[name] = i
	return i
}

// seal fixes the layout's width once every name is added.
func (l *layout) seal() {
	l.blank = make(row, len(l.names))
	for i := range l.blank {
		l.blank[i] = unboundT{}
	}
}

// slot returns name's slot; a name the compiler never declared is an
// internal error.
func (l *layout) slot(name string) int {
	i, ok := l.index[name]
	if !ok {
		panic(fmt.Sprintf("cypher: variable %q has no slot in the plan", name))
	}
	return i
}

// slots returns the slots of names.
func (l *layout) slots(names []string) []int {
	return l.appendSlots(make([]int, 0, len(names)), names)
}

// appendSlots appends the slots of names to out.
func (l *layout) appendSlots(out []int, names []string) []int {
	for _, n := range names {
		out = append(out, l.slot(n))
	}
	return out
}

// newRow returns a row that binds nothing.
func (l *layout) newRow() row { return l.blank.clone() }

// boundNames returns the set of names r binds (for planning a pattern
// match at run time over the row's variables).
func (l *layout) boundNames(r row) map[string]bool {
	out := make(map[string]bool, len(r))
	for i, v := range r {
		if !isUnbound(v) {
			out[l.names[i]] = true
		}
	}
	return out
}

// namedRow is a row of a statement that has no plan of variables (SHOW,
// EXPLAIN, PROFILE): its values by column name.
type namedRow map[string]value.Value

// positional turns named rows into rows indexed by column position.
func positional(rows []namedRow, cols []string) []row {
	out := make([]row, len(rows))
	for i, nr := range rows {
		r := make(row, len(cols))
		for j, c := range cols {
			r[j] = nr[c]
		}
		out[i] = r
	}
	return out
}

// binOp is a binary operator, resolved when the query is parsed so that
// evaluation switches on a number, not on the operator's spelling.
type binOp uint8

const (
	opUnknown binOp = iota
	opAnd
	opOr
	opXor
	opEq
	opNe
	opLt
	opGt
	opLe
	opGe
	opIn
	opStarts
	opEnds
	opContains
	opRegex
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opPow
)

var binOps = map[string]binOp{
	"AND": opAnd, "OR": opOr, "XOR": opXor, "=": opEq, "<>": opNe, "<": opLt, ">": opGt,
	"<=": opLe, ">=": opGe, "IN": opIn, "STARTS": opStarts, "ENDS": opEnds, "CONTAINS": opContains,
	"=~": opRegex, "+": opAdd, "-": opSub, "*": opMul, "/": opDiv, "%": opMod, "^": opPow,
}

// binOpOf returns the operator spelled op (opUnknown for none).
func binOpOf(op string) binOp { return binOps[op] }

// newBinary returns the expression l op r with its operator resolved.
func newBinary(n node, op string, l, r Expr) *Binary {
	return &Binary{node: n, Op: op, L: l, R: r, op: binOpOf(op)}
}

// rowOf returns a new row that binds name to v only.
func (l *layout) rowOf(name string, v value.Value) row {
	r := l.newRow()
	r[l.slot(name)] = v
	return r
}

// itemNames returns the names of projection items.
func itemNames(items []ReturnItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

// pathSlots returns the slots buildPath reads for pattern pp: its first
// node's, then its relationships'.
func (l *layout) pathSlots(pp *PathPattern) []int {
	out := []int{l.slot(pp.Nodes[0].Var)}
	for _, rp := range pp.Rels {
		out = append(out, l.slot(rp.Var))
	}
	return out
}

// patternSlots are the slots of a pattern's elements, for CREATE and
// MERGE.
type patternSlots struct {
	nodes, rels []int
	path        int   // the named path's slot (-1: none)
	walk        []int // what buildPath reads (pathSlots)
}

// patternSlots returns the slots of pp's elements. An anonymous
// relationship that is never bound has none (-1).
func (l *layout) patternSlots(pp *PathPattern) *patternSlots {
	ps := &patternSlots{path: -1}
	for _, n := range pp.Nodes {
		ps.nodes = append(ps.nodes, l.slot(n.Var))
	}
	for _, r := range pp.Rels {
		s, ok := l.index[r.Var]
		if !ok {
			s = -1
		}
		ps.rels = append(ps.rels, s)
	}
	if pp.Var != "" {
		ps.path, ps.walk = l.slot(pp.Var), l.pathSlots(pp)
	}
	return ps
}
