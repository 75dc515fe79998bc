package cypher

import (
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

type varKind uint8

const (
	kAny varKind = iota
	kNode
	kRel
	kRelList
	kPath
	kValue // a value known not to be a graph entity
	kString
	kInteger
	kFloat
	kBoolean
	kList
	kMap
)

// kindOfType maps a static type name to a variable kind.
func kindOfType(t string) varKind {
	switch t {
	case "String":
		return kString
	case "Integer":
		return kInteger
	case "Float":
		return kFloat
	case "Boolean":
		return kBoolean
	case "List":
		return kList
	case "Map":
		return kMap
	case "", "null":
		return kAny
	}
	return kValue
}

// isValueKind reports whether k is a kind of non-entity value.
func isValueKind(k varKind) bool { return k >= kValue }

// scope is the set of variables visible at a point of a query.
type scope map[string]varKind

func (s scope) clone() scope {
	n := make(scope, len(s))
	for k, v := range s {
		n[k] = v
	}
	return n
}

func (s scope) names() []string {
	var ns []string
	for k := range s {
		if !strings.HasPrefix(k, " ") {
			ns = append(ns, k)
		}
	}
	sort.Strings(ns)
	return ns
}

// stage builds one operator over its input; a plan is a list of stages so
// that every execution gets fresh operator state. build gets the
// execution's estimator: a MATCH chooses its join order and seeks when it
// is built, from the statistics of the moment, so a cached plan never
// keeps a choice the data has outgrown. explain, when set, describes what
// build would choose (EXPLAIN and PROFILE show it); else desc does.
type stage struct {
	desc    string
	build   func(in op, est *estimator) op
	explain func(est *estimator) string
}

// describe returns the stage's line(s) for EXPLAIN under est.
func (s stage) describe(est *estimator) string {
	if s.explain != nil {
		return s.explain(est)
	}
	return s.desc
}

// plan is a compiled statement.
type plan struct {
	columns []string
	parts   [][]stage
	union   string  // "", "all" or "distinct"
	lay     *layout // the slots of every variable of the statement
	schema  *SchemaStmt
	admin   AdminStmt
	explain bool
	writes  bool
	profile bool
	stream  bool     // rows may be exported as produced (streamsRows)
	batched bool     // rows go out batch by batch (batchedRows)
	inTx    bool     // holds CALL { } IN TRANSACTIONS
	params  []*Param // every parameter the statement needs, checked before it runs
	// memLimit is the statement's QUERY MEMORY LIMIT in bytes; -1 for
	// QUERY MEMORY UNLIMITED, 0 when it set none.
	memLimit int64
}

type compiler struct {
	procs   map[string]Procedure
	anon    int
	nagg    int     // aggregate calls numbered so far
	lay     *layout // the plan's slots, numbered as names are declared
	updates bool    // an update clause came before the current one
	params  []*Param
	// pipe is the CREATE clause that runs as a pipeline (pipelinedCreate).
	pipe *CreateClause
	// nested counts the CALL { } and FOREACH bodies being compiled.
	nested int
	// prefixReadsGraph: the clauses before the current one in its query
	// part read the graph.
	prefixReadsGraph bool
	inTx             bool // a CALL { } IN TRANSACTIONS was compiled
}

// needParam records a parameter the statement needs, once per name.
func (c *compiler) needParam(x *Param) {
	for _, q := range c.params {
		if q.Name == x.Name {
			return
		}
	}
	c.params = append(c.params, x)
}

func compile(q *Query, procs map[string]Procedure) (pl *plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			pl, err = nil, ce
		}
	}()
	c := &compiler{lay: newLayout(), procs: procs}
	defer c.lay.seal()
	pl = &plan{lay: c.lay, schema: q.Schema, admin: q.Admin, explain: q.Explain, profile: q.Profile, memLimit: q.MemoryLimit}
	if q.Admin != nil {
		return pl, nil
	}
	for _, x := range q.Params {
		c.needParam(x)
	}
	defer func() { pl.params, pl.inTx = c.params, c.inTx }()
	if q.Schema != nil {
		pl.columns = schemaColumns(q.Schema)
		return pl, nil
	}
	c.pipe, pl.stream, pl.batched = pipelinedCreate(q), streamsRows(q), batchedRows(q)
	for i, sq := range q.Parts {
		stages, cols := c.single(sq)
		if i > 0 && !sameStrings(cols, pl.columns) {
			panic(syntaxErr(sq.Clauses[0].clausePos(), "DifferentColumnsInUnion", "all sub queries in a UNION must have the same return column names"))
		}
		pl.columns = cols
		pl.parts = append(pl.parts, stages)
	}
	for i, all := range q.UnionAll {
		kind := "distinct"
		if all {
			kind = "all"
		}
		if i > 0 && kind != pl.union {
			panic(syntaxErr(Pos{}, "InvalidClauseComposition", "cannot mix UNION and UNION ALL"))
		}
		pl.union = kind
	}
	return pl, nil
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (c *compiler) single(sq *SingleQuery) ([]stage, []string) {
	return c.singleIn(sq, scope{})
}

