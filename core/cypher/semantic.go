package cypher

import (
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/core/cypher/functions"
)

// checkExpr raises compile-time errors for undefined variables, unknown
// functions, wrong argument counts and misplaced aggregates. aggOK says
// whether aggregate calls may appear (projection items only).
func (c *compiler) checkExpr(e Expr, sc scope, aggOK bool) {
	switch x := e.(type) {
	case nil:
		return
	case *Var:
		if _, ok := sc[x.Name]; !ok {
			panic(syntaxErr(x.P, "UndefinedVariable", "variable `%s` not defined", x.Name))
		}
		x.slot = c.lay.add(x.Name) + 1
		return
	case *FuncCall:
		c.checkCall(x, sc, aggOK)
		return
	case *ListComp:
		c.checkExpr(x.List, sc, aggOK)
		inner := sc.clone()
		c.bind(inner, x.Var, elemKind(x.List))
		x.slot = c.lay.add(x.Var) + 1
		c.checkWhere(x.Where, inner)
		c.checkExpr(x.Proj, inner, false)
		return
	case *Quantifier:
		c.checkExpr(x.List, sc, aggOK)
		inner := sc.clone()
		c.bind(inner, x.Var, elemKind(x.List))
		x.slot = c.lay.add(x.Var) + 1
		c.checkWhere(x.Where, inner)
		return
	case *Reduce:
		c.checkExpr(x.Init, sc, aggOK)
		c.checkExpr(x.List, sc, aggOK)
		inner := sc.clone()
		c.bind(inner, x.Acc, kAny)
		c.bind(inner, x.Var, kAny)
		x.accSlot, x.slot = c.lay.add(x.Acc)+1, c.lay.add(x.Var)+1
		c.checkExpr(x.Expr, inner, false)
		return
	case *MapProjection:
		if _, ok := sc[x.Var]; !ok {
			panic(syntaxErr(x.P, "UndefinedVariable", "variable `%s` not defined", x.Var))
		}
		x.slot = c.lay.add(x.Var) + 1
		for _, it := range x.Items {
			c.checkExpr(it.Val, sc, aggOK)
		}
		return
	case *PatternExpr:
		panic(syntaxErr(x.P, "UnexpectedSyntax", "a pattern expression may only be used as a predicate (in WHERE or exists())"))
	case *PatternComp:
		inner := sc.clone()
		c.checkPatternExpr(x.Pattern, inner, false)
		c.checkWhere(x.Where, inner)
		c.checkExpr(x.Proj, inner, false)
		return
	case *ExistsSubquery:
		inner := sc.clone()
		if x.Query != nil {
			c.subqueryExpr(x, sc)
			return
		}
		for _, pp := range x.Patterns {
			c.checkPatternExpr(pp, inner, false)
		}
		c.checkWhere(x.Where, inner)
		return
	case *Binary:
		c.checkBinaryTypes(x, sc)
		if lit, ok := x.R.(*Literal); ok && x.op == opRegex {
			if s, ok := lit.Val.(string); ok {
				x.re, _ = compileRegexp(s)
			}
		}
		if x.Op == "IN" {
			switch stype(x.R, sc) {
			case "Integer", "Float", "Boolean", "String", "Map":
				panic(syntaxErr(x.R.exprPos(), "InvalidArgumentType", "type mismatch: IN expects a list"))
			}
		}
		if x.Op == "AND" || x.Op == "OR" || x.Op == "XOR" {
			c.checkPredicate(x.L, sc)
			c.checkPredicate(x.R, sc)
			return
		}
	case *PropAccess:
		switch stype(x.X, sc) {
		case "Integer", "Float", "Boolean", "String", "List":
			panic(&Error{Code: CodeTypeError, Detail: "InvalidArgumentType", Phase: PhaseCompile, Line: x.P.Line, Column: x.P.Col, Msg: "type mismatch: property access on a " + stype(x.X, sc)})
		case "Path":
			panic(syntaxErr(x.P, "InvalidArgumentType", "type mismatch: a path has no properties"))
		}
	case *Unary:
		if x.Op == "NOT" {
			checkBoolOperand(x.X)
			c.checkPredicate(x.X, sc)
			return
		}
	case *HasLabels:
		if v, ok := x.X.(*Var); ok && sc[v.Name] == kPath {
			panic(syntaxErr(x.P, "InvalidArgumentType", "type mismatch: expected a node for a label predicate"))
		}
	}
	for _, ch := range children(e) {
		c.checkExpr(ch, sc, aggOK)
	}
}

