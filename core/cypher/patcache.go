package cypher

// Pattern predicates and comprehensions ((a)-->(b) in WHERE, EXISTS { },
// [(a)-->(b) | b.x]) match their pattern once per row. Planning it per row
// built a matchSpec, a set of bound names and a chain of operators each
// time; an execution now keeps the chain it planned for a pattern and
// resets it for the next row that binds the same variables (which is every
// row, at one place in a query, but for OPTIONAL MATCH nulls and UNION
// parts), planning again only for a row that binds others.

// patternPlan is the operator chain an execution planned for one pattern
// expression.
type patternPlan struct {
	where Expr   // the predicate it was planned with
	bound []bool // bound[i]: the rows it serves bind slot i
	arg   *argOp // the chain's input, given each row
	root  op
	busy  bool // in use (a nested evaluation of the same pattern plans its own)
}

// patternOps returns the operators matching patterns (pp, when there is
// one, else keyed by the first of patterns) with predicate where over row
// r: the execution's kept chain for them, reset, when r binds what it was
// planned for. The caller hands the plan returned (nil for a chain not
// kept) to donePattern once it has finished with the operators.
func (c *execCtx) patternOps(pp *PathPattern, patterns []*PathPattern, where Expr, r row) (op, *patternPlan) {
	key := pp
	if key == nil {
		key = patterns[0]
	}
	if p, ok := c.patterns[key]; ok && !p.busy && p.where == where && sameBound(p.bound, r) && resetOps(c, p.root) {
		p.arg.r, p.arg.done, p.busy = r, false, true
		return p.root, p
	}
	if patterns == nil {
		patterns = []*PathPattern{pp}
	}
	arg := &argOp{r: r}
	root := planMatch(arg, &matchSpec{patterns: patterns, where: where}, c.lay.boundNames(r), c.est)
	if c.patterns == nil {
		c.patterns = map[*PathPattern]*patternPlan{}
	}
	if p, ok := c.patterns[key]; ok && p.busy {
		return root, nil // a nested use keeps its own chain
	}
	p := &patternPlan{where: where, bound: boundSlots(r), arg: arg, root: root, busy: true}
	c.patterns[key] = p
	return root, p
}

// donePattern marks a kept chain free for the next row.
func donePattern(p *patternPlan) {
	if p != nil {
		p.busy = false
	}
}

// boundSlots returns which slots r binds.
func boundSlots(r row) []bool {
	b := make([]bool, len(r))
	for i, v := range r {
		b[i] = !isUnbound(v)
	}
	return b
}

// sameBound reports whether r binds exactly the slots bound marks.
func sameBound(bound []bool, r row) bool {
	if len(bound) != len(r) {
		return false
	}
	for i, v := range r {
		if bound[i] == isUnbound(v) {
			return false
		}
	}
	return true
}

// resetOps readies a chain planMatch built for a new input row, giving
// back what its operators accounted to the guard; false when the chain
// holds an operator it does not know.
func resetOps(c *execCtx, o op) bool {
	for {
		switch x := o.(type) {
		case *argOp:
			return true
		case *filterOp:
			o = x.in
		case *scanOp:
			x.cur, x.ids, x.seeked, x.out, x.hasPend = nil, nil, nil, nil, false
			o = x.in
		case *expandOp:
			c.guard.Shrink(x.held)
			x.held, x.cur, x.edges, x.i = 0, nil, x.edges[:0], 0
			o = x.in
		case *varExpandOp:
			x.cur, x.stack, x.path = nil, x.stack[:0], x.path[:0]
			o = x.in
		case *pathAlgoOp:
			x.out = nil
			o = x.in
		case *flatMapOp:
			c.guard.Shrink(x.held)
			x.held, x.buf = 0, nil
			o = x.in
		default:
			return false
		}
	}
}