// singleIn compiles one part of a query starting from scope sc (the
// imported variables of a CALL { } subquery; empty at the top level).
func (c *compiler) singleIn(sq *SingleQuery, sc scope) ([]stage, []string) {
	c.updates = false
	var stages []stage
	var cols []string
	if call, ok := sq.Clauses[0].(*CallClause); ok && len(sq.Clauses) == 1 {
		return c.call(call, sc, true)
	}
	for i, cl := range sq.Clauses {
		last := i == len(sq.Clauses)-1
		switch x := cl.(type) {
		case *ReturnClause:
			if !last {
				panic(syntaxErr(x.P, "InvalidClauseComposition", "RETURN can only be used at the end of the query"))
			}
			var st []stage
			st, sc, cols = c.projection(x.Proj, sc, nil, x.P, true)
			stages = append(stages, st...)
		case *WithClause:
			var st []stage
			st, sc, _ = c.projection(x.Proj, sc, x.Where, x.P, false)
			stages = append(stages, st...)
		default:
			if last && !isUpdating(cl) {
				panic(syntaxErr(cl.clausePos(), "InvalidClauseComposition", "query cannot conclude with %s (must be RETURN or an update clause)", clauseName(cl)))
			}
			c.prefixReadsGraph = !graphFree(sq.Clauses[:i])
			stages = append(stages, c.clause(cl, sc)...)
			if isUpdating(cl) {
				c.updates = true
			}
		}
	}
	return stages, cols
}

// subqueryExpr compiles the query of an EXISTS { } or COUNT { } over the
// outer scope sc. Its UNION follows Neo4j's rules: the parts all end in a
// RETURN of the same columns or none does, a UNION without ALL needs them
// (its rows are told apart by them), and UNION and UNION ALL do not mix.
func (c *compiler) subqueryExpr(x *ExistsSubquery, sc scope) {
	kind := subqueryKind(x)
	var cols []string
	for i, sq := range x.Query.Parts {
		stages, pcols := c.subquery(sq, sc.clone(), kind)
		if i > 0 && (pcols == nil) != (cols == nil) {
			panic(syntaxErr(sq.Clauses[0].clausePos(), "InvalidClauseComposition", "in %s with UNION, either every part ends in RETURN or none does", kind))
		}
		if i > 0 && !sameStrings(pcols, cols) {
			panic(syntaxErr(sq.Clauses[0].clausePos(), "DifferentColumnsInUnion", "all sub queries in a UNION must have the same return column names"))
		}
		x.parts, cols = append(x.parts, stages), pcols
	}
	for i, all := range x.Query.UnionAll {
		if i > 0 && all != x.Query.UnionAll[0] {
			panic(syntaxErr(x.P, "InvalidClauseComposition", "cannot mix UNION and UNION ALL"))
		}
		if !all && cols == nil {
			panic(syntaxErr(x.P, "InvalidClauseComposition", "in %s, a UNION without ALL needs every part to end in RETURN", kind))
		}
	}
	if len(x.Query.UnionAll) > 0 && !x.Query.UnionAll[0] {
		x.distinct = c.lay.slots(cols)
	}
}

