package cypher

import (
	"container/heap"
	"math"

	"github.com/quiverdb/quiver/core/value"
)

// PathAlgo marks a relationship pattern searched by a shortest-path
// algorithm instead of enumerated: Memgraph's *BFS, *WSHORTEST and
// *ALLSHORTEST, and Neo4j's shortestPath() and allShortestPaths() (Kind
// "BFS" and "ALLBFS").
type PathAlgo struct {
	Kind   string
	Filter *PathLambda // (e, n | predicate): an edge is followed only when true
	Weight *PathLambda // (e, n | weight) for WSHORTEST and ALLSHORTEST
	Total  string      // the variable bound to the path's total weight
}

// PathLambda is (e, n | expr): e is the relationship being followed, n the
// node it leads to.
type PathLambda struct {
	Edge, Node string
	Expr       Expr
}

// parsePathAlgo parses what follows '*' when it names an algorithm, and
// reports whether it did.
func (p *parser) parsePathAlgo(rp *RelPattern) bool {
	var kind string
	switch {
	case p.is("BFS"):
		kind = "BFS"
	case p.is("WSHORTEST"):
		kind = "WSHORTEST"
	case p.is("ALLSHORTEST"):
		kind = "ALLSHORTEST"
	default:
		return false
	}
	p.adv()
	rp.VarLen, rp.Min, rp.Max = true, 1, -1
	if p.tok().kind == tInt {
		rp.Min = p.intLit()
		if !p.isP("..") {
			rp.Max, rp.Min = rp.Min, 1 // Memgraph: *BFS 5 bounds the length from above
		}
	}
	if p.acceptP("..") && p.tok().kind == tInt {
		rp.Max = p.intLit()
	}
	a := &PathAlgo{Kind: kind}
	if kind != "BFS" {
		if !p.isP("(") {
			p.unexpected("a weight lambda (e, n | weight) after *" + kind)
		}
		a.Weight = p.parseLambda()
		a.Total = p.symbolicName("a variable for the total weight")
	}
	if p.isP("(") {
		a.Filter = p.parseLambda()
	}
	rp.Path = a
	return true
}

func (p *parser) parseLambda() *PathLambda {
	p.expectP("(")
	l := &PathLambda{Edge: p.symbolicName("the lambda's relationship variable")}
	p.expectP(",")
	l.Node = p.symbolicName("the lambda's node variable")
	p.expectP("|")
	l.Expr = p.parseExpr()
	p.expectP(")")
	return l
}

// shortestPattern turns Neo4j's shortestPath(...) / allShortestPaths(...)
// into a BFS on its one relationship.
func shortestPattern(pp *PathPattern) {
	if pp.Shortest == "" {
		return
	}
	if len(pp.Rels) != 1 {
		panic(syntaxErr(pp.P, "InvalidShortestPath", "%s needs a pattern of exactly one relationship", pp.Shortest))
	}
	rp := pp.Rels[0]
	if rp.Path != nil {
		panic(syntaxErr(rp.P, "InvalidShortestPath", "%s cannot take *%s", pp.Shortest, rp.Path.Kind))
	}
	if !rp.VarLen {
		rp.VarLen, rp.Min, rp.Max = true, 1, 1
	}
	if rp.Min > 1 {
		panic(syntaxErr(rp.P, "InvalidShortestPath", "%s needs a minimal length of 0 or 1", pp.Shortest))
	}
	kind := "BFS"
	if pp.Shortest == "allShortestPaths" {
		kind = "ALLBFS"
	}
	rp.Path = &PathAlgo{Kind: kind}
	pp.Shortest = ""
}

