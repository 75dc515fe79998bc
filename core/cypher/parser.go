package cypher

import (
	"math"
	"strconv"
	"strings"
)

// Parse parses one Cypher statement. Errors are *Error with Code
// Neo.ClientError.Statement.SyntaxError and the line and column of the
// offending token.
func Parse(src string) (q *Query, err error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			q, err = nil, pe
		}
	}()
	q = p.parseStatement()
	return q, nil
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int // expression nesting, bounded so no query exhausts the stack
	nodes int // operator nodes built, bounded for the same reason
	// params are the statement's parameters, each at its first use.
	params []*Param
}

// param records a use of parameter name at pos.
func (p *parser) param(pos Pos, name string) *Param {
	x := &Param{node{pos}, name}
	for _, q := range p.params {
		if q.Name == name {
			return x
		}
	}
	p.params = append(p.params, x)
	return x
}

// maxNodes bounds the operator nodes of one statement: a left-deep chain
// (a AND b AND ...) is as deep as it is long.
const maxNodes = 100_000

// grow counts one more operator node.
func (p *parser) grow() {
	p.nodes++
	if p.nodes > maxNodes {
		p.fail("UnexpectedSyntax", "statement has more than %d operators", maxNodes)
	}
}

// maxDepth bounds expression nesting.
const maxDepth = 500

func (p *parser) tok() token { return p.toks[p.i] }
func (p *parser) peek(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) adv() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) fail(detail, format string, args ...any) {
	panic(syntaxErr(p.tok().pos, detail, format, args...))
}

func (p *parser) unexpected(want string) {
	t := p.tok()
	if t.kind == tEOF {
		p.fail("UnexpectedSyntax", "unexpected end of input, expected %s", want)
	}
	p.fail("UnexpectedSyntax", "unexpected %q, expected %s", p.src[t.pos.Off:t.end], want)
}

func isKw(t token, kw string) bool  { return t.kind == tIdent && strings.EqualFold(t.text, kw) }
func (p *parser) is(kw string) bool { return isKw(p.tok(), kw) }
func (p *parser) isP(s string) bool { t := p.tok(); return t.kind == tPunct && t.text == s }

func (p *parser) accept(kw string) bool {
	if p.is(kw) {
		p.adv()
		return true
	}
	return false
}

func (p *parser) acceptP(s string) bool {
	if p.isP(s) {
		p.adv()
		return true
	}
	return false
}

func (p *parser) expect(kw string) {
	if !p.accept(kw) {
		p.unexpected(kw)
	}
}

func (p *parser) expectP(s string) {
	if !p.acceptP(s) {
		p.unexpected("'" + s + "'")
	}
}

// symbolicName reads an identifier (plain or back-quoted).
func (p *parser) symbolicName(what string) string {
	t := p.tok()
	if t.kind == tIdent || t.kind == tQuotedIdent {
		p.adv()
		return t.text
	}
	p.unexpected(what)
	return ""
}

func (p *parser) parseStatement() *Query {
	q := &Query{}
	if p.accept("EXPLAIN") {
		q.Explain = true
	} else if p.accept("PROFILE") {
		q.Profile = true
	}
	pos := p.tok().pos
	if a := p.parseAdmin(); a != nil {
		q.Admin = a
	} else if s := p.parseSchema(); s != nil && !(showProcedure[s.Kind] != "" && (p.is("YIELD") || p.is("WHERE"))) {
		q.Schema = s
	} else if s != nil {
		q.Parts = append(q.Parts, p.parseShowQuery(pos, s))
	} else {
		q.Parts = append(q.Parts, p.parseSingle())
		for p.accept("UNION") {
			q.UnionAll = append(q.UnionAll, p.accept("ALL"))
			q.Parts = append(q.Parts, p.parseSingle())
		}
	}
	q.MemoryLimit = p.parseMemoryLimit()
	p.acceptP(";")
	if p.tok().kind != tEOF {
		p.unexpected("end of query")
	}
	q.Params = p.params
	return q
}

// isMemoryLimit reports whether the QUERY MEMORY suffix starts here.
func (p *parser) isMemoryLimit() bool { return p.is("QUERY") && isKw(p.peek(1), "MEMORY") }

// parseMemoryLimit reads Memgraph's QUERY MEMORY LIMIT n KB|MB or QUERY
// MEMORY UNLIMITED suffix: the limit in bytes, -1 for unlimited, 0 when the
// suffix is absent.
func (p *parser) parseMemoryLimit() int64 {
	if !p.isMemoryLimit() {
		return 0
	}
	p.adv()
	p.adv()
	if p.accept("UNLIMITED") {
		return -1
	}
	p.expect("LIMIT")
	t := p.tok()
	if t.kind != tInt {
		p.unexpected("a memory size")
	}
	n := p.intLit()
	unit := int64(1 << 20)
	switch {
	case p.accept("KB"):
		unit = 1 << 10
	case p.accept("MB"):
	default:
		p.unexpected("KB or MB")
	}
	if n <= 0 || n > (1<<43)/unit {
		panic(syntaxErr(t.pos, "InvalidArgument", "QUERY MEMORY LIMIT must be between 1 KB and 8192 GB"))
	}
	return n * unit
}

// showProcedure names the built-in procedure behind a SHOW statement that
// takes Neo4j's YIELD ... WHERE ... RETURN ... tail.
var showProcedure = map[string]string{
	"show-indexes": "quiver.show.indexes", "show-constraints": "quiver.show.constraints",
}

