package cypher

import (
	"github.com/quiverdb/quiver/core/cypher/functions"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// execCtx is what evaluation and operators share for one execution.
type execCtx struct {
	tx     Tx
	params map[string]value.Value
	stats  *Stats
	plan   *plan
	lay    *layout       // the plan's slots
	args   []value.Value // the argument stack of function calls (evalCall)
	// scopes are the scratch rows of comprehensions, one per depth in use
	// (nscopes of them).
	scopes  []row
	nscopes int
	// patterns keeps the operators of the pattern expressions evaluated so
	// far, for the next row (patcache.go).
	patterns map[*PathPattern]*patternPlan
	rand     *rand.Rand
	now      time.Time // the statement's time, when hasNow
	// deleted remembers relationships this execution deleted: type() of a
	// deleted relationship still answers.
	deleted map[int64]EdgeInfo
	hasNow  bool
	// stepping is set while Result.Step runs: every top-level write
	// operator spends one unit of stepLeft per row and yields (errYield)
	// once it is spent. depth counts the writes nested inside another
	// write's per-row work (FOREACH), which never yield.
	stepping bool
	stepLeft int
	depth    int
	guard    *Guard // nil: unbounded
	// ptx and ftx are tx's optional fast paths (nil without them).
	ptx PropTx
	ftx FastTx
	// regexps caches the compiled patterns of =~ for this execution.
	regexps map[string]*regexp.Regexp
	files   FileSource // LOAD CSV's files (Options.Files)
	closers []func()   // run when the result closes: files LOAD CSV left open
	// est chooses join orders and seeks from tx's statistics.
	est *estimator
	// batchDone, when set, runs as a batch of CALL { } IN TRANSACTIONS is
	// complete, just before it commits (Result.StepRows of a batched
	// result exports the batch's rows there).
	batchDone func()
}

func (c *execCtx) eval(e Expr, r row) (value.Value, error) {
	switch x := e.(type) {
	case *Literal:
		return x.Val, nil
	case *Param:
		v, ok := c.params[x.Name]
		if !ok {
			return nil, runtimeErr(CodeParamMissing, "ParameterMissing", "expected parameter $%s", x.Name)
		}
		return fromExternal(v), nil
	case *Var:
		i := x.slot - 1
		if i < 0 {
			i = c.lay.slot(x.Name)
		}
		v := r[i]
		if isUnbound(v) {
			return nil, runtimeErr(CodeSyntaxError, "UndefinedVariable", "variable `%s` not defined", x.Name)
		}
		return v, nil
	case *PropAccess:
		m, err := c.eval(x.X, r)
		if err != nil {
			return nil, err
		}
		return c.property(m, x.Key)
	case *IndexExpr:
		return c.evalIndex(x, r)
	case *SliceExpr:
		return c.evalSlice(x, r)
	case *Binary:
		return c.evalBinary(x, r)
	case *Unary:
		return c.evalUnary(x, r)
	case *IsNull:
		v, err := c.eval(x.X, r)
		if err != nil {
			return nil, err
		}
		return (v == nil) != x.Not, nil
	case *HasLabels:
		v, err := c.eval(x.X, r)
		if err != nil || v == nil {
			return nil, err
		}
		if rr, isRel := v.(relRef); isRel {
			e, _ := c.tx.Edge(rr.id)
			for _, l := range x.Labels {
				if l != e.Type {
					return false, nil
				}
			}
			return true, nil
		}
		n, ok := v.(nodeRef)
		if !ok {
			return nil, typeErr("expected a node for a label check, got %s", typeName(v))
		}
		return hasLabels(c.tx.VertexLabels(n.id), x.Labels), nil
	case *FuncCall:
		if x.aggSlot > 0 {
			return r.get(x.aggSlot - 1), nil
		}
		return c.evalCall(x, r)
	case *ListLit:
		l := make(value.List, 0, len(x.Items))
		for _, it := range x.Items {
			v, err := c.eval(it, r)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case *MapLit:
		m := make(value.Map, len(x.Keys))
		for i, k := range x.Keys {
			v, err := c.eval(x.Vals[i], r)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case *CaseExpr:
		return c.evalCase(x, r)
	case *ListComp:
		return c.evalListComp(x, r)
	case *Quantifier:
		return c.evalQuantifier(x, r)
	case *Reduce:
		return c.evalReduce(x, r)
	case *MapProjection:
		return c.evalMapProjection(x, r)
	case *PatternExpr:
		return c.evalPatternList(x.Pattern, nil, nil, r)
	case *PatternComp:
		return c.evalPatternList(x.Pattern, x.Where, x.Proj, r)
	case *ExistsSubquery:
		return c.evalExists(x, r)
	}
	return nil, runtimeErr(CodeInternal, "Unsupported", "unsupported expression %T", e)
}

// fromExternal turns parameter values (which may hold Go ints of other
// widths) into engine values.
func fromExternal(v value.Value) value.Value {
	if isInternal(v) {
		return v // nothing to convert: share it (values are immutable)
	}
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case []value.Value:
		return fromExternal(value.List(x))
	case map[string]value.Value:
		return fromExternal(value.Map(x))
	case value.List:
		l := make(value.List, len(x))
		for i, e := range x {
			l[i] = fromExternal(e)
		}
		return l
	case value.Map:
		m := make(value.Map, len(x))
		for k, e := range x {
			m[k] = fromExternal(e)
		}
		return m
	case value.Node:
		return nodeRef{x.ID}
	case value.Relationship:
		return relRef{x.ID}
	case value.Path:
		p := pathRef{}
		for _, n := range x.Nodes {
			p.nodes = append(p.nodes, n.ID)
		}
		for _, r := range x.Rels {
			p.rels = append(p.rels, r.ID)
		}
		return p
	}
	return v
}

// isInternal reports whether v holds only values the engine uses as they
// are (no Go ints of other widths, no exported graph entities), so that
// fromExternal can return it without copying a large parameter.
func isInternal(v value.Value) bool {
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return true
	case value.List:
		for _, e := range x {
			if !isInternal(e) {
				return false
			}
		}
		return true
	case value.Map:
		for _, e := range x {
			if !isInternal(e) {
				return false
			}
		}
		return true
	}
	return false
}

func hasLabels(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (c *execCtx) property(m value.Value, key string) (value.Value, error) {
	switch x := m.(type) {
	case nil:
		return nil, nil
	case nodeRef:
		if c.ftx != nil {
			if v, ok := c.ftx.VertexPropOK(x.id, key); ok {
				return v, nil
			}
			return nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "node %d was deleted", x.id)
		}
		if !c.tx.VertexExists(x.id) {
			return nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "node %d was deleted", x.id)
		}
		if c.ptx != nil {
			return c.ptx.VertexProp(x.id, key), nil
		}
		return c.tx.VertexProps(x.id)[key], nil
	case relRef:
		if c.ftx != nil {
			if v, ok := c.ftx.EdgePropOK(x.id, key); ok {
				return v, nil
			}
			return nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "relationship %d was deleted", x.id)
		}
		if _, ok := c.tx.Edge(x.id); !ok {
			return nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "relationship %d was deleted", x.id)
		}
		if c.ptx != nil {
			return c.ptx.EdgeProp(x.id, key), nil
		}
		return c.tx.EdgeProps(x.id)[key], nil
	case value.Map:
		return x[key], nil
	case value.Point:
		return functions.PointField(x, key)
	}
	switch m.(type) {
	case value.Date, value.LocalTime, value.Time, value.LocalDateTime, value.DateTime, value.Duration:
		v, _ := functions.TemporalProperty(m, key)
		return v, nil
	}
	return nil, typeErr("cannot access property %q of %s", key, typeName(m))
}

