package cypher

import (
	"math"
	"sort"
	"strings"
)

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
					if keyRepeated(m.Keys, i) {
						continue // the key's last value is the one matched
					}
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
// nothing 0. It is the planner's measure when the transaction keeps no
// statistics.
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

// Selectivities the estimator assumes where statistics say nothing: a
// property equality no index answers, a range, and the length of an IN
// list that is not a literal.
const (
	eqSelectivity    = 0.1
	rangeSelectivity = 0.3
	inListGuess      = 10
)

// estimator estimates how many vertices a scan yields, from the label and
// index statistics of the transaction (StatsTx) when it keeps them, else
// from startScore's fixed ranking. The planner asks it when it runs a
// plan, not when it compiles one: a cached plan picks its join order and
// access paths afresh, from the statistics of the moment, at every
// execution. The choice never changes a result, only how fast it comes.
type estimator struct {
	st  StatsTx // nil: fixed scores
	lay *layout // the plan's slots, for the operators built with this estimator
	// consulted is set once an estimate read the statistics: operators
	// built before it was set depend on the plan alone.
	consulted bool
}

// slot returns the slot of variable name in the plan being built.
func (e *estimator) slot(name string) int { return e.lay.slot(name) }

// stats reports whether estimates come from statistics.
func (e *estimator) stats() bool { return e != nil && e.st != nil }

// nodeRows estimates the vertices a scan of n yields for one input row,
// given the hints usable there. Without statistics it maps startScore to
// powers of ten, so that the order it implies is startScore's.
func (e *estimator) nodeRows(n *NodePattern, hs []propHint) float64 {
	if !e.stats() {
		return math.Pow(10, float64(5-startScore(n, hs)))
	}
	e.consulted = true
	rows := float64(e.st.VertexCount())
	for _, l := range n.Labels {
		rows = min(rows, float64(e.st.LabelCount(l)))
	}
	best := rows
	for _, h := range hs {
		best = min(best, e.hintRows(n, h, rows))
	}
	return best
}

// hintRows estimates the vertices left of rows (the scan's label or all
// vertices) by hint h alone: an id seek finds one, an indexed equality
// entries ÷ distinct values (per element of an IN list), anything else
// keeps a fixed share.
func (e *estimator) hintRows(n *NodePattern, h propHint, rows float64) float64 {
	switch h.op {
	case "id":
		return 1
	case "=", "in":
		per := rows * eqSelectivity
		if len(n.Labels) > 0 {
			e.consulted = true
			if entries, distinct, ok := e.st.IndexStats(n.Labels[0], h.key); ok {
				per = float64(entries) / float64(max(distinct, 1))
			}
		}
		if h.op == "in" {
			per *= float64(listLen(h.val))
		}
		return min(per, rows)
	}
	return rows * rangeSelectivity
}

// indexed reports whether an index on n's first label answers hint h (an
// equality, IN or range seek), as of the statistics.
func (e *estimator) indexed(n *NodePattern, h propHint) bool {
	if h.op == "id" {
		return true
	}
	if len(n.Labels) == 0 {
		return false
	}
	e.consulted = true
	_, _, ok := e.st.IndexStats(n.Labels[0], h.key)
	return ok
}

// scanLabel returns the label a plain scan of n walks: with statistics
// and several labels, the one fewest vertices carry (the scan checks the
// others on each vertex); else "", the first.
func (e *estimator) scanLabel(n *NodePattern) string {
	if !e.stats() || len(n.Labels) < 2 {
		return ""
	}
	e.consulted = true
	best, rows := n.Labels[0], e.st.LabelCount(n.Labels[0])
	for _, l := range n.Labels[1:] {
		if c := e.st.LabelCount(l); c < rows {
			best, rows = l, c
		}
	}
	return best
}

// listLen is the length of a literal list, else a guess.
func listLen(x Expr) int {
	if l, ok := x.(*ListLit); ok {
		return len(l.Items)
	}
	return inListGuess
}

// seekOrder returns the hints a scan of n tries, most selective first:
// with statistics, the indexed hints by estimated rows and then the
// others (the scan tries equalities, then IN lists, then ranges, each in
// this order); without, hs as it is.
func (e *estimator) seekOrder(n *NodePattern, hs []propHint) []propHint {
	if !e.stats() || len(hs) < 2 {
		return hs
	}
	e.consulted = true
	rows := float64(e.st.VertexCount())
	type ranked struct {
		h    propHint
		rows float64
	}
	rs := make([]ranked, len(hs))
	for i, h := range hs {
		r := math.Inf(1)
		if e.indexed(n, h) {
			r = e.hintRows(n, h, rows)
		}
		rs[i] = ranked{h, r}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].rows < rs[j].rows })
	out := make([]propHint, len(rs))
	for i, r := range rs {
		out[i] = r.h
	}
	return out
}

// pathOrder returns the order in which planMatch plans a MATCH's patterns:
// repeatedly the first remaining pattern that touches a bound variable,
// else the one whose best start yields the fewest rows, so that the cheap
// side of a join drives and the other side seeks from its values.
func pathOrder(m *matchSpec, bound map[string]bool, est *estimator) []int {
	if len(m.patterns) == 1 {
		return []int{0}
	}
	local := map[string]bool{}
	for k := range bound {
		local[k] = true
	}
	done := make([]bool, len(m.patterns))
	order := make([]int, 0, len(m.patterns))
	for range m.patterns {
		best, bestRows := -1, math.Inf(1)
		for i, pp := range m.patterns {
			if done[i] {
				continue
			}
			if touchesBound(pp, local) {
				best = i
				break
			}
			if r := pathRows(pp, m.hints, local, est); best < 0 || r < bestRows {
				best, bestRows = i, r
			}
		}
		done[best] = true
		order = append(order, best)
		bindPattern(m.patterns[best], local)
	}
	return order
}

// touchesBound reports whether a pattern binds a variable already bound:
// it is then matched from there, with no scan.
func touchesBound(pp *PathPattern, bound map[string]bool) bool {
	for _, n := range pp.Nodes {
		if bound[n.Var] {
			return true
		}
	}
	for _, r := range pp.Rels {
		if bound[r.Var] {
			return true
		}
	}
	return false
}

// pathRows estimates the rows of a pattern's best start.
func pathRows(pp *PathPattern, hints map[string][]propHint, bound map[string]bool, est *estimator) float64 {
	best := math.Inf(1)
	for _, n := range pp.Nodes {
		best = min(best, est.nodeRows(n, usableHints(hints[n.Var], bound)))
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