// checkPathAlgo checks a searched relationship's lambdas and declares its
// total-weight variable.
func (c *compiler) checkPathAlgo(rp *RelPattern, sc scope, create bool) {
	a := rp.Path
	if a == nil {
		return
	}
	if create {
		panic(syntaxErr(rp.P, "CreatingVarLength", "*%s cannot be used in CREATE/MERGE", a.Kind))
	}
	for _, l := range []*PathLambda{a.Filter, a.Weight} {
		if l == nil {
			continue
		}
		inner := sc.clone()
		for _, v := range []string{l.Edge, l.Node} {
			if _, ok := sc[v]; ok {
				panic(syntaxErr(rp.P, "VariableAlreadyBound", "the lambda variable `%s` is already declared", v))
			}
		}
		c.bind(inner, l.Edge, kRel)
		c.bind(inner, l.Node, kNode)
		c.checkExpr(l.Expr, inner, false)
	}
	if a.Total != "" {
		if _, ok := sc[a.Total]; ok {
			panic(syntaxErr(rp.P, "VariableAlreadyBound", "variable `%s` already declared", a.Total))
		}
		c.bind(sc, a.Total, kAny)
	}
}

// pathAlgoOp runs the search once per input row from the bound start node
// and emits a row per path found (per reachable node matching the far end
// of the pattern, or to the bound far node only).
type pathAlgoOp struct {
	in      op
	from    int // the slot of the start node
	rel     int // the slot of the relationship list
	toSlot  int // the far node's slot
	rp      *RelPattern
	dir     Direction
	to      *NodePattern
	others  []int
	reverse bool
	lay     *layout

	out []row
}

func (o *pathAlgoOp) next(c *execCtx) (row, error) {
	for len(o.out) == 0 {
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		fv, ok := r[o.from].(nodeRef)
		if !ok {
			continue
		}
		s := &search{c: c, op: o, r: r}
		if t, ok := r[o.toSlot].(nodeRef); ok {
			s.target, s.hasTarget = t.id, true
		}
		var found []found
		switch o.rp.Path.Kind {
		case "BFS", "ALLBFS":
			found, err = s.bfs(fv.id, o.rp.Path.Kind == "ALLBFS")
		default:
			found, err = s.dijkstra(fv.id, o.rp.Path.Kind == "ALLSHORTEST")
		}
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			nr, err := c.bindEndRel(r, o.to, o.toSlot, f.node, o.rel, o.relList(f.edges))
			if err != nil {
				return nil, err
			}
			if nr == nil {
				continue
			}
			if t := o.rp.Path.Total; t != "" {
				nr[o.lay.slot(t)] = f.total // bindEndRel copied the row
			}
			o.out = append(o.out, nr)
		}
	}
	r := o.out[0]
	o.out = o.out[1:]
	return r, nil
}

func (o *pathAlgoOp) relList(edges []int64) value.List {
	l := make(value.List, len(edges))
	for i, id := range edges {
		if o.reverse {
			l[len(edges)-1-i] = relRef{id}
		} else {
			l[i] = relRef{id}
		}
	}
	return l
}

// found is one path: its end node, its relationships from the start, and
// its total weight (WSHORTEST, ALLSHORTEST).
type found struct {
	node  int64
	edges []int64
	total value.Value
}

// search holds one input row's search.
type search struct {
	c         *execCtx
	op        *pathAlgoOp
	r         row
	scratch   row
	lambda    map[*PathLambda][2]int // the slots of each lambda's edge and node
	target    int64
	hasTarget bool
	held      int64 // bytes of search state accounted to the query's guard
}

// Rough sizes of the search state one reached node or one more
// predecessor link adds (map entries, a queue or heap item, a link), for
// the query's memory bound.
const (
	bfsNodeBytes      = 96
	dijkstraNodeBytes = 160
	linkBytes         = 32
)

// hold accounts n more bytes of search state, or fails with the limit.
func (s *search) hold(n int64) error {
	if err := s.c.guard.Grow(n); err != nil {
		return err
	}
	s.held += n
	return nil
}

// release gives back everything the search accounted; it runs when the
// search ends, whichever way.
func (s *search) release() {
	s.c.guard.Shrink(s.held)
	s.held = 0
}

// step is one edge out of a node that passes the pattern's types,
// properties, relationship uniqueness and filter lambda.
type step struct {
	edge, to int64
}