func (c *execCtx) evalIndex(x *IndexExpr, r row) (value.Value, error) {
	l, err := c.eval(x.X, r)
	if err != nil {
		return nil, err
	}
	i, err := c.eval(x.Idx, r)
	if err != nil {
		return nil, err
	}
	if l == nil || i == nil {
		return nil, nil
	}
	switch lv := l.(type) {
	case value.List:
		n, ok := i.(int64)
		if !ok {
			return nil, typeErr("list index must be an integer, got %s", typeName(i))
		}
		if n < 0 {
			n += int64(len(lv))
		}
		if n < 0 || n >= int64(len(lv)) {
			return nil, nil
		}
		return lv[n], nil
	case value.Map, nodeRef, relRef:
		k, ok := i.(string)
		if !ok {
			return nil, runtimeErr(CodeTypeError, "MapElementAccessByNonString", "map key must be a string, got %s", typeName(i))
		}
		return c.property(lv, k)
	}
	return nil, typeErr("cannot index %s", typeName(l))
}

func (c *execCtx) evalSlice(x *SliceExpr, r row) (value.Value, error) {
	l, err := c.eval(x.X, r)
	if err != nil || l == nil {
		return nil, err
	}
	lv, ok := l.(value.List)
	if !ok {
		return nil, typeErr("cannot slice %s", typeName(l))
	}
	n := int64(len(lv))
	bound := func(e Expr, def int64) (int64, bool, error) {
		if e == nil {
			return def, true, nil
		}
		v, err := c.eval(e, r)
		if err != nil || v == nil {
			return 0, false, err
		}
		i, ok := v.(int64)
		if !ok {
			return 0, false, typeErr("slice bound must be an integer, got %s", typeName(v))
		}
		if i < 0 {
			i += n
		}
		return max(0, min(i, n)), true, nil
	}
	from, ok1, err := bound(x.From, 0)
	if err != nil {
		return nil, err
	}
	to, ok2, err := bound(x.To, n)
	if err != nil {
		return nil, err
	}
	if !ok1 || !ok2 {
		return nil, nil
	}
	if from >= to {
		return value.List{}, nil
	}
	return append(value.List{}, lv[from:to]...), nil
}