// checkBinaryTypes catches obviously mistyped operands known at compile
// time (graph entities in arithmetic).
func (c *compiler) checkBinaryTypes(x *Binary, sc scope) {
	switch x.Op {
	case "AND", "OR", "XOR":
		checkBoolOperand(x.L)
		checkBoolOperand(x.R)
	case "+", "-", "*", "/", "%", "^":
		if x.Op == "+" && (stype(x.L, sc) == "List" || stype(x.R, sc) == "List") {
			return
		}
		for _, side := range []Expr{x.L, x.R} {
			t := stype(side, sc)
			bad := t == "Node" || t == "Relationship" || t == "Path" || t == "Boolean" || t == "Map"
			if x.Op != "+" && (t == "String" || t == "List") {
				bad = true
			}
			if bad {
				panic(syntaxErr(x.P, "InvalidArgumentType", "type mismatch: cannot apply %s to a %s", x.Op, t))
			}
		}
	}
}

// checkPatternExpr checks a pattern used inside an expression. In a plain
// pattern expression every named variable must already be bound.
func (c *compiler) checkPatternExpr(pp *PathPattern, sc scope, mustBeBound bool) {
	if mustBeBound {
		for _, n := range pp.Nodes {
			if _, ok := sc[n.Var]; n.Var != "" && !ok {
				panic(syntaxErr(n.P, "UndefinedVariable", "variable `%s` not defined", n.Var))
			}
		}
		for _, r := range pp.Rels {
			if _, ok := sc[r.Var]; r.Var != "" && !ok {
				panic(syntaxErr(r.P, "UndefinedVariable", "variable `%s` not defined", r.Var))
			}
		}
	}
	inner := sc.clone()
	c.nameAndCheckPattern(pp, inner, false, nil)
	for k, v := range inner {
		if _, ok := sc[k]; !ok && !mustBeBound {
			sc[k] = v
		}
	}
}

func (c *compiler) checkCall(x *FuncCall, sc scope, aggOK bool) {
	name := strings.ToLower(x.Name)
	x.lower = name
	x.graph = graphFuncs[name]
	if !x.graph {
		x.fn, _ = functions.Lookup(name)
	}
	if isAggregate(x) {
		if !aggOK {
			panic(syntaxErr(x.P, "InvalidAggregation", "aggregate function %s is not allowed here", x.Name))
		}
		for _, a := range x.Args {
			if containsAggregate(a) {
				panic(syntaxErr(a.exprPos(), "NestedAggregation", "aggregate functions cannot be nested"))
			}
			if containsCall(a, "rand") {
				panic(syntaxErr(a.exprPos(), "NonConstantExpression", "a non-deterministic function cannot be aggregated"))
			}
			c.checkExpr(a, sc, false)
		}
		want := 1
		if strings.HasPrefix(name, "percentile") {
			want = 2
		}
		if !x.Star && len(x.Args) != want {
			panic(syntaxErr(x.P, "InvalidNumberOfArguments", "%s() takes %d argument(s)", x.Name, want))
		}
		return
	}
	lo, hi, ok := lookupFunc(name)
	if !ok {
		panic(syntaxErr(x.P, "UnknownFunction", "unknown function '%s'", x.Name))
	}
	if len(x.Args) < lo || (hi >= 0 && len(x.Args) > hi) {
		panic(syntaxErr(x.P, "InvalidNumberOfArguments", "wrong number of arguments for %s()", x.Name))
	}
	for _, a := range x.Args {
		c.checkExpr(a, sc, aggOK)
	}
	if name == "exists" {
		if _, ok := x.Args[0].(*PropAccess); !ok {
			panic(syntaxErr(x.P, "InvalidArgumentType", "exists() expects a property or a pattern"))
		}
	}
	if len(x.Args) == 1 {
		t := stype(x.Args[0], sc)
		bad := map[string][]string{
			"properties": {"Integer", "Float", "Boolean", "String", "List", "Path"},
			"labels":     {"Path", "Relationship", "Integer", "Float", "Boolean", "String", "List", "Map"},
			"type":       {"Node", "Path"},
			"length":     {"Node", "Relationship"},
			"size":       {"Path", "Node", "Relationship"},
		}
		for _, b := range bad[name] {
			if t == b {
				panic(syntaxErr(x.Args[0].exprPos(), "InvalidArgumentType", "type mismatch: %s() cannot take a %s", x.Name, t))
			}
		}
	}
}