// parseShowQuery parses the tail of SHOW INDEXES|CONSTRAINTS [YIELD ...]
// [WHERE ...] [clauses] as a CALL of the statement's built-in procedure
// followed by those clauses.
func (p *parser) parseShowQuery(pos Pos, s *SchemaStmt) *SingleQuery {
	c := &CallClause{clauseNode: clauseNode{P: pos}, Name: showProcedure[s.Kind]}
	if p.accept("WHERE") {
		c.YieldAll = true
		c.Where = p.parseExpr()
	} else {
		p.parseYield(c)
	}
	sq := &SingleQuery{Clauses: []Clause{c}}
	if c.YieldAll && c.Where != nil {
		// SHOW ... WHERE: yield every column under its own name.
		c.YieldAll = false
		for _, col := range schemaColumns(s) {
			c.Yields = append(c.Yields, YieldItem{P: pos, Field: col, Var: col})
		}
	}
	for p.tok().kind != tEOF && !p.is("UNION") && !p.isP(";") && !p.isMemoryLimit() {
		sq.Clauses = append(sq.Clauses, p.parseClause())
	}
	return sq
}

func (p *parser) parseSingle() *SingleQuery {
	sq := &SingleQuery{}
	for p.tok().kind != tEOF && !p.is("UNION") && !p.isP(";") && !p.isMemoryLimit() {
		sq.Clauses = append(sq.Clauses, p.parseClause())
	}
	if len(sq.Clauses) == 0 {
		p.unexpected("a clause")
	}
	return sq
}

func (p *parser) parseClause() Clause {
	pos := p.tok().pos
	cn := clauseNode{P: pos}
	switch {
	case p.accept("MATCH"):
		return p.parseMatch(cn, false)
	case p.accept("OPTIONAL"):
		p.expect("MATCH")
		return p.parseMatch(cn, true)
	case p.accept("UNWIND"):
		e := p.parseExpr()
		p.expect("AS")
		return &UnwindClause{clauseNode: cn, Expr: e, Var: p.symbolicName("a variable")}
	case p.accept("WITH"):
		c := &WithClause{clauseNode: cn, Proj: p.parseProjection()}
		if p.accept("WHERE") {
			c.Where = p.parseExpr()
		}
		return c
	case p.accept("RETURN"):
		return &ReturnClause{clauseNode: cn, Proj: p.parseProjection()}
	case p.accept("CREATE"):
		return &CreateClause{clauseNode: cn, Patterns: p.parsePatternList()}
	case p.accept("MERGE"):
		return p.parseMerge(cn)
	case p.accept("SET"):
		return &SetClause{clauseNode: cn, Items: p.parseSetItems()}
	case p.accept("REMOVE"):
		return &RemoveClause{clauseNode: cn, Items: p.parseRemoveItems()}
	case p.is("DETACH") || p.is("DELETE"):
		detach := p.accept("DETACH")
		p.expect("DELETE")
		c := &DeleteClause{clauseNode: cn, Detach: detach, Exprs: []Expr{p.parseExpr()}}
		for p.acceptP(",") {
			c.Exprs = append(c.Exprs, p.parseExpr())
		}
		return c
	case p.accept("CALL"):
		return p.parseCall(cn)
	case p.accept("LOAD"):
		return p.parseLoadCSV(cn)
	case p.accept("FOREACH"):
		p.expectP("(")
		f := &ForeachClause{clauseNode: cn, Var: p.symbolicName("a variable")}
		p.expect("IN")
		f.List = p.parseExpr()
		p.expectP("|")
		for !p.isP(")") {
			if p.tok().kind == tEOF {
				p.unexpected("')'")
			}
			f.Clauses = append(f.Clauses, p.parseClause())
		}
		p.adv()
		if len(f.Clauses) == 0 {
			p.unexpected("an update clause")
		}
		return f
	}
	p.unexpected("a clause (MATCH, RETURN, CREATE, ...)")
	return nil
}

func (p *parser) parseCall(cn clauseNode) Clause {
	if p.isP("{") {
		return p.parseCallSubquery(cn)
	}
	c := &CallClause{clauseNode: cn, Name: p.symbolicName("a procedure name")}
	for p.acceptP(".") {
		c.Name += "." + p.symbolicName("a procedure name")
	}
	if p.acceptP("(") {
		for !p.acceptP(")") {
			c.Args = append(c.Args, p.parseExpr())
			if !p.isP(")") {
				p.expectP(",")
			}
		}
	} else {
		c.Implicit = true
	}
	p.parseYield(c)
	return c
}

// parseYield reads a CALL's optional YIELD items (or *) and WHERE.
func (p *parser) parseYield(c *CallClause) {
	if p.accept("YIELD") {
		if p.acceptP("*") {
			c.YieldAll = true
			return
		}
		for {
			it := YieldItem{P: p.tok().pos, Field: p.symbolicName("a procedure output")}
			it.Var = it.Field
			if p.accept("AS") {
				it.Var = p.symbolicName("a variable")
			}
			c.Yields = append(c.Yields, it)
			if !p.acceptP(",") {
				break
			}
		}
		if p.accept("WHERE") {
			c.Where = p.parseExpr()
		}
	}
}

func (p *parser) parseMatch(cn clauseNode, optional bool) Clause {
	c := &MatchClause{clauseNode: cn, Optional: optional, Patterns: p.parsePatternList()}
	if p.accept("WHERE") {
		c.Where = p.parseExpr()
	}
	return c
}

func (p *parser) parseMerge(cn clauseNode) Clause {
	c := &MergeClause{clauseNode: cn, Pattern: p.parsePathPattern()}
	for p.is("ON") {
		p.adv()
		switch {
		case p.accept("CREATE"):
			p.expect("SET")
			c.OnCreate = append(c.OnCreate, p.parseSetItems()...)
		case p.accept("MATCH"):
			p.expect("SET")
			c.OnMatch = append(c.OnMatch, p.parseSetItems()...)
		default:
			p.unexpected("CREATE or MATCH")
		}
	}
	return c
}