func (c *execCtx) evalBool(e Expr, r row) (tri, error) {
	if pe, ok := e.(*PatternExpr); ok {
		found, err := c.patternMatches(pe.Pattern, nil, nil, r)
		if err != nil {
			return triNull, err
		}
		return triOf(found), nil
	}
	v, err := c.eval(e, r)
	if err != nil {
		return triNull, err
	}
	switch b := v.(type) {
	case nil:
		return triNull, nil
	case bool:
		return triOf(b), nil
	}
	return triNull, typeErr("expected a boolean, got %s", typeName(v))
}

func (c *execCtx) evalLogic(op binOp, x *Binary, r row) (value.Value, error) {
	a, err := c.evalBool(x.L, r)
	if err != nil {
		return nil, err
	}
	b, err := c.evalBool(x.R, r)
	if err != nil {
		return nil, err
	}
	switch op {
	case opAnd:
		if a == triFalse || b == triFalse {
			return false, nil
		}
		if a == triNull || b == triNull {
			return nil, nil
		}
		return true, nil
	case opOr:
		if a == triTrue || b == triTrue {
			return true, nil
		}
		if a == triNull || b == triNull {
			return nil, nil
		}
		return false, nil
	}
	if a == triNull || b == triNull {
		return nil, nil
	}
	return a != b, nil
}

func (c *execCtx) evalBinary(x *Binary, r row) (value.Value, error) {
	op := x.op
	if op == opUnknown {
		op = binOpOf(x.Op) // a node built without newBinary
	}
	switch op {
	case opAnd, opOr, opXor:
		return c.evalLogic(op, x, r)
	}
	a, err := c.eval(x.L, r)
	if err != nil {
		return nil, err
	}
	b, err := c.eval(x.R, r)
	if err != nil {
		return nil, err
	}
	switch op {
	case opEq:
		return equal(a, b).value(), nil
	case opNe:
		t := equal(a, b)
		if t == triNull {
			return nil, nil
		}
		return t == triFalse, nil
	case opLt, opGt, opLe, opGe:
		return compareBinary(op, x.Op, a, b), nil
	case opIn:
		return inList(a, b)
	case opStarts, opEnds, opContains:
		as, ok1 := a.(string)
		bs, ok2 := b.(string)
		if !ok1 || !ok2 {
			return nil, nil
		}
		switch op {
		case opStarts:
			return strings.HasPrefix(as, bs), nil
		case opEnds:
			return strings.HasSuffix(as, bs), nil
		}
		return strings.Contains(as, bs), nil
	case opRegex:
		as, ok1 := a.(string)
		bs, ok2 := b.(string)
		if !ok1 || !ok2 {
			return nil, nil
		}
		re := x.re
		if re == nil {
			if re, err = c.regexp(bs); err != nil {
				return nil, err
			}
		}
		return re.MatchString(as), nil
	}
	return arith(op, x.Op, a, b)
}