// subquery compiles one part of the body of EXISTS { ... } or COUNT { ... }
// (kind names which, for errors) over the outer scope: any reading
// clauses, an optional final RETURN, no updates. The outer variables stay
// visible to the whole body, past any WITH, which may not shadow them. It
// returns the RETURN's columns, nil when there is none.
func (c *compiler) subquery(sq *SingleQuery, sc scope, kind string) ([]stage, []string) {
	saved := c.updates
	defer func() { c.updates = saved }()
	outer := sc.names()
	var stages []stage
	var cols []string
	for i, cl := range sq.Clauses {
		switch x := cl.(type) {
		case *ReturnClause:
			if i != len(sq.Clauses)-1 {
				panic(syntaxErr(x.P, "InvalidClauseComposition", "RETURN can only be used at the end of the query"))
			}
			var st []stage
			st, _, cols = c.projection(x.Proj, sc, nil, x.P, true)
			stages = append(stages, st...)
		case *WithClause:
			var st []stage
			st, sc, _ = c.projection(keepOuter(x.Proj, outer), sc, x.Where, x.P, false)
			stages = append(stages, st...)
		default:
			if isUpdating(cl) {
				panic(syntaxErr(cl.clausePos(), "InvalidClauseComposition", "%s cannot update the graph", kind))
			}
			stages = append(stages, c.clause(cl, sc)...)
		}
	}
	return stages, cols
}

// subqueryKind names an EXISTS or COUNT subquery for its errors.
func subqueryKind(x *ExistsSubquery) string {
	if x.Count {
		return "a COUNT subquery"
	}
	return "an existential subquery"
}

// keepOuter returns a WITH projection inside a subquery expression that
// also carries the outer variables on: they are the same on every row of
// one evaluation, so grouping or DISTINCT by them changes nothing. A WITH
// item that rebinds an outer name to something else is refused, as Neo4j
// refuses shadowing there.
func keepOuter(pr Projection, outer []string) Projection {
	if pr.Star || len(outer) == 0 {
		return pr
	}
	named := map[string]bool{}
	for _, it := range pr.Items {
		named[it.Name] = true
	}
	items := append([]ReturnItem(nil), pr.Items...)
	for _, name := range outer {
		if !named[name] {
			items = append(items, ReturnItem{Expr: &Var{Name: name}, Name: name})
			continue
		}
		for _, it := range pr.Items {
			if v, ok := it.Expr.(*Var); it.Name == name && (!ok || v.Name != name) {
				panic(syntaxErr(it.Expr.exprPos(), "VariableShadowing", "the variable `%s` is shadowing a variable with the same name from the outer scope and needs to be renamed", name))
			}
		}
	}
	pr.Items = items
	return pr
}

func isUpdating(cl Clause) bool {
	if x, ok := cl.(*CallSubqueryClause); ok {
		return x.updates()
	}
	switch cl.(type) {
	case *CreateClause, *MergeClause, *SetClause, *RemoveClause, *DeleteClause, *CallClause, *ForeachClause:
		return true
	}
	return false
}

func clauseName(cl Clause) string {
	switch cl.(type) {
	case *MatchClause:
		return "MATCH"
	case *UnwindClause:
		return "UNWIND"
	}
	return "this clause"
}

