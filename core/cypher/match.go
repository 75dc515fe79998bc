package cypher

import (
	"fmt"
	"math"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// matchSpec is a MATCH clause with every pattern element named (anonymous
// ones get hidden names).
type matchSpec struct {
	patterns []*PathPattern
	where    Expr
	hints    map[string][]propHint // equality predicates from WHERE per node variable
}

// nameAnon gives unnamed pattern elements hidden, unique names.
func nameAnon(pp *PathPattern, counter *int) {
	for _, n := range pp.Nodes {
		if n.Var == "" {
			*counter++
			n.Var = fmt.Sprintf("  anon%d", *counter)
		}
	}
	for _, r := range pp.Rels {
		if r.Var == "" {
			*counter++
			r.Var = fmt.Sprintf("  anon%d", *counter)
		}
	}
}

// planMatch builds the operator chain for the patterns of one MATCH over in.
// bound holds the variables bound before the clause.
// est supplies the statistics that choose the join order and access paths.
func planMatch(in op, m *matchSpec, bound map[string]bool, est *estimator) op {
	local := map[string]bool{}
	for k := range bound {
		local[k] = true
	}
	var clauseRels []string
	for _, i := range pathOrder(m, bound, est) {
		in = planPath(in, m.patterns[i], m.hints, local, &clauseRels, est)
	}
	if m.where != nil {
		in = &filterOp{in: in, pred: m.where}
	}
	return in
}

// chooseStart picks where a path's matching begins: a bound node, else the
// node whose scan yields the fewest rows by est, given the hints usable
// once bound is (the first of equals).
func chooseStart(pp *PathPattern, hints map[string][]propHint, bound map[string]bool, est *estimator) int {
	for i, n := range pp.Nodes {
		if bound[n.Var] {
			return i
		}
	}
	if len(pp.Nodes) == 1 {
		return 0
	}
	start, best := 0, math.Inf(1)
	for i, n := range pp.Nodes {
		if rows := est.nodeRows(n, usableHints(hints[n.Var], bound)); rows < best {
			best, start = rows, i
		}
	}
	return start
}

// startHints returns the hints a scan of node sn tries, best seek first.
func startHints(sn *NodePattern, hints map[string][]propHint, bound map[string]bool, est *estimator) []propHint {
	return est.seekOrder(sn, usableHints(hints[sn.Var], bound))
}

func planPath(in op, pp *PathPattern, hints map[string][]propHint, bound map[string]bool, clauseRels *[]string, est *estimator) op {
	start := chooseStart(pp, hints, bound, est)
	sn := pp.Nodes[start]
	in = &scanOp{in: in, name: sn.Var, slot: est.slot(sn.Var), np: sn, hint: startHints(sn, hints, bound, est), owned: handsOver(in), scanLabel: est.scanLabel(sn)}
	bound[sn.Var] = true
	for i := start; i < len(pp.Rels); i++ {
		in = planExpand(in, pp.Nodes[i].Var, pp.Rels[i], pp.Nodes[i+1], false, bound, clauseRels, est)
	}
	for i := start - 1; i >= 0; i-- {
		in = planExpand(in, pp.Nodes[i+1].Var, pp.Rels[i], pp.Nodes[i], true, bound, clauseRels, est)
	}
	if pp.Var != "" {
		in = pathOp(in, pp, est.lay)
		bound[pp.Var] = true
	}
	return in
}

func planExpand(in op, fromName string, rp *RelPattern, to *NodePattern, reverse bool, bound map[string]bool, clauseRels *[]string, est *estimator) op {
	dir := rp.Dir
	if reverse {
		switch dir {
		case DirOut:
			dir = DirIn
		case DirIn:
			dir = DirOut
		}
	}
	others := est.lay.slots(*clauseRels)
	from, rel, toSlot := est.slot(fromName), est.slot(rp.Var), est.slot(to.Var)
	relBound := bound[rp.Var]
	*clauseRels = append(*clauseRels, rp.Var)
	bound[rp.Var] = true
	bound[to.Var] = true
	if rp.Path != nil {
		return &pathAlgoOp{in: in, from: from, rel: rel, toSlot: toSlot, rp: rp, dir: dir, to: to, others: others, reverse: reverse, lay: est.lay}
	}
	if rp.VarLen && !relBound {
		return &varExpandOp{in: in, from: from, rel: rel, toSlot: toSlot, rp: rp, dir: dir, to: to, others: others, reverse: reverse}
	}
	if rp.VarLen {
		return &flatMapOp{in: in, f: func(c *execCtx, r row) ([]row, error) {
			fv, ok := r[from].(nodeRef)
			if !ok {
				return nil, nil
			}
			return c.boundVarExpand(r, fv.id, rp, rel, dir, to, toSlot, reverse)
		}}
	}
	return &expandOp{in: in, from: from, rel: rel, toSlot: toSlot, rp: rp, dir: dir, to: to, relBound: relBound, others: others}
}

// expandOp follows one relationship of a pattern from a bound node, one
// output row per pull. With reuse set (its consumer keeps no row past its
// next pull) it rebinds one output row in place instead of copying the
// input row per edge.
type expandOp struct {
	in       op
	from     int // the slot of the bound node expanded from
	rel      int // the relationship's slot
	toSlot   int // the far node's slot
	rp       *RelPattern
	dir      Direction
	to       *NodePattern
	relBound bool  // the relationship variable was bound before
	others   []int // slots of the relationships bound earlier in the clause

	cur    row        // the input row being expanded
	fromID int64      // its from node
	edges  []EdgeInfo // its edges, a buffer reused across input rows
	i      int        // next edge
	used   []int64    // ids of the relationships in others, for cur
	listed bool       // others holds a relationship list in cur
	held   int64      // bytes of edges accounted to the guard
	reuse  bool
	out    row
}

// edgeInfoBytes is the memory one buffered EdgeInfo holds (three ids and
// the type's string header).
const edgeInfoBytes = 40

func (o *expandOp) next(c *execCtx) (row, error) {
	for {
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		for o.i < len(o.edges) {
			e := o.edges[o.i]
			o.i++
			nr, err := o.step(c, e)
			if err != nil || nr != nil {
				return nr, err
			}
		}
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		fv, ok := r[o.from].(nodeRef)
		if !ok {
			continue
		}
		o.cur, o.fromID, o.i = r, fv.id, 0
		o.collectUsed()
		if c.ftx != nil {
			o.edges = c.ftx.AppendEdges(o.edges[:0], fv.id, o.dir, o.rp.Types)
		} else {
			o.edges = c.tx.Edges(fv.id, o.dir, o.rp.Types)
		}
		if c.guard != nil {
			// The operator holds one vertex's edges at a time.
			c.guard.Shrink(o.held)
			o.held = int64(len(o.edges)) * edgeInfoBytes
			if err := c.guard.Grow(o.held); err != nil {
				return nil, err
			}
		}
		if o.reuse && len(o.edges) > 0 {
			if o.out == nil {
				o.out = make(row, len(r))
			}
			copy(o.out, r)
		}
	}
}

// collectUsed gathers the ids of the relationships the current input row
// binds in others (relationship uniqueness within the clause), so that each
// edge is checked against a short slice instead of the row.
func (o *expandOp) collectUsed() {
	o.used, o.listed = o.used[:0], false
	for _, s := range o.others {
		switch x := o.cur[s].(type) {
		case relRef:
			o.used = append(o.used, x.id)
		case value.List:
			o.listed = true
		}
	}
}

// step returns the row edge e yields from the current input row, or nil.
func (o *expandOp) step(c *execCtx, e EdgeInfo) (row, error) {
	r := o.cur
	if o.relBound {
		if b, ok := r[o.rel].(relRef); !ok || b.id != e.ID {
			return nil, nil
		}
	}
	if containsID(o.used, e.ID) || (o.listed && usedRel(r, o.others, e.ID)) {
		return nil, nil
	}
	if o.rp.Props != nil {
		ok, err := c.edgeMatches(e.ID, o.rp.Props, r)
		if err != nil || !ok {
			return nil, err
		}
	}
	other := e.To
	if e.To == o.fromID && (o.dir == DirIn || (o.dir == DirBoth && e.From != o.fromID)) {
		other = e.From
	}
	if !o.reuse {
		return c.bindEndRel(r, o.to, o.toSlot, other, o.rel, relRef{e.ID})
	}
	v, bound := r.lookup(o.toSlot)
	if bound {
		if n, isN := v.(nodeRef); !isN || n.id != other {
			return nil, nil
		}
	}
	// Rows are reused only in read-only plans, where the far end of a
	// visible edge is a visible vertex: a pattern node with no labels or
	// properties needs no look at it.
	if len(o.to.Labels) > 0 || o.to.Props != nil {
		ok, err := c.nodeMatches(other, o.to, r)
		if err != nil || !ok {
			return nil, err
		}
	}
	if !bound {
		o.out[o.toSlot] = nodeRef{other}
	}
	o.out[o.rel] = relRef{e.ID}
	return o.out, nil
}

// bindEnd binds (or checks) the far node of an expansion, to in slot
// toSlot.
func (c *execCtx) bindEnd(r row, to *NodePattern, toSlot int, id int64) (row, error) {
	return c.bindEndRel(r, to, toSlot, id, -1, nil)
}

// bindEndRel binds the far node and, when relSlot is not negative, the
// relationship too, copying the row once.
func (c *execCtx) bindEndRel(r row, to *NodePattern, toSlot int, id int64, relSlot int, rel value.Value) (row, error) {
	v, bound := r.lookup(toSlot)
	if bound {
		if n, isN := v.(nodeRef); !isN || n.id != id {
			return nil, nil
		}
	}
	ok, err := c.nodeMatches(id, to, r)
	if err != nil || !ok {
		return nil, err
	}
	if bound && relSlot < 0 {
		return r, nil
	}
	n := r.clone()
	if !bound {
		n[toSlot] = nodeRef{id}
	}
	if relSlot >= 0 {
		n[relSlot] = rel
	}
	return n, nil
}

func usedRel(r row, others []int, id int64) bool {
	for _, o := range others {
		switch x := r[o].(type) {
		case relRef:
			if x.id == id {
				return true
			}
		case value.List:
			for _, e := range x {
				if rr, ok := e.(relRef); ok && rr.id == id {
					return true
				}
			}
		}
	}
	return false
}

// boundVarExpand follows a relationship list bound before the pattern.
func (c *execCtx) boundVarExpand(r row, start int64, rp *RelPattern, rel int, dir Direction, to *NodePattern, toSlot int, reverse bool) ([]row, error) {
	l, ok := r[rel].(value.List)
	if !ok {
		return nil, nil
	}
	ids := make([]int64, 0, len(l))
	for _, e := range l {
		rr, ok := e.(relRef)
		if !ok {
			return nil, nil
		}
		ids = append(ids, rr.id)
	}
	if reverse {
		slicesReverse(ids)
	}
	cur := start
	for _, id := range ids {
		e, ok := c.tx.Edge(id)
		if !ok || (len(rp.Types) > 0 && !containsStr(rp.Types, e.Type)) {
			return nil, nil
		}
		switch {
		case (dir == DirOut || dir == DirBoth) && e.From == cur:
			cur = e.To
		case (dir == DirIn || dir == DirBoth) && e.To == cur:
			cur = e.From
		default:
			return nil, nil
		}
	}
	nr, err := c.bindEnd(r, to, toSlot, cur)
	if err != nil || nr == nil {
		return nil, err
	}
	return []row{nr}, nil
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func slicesReverse(ids []int64) {
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
}

// varExpandOp walks variable-length paths depth first, one row per pull:
// its memory is the current path, never the set of all paths.
type varExpandOp struct {
	in      op
	from    int // the slot of the bound node expanded from
	rel     int // the slot of the relationship list
	toSlot  int // the far node's slot
	rp      *RelPattern
	dir     Direction
	to      *NodePattern
	others  []int
	reverse bool

	cur   row
	stack []varFrame // stack[i] explores the edges out of the i-th path node
	path  []int64    // relationship ids of the current path
	// bufs[i] is the edge buffer of the frame at depth i, kept for the
	// next frame at that depth (the walk allocates no buffer per node).
	bufs [][]EdgeInfo
}

type varFrame struct {
	node    int64
	edges   []EdgeInfo
	next    int
	emitted bool // whether the path ending here was considered for output
}

func (o *varExpandOp) next(c *execCtx) (row, error) {
	for {
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		if len(o.stack) == 0 {
			r, err := o.in.next(c)
			if err != nil || r == nil {
				return nil, err
			}
			fv, ok := r[o.from].(nodeRef)
			if !ok {
				continue
			}
			o.cur, o.path = r, o.path[:0]
			o.stack = append(o.stack[:0], varFrame{node: fv.id})
		}
		top := &o.stack[len(o.stack)-1]
		if !top.emitted {
			top.emitted = true
			if o.rp.Max < 0 || int64(len(o.path)) < o.rp.Max {
				top.edges = o.edgesAt(c, len(o.stack)-1, top.node)
			}
			if int64(len(o.path)) >= o.rp.Min {
				nr, err := c.bindEndRel(o.cur, o.to, o.toSlot, top.node, o.rel, o.relList())
				if err != nil {
					return nil, err
				}
				if nr != nil {
					return nr, nil
				}
			}
		}
		if top.next >= len(top.edges) {
			o.pop()
			continue
		}
		e := top.edges[top.next]
		top.next++
		if usedRel(o.cur, o.others, e.ID) || containsID(o.path, e.ID) {
			continue
		}
		if o.rp.Props != nil {
			ok, err := c.edgeMatches(e.ID, o.rp.Props, o.cur)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		next := e.To
		if e.To == top.node && (o.dir == DirIn || (o.dir == DirBoth && e.From != top.node)) {
			next = e.From
		}
		o.path = append(o.path, e.ID)
		o.stack = append(o.stack, varFrame{node: next})
	}
}

// edgesAt returns the edges out of node for the frame at depth d, in that
// depth's buffer when the transaction can fill one.
func (o *varExpandOp) edgesAt(c *execCtx, d int, node int64) []EdgeInfo {
	if c.ftx == nil {
		return c.tx.Edges(node, o.dir, o.rp.Types)
	}
	for len(o.bufs) <= d {
		o.bufs = append(o.bufs, nil)
	}
	o.bufs[d] = c.ftx.AppendEdges(o.bufs[d][:0], node, o.dir, o.rp.Types)
	return o.bufs[d]
}

func (o *varExpandOp) pop() {
	o.stack = o.stack[:len(o.stack)-1]
	if len(o.stack) > 0 {
		o.path = o.path[:len(o.path)-1]
	}
}

func (o *varExpandOp) relList() value.List {
	l := make(value.List, len(o.path))
	for i, id := range o.path {
		if o.reverse {
			l[len(o.path)-1-i] = relRef{id}
		} else {
			l[i] = relRef{id}
		}
	}
	return l
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// pathOp binds a named path from the bound elements of its pattern.
func pathOp(in op, pp *PathPattern, lay *layout) op {
	slots, slot := lay.pathSlots(pp), lay.slot(pp.Var)
	return &flatMapOp{in: in, f: func(c *execCtx, r row) ([]row, error) {
		p, ok := c.buildPath(r, slots)
		if !ok {
			return []row{r.with(slot, nil)}, nil
		}
		return []row{r.with(slot, p)}, nil
	}}
}

// buildPath builds the path whose first node and relationships are in
// slots (see pathSlots).
func (c *execCtx) buildPath(r row, slots []int) (pathRef, bool) {
	first, ok := r[slots[0]].(nodeRef)
	if !ok {
		return pathRef{}, false
	}
	p := pathRef{nodes: []int64{first.id}}
	cur := first.id
	step := func(id int64) {
		e, _ := c.tx.Edge(id)
		next := e.To
		if e.To != e.From && e.To == cur {
			next = e.From
		}
		p.rels = append(p.rels, id)
		p.nodes = append(p.nodes, next)
		cur = next
	}
	for _, s := range slots[1:] {
		switch x := r[s].(type) {
		case relRef:
			step(x.id)
		case value.List:
			for _, e := range x {
				if rr, ok := e.(relRef); ok {
					step(rr.id)
				}
			}
		default:
			return pathRef{}, false
		}
	}
	return p, true
}

// evalPatternList evaluates a pattern expression or comprehension: the
// list of matching paths (or projections) for the current row.
func (c *execCtx) evalPatternList(pp *PathPattern, where, proj Expr, r row) (value.Value, error) {
	var slots []int
	if proj == nil {
		slots = c.lay.pathSlots(pp)
	}
	it, kept := c.patternOps(pp, nil, where, r)
	defer donePattern(kept)
	out := value.List{}
	for {
		nr, err := it.next(c)
		if err != nil {
			return nil, err
		}
		if nr == nil {
			return out, nil
		}
		if len(out)%1024 == 1023 && c.guard != nil {
			// A long pattern comprehension counts while it is built (its
			// rows are alike, so the last one stands for the others).
			if err := c.guard.Check(int64(len(out)) * valueBytes(out[len(out)-1])); err != nil {
				return nil, err
			}
		}
		if proj != nil {
			v, err := c.eval(proj, nr)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		p, _ := c.buildPath(nr, slots)
		out = append(out, p)
	}
}

func (c *execCtx) evalExists(x *ExistsSubquery, r row) (value.Value, error) {
	if x.Count {
		return c.countSubquery(x, r)
	}
	if x.Query != nil {
		nr, err := c.subqueryOps(x, r).next(c)
		if err != nil {
			return nil, err
		}
		return nr != nil, nil
	}
	found, err := c.patternMatches(nil, x.Patterns, x.Where, r)
	if err != nil {
		return nil, err
	}
	return found, nil
}

// subqueryOps builds the operators of an EXISTS { } or COUNT { } query
// for row r: its parts one after the other, told apart by their columns
// for a UNION without ALL.
func (c *execCtx) subqueryOps(x *ExistsSubquery, r row) op {
	parts := make([]op, len(x.parts))
	for i, stages := range x.parts {
		var it op = &argOp{r: r}
		for _, s := range stages {
			it = s.build(it, c.est)
		}
		parts[i] = it
	}
	u := parts[0]
	if len(parts) > 1 {
		u = &unionOp{parts: parts}
	}
	if x.distinct != nil {
		u = &distinctOp{in: u, cols: x.distinct}
	}
	return u
}

// countSubquery evaluates COUNT { ... } for row r: the number of matches
// of its patterns, or of rows its query gives.
func (c *execCtx) countSubquery(x *ExistsSubquery, r row) (value.Value, error) {
	var it op
	if x.Query != nil {
		it = c.subqueryOps(x, r)
	} else {
		var kept *patternPlan
		it, kept = c.patternOps(nil, x.Patterns, x.Where, r)
		defer donePattern(kept)
	}
	var n int64
	for {
		nr, err := it.next(c)
		if err != nil {
			return nil, err
		}
		if nr == nil {
			return n, nil
		}
		n++
	}
}

// patternMatches reports whether pattern pp (or patterns) with predicate
// where matches for row r.
func (c *execCtx) patternMatches(pp *PathPattern, patterns []*PathPattern, where Expr, r row) (bool, error) {
	it, kept := c.patternOps(pp, patterns, where, r)
	defer donePattern(kept)
	nr, err := it.next(c)
	return nr != nil, err
}

// describeMatch lists the operators planMatch builds, first to last.
func describeMatch(m *matchSpec, bound map[string]bool, est *estimator) []string {
	local := map[string]bool{}
	for k := range bound {
		local[k] = true
	}
	var out []string
	for _, i := range pathOrder(m, bound, est) {
		pp := m.patterns[i]
		start := chooseStart(pp, m.hints, local, est)
		sn := pp.Nodes[start]
		out = append(out, describeScan(sn, startHints(sn, m.hints, local, est), local[sn.Var], est.scanLabel(sn)))
		local[sn.Var] = true
		for i := start; i < len(pp.Rels); i++ {
			out = append(out, describeExpand(pp.Nodes[i].Var, pp.Rels[i], pp.Nodes[i+1], false, local))
		}
		for i := start - 1; i >= 0; i-- {
			out = append(out, describeExpand(pp.Nodes[i+1].Var, pp.Rels[i], pp.Nodes[i], true, local))
		}
		if pp.Var != "" {
			out = append(out, "ConstructNamedPath("+pp.Var+")")
			local[pp.Var] = true
		}
	}
	if m.where != nil {
		out = append(out, "Filter("+exprString(m.where)+")")
	}
	return out
}

func showVar(v string) string {
	if strings.HasPrefix(v, " ") {
		return strings.TrimSpace(v)
	}
	return v
}

func describeScan(np *NodePattern, hints []propHint, bound bool, scanLabel string) string {
	v := showVar(np.Var)
	if bound {
		return "Check(" + v + ")"
	}
	for _, h := range hints {
		if h.op == "id" {
			return fmt.Sprintf("ScanById(%s = %s)", v, exprString(h.val))
		}
	}
	if len(np.Labels) == 0 {
		return "ScanAll(" + v + ")"
	}
	for _, h := range hints {
		if h.op == "=" {
			return fmt.Sprintf("ScanByLabelPropertyValue(%s:%s {%s = %s})", v, np.Labels[0], h.key, exprString(h.val))
		}
	}
	for _, h := range hints {
		if h.op == "in" {
			return fmt.Sprintf("ScanByLabelPropertyValues(%s:%s {%s IN %s})", v, np.Labels[0], h.key, exprString(h.val))
		}
	}
	var rs []string
	key := ""
	for _, h := range hints {
		if h.op != "id" && h.op != "in" && (key == "" || h.key == key) {
			key = h.key
			rs = append(rs, h.op+" "+exprString(h.val))
		}
	}
	if len(rs) > 0 {
		return fmt.Sprintf("ScanByLabelPropertyRange(%s:%s {%s %s})", v, np.Labels[0], key, strings.Join(rs, ", "))
	}
	label := np.Labels[0]
	if scanLabel != "" {
		label = scanLabel
	}
	return "ScanByLabel(" + v + ":" + label + ")"
}

func describeExpand(from string, rp *RelPattern, to *NodePattern, reverse bool, bound map[string]bool) string {
	kind := "Expand"
	if rp.VarLen {
		kind = "ExpandVariable"
	}
	arrowL, arrowR := "-", "-"
	dir := rp.Dir
	if reverse {
		switch dir {
		case DirOut:
			dir = DirIn
		case DirIn:
			dir = DirOut
		}
	}
	switch dir {
	case DirOut:
		arrowR = "->"
	case DirIn:
		arrowL = "<-"
	}
	rel := showVar(rp.Var)
	if len(rp.Types) > 0 {
		rel += ":" + strings.Join(rp.Types, "|")
	}
	if rp.VarLen {
		rel += fmt.Sprintf("*%d..", rp.Min)
		if rp.Max >= 0 {
			rel += fmt.Sprint(rp.Max)
		}
	}
	s := fmt.Sprintf("%s(%s)%s[%s]%s(%s)", kind, showVar(from), arrowL, rel, arrowR, showVar(to.Var))
	if bound[to.Var] {
		s += " into bound"
	}
	bound[rp.Var] = true
	bound[to.Var] = true
	return s
}