// compareBinary evaluates an inequality (op, spelled text).
func compareBinary(op binOp, text string, a, b value.Value) value.Value {
	if isPoint(a) || isPoint(b) {
		if t, ok := value.PointInequality(text, a, b); ok {
			return t.Value()
		}
	}
	cmp, ok := compareOp(a, b)
	if !ok {
		return nil
	}
	if isFloatNaN(a) || isFloatNaN(b) {
		return false
	}
	switch op {
	case opLt:
		return cmp < 0
	case opGt:
		return cmp > 0
	case opLe:
		return cmp <= 0
	}
	return cmp >= 0
}

func isPoint(v value.Value) bool {
	_, ok := v.(value.Point)
	return ok
}

func inList(a, b value.Value) (value.Value, error) {
	if b == nil {
		return nil, nil
	}
	l, ok := b.(value.List)
	if !ok {
		return nil, typeErr("IN expects a list, got %s", typeName(b))
	}
	res := triFalse
	for _, e := range l {
		switch equal(a, e) {
		case triTrue:
			return true, nil
		case triNull:
			res = triNull
		}
	}
	return res.value(), nil
}

// arith applies an arithmetic operator (op, spelled text) to a and b.
func arith(op binOp, text string, a, b value.Value) (value.Value, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt && op != opPow {
		return intArith(op, text, ai, bi)
	}
	if op == opAdd {
		if v, ok, err := addNonNumeric(a, b); ok {
			return v, err
		}
	}
	if !isNumber(a) || !isNumber(b) {
		if v, ok, err := functions.TemporalArith(text, a, b); ok {
			return v, fromCyerr(err)
		}
		return nil, typeErr("cannot apply %s to %s and %s", text, typeName(a), typeName(b))
	}
	x, y := toFloat(a), toFloat(b)
	switch op {
	case opAdd:
		return x + y, nil
	case opSub:
		return x - y, nil
	case opMul:
		return x * y, nil
	case opDiv:
		return x / y, nil
	case opMod:
		return math.Mod(x, y), nil
	}
	return math.Pow(x, y), nil
}

func intArith(op binOp, text string, a, b int64) (value.Value, error) {
	overflow := func() error {
		return runtimeErr(CodeArgumentError, "NumberOutOfRange", "integer overflow")
	}
	switch op {
	case opAdd:
		s := a + b
		if (s > a) != (b > 0) {
			return nil, overflow()
		}
		return s, nil
	case opSub:
		s := a - b
		if (s < a) != (b > 0) {
			return nil, overflow()
		}
		return s, nil
	case opMul:
		if a == 0 || b == 0 {
			return int64(0), nil
		}
		s := a * b
		if s/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
			return nil, overflow()
		}
		return s, nil
	case opDiv, opMod:
		if b == 0 {
			return nil, runtimeErr(CodeArgumentError, "DivisionByZero", "/ by zero")
		}
		if op == opDiv {
			return a / b, nil
		}
		return a % b, nil
	}
	return nil, typeErr("unknown operator %s", text)
}

func addNonNumeric(a, b value.Value) (value.Value, bool, error) {
	if al, ok := a.(value.List); ok {
		out := append(value.List{}, al...)
		if bl, ok := b.(value.List); ok {
			return append(out, bl...), true, nil
		}
		return append(out, b), true, nil
	}
	if bl, ok := b.(value.List); ok {
		return append(value.List{a}, bl...), true, nil
	}
	as, aStr := a.(string)
	bs, bStr := b.(string)
	switch {
	case aStr && bStr:
		return as + bs, true, nil
	case aStr && isNumber(b):
		return as + numString(b), true, nil
	case bStr && isNumber(a):
		return numString(a) + bs, true, nil
	}
	return nil, false, nil
}

func (c *execCtx) evalUnary(x *Unary, r row) (value.Value, error) {
	if x.Op == "NOT" {
		t, err := c.evalBool(x.X, r)
		if err != nil {
			return nil, err
		}
		switch t {
		case triTrue:
			return false, nil
		case triFalse:
			return true, nil
		}
		return nil, nil
	}
	v, err := c.eval(x.X, r)
	if err != nil || v == nil {
		return nil, err
	}
	switch n := v.(type) {
	case int64:
		if x.Op == "-" {
			if n == math.MinInt64 {
				return nil, runtimeErr(CodeArgumentError, "NumberOutOfRange", "integer overflow")
			}
			return -n, nil
		}
		return n, nil
	case float64:
		if x.Op == "-" {
			return -n, nil
		}
		return n, nil
	}
	return nil, typeErr("cannot negate %s", typeName(v))
}