// projection compiles WITH/RETURN: it returns the stages, the new scope and
// the output columns.
func (c *compiler) projection(pr Projection, sc scope, where Expr, pos Pos, isReturn bool) ([]stage, scope, []string) {
	items := pr.Items
	if pr.Star {
		names := sc.names()
		if len(names) == 0 && len(items) == 0 && isReturn {
			panic(syntaxErr(pos, "NoVariablesInScope", "RETURN * is not allowed when there are no variables in scope"))
		}
		var star []ReturnItem
		for _, n := range names {
			star = append(star, ReturnItem{Expr: &Var{node: node{pos}, Name: n}, Name: n})
		}
		items = append(star, items...)
	}
	seen := map[string]bool{}
	var cols []string
	isAgg := false
	for _, it := range items {
		c.checkExpr(it.Expr, sc, true)
		if seen[it.Name] {
			panic(syntaxErr(it.Expr.exprPos(), "ColumnNameConflict", "multiple result columns with the same name `%s`", it.Name))
		}
		seen[it.Name] = true
		cols = append(cols, it.Name)
		if containsAggregate(it.Expr) {
			isAgg = true
		}
	}
	newSc := scope{}
	for _, it := range items {
		k := kAny
		if v, ok := it.Expr.(*Var); ok {
			k = sc[v.Name]
		} else if sk := staticKind(it.Expr); sk != "" && sk != "null" {
			k = kindOfType(sk)
		}
		c.bind(newSc, it.Name, k)
	}
	// Slots are numbered once and for good, so the operators' are known now.
	itemSlots, colSlots := c.lay.slots(itemNames(items)), c.lay.slots(cols)
	var stages []stage
	repl := map[string]string{}
	for _, it := range items {
		repl[exprString(it.Expr)] = it.Name
	}
	if isAgg {
		stages = append(stages, c.aggStage(items, itemSlots, sc))
	} else {
		keep := where != nil || (len(pr.Order) > 0 && !pr.Distinct)
		stages = append(stages, stage{desc: "Produce {" + strings.Join(cols, ", ") + "}", build: func(in op, est *estimator) op {
			return &projectOp{in: in, items: items, slots: itemSlots, keep: keep}
		}})
	}
	if pr.Distinct {
		stages = append(stages, stage{desc: "Distinct {" + strings.Join(cols, ", ") + "}", build: func(in op, est *estimator) op { return &distinctOp{in: in, cols: colSlots} }})
	}
	if len(pr.Order) > 0 {
		orderSc := newSc.clone()
		if !pr.Distinct && !isAgg {
			for k, v := range sc {
				if _, ok := orderSc[k]; !ok {
					orderSc[k] = v
				}
			}
		}
		keys := make([]SortItem, len(pr.Order))
		for i, s := range pr.Order {
			if isAgg && containsAggregate(s.Expr) {
				checkOrderAgg(s.Expr, items, newSc)
			}
			e := substitute(s.Expr, repl)
			if isAgg {
				if containsAggregate(e) {
					panic(syntaxErr(s.Expr.exprPos(), "InvalidAggregation", "aggregation in ORDER BY must also be projected"))
				}
			}
			c.checkExpr(e, orderSc, false)
			keys[i] = SortItem{Expr: e, Desc: s.Desc}
		}
		var ks []string
		for _, k := range keys {
			d := exprString(k.Expr)
			if k.Desc {
				d += " DESC"
			}
			ks = append(ks, d)
		}
		stages = append(stages, stage{desc: "OrderBy {" + strings.Join(ks, ", ") + "}", build: func(in op, est *estimator) op { return &sortOp{in: in, keys: keys} }})
	}
	if pr.Skip != nil || pr.Limit != nil {
		for _, e := range []Expr{pr.Skip, pr.Limit} {
			if e != nil {
				c.checkLimitExpr(e)
			}
		}
		skip, limit, drain := pr.Skip, pr.Limit, c.updates
		stages = append(stages, stage{desc: "SkipLimit", build: func(in op, est *estimator) op { return &skipLimitOp{in: in, skip: skip, limit: limit, drain: drain} }})
	}
	if where != nil {
		// As for ORDER BY: after DISTINCT or an aggregation a variable
		// declared before the projection has no one value per row, so the
		// predicate reads the projected items (a.x for a.x AS y reads y).
		whereSc := newSc.clone()
		if !pr.Distinct && !isAgg {
			for k, v := range sc {
				if _, ok := whereSc[k]; !ok {
					whereSc[k] = v
				}
			}
		} else if !containsAggregate(where) {
			where = substitute(where, repl)
		}
		c.checkPredicate(where, whereSc)
		c.noAggregate(where)
		stages = append(stages, stage{desc: "Filter(" + exprString(where) + ")", build: func(in op, est *estimator) op { return &filterOp{in: in, pred: where} }})
	}
	if !isReturn {
		for _, it := range items {
			if _, isVar := it.Expr.(*Var); !isVar && !it.Aliased {
				panic(syntaxErr(it.Expr.exprPos(), "NoExpressionAlias", "expression in WITH must be aliased (use AS)"))
			}
		}
	}
	stages = append(stages, stage{desc: "Project", build: func(in op, est *estimator) op { return &trimOp{in: in, cols: colSlots} }})
	return stages, newSc, cols
}