func (p *parser) parseSetItems() []SetItem {
	var items []SetItem
	for {
		items = append(items, p.parseSetItem())
		if !p.acceptP(",") {
			return items
		}
	}
}

func (p *parser) parseSetItem() SetItem {
	pos := p.tok().pos
	if p.isP("(") {
		target := p.parsePostfix(p.parseAtom())
		if _, ok := target.(*PropAccess); !ok {
			p.unexpected("a property to set")
		}
		p.expectP("=")
		return SetItem{Kind: "prop", Target: target, Val: p.parseExpr()}
	}
	name := p.symbolicName("a variable")
	v := &Var{node: node{pos}, Name: name}
	switch {
	case p.isP(":"):
		return SetItem{Kind: "labels", Target: v, Labels: p.parseLabels()}
	case p.acceptP("="):
		return SetItem{Kind: "replace", Target: v, Val: p.parseExpr()}
	case p.acceptP("+="):
		return SetItem{Kind: "merge", Target: v, Val: p.parseExpr()}
	}
	var target Expr = v
	if !p.isP(".") {
		p.unexpected("'.', ':', '=' or '+='")
	}
	for p.acceptP(".") {
		target = &PropAccess{node{pos}, target, p.symbolicName("a property key")}
	}
	p.expectP("=")
	return SetItem{Kind: "prop", Target: target, Val: p.parseExpr()}
}

func (p *parser) parseRemoveItems() []SetItem {
	var items []SetItem
	for {
		pos := p.tok().pos
		v := &Var{node: node{pos}, Name: p.symbolicName("a variable")}
		if p.isP(":") {
			items = append(items, SetItem{Kind: "labels", Target: v, Labels: p.parseLabels()})
		} else {
			p.expectP(".")
			items = append(items, SetItem{Kind: "prop", Target: &PropAccess{node{pos}, v, p.symbolicName("a property key")}})
		}
		if !p.acceptP(",") {
			return items
		}
	}
}

func (p *parser) parseLabels() []string {
	var ls []string
	for p.acceptP(":") {
		ls = append(ls, p.symbolicName("a label"))
	}
	return ls
}

func (p *parser) parseProjection() Projection {
	var pr Projection
	pr.Distinct = p.accept("DISTINCT")
	if p.acceptP("*") {
		pr.Star = true
		if !p.acceptP(",") {
			goto tail
		}
	}
	for {
		start := p.tok()
		e := p.parseExpr()
		end := p.toks[p.i-1].end
		item := ReturnItem{Expr: e, Name: strings.TrimSpace(p.src[start.pos.Off:end])}
		if p.accept("AS") {
			item.Name = p.symbolicName("an alias")
			item.Aliased = true
		}
		if v, ok := e.(*Var); ok && !item.Aliased {
			item.Name = v.Name
		}
		pr.Items = append(pr.Items, item)
		if !p.acceptP(",") {
			break
		}
	}
tail:
	if p.is("ORDER") {
		p.adv()
		p.expect("BY")
		for {
			si := SortItem{Expr: p.parseExpr()}
			if p.accept("DESC") || p.accept("DESCENDING") {
				si.Desc = true
			} else if !p.accept("ASC") {
				p.accept("ASCENDING")
			}
			pr.Order = append(pr.Order, si)
			if !p.acceptP(",") {
				break
			}
		}
	}
	if p.accept("SKIP") {
		pr.Skip = p.parseExpr()
	}
	if p.accept("LIMIT") {
		pr.Limit = p.parseExpr()
	}
	return pr
}

func (p *parser) parsePatternList() []*PathPattern {
	ps := []*PathPattern{p.parsePathPattern()}
	for p.acceptP(",") {
		ps = append(ps, p.parsePathPattern())
	}
	return ps
}

func (p *parser) parsePathPattern() *PathPattern {
	pp := &PathPattern{P: p.tok().pos}
	if (p.tok().kind == tIdent || p.tok().kind == tQuotedIdent) && p.peek(1).kind == tPunct && p.peek(1).text == "=" {
		pp.Var = p.adv().text
		p.adv()
	}
	if p.is("shortestPath") || p.is("allShortestPaths") {
		pp.Shortest = p.adv().text
		p.expectP("(")
		p.parsePatternChain(pp)
		p.expectP(")")
		return pp
	}
	p.parsePatternChain(pp)
	return pp
}

func (p *parser) parsePatternChain(pp *PathPattern) {
	pp.Nodes = append(pp.Nodes, p.parseNodePattern())
	for p.isP("-") || (p.isP("<") && p.peek(1).kind == tPunct && p.peek(1).text == "-") {
		pp.Rels = append(pp.Rels, p.parseRelPattern())
		pp.Nodes = append(pp.Nodes, p.parseNodePattern())
	}
}

func (p *parser) parseNodePattern() *NodePattern {
	np := &NodePattern{P: p.tok().pos}
	p.expectP("(")
	if t := p.tok(); t.kind == tIdent || t.kind == tQuotedIdent {
		np.Var = p.adv().text
	}
	np.Labels = p.parseLabels()
	if p.isP("{") || p.tok().kind == tParam {
		np.Props = p.parseAtom()
	}
	p.expectP(")")
	return np
}