func (c *compiler) clause(cl Clause, sc scope) []stage {
	switch x := cl.(type) {
	case *MatchClause:
		return c.match(x, sc)
	case *UnwindClause:
		c.checkExpr(x.Expr, sc, false)
		if _, ok := sc[x.Var]; ok {
			panic(syntaxErr(x.P, "VariableAlreadyBound", "variable `%s` already declared", x.Var))
		}
		c.bind(sc, x.Var, kAny)
		e, v := x.Expr, x.Var
		return []stage{{desc: "Unwind", build: func(in op, est *estimator) op { return unwindOp(in, e, est.slot(v)) }}}
	case *CreateClause:
		return c.create(x, sc)
	case *MergeClause:
		return c.merge(x, sc)
	case *SetClause:
		for _, it := range x.Items {
			c.checkSetItem(it, sc)
		}
		items := x.Items
		return []stage{{desc: "SetProperties", build: func(in op, est *estimator) op {
			return &eagerOp{in: in, f: func(ec *execCtx, r row) ([]row, error) {
				for _, it := range items {
					if err := ec.applySet(r, it); err != nil {
						return nil, err
					}
				}
				return []row{r}, nil
			}}
		}}}
	case *RemoveClause:
		for _, it := range x.Items {
			c.checkSetItem(it, sc)
		}
		items := x.Items
		return []stage{{desc: "Remove", build: func(in op, est *estimator) op {
			return &eagerOp{in: in, f: func(ec *execCtx, r row) ([]row, error) {
				for _, it := range items {
					if err := ec.applyRemove(r, it); err != nil {
						return nil, err
					}
				}
				return []row{r}, nil
			}}
		}}}
	case *DeleteClause:
		return c.delete(x, sc)
	case *CallClause:
		st, _ := c.call(x, sc, false)
		return st
	case *ForeachClause:
		return c.foreach(x, sc)
	case *LoadCSVClause:
		return c.loadCSV(x, sc)
	case *CallSubqueryClause:
		return c.callSubquery(x, sc)
	}
	panic(syntaxErr(cl.clausePos(), "UnexpectedSyntax", "unsupported clause"))
}

func (c *compiler) checkSetItem(it SetItem, sc scope) {
	c.checkExpr(it.Target, sc, false)
	if it.Val != nil {
		c.checkExpr(it.Val, sc, false)
	}
}

func (c *compiler) delete(x *DeleteClause, sc scope) []stage {
	for _, e := range x.Exprs {
		if _, ok := e.(*HasLabels); ok {
			panic(syntaxErr(e.exprPos(), "InvalidDelete", "DELETE expects a node, relationship or path expression"))
		}
		if k := staticKind(e); k != "" && k != "null" && k != "List" {
			panic(syntaxErr(e.exprPos(), "InvalidArgumentType", "DELETE expects a node, relationship or path, got %s", k))
		}
		if b, ok := e.(*Binary); ok && (b.Op == "+" || b.Op == "-" || b.Op == "*" || b.Op == "/") {
			panic(syntaxErr(e.exprPos(), "InvalidArgumentType", "DELETE expects a node, relationship or path"))
		}
		c.checkExpr(e, sc, false)
	}
	exprs, detach := x.Exprs, x.Detach
	return []stage{{desc: "Delete", build: func(in op, est *estimator) op {
		return &drainThen{in: in, f: func(ec *execCtx, all []row) error {
			var pending []value.Value
			for _, r := range all {
				for _, e := range exprs {
					v, err := ec.eval(e, r)
					if err != nil {
						return err
					}
					pending = append(pending, v)
				}
			}
			return ec.deleteAll(pending, detach)
		}}
	}}}
}

// drainThen drains its input, runs f over all rows, then replays them.
type drainThen struct {
	in   op
	f    func(c *execCtx, rows []row) error
	rows []row
	done bool
}

func (o *drainThen) next(c *execCtx) (row, error) {
	if !o.done {
		for {
			if c.yield() {
				return nil, errYield
			}
			r, err := o.in.next(c)
			if err != nil {
				return nil, err
			}
			if r == nil {
				break
			}
			o.rows = append(o.rows, r)
		}
		o.done = true
		if err := o.f(c, o.rows); err != nil {
			return nil, err
		}
	}
	if len(o.rows) == 0 {
		return nil, nil
	}
	r := o.rows[0]
	o.rows = o.rows[1:]
	return r, nil
}