func (c *compiler) checkLimitExpr(e Expr) {
	if !isConstant(e) {
		panic(syntaxErr(e.exprPos(), "NonConstantExpression", "SKIP and LIMIT must be constant expressions"))
	}
	c.checkExpr(e, scope{}, false)
	if l, ok := e.(*Literal); ok {
		switch v := l.Val.(type) {
		case int64:
			if v < 0 {
				panic(syntaxErr(e.exprPos(), "NegativeIntegerArgument", "SKIP and LIMIT must not be negative"))
			}
		default:
			panic(syntaxErr(e.exprPos(), "InvalidArgumentType", "SKIP and LIMIT must be integers"))
		}
	}
	if u, ok := e.(*Unary); ok && u.Op == "-" {
		panic(syntaxErr(e.exprPos(), "NegativeIntegerArgument", "SKIP and LIMIT must not be negative"))
	}
}

func (c *compiler) aggStage(items []ReturnItem, itemSlots []int, sc scope) stage {
	var groups []int
	var aggs []*FuncCall
	groupTexts := map[string]bool{}
	groupVars := map[string]bool{}
	for i, it := range items {
		if containsAggregate(it.Expr) {
			collectAggregates(it.Expr, &aggs)
			continue
		}
		groups = append(groups, i)
		groupTexts[exprString(it.Expr)] = true
		if v, ok := it.Expr.(*Var); ok {
			groupVars[v.Name] = true
		}
	}
	keys := groupingKeys{texts: groupTexts, vars: groupVars, outer: sc}
	for _, it := range items {
		if containsAggregate(it.Expr) {
			keys.check(it.Expr, nil)
		}
	}
	for _, f := range aggs {
		f.aggSlot = c.lay.add(fmt.Sprintf(" agg%d", c.nagg)) + 1
		c.nagg++
	}
	var keyNames, aggNames []string
	for _, gi := range groups {
		keyNames = append(keyNames, items[gi].Name)
	}
	for _, f := range aggs {
		aggNames = append(aggNames, exprString(f))
	}
	return stage{desc: "Aggregate {" + strings.Join(aggNames, ", ") + "} {" + strings.Join(keyNames, ", ") + "}", build: func(in op, est *estimator) op {
		return &aggOp{in: in, items: items, slots: itemSlots, groups: groups, aggs: aggs}
	}}
}