func (p *parser) parseRelPattern() *RelPattern {
	rp := &RelPattern{P: p.tok().pos, Dir: DirBoth, Max: -1}
	left := false
	if p.acceptP("<") {
		left = true
	}
	p.expectP("-")
	if p.acceptP("[") {
		if t := p.tok(); t.kind == tIdent || t.kind == tQuotedIdent {
			rp.Var = p.adv().text
		}
		if p.acceptP(":") {
			rp.Types = append(rp.Types, p.symbolicName("a relationship type"))
			for p.acceptP("|") {
				p.acceptP(":")
				rp.Types = append(rp.Types, p.symbolicName("a relationship type"))
			}
		}
		if p.isP("..") || p.tok().kind == tInt {
			p.fail("InvalidRelationshipPattern", "variable length relationships need '*'")
		}
		if p.acceptP("*") && !p.parsePathAlgo(rp) {
			if p.isP("-") {
				p.fail("InvalidRelationshipPattern", "relationship length bounds must not be negative")
			}
			rp.VarLen = true
			rp.Min = 1
			if p.tok().kind == tInt {
				rp.Min = p.intLit()
				rp.Max = rp.Min
			}
			if p.acceptP("..") {
				rp.Max = -1
				if p.tok().kind == tInt {
					rp.Max = p.intLit()
				}
			}
		}
		if p.isP("{") || p.tok().kind == tParam {
			rp.Props = p.parseAtom()
		}
		p.expectP("]")
	}
	p.expectP("-")
	right := p.acceptP(">")
	switch {
	case left && right:
		rp.Dir = DirBoth
	case left:
		rp.Dir = DirIn
	case right:
		rp.Dir = DirOut
	}
	return rp
}

func (p *parser) intLit() int64 {
	t := p.adv()
	v, err := parseIntLit(t.text)
	if err != "" {
		panic(syntaxErr(t.pos, err, "invalid integer %q", t.text))
	}
	return v
}

// parseIntLit parses decimal, 0x hexadecimal and 0o octal integers.
func parseIntLit(s string) (int64, string) {
	u, err := parseUintLit(s)
	if err == "" && u > math.MaxInt64 {
		return 0, "IntegerOverflow"
	}
	return int64(u), err
}

// parseUintLit parses the magnitude of an integer literal, which may reach
// 2^63 when a minus sign stands before it.
func parseUintLit(s string) (uint64, string) {
	base, digits := 10, s
	switch {
	case strings.HasPrefix(s, "0x"):
		base, digits = 16, s[2:]
	case strings.HasPrefix(s, "0o"):
		base, digits = 8, s[2:]
	}
	u, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, "IntegerOverflow"
		}
		return 0, "InvalidNumberLiteral"
	}
	return u, ""
}

// ---- expressions ----

func (p *parser) parseExpr() Expr {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		p.fail("UnexpectedSyntax", "expression nested more than %d levels deep", maxDepth)
	}
	return p.parseOr()
}

func (p *parser) parseOr() Expr {
	l := p.parseXor()
	for p.is("OR") {
		p.grow()
		pos := p.adv().pos
		l = newBinary(node{pos}, "OR", l, p.parseXor())
	}
	return l
}

func (p *parser) parseXor() Expr {
	l := p.parseAnd()
	for p.is("XOR") {
		p.grow()
		pos := p.adv().pos
		l = newBinary(node{pos}, "XOR", l, p.parseAnd())
	}
	return l
}

func (p *parser) parseAnd() Expr {
	l := p.parseNot()
	for p.is("AND") {
		p.grow()
		pos := p.adv().pos
		l = newBinary(node{pos}, "AND", l, p.parseNot())
	}
	return l
}

func (p *parser) parseNot() Expr {
	if p.is("NOT") {
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			p.fail("UnexpectedSyntax", "expression nested more than %d levels deep", maxDepth)
		}
		pos := p.adv().pos
		return &Unary{node{pos}, "NOT", p.parseNot()}
	}
	return p.parseComparison()
}

var compOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true}

func (p *parser) parseComparison() Expr {
	l := p.parseStringPred()
	var result Expr
	for p.tok().kind == tPunct && compOps[p.tok().text] {
		p.grow()
		t := p.adv()
		op := t.text
		if op == "!=" {
			op = "<>"
		}
		r := p.parseStringPred()
		cmp := newBinary(node{t.pos}, op, l, r)
		if result == nil {
			result = cmp
		} else {
			result = newBinary(node{t.pos}, "AND", result, cmp)
		}
		l = r
	}
	if result == nil {
		return l
	}
	return result
}

func (p *parser) parseStringPred() Expr {
	l := p.parseAdd()
	for {
		pos := p.tok().pos
		switch {
		case p.is("STARTS") && isKw(p.peek(1), "WITH"):
			p.grow()
			p.adv()
			p.adv()
			l = newBinary(node{pos}, "STARTS", l, p.parseAdd())
		case p.is("ENDS") && isKw(p.peek(1), "WITH"):
			p.grow()
			p.adv()
			p.adv()
			l = newBinary(node{pos}, "ENDS", l, p.parseAdd())
		case p.is("CONTAINS"):
			p.grow()
			p.adv()
			l = newBinary(node{pos}, "CONTAINS", l, p.parseAdd())
		case p.is("IN"):
			p.grow()
			p.adv()
			l = newBinary(node{pos}, "IN", l, p.parseAdd())
		case p.isP("=~"):
			p.grow()
			p.adv()
			l = newBinary(node{pos}, "=~", l, p.parseAdd())
		case p.is("IS"):
			p.grow()
			p.adv()
			not := p.accept("NOT")
			p.expect("NULL")
			l = &IsNull{node{pos}, l, not}
		default:
			return l
		}
	}
}