// deleteAll deletes relationships first, so that a node deleted together
// with its relationships in one clause needs no DETACH.
func (c *execCtx) deleteAll(vals []value.Value, detach bool) error {
	var nodes []value.Value
	var flat func(v value.Value) error
	flat = func(v value.Value) error {
		switch x := v.(type) {
		case nil:
		case relRef:
			return c.deleteValue(x, detach)
		case nodeRef:
			nodes = append(nodes, x)
		case pathRef:
			for _, id := range x.rels {
				if err := c.deleteValue(relRef{id}, detach); err != nil {
					return err
				}
			}
			for _, id := range x.nodes {
				nodes = append(nodes, nodeRef{id})
			}
		case value.List:
			for _, e := range x {
				if err := flat(e); err != nil {
					return err
				}
			}
		default:
			return typeErr("DELETE expects a node, relationship or path, got %s", typeName(v))
		}
		return nil
	}
	for _, v := range vals {
		if err := flat(v); err != nil {
			return err
		}
	}
	for _, n := range nodes {
		if err := c.deleteValue(n, detach); err != nil {
			return err
		}
	}
	return nil
}

// declarePattern checks a pattern's variables against the scope and adds
// them. create is true for CREATE and MERGE.
func (c *compiler) declarePattern(pp *PathPattern, sc scope, create bool, newVars *[]string) {
	c.nameAndCheckPattern(pp, sc, create, newVars)
}

func (c *compiler) nameAndCheckPattern(pp *PathPattern, sc scope, create bool, newVars *[]string) {
	shortestPattern(pp)
	nameAnon(pp, &c.anon)
	declare := func(name string, k varKind, p Pos) {
		c.lay.add(name)
		if have, ok := sc[name]; ok {
			if have != k && (have != kAny || k == kPath) && !(have == kRelList && k == kRel) && !(isValueKind(have) && have != kString && k == kRelList && (have == kValue || have == kList)) {
				panic(syntaxErr(p, "VariableTypeConflict", "variable `%s` already declared with another type", name))
			}
			return
		}
		sc[name] = k
		if newVars != nil {
			*newVars = append(*newVars, name)
		}
	}
	for i, np := range pp.Nodes {
		if _, bound := sc[np.Var]; bound && create && (len(np.Labels) > 0 || np.Props != nil || len(pp.Nodes) == 1) {
			panic(syntaxErr(np.P, "VariableAlreadyBound", "variable `%s` already declared", np.Var))
		}
		if np.Props != nil {
			c.checkExpr(np.Props, sc, false)
		}
		declare(np.Var, kNode, np.P)
		_ = i
	}
	for _, rp := range pp.Rels {
		if create {
			if _, bound := sc[rp.Var]; bound {
				panic(syntaxErr(rp.P, "VariableAlreadyBound", "variable `%s` already declared", rp.Var))
			}
			if len(rp.Types) != 1 {
				panic(syntaxErr(rp.P, "NoSingleRelationshipType", "a single relationship type must be specified for CREATE/MERGE"))
			}
			if rp.VarLen {
				panic(syntaxErr(rp.P, "CreatingVarLength", "variable length relationships cannot be used in CREATE/MERGE"))
			}
		}
		for _, other := range pp.Rels {
			if other != rp && other.Var == rp.Var {
				panic(syntaxErr(rp.P, "RelationshipUniquenessViolation", "relationship `%s` is used twice in one pattern", rp.Var))
			}
		}
		if rp.Props != nil {
			c.checkExpr(rp.Props, sc, false)
		}
		c.checkPathAlgo(rp, sc, create)
		k := kRel
		if rp.VarLen {
			k = kRelList
		}
		declare(rp.Var, k, rp.P)
	}
	if pp.Var != "" {
		if _, ok := sc[pp.Var]; ok {
			panic(syntaxErr(pp.P, "VariableAlreadyBound", "variable `%s` already declared", pp.Var))
		}
		declare(pp.Var, kPath, pp.P)
	}
}

func checkNoParamProps(pp *PathPattern) {
	for _, n := range pp.Nodes {
		if _, ok := n.Props.(*Param); ok {
			panic(syntaxErr(n.P, "InvalidParameterUse", "parameter maps cannot be used in MATCH or MERGE patterns"))
		}
	}
	for _, r := range pp.Rels {
		if _, ok := r.Props.(*Param); ok {
			panic(syntaxErr(r.P, "InvalidParameterUse", "parameter maps cannot be used in MATCH or MERGE patterns"))
		}
	}
}