func (s *search) steps(node int64) ([]step, error) {
	o, c := s.op, s.c
	var out []step
	for _, e := range c.tx.Edges(node, o.dir, o.rp.Types) {
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		if usedRel(s.r, o.others, e.ID) {
			continue
		}
		if o.rp.Props != nil {
			ok, err := c.edgeMatches(e.ID, o.rp.Props, s.r)
			if err != nil || !ok {
				if err != nil {
					return nil, err
				}
				continue
			}
		}
		next := e.To
		if e.To == node && (o.dir == DirIn || (o.dir == DirBoth && e.From != node)) {
			next = e.From
		}
		if f := o.rp.Path.Filter; f != nil {
			t, err := s.c.evalBool(f.Expr, s.lambdaRow(f, e.ID, next))
			if err != nil {
				return nil, err
			}
			if t != triTrue {
				continue
			}
		}
		out = append(out, step{e.ID, next})
	}
	return out, nil
}

// lambdaRow is the input row with the lambda's variables set, in a scratch
// row reused across calls.
func (s *search) lambdaRow(l *PathLambda, edge, node int64) row {
	if s.scratch == nil {
		s.scratch = s.r.clone()
		s.lambda = map[*PathLambda][2]int{}
	}
	ls, ok := s.lambda[l]
	if !ok {
		ls = [2]int{s.op.lay.slot(l.Edge), s.op.lay.slot(l.Node)}
		s.lambda[l] = ls
	}
	s.scratch[ls[0]], s.scratch[ls[1]] = relRef{edge}, nodeRef{node}
	return s.scratch
}

func (s *search) inBounds(hops int64) bool {
	rp := s.op.rp
	return hops >= rp.Min && (rp.Max < 0 || hops <= rp.Max)
}

// bfs finds, for each node reachable within the bounds, one shortest path
// (all of them when all is set), in breadth-first order; with a bound far
// node it stops there.
func (s *search) bfs(src int64, all bool) ([]found, error) {
	defer s.release()
	depth := map[int64]int64{src: 0}
	preds := map[int64][]link[int64]{}
	queue := []int64{src}
	var out []found
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		d := depth[u]
		if s.inBounds(d) && (!s.hasTarget || u == s.target) {
			for _, p := range tracePaths(u, src, preds, all) {
				out = append(out, found{node: u, edges: p})
			}
			if s.hasTarget {
				return out, nil
			}
		}
		if s.op.rp.Max >= 0 && d >= s.op.rp.Max {
			continue
		}
		steps, err := s.steps(u)
		if err != nil {
			return nil, err
		}
		for _, st := range steps {
			dv, seen := depth[st.to]
			switch {
			case !seen:
				if err := s.hold(bfsNodeBytes); err != nil {
					return nil, err
				}
				depth[st.to] = d + 1
				preds[st.to] = []link[int64]{{u, st.edge}}
				queue = append(queue, st.to)
			case all && dv == d+1:
				if err := s.hold(linkBytes); err != nil {
					return nil, err
				}
				preds[st.to] = append(preds[st.to], link[int64]{u, st.edge})
			}
		}
	}
	return out, nil
}

// state is a node reached with a number of hops; hops is always 0 when the
// length is unbounded, so each node has one state.
type state struct {
	node int64
	hops int64
}

// link is one predecessor of a search state: the state it was reached
// from and the edge taken.
type link[K comparable] struct {
	from K
	edge int64
}

type qitem struct {
	st   state
	dist float64
	seq  int
}

type pq []qitem

func (q pq) Len() int { return len(q) }
func (q pq) Less(i, j int) bool {
	return q[i].dist < q[j].dist || q[i].dist == q[j].dist && q[i].seq < q[j].seq
}
func (q pq) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pq) Push(x any)   { *q = append(*q, x.(qitem)) }
func (q *pq) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// weight evaluates the weight lambda for one step: a non-negative number.
func (s *search) weight(st step) (float64, error) {
	l := s.op.rp.Path.Weight
	v, err := s.c.eval(l.Expr, s.lambdaRow(l, st.edge, st.to))
	if err != nil {
		return 0, err
	}
	var w float64
	switch x := v.(type) {
	case int64:
		w = float64(x)
	case float64:
		w = x
	default:
		return 0, typeErr("*%s: the weight lambda must give a number, got %s for a :%s relationship", s.op.rp.Path.Kind, typeName(v), s.edgeType(st.edge))
	}
	if w < 0 || math.IsNaN(w) {
		return 0, runtimeErr(CodeArgumentError, "NegativeWeight", "*%s: a :%s relationship has weight %v; weights must not be negative", s.op.rp.Path.Kind, s.edgeType(st.edge), w)
	}
	return w, nil
}

