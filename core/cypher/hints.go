package cypher

import "strings"

// propHint is a predicate on a node variable usable for an index seek: a
// property equality, range bound or IN list, or an id() equality. val may
// read variables bound before the scan runs (deps); the planner uses the
// hint only where all of them are.
type propHint struct {
	key  string
	val  Expr
	op   string   // "=", "<", "<=", ">", ">=", "in" (val is a list) or "id"
	deps []string // variables val reads
}

// flipOp turns "v.p OP x" into "x OP' v.p".
var flipOp = map[string]string{"=": "=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}

// collectHints finds the predicates usable for index seeks: inline
// property maps and WHERE conjuncts v.p = e, v.p < e, ..., v.p IN e and
// id(v) = e, where e does not read v itself. e may read other variables
// (parameters, UNWIND rows, nodes matched earlier): the scan evaluates it
// per input row.
func collectHints(pps []*PathPattern, where Expr) map[string][]propHint {
	h := map[string][]propHint{}
	add := func(v string, key string, val Expr, op string) {
		if deps, ok := hintDeps(val, v); ok {
			h[v] = append(h[v], propHint{key, val, op, deps})
		}
	}
	for _, pp := range pps {
		for _, np := range pp.Nodes {
			if m, ok := np.Props.(*MapLit); ok {
				for i, k := range m.Keys {
					add(np.Var, k, m.Vals[i], "=")
				}
			}
		}
	}
	var conj func(e Expr)
	conj = func(e Expr) {
		b, ok := e.(*Binary)
		if !ok {
			return
		}
		switch b.Op {
		case "AND":
			conj(b.L)
			conj(b.R)
			return
		case "IN":
			if pa, ok := b.L.(*PropAccess); ok {
				if v, ok := pa.X.(*Var); ok {
					add(v.Name, pa.Key, b.R, "in")
				}
			}
			return
		}
		if _, ok := flipOp[b.Op]; !ok {
			return
		}
		for i, side := range [][2]Expr{{b.L, b.R}, {b.R, b.L}} {
			if f, ok := side[0].(*FuncCall); ok && b.Op == "=" && strings.EqualFold(f.Name, "id") && len(f.Args) == 1 {
				if v, ok := f.Args[0].(*Var); ok {
					add(v.Name, "", side[1], "id")
				}
				continue
			}
			pa, ok := side[0].(*PropAccess)
			if !ok {
				continue
			}
			op := b.Op
			if i == 1 {
				op = flipOp[op]
			}
			if v, ok := pa.X.(*Var); ok {
				add(v.Name, pa.Key, side[1], op)
			}
		}
	}
	if where != nil {
		conj(where)
	}
	return h
}

// hintDeps returns the variables e reads, and false when e cannot serve as
// a seek value for self: it reads self, aggregates, or holds a nested scope
// (comprehensions, patterns, subqueries) whose variables are not the
// query's.
func hintDeps(e Expr, self string) ([]string, bool) {
	var deps []string
	ok := true
	var walk func(e Expr)
	walk = func(e Expr) {
		if !ok {
			return
		}
		switch x := e.(type) {
		case *Var:
			if x.Name == self {
				ok = false
				return
			}
			deps = append(deps, x.Name)
			return
		case *MapProjection:
			if x.Var == self {
				ok = false
				return
			}
			deps = append(deps, x.Var)
		case *PatternExpr, *PatternComp, *ExistsSubquery, *ListComp, *Quantifier, *Reduce:
			ok = false
			return
		case *FuncCall:
			if isAggregate(x) {
				ok = false
				return
			}
		}
		for _, ch := range children(e) {
			walk(ch)
		}
	}
	walk(e)
	return deps, ok
}

// usableHints returns the hints whose values can be computed once the
// variables in bound are: the seeks a scan placed there may use.
func usableHints(hs []propHint, bound map[string]bool) []propHint {
	all := true
	for _, h := range hs {
		if !depsBound(h.deps, bound) {
			all = false
			break
		}
	}
	if all {
		return hs
	}
	var out []propHint
	for _, h := range hs {
		if depsBound(h.deps, bound) {
			out = append(out, h)
		}
	}
	return out
}

func depsBound(deps []string, bound map[string]bool) bool {
	for _, d := range deps {
		if !bound[d] {
			return false
		}
	}
	return true
}

// startScore ranks a node pattern as the start of a path, given the hints
// usable there: id seek 4, property equality or IN 3, range 2, label 1,
// nothing 0.
func startScore(n *NodePattern, hs []propHint) int {
	score := 0
	if len(n.Labels) > 0 {
		score = 1
	}
	for _, h := range hs {
		s := 0
		switch h.op {
		case "id":
			s = 4
		case "=", "in":
			if len(n.Labels) > 0 {
				s = 3
			}
		default:
			if len(n.Labels) > 0 {
				s = 2
			}
		}
		score = max(score, s)
	}
	return score
}

// pathOrder returns the order in which planMatch plans a MATCH's patterns:
// repeatedly the first remaining pattern that touches a bound variable,
// else the one with the most selective start, so that the cheap side of a
// join drives and the other side seeks from its values.
func pathOrder(m *matchSpec, bound map[string]bool) []int {
	local := map[string]bool{}
	for k := range bound {
		local[k] = true
	}
	done := make([]bool, len(m.patterns))
	order := make([]int, 0, len(m.patterns))
	for range m.patterns {
		best, bestScore := -1, -1
		for i, pp := range m.patterns {
			if done[i] {
				continue
			}
			s := pathScore(pp, m.hints, local)
			if s > bestScore {
				best, bestScore = i, s
			}
		}
		done[best] = true
		order = append(order, best)
		bindPattern(m.patterns[best], local)
	}
	return order
}

// pathScore is the score of a pattern's best start; touching a bound
// variable beats any scan.
func pathScore(pp *PathPattern, hints map[string][]propHint, bound map[string]bool) int {
	best := 0
	for _, n := range pp.Nodes {
		if bound[n.Var] {
			return 5
		}
		best = max(best, startScore(n, usableHints(hints[n.Var], bound)))
	}
	for _, r := range pp.Rels {
		if bound[r.Var] {
			return 5
		}
	}
	return best
}

func bindPattern(pp *PathPattern, bound map[string]bool) {
	for _, n := range pp.Nodes {
		bound[n.Var] = true
	}
	for _, r := range pp.Rels {
		bound[r.Var] = true
	}
	if pp.Var != "" {
		bound[pp.Var] = true
	}
}