func (c *compiler) match(x *MatchClause, sc scope) []stage {
	for _, pp := range x.Patterns {
		checkNoParamProps(pp)
	}
	bound := map[string]bool{}
	for k := range sc {
		bound[k] = true
	}
	var newVars []string
	for _, pp := range x.Patterns {
		c.declarePattern(pp, sc, false, &newVars)
	}
	if x.Where != nil {
		c.checkPredicate(x.Where, sc)
		c.noAggregate(x.Where)
	}
	m := &matchSpec{patterns: x.Patterns, where: x.Where, hints: collectHints(x.Patterns, x.Where)}
	if x.Optional {
		return []stage{{build: func(in op, est *estimator) op {
			return &optionalOp{in: in, newVars: est.lay.slots(newVars), build: func(arg op) op { return planMatch(arg, m, bound, est) }}
		}, explain: func(est *estimator) string {
			return "Optional {" + strings.Join(describeMatch(m, bound, est), "; ") + "}"
		}}}
	}
	return []stage{{build: func(in op, est *estimator) op { return planMatch(in, m, bound, est) },
		explain: func(est *estimator) string { return strings.Join(describeMatch(m, bound, est), "\n") }}}
}

// isConstant reports whether e depends on no variable.
func isConstant(e Expr) bool {
	switch x := e.(type) {
	case *Var, *PatternExpr, *PatternComp, *ExistsSubquery, *ListComp, *Quantifier, *Reduce, *MapProjection:
		return false
	case *FuncCall:
		if isAggregate(x) {
			return false
		}
	}
	for _, ch := range children(e) {
		if !isConstant(ch) {
			return false
		}
	}
	return true
}

func (c *compiler) noAggregate(e Expr) {
	if containsAggregate(e) {
		panic(syntaxErr(e.exprPos(), "InvalidAggregation", "aggregate functions are not allowed here"))
	}
}

func (c *compiler) create(x *CreateClause, sc scope) []stage {
	for _, pp := range x.Patterns {
		for _, rp := range pp.Rels {
			if rp.Dir == DirBoth {
				panic(syntaxErr(rp.P, "RequiresDirectedRelationship", "relationships must be directed in CREATE"))
			}
		}
		c.declarePattern(pp, sc, true, nil)
	}
	pps := x.Patterns
	f := func(one []row, lay *layout) func(ec *execCtx, r row) ([]row, error) {
		slots := make([]*patternSlots, len(pps))
		for i, pp := range pps {
			slots[i] = lay.patternSlots(pp)
		}
		return func(ec *execCtx, r row) ([]row, error) {
			var err error
			for i, pp := range pps {
				if r, err = ec.createPath(r, pp, slots[i]); err != nil {
					return nil, err
				}
			}
			one[0] = r // eagerOp and pipeOp take it out before the next call
			return one, nil
		}
	}
	if x == c.pipe {
		return []stage{{desc: "Create", build: func(in op, est *estimator) op { return &pipeOp{in: in, f: f(make([]row, 1), est.lay)} }}}
	}
	return []stage{{desc: "Create", build: func(in op, est *estimator) op { return &eagerOp{in: in, f: f(make([]row, 1), est.lay)} }}}
}