// dijkstra finds the lightest path to each node reachable within the
// bounds (all the equally light ones when all is set), in order of weight.
func (s *search) dijkstra(src int64, all bool) ([]found, error) {
	defer s.release()
	bounded := s.op.rp.Max >= 0
	key := func(n, hops int64) state {
		if bounded {
			return state{n, hops}
		}
		return state{n, 0}
	}
	start := key(src, 0)
	dist := map[state]float64{start: 0}
	hops := map[state]int64{start: 0}
	preds := map[state][]link[state]{}
	settled := map[state]bool{}
	best := map[int64]float64{} // the weight of the first path emitted per node
	q := &pq{{st: start}}
	seq := 0
	var out []found
	for q.Len() > 0 {
		it := heap.Pop(q).(qitem)
		if settled[it.st] || it.dist > dist[it.st] {
			continue
		}
		settled[it.st] = true
		u, h := it.st.node, hops[it.st]
		if s.hasTarget {
			if b, ok := best[s.target]; ok && it.dist > b {
				return out, nil
			}
		}
		if s.inBounds(h) && (!s.hasTarget || u == s.target) && !backToStart(u, src, h) {
			b, seen := best[u]
			if !seen || (all && it.dist == b) {
				best[u] = it.dist
				for _, p := range tracePaths(it.st, start, preds, all) {
					out = append(out, found{node: u, edges: p, total: it.dist})
				}
			}
			if s.hasTarget && !all {
				return out, nil
			}
		}
		if bounded && h >= s.op.rp.Max {
			continue
		}
		steps, err := s.steps(u)
		if err != nil {
			return nil, err
		}
		for _, st := range steps {
			w, err := s.weight(st)
			if err != nil {
				return nil, err
			}
			to := key(st.to, h+1)
			if settled[to] {
				continue
			}
			nd := it.dist + w
			d, seen := dist[to]
			switch {
			case !seen || nd < d:
				if err := s.hold(dijkstraNodeBytes); err != nil { // a better path pushes another heap item too
					return nil, err
				}
				dist[to], hops[to] = nd, h+1
				preds[to] = []link[state]{{it.st, st.edge}}
				seq++
				heap.Push(q, qitem{st: to, dist: nd, seq: seq})
			case all && nd == d:
				if err := s.hold(linkBytes); err != nil {
					return nil, err
				}
				preds[to] = append(preds[to], link[state]{it.st, st.edge})
			}
		}
	}
	return out, nil
}

// backToStart reports a path that has come back round a cycle to the
// node it started from. Memgraph's weighted searches never end a path
// there: the start counts as already reached, so only the empty path to it
// (a minimum length of 0) is ever emitted.
func backToStart(node, src, hops int64) bool {
	return node == src && hops > 0
}

// tracePaths lists the edge sequences from start to end through the
// predecessor links, the first link only unless all.
func tracePaths[K comparable](end, start K, preds map[K][]link[K], all bool) [][]int64 {
	var paths [][]int64
	var walk func(n K, tail []int64)
	walk = func(n K, tail []int64) {
		if n == start {
			p := make([]int64, len(tail))
			for i := range tail {
				p[i] = tail[len(tail)-1-i]
			}
			paths = append(paths, p)
			return
		}
		for i, pr := range preds[n] {
			if i > 0 && !all {
				break
			}
			walk(pr.from, append(tail, pr.edge))
		}
	}
	walk(end, nil)
	return paths
}

func (s *search) edgeType(id int64) string {
	e, _ := s.c.tx.Edge(id)
	return e.Type
}
