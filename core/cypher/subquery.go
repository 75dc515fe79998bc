package cypher

import (
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// CallSubqueryClause is CALL { query } [IN TRANSACTIONS [OF n ROWS]]. The
// body may be a UNION; each part sees the outer variables its leading
// WITH names (the importing WITH), and no others.
type CallSubqueryClause struct {
	clauseNode
	Body      *Query
	InTx      bool
	BatchRows Expr // nil: Neo4j's default of 1000 rows
}

// BatchTx is what a transaction offers CALL { } IN TRANSACTIONS: the host's
// auto-commit transaction commits everything written so far and goes on in
// a fresh transaction that sees it. Explicit transactions do not offer it,
// so the clause is refused there.
type BatchTx interface {
	Tx
	// CommitBatch commits the writes so far; later calls on the Tx run in
	// a new transaction.
	CommitBatch() error
}

// AsyncBatchTx is a BatchTx whose batch commits finish later, on the
// host's loop (a durable commit waits for its fsync). The engine calls
// StartBatch instead of CommitBatch and at once ends the Step it runs in;
// the host calls Step again once the batch has committed and the Tx's
// later calls run in a new transaction that sees it. Outside a Step (Next,
// PROFILE) the engine cannot stop there, so the clause fails on such a Tx.
type AsyncBatchTx interface {
	Tx
	// StartBatch starts committing the writes so far; an error it returns
	// at once (a constraint violated, say) fails the statement.
	StartBatch() error
}

// InputSnapshotTx is a BatchTx or AsyncBatchTx that can also read the graph
// as it was when the statement began, in a read-only snapshot that stays
// open while the batches commit (until the statement ends; the host closes
// it). CALL { } IN TRANSACTIONS reads a graph-reading input from it lazily,
// a batch's worth at a time, instead of holding the whole input before the
// first batch commits (snapshotInputOp). A host without it gets the input
// held (bufferOp).
type InputSnapshotTx interface {
	// InputSnapshot returns the statement-start snapshot. Entities it
	// finds are the same ids in the batches' transactions.
	InputSnapshot() Tx
}

// defaultBatchRows is Neo4j's batch size for IN TRANSACTIONS without OF.
const defaultBatchRows = 1000

// parseCallSubquery parses CALL { ... } after CALL.
func (p *parser) parseCallSubquery(cn clauseNode) Clause {
	p.expectP("{")
	body := &Query{Parts: []*SingleQuery{p.parseSubqueryPart()}}
	for p.accept("UNION") {
		body.UnionAll = append(body.UnionAll, p.accept("ALL"))
		body.Parts = append(body.Parts, p.parseSubqueryPart())
	}
	p.expectP("}")
	c := &CallSubqueryClause{clauseNode: cn, Body: body}
	if p.accept("IN") {
		p.expect("TRANSACTIONS")
		c.InTx = true
		if p.accept("OF") {
			c.BatchRows = p.parseExpr()
			if !p.accept("ROWS") {
				p.expect("ROW")
			}
		}
	}
	return c
}

func (p *parser) parseSubqueryPart() *SingleQuery {
	sq := &SingleQuery{}
	for !p.isP("}") && !p.is("UNION") {
		if p.tok().kind == tEOF {
			p.unexpected("'}'")
		}
		sq.Clauses = append(sq.Clauses, p.parseClause())
	}
	if len(sq.Clauses) == 0 {
		p.unexpected("a clause")
	}
	return sq
}

// updates reports whether the body changes the graph.
func (x *CallSubqueryClause) updates() bool {
	for _, sq := range x.Body.Parts {
		for _, cl := range sq.Clauses {
			if isUpdating(cl) {
				return true
			}
		}
	}
	return false
}

func dumpCallSubquery(x *CallSubqueryClause) string {
	var parts []string
	for i, sq := range x.Body.Parts {
		if i > 0 {
			if x.Body.UnionAll[i-1] {
				parts = append(parts, "UNION ALL")
			} else {
				parts = append(parts, "UNION")
			}
		}
		for _, cl := range sq.Clauses {
			parts = append(parts, dumpClause(cl))
		}
	}
	s := "CALL { " + strings.Join(parts, " ") + " }"
	if x.InTx {
		s += " IN TRANSACTIONS"
		if x.BatchRows != nil {
			s += " OF " + exprString(x.BatchRows) + " ROWS"
		}
	}
	return s
}

// importedVars are the outer variables a part's importing WITH names: the
// plain variable items of its leading WITH that the outer scope binds.
func importedVars(sq *SingleQuery, outer scope) []string {
	w, ok := sq.Clauses[0].(*WithClause)
	if !ok {
		return nil
	}
	var out []string
	for _, it := range w.Proj.Items {
		if v, ok := it.Expr.(*Var); ok {
			if _, bound := outer[v.Name]; bound {
				out = append(out, v.Name)
			}
		}
	}
	return out
}

// callSubquery compiles CALL { }: each part over a scope of its imported
// variables; returned columns join the outer scope and may not shadow it.
func (c *compiler) callSubquery(x *CallSubqueryClause, sc scope) []stage {
	if x.InTx && c.nested > 0 {
		panic(syntaxErr(x.P, "InvalidClauseComposition", "CALL { ... } IN TRANSACTIONS cannot be nested in another subquery or in FOREACH"))
	}
	drainInput := x.InTx && c.prefixReadsGraph
	// An input that writes nothing itself may read the statement-start
	// snapshot (snapshotInputOp); one that writes must see its own writes,
	// which only the batch's transaction holds, so it is held whole.
	prefixWrites := c.updates
	c.inTx = c.inTx || x.InTx
	c.nested++
	defer func() { c.nested-- }()
	saved := c.updates
	var parts [][]stage
	var imports [][]string
	var cols []string
	for i, sq := range x.Body.Parts {
		imp := importedVars(sq, sc)
		inner := scope{}
		for _, v := range imp {
			inner[v] = sc[v]
		}
		stages, pcols := c.singleIn(sq, inner)
		if i > 0 && !sameStrings(pcols, cols) {
			panic(syntaxErr(sq.Clauses[0].clausePos(), "DifferentColumnsInUnion", "all sub queries in a UNION must have the same return column names"))
		}
		parts, imports, cols = append(parts, stages), append(imports, imp), pcols
	}
	union := ""
	for i, all := range x.Body.UnionAll {
		kind := map[bool]string{true: "all", false: "distinct"}[all]
		if i > 0 && kind != union {
			panic(syntaxErr(x.P, "InvalidClauseComposition", "cannot mix UNION and UNION ALL"))
		}
		union = kind
	}
	c.updates = saved || x.updates()
	for _, col := range cols {
		if _, ok := sc[col]; ok {
			panic(syntaxErr(x.P, "VariableAlreadyBound", "variable `%s` returned by the subquery is already declared in the outer scope", col))
		}
		c.bind(sc, col, kAny)
	}
	if x.BatchRows != nil {
		c.checkExpr(x.BatchRows, scope{}, false)
	}
	desc := "CallSubquery"
	if x.InTx {
		desc += "InTransactions"
	}
	return []stage{{desc: desc, build: func(in op, est *estimator) op {
		if drainInput {
			in = &snapshotInputOp{in: in, prefixWrites: prefixWrites}
		}
		var colSlots []int
		if cols != nil {
			colSlots = est.lay.slots(cols)
		}
		impSlots := make([][]int, len(imports))
		for i, imp := range imports {
			impSlots[i] = est.lay.slots(imp)
		}
		return &callSubqueryOp{in: in, x: x, parts: parts, imports: impSlots, cols: colSlots, union: union, batched: x.InTx && x.updates()}
	}}}
}

// callSubqueryOp runs the body once per input row and emits the row joined
// with each row the body returns (or, for a unit subquery, the input row
// once the body has run). Under IN TRANSACTIONS it commits after every
// batch of input rows.
type callSubqueryOp struct {
	in      op
	x       *CallSubqueryClause
	parts   [][]stage
	imports [][]int // the slots each part imports
	cols    []int   // the slots of the body's columns (nil: a unit subquery)
	union   string
	// batched: IN TRANSACTIONS with a body that writes (one that only
	// reads has nothing to commit per batch).
	batched bool

	cur     row
	sub     op
	batch   int64 // rows per batch, once known
	done    int64 // input rows whose body has run in this batch
	batches int64 // batches committed
}

func (o *callSubqueryOp) next(c *execCtx) (row, error) {
	r, err := o.step(c)
	if err != nil && err != errYield && o.batched {
		return nil, o.batchErr(err)
	}
	return r, err
}

// batchErr says which batch of IN TRANSACTIONS err failed, and that the
// batches before it stay committed.
func (o *callSubqueryOp) batchErr(err error) error {
	n := o.batch
	if n == 0 {
		n = defaultBatchRows
	}
	prefix := fmt.Sprintf("CALL { ... } IN TRANSACTIONS: batch %d (input rows %d to %d) failed and was rolled back; the %d batches before it stay committed: ",
		o.batches+1, o.batches*n+1, (o.batches+1)*n, o.batches)
	if e, ok := err.(*Error); ok {
		cp := *e
		cp.Msg = prefix + e.Msg
		return &cp
	}
	return fmt.Errorf("%s%w", prefix, err)
}

func (o *callSubqueryOp) step(c *execCtx) (row, error) {
	for {
		if o.sub != nil {
			// The subquery's writes run as part of this row: like FOREACH's,
			// they never yield to a Step (rows above may hold this one).
			c.depth++
			ir, err := o.sub.next(c)
			c.depth--
			if err != nil {
				return nil, err
			}
			if ir != nil {
				if o.cols == nil {
					continue // a unit subquery: run it to its end
				}
				out := o.cur.clone()
				for _, k := range o.cols {
					out[k] = ir.get(k)
				}
				return out, nil
			}
			o.sub = nil
			o.done++
			if o.cols == nil {
				return o.cur, nil
			}
		}
		if err := o.commitIfFull(c); err != nil {
			return nil, err
		}
		// Between two input rows a top-level CALL { } may end the Step:
		// its progress is in its fields, and no body is under way.
		if c.yield() {
			return nil, errYield
		}
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		o.cur, o.sub = r, o.instantiate(c, r)
	}
}

// commitIfFull commits the batch once it holds its number of input rows.
// With an AsyncBatchTx it then ends the Step (errYield), so the host can
// wait for the commit before the next batch begins.
func (o *callSubqueryOp) commitIfFull(c *execCtx) error {
	if !o.batched {
		return nil
	}
	abt, async := c.tx.(AsyncBatchTx)
	bt, ok := c.tx.(BatchTx)
	if !ok && !async {
		return runtimeErr(CodeSemanticError, "InvalidTransaction", "CALL { ... } IN TRANSACTIONS can only run in an auto-commit (implicit) transaction")
	}
	if async && !c.canYield() {
		return runtimeErr(CodeSemanticError, "InvalidTransaction", "CALL { ... } IN TRANSACTIONS cannot run under PROFILE")
	}
	if o.batch == 0 {
		n, err := o.batchSize(c)
		if err != nil {
			return err
		}
		o.batch = n
	}
	if o.done < o.batch {
		return nil
	}
	if c.batchDone != nil {
		c.batchDone()
	}
	if async {
		if err := abt.StartBatch(); err != nil {
			return err
		}
		o.done, o.batches = 0, o.batches+1
		return errYield
	}
	if err := bt.CommitBatch(); err != nil {
		return err
	}
	o.done, o.batches = 0, o.batches+1
	return nil
}

func (o *callSubqueryOp) batchSize(c *execCtx) (int64, error) {
	if o.x.BatchRows == nil {
		return defaultBatchRows, nil
	}
	v, err := c.eval(o.x.BatchRows, c.lay.blank)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok || n < 1 {
		return 0, runtimeErr(CodeArgumentError, "InvalidArgumentValue", "IN TRANSACTIONS OF needs a positive integer number of rows, got %s", describe(v))
	}
	return n, nil
}

func describe(v value.Value) string {
	if n, ok := v.(int64); ok {
		return fmt.Sprint(n)
	}
	return typeName(v)
}

// instantiate builds the body's operators over the imported variables of r.
func (o *callSubqueryOp) instantiate(c *execCtx, r row) op {
	var parts []op
	for i, stages := range o.parts {
		arg := c.lay.newRow()
		for _, v := range o.imports[i] {
			arg[v] = r.get(v)
		}
		var cur op = &argOp{r: arg}
		for _, s := range stages {
			cur = s.build(cur, c.est)
		}
		parts = append(parts, cur)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	var u op = &unionOp{parts: parts}
	if o.union == "distinct" && o.cols != nil {
		u = &distinctOp{in: u, cols: o.cols}
	}
	return u
}