// groupingKeys is what an aggregating projection item may read outside its
// aggregate calls, by Neo4j's rule: a grouping key that is a variable, or
// a property or map access projected on its own, and the variables the
// item itself introduces (a list comprehension's, a pattern's new ones).
// Anything else, even a projected more complex expression, is ambiguous.
type groupingKeys struct {
	texts map[string]bool // the grouping expressions' texts
	vars  map[string]bool // the grouping expressions that are variables
	outer scope           // the variables bound before the projection
}

// check panics on a sub-expression of e that is not constant within a
// group; locals are the variables e's enclosing expressions introduced.
func (k groupingKeys) check(e Expr, locals map[string]bool) {
	if _, isProp := e.(*PropAccess); isProp && k.texts[exprString(e)] {
		return
	}
	switch x := e.(type) {
	case *FuncCall:
		if isAggregate(x) {
			return
		}
	case *Var:
		k.checkVar(x.Name, x.P, locals)
		return
	case *ListComp:
		k.check(x.List, locals)
		inner := withLocals(locals, x.Var)
		k.checkAll(inner, x.Where, x.Proj)
		return
	case *Quantifier:
		k.check(x.List, locals)
		k.checkAll(withLocals(locals, x.Var), x.Where)
		return
	case *Reduce:
		k.checkAll(locals, x.Init, x.List)
		k.check(x.Expr, withLocals(locals, x.Acc, x.Var))
		return
	case *PatternComp:
		inner := k.checkPatterns([]*PathPattern{x.Pattern}, locals)
		k.checkAll(inner, x.Where, x.Proj)
		return
	case *ExistsSubquery:
		if x.Query == nil {
			inner := k.checkPatterns(x.Patterns, locals)
			k.checkAll(inner, x.Where)
		}
		return
	}
	for _, ch := range children(e) {
		k.check(ch, locals)
	}
}

func (k groupingKeys) checkAll(locals map[string]bool, es ...Expr) {
	for _, e := range es {
		if e != nil {
			k.check(e, locals)
		}
	}
}

func (k groupingKeys) checkVar(name string, p Pos, locals map[string]bool) {
	if !k.vars[name] && !locals[name] {
		panic(syntaxErr(p, "AmbiguousAggregationExpression", "expression mixes aggregation with a non-grouping variable `%s`", name))
	}
}

// checkPatterns checks the outer variables a pattern inside an aggregating
// item reuses and its property maps, and returns locals with the
// variables the pattern introduces added.
func (k groupingKeys) checkPatterns(pps []*PathPattern, locals map[string]bool) map[string]bool {
	var fresh []string
	use := func(name string, p Pos) {
		if name == "" || locals[name] {
			return
		}
		if _, bound := k.outer[name]; bound {
			k.checkVar(name, p, locals)
			return
		}
		fresh = append(fresh, name)
	}
	for _, pp := range pps {
		use(pp.Var, pp.P)
		for _, n := range pp.Nodes {
			use(n.Var, n.P)
		}
		for _, r := range pp.Rels {
			use(r.Var, r.P)
		}
	}
	inner := withLocals(locals, fresh...)
	for _, pp := range pps {
		for _, n := range pp.Nodes {
			k.checkAll(inner, n.Props)
		}
		for _, r := range pp.Rels {
			k.checkAll(inner, r.Props)
		}
	}
	return inner
}