func (c *execCtx) evalCase(x *CaseExpr, r row) (value.Value, error) {
	var test value.Value
	if x.Test != nil {
		v, err := c.eval(x.Test, r)
		if err != nil {
			return nil, err
		}
		test = v
	}
	for i, w := range x.Whens {
		if x.Test != nil {
			v, err := c.eval(w, r)
			if err != nil {
				return nil, err
			}
			if equal(test, v) != triTrue {
				continue
			}
		} else {
			t, err := c.evalBool(w, r)
			if err != nil {
				return nil, err
			}
			if t != triTrue {
				continue
			}
		}
		return c.eval(x.Thens[i], r)
	}
	if x.Else != nil {
		return c.eval(x.Else, r)
	}
	return nil, nil
}

func (c *execCtx) evalList(e Expr, r row) (value.List, bool, error) {
	v, err := c.eval(e, r)
	if err != nil || v == nil {
		return nil, false, err
	}
	l, ok := v.(value.List)
	if !ok {
		return nil, false, typeErr("expected a list, got %s", typeName(v))
	}
	return l, true, nil
}

func (c *execCtx) evalListComp(x *ListComp, r row) (value.Value, error) {
	l, ok, err := c.evalList(x.List, r)
	if err != nil || !ok {
		return nil, err
	}
	out := value.List{}
	inner, slot := c.scoped(r, x.slot, x.Var)
	defer c.unscope()
	for _, e := range l {
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		inner[slot] = e
		if x.Where != nil {
			t, err := c.evalBool(x.Where, inner)
			if err != nil {
				return nil, err
			}
			if t != triTrue {
				continue
			}
		}
		if x.Proj != nil {
			v, err := c.eval(x.Proj, inner)
			if err != nil {
				return nil, err
			}
			e = v
		}
		out = append(out, e)
		if len(out)%1024 == 0 && c.guard != nil {
			// A long comprehension counts while it is built (its elements
			// are alike, so the last one stands for the others).
			if err := c.guard.Check(int64(len(out)) * valueBytes(e)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (c *execCtx) evalQuantifier(x *Quantifier, r row) (value.Value, error) {
	l, ok, err := c.evalList(x.List, r)
	if err != nil || !ok {
		return nil, err
	}
	trues, nulls := 0, 0
	inner, slot := c.scoped(r, x.slot, x.Var)
	defer c.unscope()
	for _, e := range l {
		t := triTrue
		if x.Where != nil {
			inner[slot] = e
			t, err = c.evalBool(x.Where, inner)
			if err != nil {
				return nil, err
			}
		}
		switch t {
		case triTrue:
			trues++
		case triNull:
			nulls++
		}
	}
	falses := len(l) - trues - nulls
	switch x.Kind {
	case "all":
		if falses > 0 {
			return false, nil
		}
		if nulls > 0 {
			return nil, nil
		}
		return true, nil
	case "any":
		if trues > 0 {
			return true, nil
		}
		if nulls > 0 {
			return nil, nil
		}
		return false, nil
	case "none":
		if trues > 0 {
			return false, nil
		}
		if nulls > 0 {
			return nil, nil
		}
		return true, nil
	}
	if trues > 1 {
		return false, nil
	}
	if nulls > 0 {
		return nil, nil
	}
	return trues == 1, nil
}

func (c *execCtx) evalReduce(x *Reduce, r row) (value.Value, error) {
	acc, err := c.eval(x.Init, r)
	if err != nil {
		return nil, err
	}
	l, ok, err := c.evalList(x.List, r)
	if err != nil || !ok {
		return nil, err
	}
	inner, slot := c.scoped(r, x.slot, x.Var)
	defer c.unscope()
	accSlot := x.accSlot - 1
	if accSlot < 0 {
		accSlot = c.lay.slot(x.Acc)
	}
	for _, e := range l {
		inner[accSlot], inner[slot] = acc, e
		acc, err = c.eval(x.Expr, inner)
		if err != nil {
			return nil, err
		}
	}
	return acc, nil
}

// scoped returns a copy of r for a nested scope that binds name (its
// slot + 1 is slot1, 0 when unresolved) and that slot: the scope rebinds
// its variable in place per element. The copy is a scratch row of the
// execution, one per nesting depth, which the caller gives back with
// unscope when the scope's evaluation ends (no row of it outlives that).
func (c *execCtx) scoped(r row, slot1 int, name string) (row, int) {
	slot := slot1 - 1
	if slot < 0 {
		slot = c.lay.slot(name)
	}
	d := c.nscopes
	c.nscopes++
	if d == len(c.scopes) {
		c.scopes = append(c.scopes, nil)
	}
	if len(c.scopes[d]) != len(r) {
		c.scopes[d] = make(row, len(r))
	}
	copy(c.scopes[d], r)
	return c.scopes[d], slot
}

// unscope gives back the innermost scratch row of scoped.
func (c *execCtx) unscope() { c.nscopes-- }

// projectionSource returns how a map projection reads base's properties:
// one at a time from a node or relationship when no item takes them all
// (without building the entity's map), else from its map, also returned.
func (c *execCtx) projectionSource(base value.Value, items []MapProjItem) (func(string) value.Value, value.Map, error) {
	all := false
	for _, it := range items {
		all = all || it.Kind == "all"
	}
	if c.ftx != nil && !all {
		switch b := base.(type) {
		case nodeRef:
			if !c.tx.VertexExists(b.id) {
				return nil, nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "node %d was deleted", b.id)
			}
			return func(k string) value.Value { v, _ := c.ftx.VertexPropOK(b.id, k); return v }, nil, nil
		case relRef:
			return func(k string) value.Value { v, _ := c.ftx.EdgePropOK(b.id, k); return v }, nil, nil
		}
	}
	props, err := c.propsOf(base)
	if err != nil {
		return nil, nil, err
	}
	return func(k string) value.Value { return props[k] }, props, nil
}

func (c *execCtx) propsOf(v value.Value) (value.Map, error) {
	switch x := v.(type) {
	case nodeRef:
		if !c.tx.VertexExists(x.id) {
			return nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "node %d was deleted", x.id)
		}
		return c.tx.VertexProps(x.id), nil
	case relRef:
		return c.tx.EdgeProps(x.id), nil
	case value.Map:
		return x, nil
	}
	return nil, typeErr("expected a map, node or relationship, got %s", typeName(v))
}

func (c *execCtx) evalMapProjection(x *MapProjection, r row) (value.Value, error) {
	i := x.slot - 1
	if i < 0 {
		i = c.lay.slot(x.Var)
	}
	base, ok := r.lookup(i)
	if !ok {
		return nil, runtimeErr(CodeSyntaxError, "UndefinedVariable", "variable `%s` not defined", x.Var)
	}
	if base == nil {
		return nil, nil
	}
	prop, props, err := c.projectionSource(base, x.Items)
	if err != nil {
		return nil, err
	}
	out := value.Map{}
	for _, it := range x.Items {
		switch it.Kind {
		case "all":
			for k, v := range props {
				out[k] = v
			}
		case "prop":
			out[it.Key] = prop(it.Key)
		default:
			v, err := c.eval(it.Val, r)
			if err != nil {
				return nil, err
			}
			out[it.Key] = v
		}
	}
	return out, nil
}

// compileRegexp compiles the pattern of =~, which matches whole strings.
func compileRegexp(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return nil, runtimeErr(CodeArgumentError, "InvalidArgumentValue", "invalid regular expression: %v", err)
	}
	return re, nil
}

// regexp returns the compiled form of pattern, compiling each distinct
// pattern once per execution (a constant =~ operand is compiled once, not
// once per row).
func (c *execCtx) regexp(pattern string) (*regexp.Regexp, error) {
	if re, ok := c.regexps[pattern]; ok {
		return re, nil
	}
	re, err := compileRegexp(pattern)
	if err != nil {
		return nil, err
	}
	if c.regexps == nil {
		c.regexps = map[string]*regexp.Regexp{}
	}
	if len(c.regexps) < 64 {
		c.regexps[pattern] = re
	}
	return re, nil
}