func (p *parser) parseAdd() Expr {
	l := p.parseMul()
	for p.isP("+") || p.isP("-") {
		p.grow()
		t := p.adv()
		l = newBinary(node{t.pos}, t.text, l, p.parseMul())
	}
	return l
}

func (p *parser) parseMul() Expr {
	l := p.parsePow()
	for p.isP("*") || p.isP("/") || p.isP("%") {
		p.grow()
		t := p.adv()
		l = newBinary(node{t.pos}, t.text, l, p.parsePow())
	}
	return l
}

func (p *parser) parsePow() Expr {
	l := p.parseUnary()
	for p.isP("^") {
		p.grow()
		t := p.adv()
		l = newBinary(node{t.pos}, "^", l, p.parseUnary())
	}
	return l
}

func (p *parser) parseUnary() Expr {
	if p.isP("-") || p.isP("+") {
		t := p.adv()
		if t.text == "-" && p.tok().kind == tInt {
			it := p.adv()
			// The literal's value decides, whatever its spelling: the
			// magnitude may be 2^63 only because it is negated.
			u, err := parseUintLit(it.text)
			if err == "" && u > 1<<63 {
				err = "IntegerOverflow"
			}
			v := -int64(u) // 2^63 wraps to math.MinInt64, as wanted
			if err != "" {
				panic(syntaxErr(it.pos, err, "invalid integer literal %q", it.text))
			}
			return p.parsePostfix(&Literal{node{t.pos}, v})
		}
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			p.fail("UnexpectedSyntax", "expression nested more than %d levels deep", maxDepth)
		}
		return &Unary{node{t.pos}, t.text, p.parseUnary()}
	}
	return p.parsePostfix(p.parseAtom())
}

func (p *parser) parsePostfix(e Expr) Expr {
	for {
		pos := p.tok().pos
		switch {
		case p.isP("."):
			p.grow()
			p.adv()
			e = &PropAccess{node{pos}, e, p.symbolicName("a property key")}
		case p.isP("["):
			p.grow()
			p.adv()
			var from, to Expr
			if !p.isP("..") {
				from = p.parseExpr()
			}
			if p.acceptP("..") {
				if !p.isP("]") {
					to = p.parseExpr()
				}
				p.expectP("]")
				e = &SliceExpr{node{pos}, e, from, to}
			} else {
				p.expectP("]")
				if from == nil {
					p.unexpected("an index")
				}
				e = &IndexExpr{node{pos}, e, from}
			}
		case p.isP(":"):
			p.grow()
			e = &HasLabels{node{pos}, e, p.parseLabels()}
		default:
			return e
		}
	}
}

func (p *parser) parseAtom() Expr {
	t := p.tok()
	pos := t.pos
	switch t.kind {
	case tInt:
		p.adv()
		v, err := parseIntLit(t.text)
		if err != "" {
			panic(syntaxErr(pos, err, "invalid integer literal %q", t.text))
		}
		return &Literal{node{pos}, v}
	case tFloat:
		p.adv()
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				panic(syntaxErr(pos, "FloatingPointOverflow", "float literal out of range %q", t.text))
			}
			panic(syntaxErr(pos, "InvalidNumberLiteral", "invalid float literal %q", t.text))
		}
		return &Literal{node{pos}, f}
	case tString:
		p.adv()
		return &Literal{node{pos}, t.text}
	case tParam:
		p.adv()
		return p.param(pos, t.text)
	case tPunct:
		switch t.text {
		case "(":
			return p.parseParenOrPattern()
		case "[":
			return p.parseBracket()
		case "{":
			return p.parseMapLit()
		}
	case tQuotedIdent:
		p.adv()
		return p.maybeMapProjection(&Var{node: node{pos}, Name: t.text})
	case tIdent:
		return p.parseIdentAtom()
	}
	p.unexpected("an expression")
	return nil
}

func (p *parser) parseParenOrPattern() Expr {
	pos := p.tok().pos
	save := p.i
	if pp, ok := p.tryPattern(); ok && len(pp.Rels) > 0 {
		return &PatternExpr{node{pos}, pp}
	}
	p.i = save
	p.expectP("(")
	e := p.parseExpr()
	p.expectP(")")
	return e
}

// tryPattern attempts to parse a path pattern at the current position; on
// failure it restores the position and reports false.
func (p *parser) tryPattern() (pp *PathPattern, ok bool) {
	save := p.i
	defer func() {
		if r := recover(); r != nil {
			if _, isErr := r.(*Error); !isErr {
				panic(r)
			}
			p.i = save
			pp, ok = nil, false
		}
	}()
	return p.parsePathPattern(), true
}

func (p *parser) parseBracket() Expr {
	pos := p.adv().pos
	// [x IN list ...]
	if t := p.tok(); (t.kind == tIdent || t.kind == tQuotedIdent) && isKw(p.peek(1), "IN") {
		v := p.adv().text
		p.adv()
		lc := &ListComp{node: node{pos}, Var: v, List: p.parseExpr()}
		if p.accept("WHERE") {
			lc.Where = p.parseExpr()
		}
		if p.acceptP("|") {
			lc.Proj = p.parseExpr()
		}
		p.expectP("]")
		return lc
	}
	// pattern comprehension
	save := p.i
	if p.isP("(") || (p.peek(1).kind == tPunct && p.peek(1).text == "=") {
		if pp, ok := p.tryPattern(); ok && (p.is("WHERE") || p.isP("|")) {
			pc := &PatternComp{node: node{pos}, Pattern: pp}
			if p.accept("WHERE") {
				pc.Where = p.parseExpr()
			}
			p.expectP("|")
			pc.Proj = p.parseExpr()
			p.expectP("]")
			return pc
		}
		p.i = save
	}
	l := &ListLit{node: node{pos}}
	for !p.acceptP("]") {
		l.Items = append(l.Items, p.parseExpr())
		if !p.isP("]") {
			p.expectP(",")
		}
	}
	return l
}