// withLocals returns locals with names added, leaving locals as it was.
func withLocals(locals map[string]bool, names ...string) map[string]bool {
	out := make(map[string]bool, len(locals)+len(names))
	for n := range locals {
		out[n] = true
	}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// staticKind is the type of a literal expression known at compile time, or
// "" when unknown.
func staticKind(e Expr) string {
	switch x := e.(type) {
	case *Literal:
		if x.Val == nil {
			return "null"
		}
		return typeName(x.Val)
	case *ListLit, *ListComp:
		return "List"
	case *MapLit:
		return "Map"
	case *ExistsSubquery:
		if x.Count {
			return "Integer"
		}
	}
	return ""
}

func checkBoolOperand(e Expr) {
	if k := staticKind(e); k != "" && k != "null" && k != "Boolean" {
		panic(syntaxErr(e.exprPos(), "InvalidArgumentType", "type mismatch: expected Boolean but was %s", k))
	}
}

// checkOrderAgg checks an ORDER BY key holding an aggregate after an
// aggregating projection: outside the aggregate calls it may use only the
// projected columns, or projected grouping expressions that are a variable
// or a property; a more complex projected expression is ambiguous.
func checkOrderAgg(e Expr, items []ReturnItem, newSc scope) {
	text := exprString(e)
	for _, it := range items {
		if containsAggregate(it.Expr) || exprString(it.Expr) != text {
			continue
		}
		switch it.Expr.(type) {
		case *Var, *PropAccess:
			return
		}
		panic(syntaxErr(e.exprPos(), "AmbiguousAggregationExpression", "a complex projected expression cannot be combined with an aggregation in ORDER BY"))
	}
	switch x := e.(type) {
	case *FuncCall:
		if isAggregate(x) {
			for _, it := range items {
				if exprString(it.Expr) == text {
					return
				}
			}
			for _, a := range x.Args {
				checkVarsIn(a, newSc)
			}
			return
		}
	case *Var:
		if _, ok := newSc[x.Name]; !ok {
			panic(syntaxErr(x.P, "UndefinedVariable", "variable `%s` not defined", x.Name))
		}
		return
	}
	for _, ch := range children(e) {
		checkOrderAgg(ch, items, newSc)
	}
}

// stype is an expression's type when it is known at compile time ("" when
// not): literals, collection literals, and variables whose kind is known.
func stype(e Expr, sc scope) string {
	switch x := e.(type) {
	case *Var:
		switch sc[x.Name] {
		case kNode:
			return "Node"
		case kRel:
			return "Relationship"
		case kPath:
			return "Path"
		case kRelList:
			return "List"
		case kString:
			return "String"
		case kInteger:
			return "Integer"
		case kFloat:
			return "Float"
		case kBoolean:
			return "Boolean"
		case kList:
			return "List"
		case kMap:
			return "Map"
		}
		return ""
	}
	return staticKind(e)
}

// checkPredicate checks a WHERE-like predicate: pattern expressions are
// allowed at its top level (under AND, OR, XOR and NOT); a node,
// relationship or path used as a predicate is a type error.
func (c *compiler) checkPredicate(e Expr, sc scope) {
	switch x := e.(type) {
	case *PatternExpr:
		c.checkPatternExpr(x.Pattern, sc, true)
		return
	case *Var:
		if t := stype(x, sc); t == "Node" || t == "Relationship" || t == "Path" {
			panic(syntaxErr(x.P, "InvalidArgumentType", "type mismatch: expected Boolean but was %s", t))
		}
	case *ExistsSubquery:
		if x.Count {
			panic(syntaxErr(x.P, "InvalidArgumentType", "type mismatch: expected Boolean but was Integer (compare the COUNT { } with a number)"))
		}
	}
	c.checkExpr(e, sc, false)
}

// elemKind is the kind of a list literal's elements when they all share one
// static type.
func elemKind(e Expr) varKind {
	l, ok := e.(*ListLit)
	if !ok || len(l.Items) == 0 {
		return kAny
	}
	t := staticKind(l.Items[0])
	for _, it := range l.Items[1:] {
		if staticKind(it) != t {
			return kAny
		}
	}
	return kindOfType(t)
}

// checkWhere checks an optional predicate.
func (c *compiler) checkWhere(e Expr, sc scope) {
	if e != nil {
		c.checkPredicate(e, sc)
	}
}

// checkVarsIn raises UndefinedVariable for a variable of e outside sc.
func checkVarsIn(e Expr, sc scope) {
	if v, ok := e.(*Var); ok {
		if _, bound := sc[v.Name]; !bound {
			panic(syntaxErr(v.P, "UndefinedVariable", "variable `%s` not defined", v.Name))
		}
		return
	}
	for _, ch := range children(e) {
		checkVarsIn(ch, sc)
	}
}

func containsCall(e Expr, name string) bool {
	if f, ok := e.(*FuncCall); ok && strings.EqualFold(f.Name, name) {
		return true
	}
	for _, ch := range children(e) {
		if containsCall(ch, name) {
			return true
		}
	}
	return false
}