func (c *compiler) merge(x *MergeClause, sc scope) []stage {
	bound := map[string]bool{}
	for k := range sc {
		bound[k] = true
	}
	checkNoParamProps(x.Pattern)
	c.declarePattern(x.Pattern, sc, true, nil)
	for _, it := range x.OnCreate {
		c.checkSetItem(it, sc)
	}
	for _, it := range x.OnMatch {
		c.checkSetItem(it, sc)
	}
	pp, onCreate, onMatch := x.Pattern, x.OnCreate, x.OnMatch
	m := &matchSpec{patterns: []*PathPattern{pp}, hints: collectHints([]*PathPattern{pp}, nil)}
	return []stage{{desc: "Merge", build: func(in op, est *estimator) op {
		ps := est.lay.patternSlots(pp)
		return &eagerOp{in: in, f: func(ec *execCtx, r row) ([]row, error) {
			for _, s := range ps.nodes {
				if v, ok := r.lookup(s); ok && v == nil {
					return nil, runtimeErr(CodeSemanticError, "MergeReadOwnWrites", "cannot merge a node using a null property value or null node")
				}
			}
			it := planMatch(&argOp{r: r}, m, bound, ec.est)
			var out []row
			for {
				nr, err := it.next(ec)
				if err != nil {
					return nil, err
				}
				if nr == nil {
					break
				}
				out = append(out, nr)
			}
			if len(out) == 0 {
				if err := ec.checkMergeProps(pp, r); err != nil {
					return nil, err
				}
				nr, err := ec.createPath(r, pp, ps)
				if err != nil {
					return nil, err
				}
				for _, s := range onCreate {
					if err := ec.applySet(nr, s); err != nil {
						return nil, err
					}
				}
				return []row{nr}, nil
			}
			for _, nr := range out {
				for _, s := range onMatch {
					if err := ec.applySet(nr, s); err != nil {
						return nil, err
					}
				}
			}
			return out, nil
		}}
	}}}
}

func (c *execCtx) checkMergeProps(pp *PathPattern, r row) error {
	check := func(e Expr) error {
		if e == nil {
			return nil
		}
		v, err := c.eval(e, r)
		if err != nil {
			return err
		}
		if m, ok := v.(value.Map); ok {
			for _, k := range sortedKeys(m) {
				if m[k] == nil {
					return runtimeErr(CodeSemanticError, "MergeReadOwnWrites", "cannot merge with a null value for property %q", k)
				}
			}
		}
		return nil
	}
	for _, n := range pp.Nodes {
		if err := check(n.Props); err != nil {
			return err
		}
	}
	for _, rp := range pp.Rels {
		if err := check(rp.Props); err != nil {
			return err
		}
	}
	return nil
}

// foreach compiles FOREACH (v IN list | updates): for every input row and
// every element, the update clauses run with v bound; the row then passes
// on unchanged (variables bound inside do not escape).
func (c *compiler) foreach(x *ForeachClause, sc scope) []stage {
	c.checkExpr(x.List, sc, false)
	inner := sc.clone()
	c.bind(inner, x.Var, kAny)
	var body []stage
	c.nested++
	defer func() { c.nested-- }()
	for _, cl := range x.Clauses {
		if !isUpdating(cl) {
			panic(syntaxErr(cl.clausePos(), "InvalidClauseComposition", "only update clauses may appear inside FOREACH"))
		}
		if _, isCall := cl.(*CallClause); isCall {
			panic(syntaxErr(cl.clausePos(), "InvalidClauseComposition", "CALL cannot appear inside FOREACH"))
		}
		body = append(body, c.clause(cl, inner)...)
	}
	list, name := x.List, x.Var
	return []stage{{desc: "Foreach", build: func(in op, est *estimator) op {
		slot := est.slot(name)
		return &eagerOp{in: in, f: func(ec *execCtx, r row) ([]row, error) {
			v, err := ec.eval(list, r)
			if err != nil {
				return nil, err
			}
			l, ok := v.(value.List)
			if !ok && v != nil {
				return nil, typeErr("FOREACH expects a list, got %s", typeName(v))
			}
			for _, e := range l {
				var it op = &argOp{r: r.with(slot, e)}
				for _, s := range body {
					it = s.build(it, ec.est)
				}
				for {
					nr, err := it.next(ec)
					if err != nil {
						return nil, err
					}
					if nr == nil {
						break
					}
				}
			}
			return []row{r}, nil
		}}
	}}}
}

// bind declares name in sc with kind k and gives it a slot in the plan.
func (c *compiler) bind(sc scope, name string, k varKind) {
	sc[name] = k
	c.lay.add(name)
}