func (p *parser) parseMapLit() *MapLit {
	pos := p.adv().pos
	m := &MapLit{node: node{pos}}
	for !p.acceptP("}") {
		m.Keys = append(m.Keys, p.symbolicName("a map key"))
		p.expectP(":")
		m.Vals = append(m.Vals, p.parseExpr())
		if !p.isP("}") {
			p.expectP(",")
		}
	}
	return m
}

func (p *parser) maybeMapProjection(v *Var) Expr {
	if !p.isP("{") {
		return v
	}
	p.adv()
	mp := &MapProjection{node: v.node, Var: v.Name}
	for !p.acceptP("}") {
		switch {
		case p.acceptP("."):
			if p.acceptP("*") {
				mp.Items = append(mp.Items, MapProjItem{Kind: "all"})
			} else {
				mp.Items = append(mp.Items, MapProjItem{Kind: "prop", Key: p.symbolicName("a property key")})
			}
		default:
			pos := p.tok().pos
			k := p.symbolicName("a map projection item")
			if p.acceptP(":") {
				mp.Items = append(mp.Items, MapProjItem{Kind: "val", Key: k, Val: p.parseExpr()})
			} else {
				mp.Items = append(mp.Items, MapProjItem{Kind: "var", Key: k, Val: &Var{node: node{pos}, Name: k}})
			}
		}
		if !p.isP("}") {
			p.expectP(",")
		}
	}
	return mp
}

func (p *parser) parseIdentAtom() Expr {
	t := p.tok()
	pos := t.pos
	switch strings.ToUpper(t.text) {
	case "NULL":
		p.adv()
		return &Literal{node{pos}, nil}
	case "TRUE":
		p.adv()
		return &Literal{node{pos}, true}
	case "FALSE":
		p.adv()
		return &Literal{node{pos}, false}
	case "CASE":
		return p.parseCase()
	case "ALL", "ANY", "NONE", "SINGLE":
		if p.peek(1).kind == tPunct && p.peek(1).text == "(" && isKw(p.peek(3), "IN") {
			p.adv()
			p.adv()
			q := &Quantifier{node: node{pos}, Kind: strings.ToLower(t.text), Var: p.symbolicName("a variable")}
			p.expect("IN")
			q.List = p.parseExpr()
			if p.accept("WHERE") {
				q.Where = p.parseExpr()
			}
			p.expectP(")")
			return q
		}
	case "REDUCE":
		if p.peek(1).kind == tPunct && p.peek(1).text == "(" {
			p.adv()
			p.adv()
			r := &Reduce{node: node{pos}, Acc: p.symbolicName("an accumulator")}
			p.expectP("=")
			r.Init = p.parseExpr()
			p.expectP(",")
			r.Var = p.symbolicName("a variable")
			p.expect("IN")
			r.List = p.parseExpr()
			p.expectP("|")
			r.Expr = p.parseExpr()
			p.expectP(")")
			return r
		}
	case "EXISTS", "COUNT":
		if p.peek(1).kind == tPunct && p.peek(1).text == "{" {
			return p.parseSubqueryExpr(pos, strings.EqualFold(t.text, "COUNT"))
		}
	}
	// function call: name(.name)* (
	j := 1
	for p.peek(j).kind == tPunct && p.peek(j).text == "." && (p.peek(j+1).kind == tIdent) {
		j += 2
	}
	if p.peek(j).kind == tPunct && p.peek(j).text == "(" {
		name := p.adv().text
		for p.acceptP(".") {
			name += "." + p.adv().text
		}
		p.adv()
		fc := &FuncCall{node: node{pos}, Name: name}
		if strings.EqualFold(name, "count") && p.isP("*") {
			p.adv()
			p.expectP(")")
			fc.Star = true
			return fc
		}
		fc.Distinct = p.accept("DISTINCT")
		for !p.acceptP(")") {
			fc.Args = append(fc.Args, p.parseExpr())
			if !p.isP(")") {
				p.expectP(",")
			}
		}
		if strings.EqualFold(name, "exists") && len(fc.Args) == 1 {
			if pe, ok := fc.Args[0].(*PatternExpr); ok {
				return &ExistsSubquery{node: node{pos}, Patterns: []*PathPattern{pe.Pattern}}
			}
		}
		return fc
	}
	p.adv()
	return p.maybeMapProjection(&Var{node: node{pos}, Name: t.text})
}

// parseSubqueryExpr parses EXISTS { ... } or, when count is set,
// COUNT { ... }, from the keyword on: a pattern list with an optional
// WHERE, or a query of its own.
func (p *parser) parseSubqueryExpr(pos Pos, count bool) Expr {
	p.adv()
	p.adv()
	es := &ExistsSubquery{node: node{pos}, Count: count}
	if !p.is("MATCH") && !p.is("OPTIONAL") && !p.is("UNWIND") && !p.is("WITH") && !p.is("CALL") {
		es.Patterns = p.parsePatternList()
		if p.accept("WHERE") {
			es.Where = p.parseExpr()
		}
		p.expectP("}")
		return es
	}
	q := &Query{Parts: []*SingleQuery{p.parseSubqueryPart()}}
	for p.accept("UNION") {
		q.UnionAll = append(q.UnionAll, p.accept("ALL"))
		q.Parts = append(q.Parts, p.parseSubqueryPart())
	}
	p.expectP("}")
	sq := q.Parts[0]
	if m, ok := sq.Clauses[0].(*MatchClause); ok && len(q.Parts) == 1 && len(sq.Clauses) == 1 && !m.Optional {
		es.Patterns, es.Where = m.Patterns, m.Where
		return es
	}
	es.Query = q
	return es
}

func (p *parser) parseCase() Expr {
	pos := p.adv().pos
	c := &CaseExpr{node: node{pos}}
	if !p.is("WHEN") {
		c.Test = p.parseExpr()
	}
	for p.accept("WHEN") {
		c.Whens = append(c.Whens, p.parseExpr())
		p.expect("THEN")
		c.Thens = append(c.Thens, p.parseExpr())
	}
	if len(c.Whens) == 0 {
		p.unexpected("WHEN")
	}
	if p.accept("ELSE") {
		c.Else = p.parseExpr()
	}
	p.expect("END")
	return c
}

// ---- schema and information statements (Memgraph's and Neo4j 5's) ----

func (p *parser) parseSchema() *SchemaStmt {
	switch {
	case p.is("CREATE") && (isKw(p.peek(1), "INDEX") || (isIndexKind(p.peek(1)) && isKw(p.peek(2), "INDEX"))):
		p.adv()
		if !p.accept("INDEX") {
			p.adv()
			p.adv()
		}
		return p.createIndex()
	case p.is("DROP") && isKw(p.peek(1), "INDEX"):
		p.adv()
		p.adv()
		s := &SchemaStmt{Kind: "drop-index"}
		if p.accept("ON") {
			p.indexTarget(s)
			return s
		}
		p.nameAndExists(s, false)
		return s
	case p.is("CREATE") && isKw(p.peek(1), "CONSTRAINT"):
		p.adv()
		p.adv()
		s := &SchemaStmt{Kind: "create-constraint"}
		p.nameAndExists(s, true)
		p.constraintBody(s)
		return s
	case p.is("DROP") && isKw(p.peek(1), "CONSTRAINT"):
		p.adv()
		p.adv()
		s := &SchemaStmt{Kind: "drop-constraint"}
		if p.is("ON") {
			p.constraintBody(s)
			return s
		}
		p.nameAndExists(s, false)
		return s
	case p.is("SHOW"):
		p.adv()
		return p.show()
	}
	return nil
}

// ---- administrative statements ----

// parseAdmin parses the statements the database instance runs itself. New
// ones (replication, coordinators) join this switch and AdminStmt.
func (p *parser) parseAdmin() AdminStmt {
	switch {
	case p.is("SHOW") && isKw(p.peek(1), "TRANSACTIONS"):
		p.adv()
		p.adv()
		return ShowTransactions{}
	case p.is("TERMINATE"):
		p.adv()
		p.expect("TRANSACTIONS")
		st := TerminateTransactions{IDs: []AdminArg{p.adminArg("a transaction id")}}
		for p.acceptP(",") {
			st.IDs = append(st.IDs, p.adminArg("a transaction id"))
		}
		return st
	case p.is("CREATE") && isKw(p.peek(1), "SNAPSHOT"):
		p.adv()
		p.adv()
		return CreateSnapshot{}
	}
	return p.parseReplication()
}

// parseReplication parses the replication statements of Memgraph's
// community replication.
func (p *parser) parseReplication() AdminStmt {
	switch {
	case p.is("SET") && isKw(p.peek(1), "REPLICATION"):
		p.adv()
		p.adv()
		p.expect("ROLE")
		p.expect("TO")
		return p.replicationRole()
	case p.is("SHOW") && isKw(p.peek(1), "REPLICATION"):
		p.adv()
		p.adv()
		p.expect("ROLE")
		return ShowReplicationRole{}
	case p.is("SHOW") && isKw(p.peek(1), "REPLICAS"):
		p.adv()
		p.adv()
		return ShowReplicas{}
	case p.is("REGISTER") && isKw(p.peek(1), "REPLICA"):
		p.adv()
		p.adv()
		st := RegisterReplica{Name: p.symbolicName("a replica name")}
		switch {
		case p.accept("SYNC"):
			st.Mode = "SYNC"
		case p.accept("ASYNC"):
			st.Mode = "ASYNC"
		case p.accept("STRICT_SYNC"):
			st.Mode = "STRICT_SYNC"
		default:
			p.unexpected("SYNC, ASYNC or STRICT_SYNC")
		}
		p.expect("TO")
		st.Address = p.adminArg("a replica address")
		return st
	case p.is("DROP") && isKw(p.peek(1), "REPLICA"):
		p.adv()
		p.adv()
		return DropReplica{Name: p.symbolicName("a replica name")}
	}
	return nil
}

// replicationRole reads MAIN or REPLICA WITH PORT n.
func (p *parser) replicationRole() AdminStmt {
	if p.accept("MAIN") {
		return SetReplicationRole{}
	}
	if !p.accept("REPLICA") {
		p.unexpected("MAIN or REPLICA")
	}
	p.expect("WITH")
	p.expect("PORT")
	t := p.tok()
	if t.kind != tInt {
		p.unexpected("a port number")
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 1 || n > 65535 {
		p.fail("InvalidArgument", "the port must be between 1 and 65535, not %s", t.text)
	}
	p.adv()
	return SetReplicationRole{Replica: true, Port: n}
}

// adminArg reads a string literal or a parameter.
func (p *parser) adminArg(what string) AdminArg {
	t := p.tok()
	switch t.kind {
	case tString:
		p.adv()
		return AdminArg{Value: t.text}
	case tParam:
		p.adv()
		return AdminArg{Param: t.text}
	}
	p.unexpected(what + " (a string or a parameter)")
	return AdminArg{}
}

// isIndexKind is the index type Neo4j allows before INDEX (every one is a
// label+property index here).
func isIndexKind(t token) bool { return isKw(t, "RANGE") || isKw(t, "BTREE") }

// createIndex parses what follows CREATE INDEX: Memgraph's ON :L(p), or
// Neo4j's [name] [IF NOT EXISTS] FOR (n:L) ON (n.p).
func (p *parser) createIndex() *SchemaStmt {
	s := &SchemaStmt{Kind: "create-index"}
	if p.accept("ON") {
		p.indexTarget(s)
		return s
	}
	p.nameAndExists(s, true)
	p.expect("FOR")
	v := p.nodeTarget(s)
	p.expect("ON")
	p.expectP("(")
	p.propOf(s, v)
	if p.isP(",") {
		p.fail("UnexpectedSyntax", "composite indexes are not supported: index one property")
	}
	p.expectP(")")
	return s
}

// nameAndExists reads Neo4j's optional name and IF NOT EXISTS (create) or
// the name and optional IF EXISTS of a DROP by name.
func (p *parser) nameAndExists(s *SchemaStmt, create bool) {
	if !create {
		s.Name = p.symbolicName("an index or constraint name")
		if p.accept("IF") {
			p.expect("EXISTS")
			s.IfExists = true
		}
		return
	}
	if !p.is("ON") && !p.is("FOR") && !(p.is("IF") && isKw(p.peek(1), "NOT")) {
		s.Name = p.symbolicName("a name, IF NOT EXISTS, ON or FOR")
	}
	if p.accept("IF") {
		p.expect("NOT")
		p.expect("EXISTS")
		s.IfNotExists = true
	}
}

// nodeTarget reads (v:Label) and returns v.
func (p *parser) nodeTarget(s *SchemaStmt) string {
	p.expectP("(")
	if p.isP(")") {
		p.fail("UnexpectedSyntax", "only node indexes and constraints are supported: expected (n:Label)")
	}
	v := p.symbolicName("a variable")
	if !p.acceptP(":") {
		p.fail("UnexpectedSyntax", "only node indexes and constraints are supported: expected (%s:Label)", v)
	}
	s.Label = p.symbolicName("a label")
	p.expectP(")")
	return v
}

// propOf reads v.prop into s.Property.
func (p *parser) propOf(s *SchemaStmt, v string) {
	if p.symbolicName("a variable") != v {
		p.fail("UndefinedVariable", "the property must belong to %s", v)
	}
	p.expectP(".")
	s.Property = p.symbolicName("a property key")
}

func (p *parser) show() *SchemaStmt {
	s := &SchemaStmt{}
	p.accept("ALL")
	switch {
	case p.accept("INDEX") || p.accept("INDEXES"):
		s.Kind = "show-indexes"
		if p.accept("INFO") {
			s.Kind = "show-index"
		}
		return s
	case p.accept("CONSTRAINT") || p.accept("CONSTRAINTS"):
		s.Kind = "show-constraints"
		if p.accept("INFO") {
			s.Kind = "show-constraint"
		}
		return s
	case p.accept("STORAGE"):
		s.Kind = "show-storage"
	case p.accept("NODE_LABELS"):
		s.Kind = "show-node-labels"
	case p.accept("EDGE_TYPES"):
		s.Kind = "show-edge-types"
	case p.accept("CONFIG"):
		s.Kind = "show-config"
		return s
	case p.accept("VERSION"):
		s.Kind = "show-version"
		return s
	case p.accept("DATABASE"):
		s.Kind = "show-database"
		return s
	default:
		p.unexpected("TRANSACTIONS, REPLICAS, REPLICATION ROLE, INDEXES, CONSTRAINTS, INDEX INFO, CONSTRAINT INFO, STORAGE INFO, NODE_LABELS INFO, EDGE_TYPES INFO, CONFIG, VERSION or DATABASE")
	}
	p.expect("INFO")
	return s
}

func (p *parser) indexTarget(s *SchemaStmt) {
	p.expectP(":")
	s.Label = p.symbolicName("a label")
	if p.acceptP("(") {
		s.Property = p.symbolicName("a property key")
		p.expectP(")")
	}
}

// constraintBody parses ON (v:L) ASSERT ... (Memgraph, Neo4j 4) or
// FOR (v:L) REQUIRE ... (Neo4j 5): EXISTS(v.p), v.p IS UNIQUE,
// v.p IS NOT NULL, with the property optionally in parentheses.
func (p *parser) constraintBody(s *SchemaStmt) {
	neo5 := p.accept("FOR")
	if !neo5 {
		p.expect("ON")
	}
	v := p.nodeTarget(s)
	if neo5 {
		p.expect("REQUIRE")
	} else {
		p.expect("ASSERT")
	}
	if p.accept("EXISTS") {
		s.CKind = "exists"
		p.expectP("(")
		p.propOf(s, v)
		p.expectP(")")
		return
	}
	paren := p.acceptP("(")
	p.propOf(s, v)
	if paren {
		if p.isP(",") {
			p.fail("UnexpectedSyntax", "composite constraints are not supported: constrain one property")
		}
		p.expectP(")")
	}
	p.expect("IS")
	switch {
	case p.accept("UNIQUE"):
		s.CKind = "unique"
	case p.accept("NODE") && p.accept("UNIQUE"):
		s.CKind = "unique"
	case p.accept("NOT"):
		p.expect("NULL")
		s.CKind = "exists"
	default:
		p.unexpected("UNIQUE or NOT NULL")
	}
}
