package cypher

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// Options configure an Engine.
type Options struct {
	// PlanCacheSize bounds the default plan cache (default 1000 entries).
	PlanCacheSize int
	// Cache, when set, replaces the default plan cache (which is for one
	// goroutine): a host whose engine handles (WithRand) prepare queries on
	// several goroutines passes a cache that is safe for that.
	Cache PlanCache
	// Rand is the source of rand(); the host seeds it (core/node's
	// Env.Rand). Nil uses a fixed-seed source, so runs are reproducible.
	Rand *rand.Rand
	// Now tells the wall time for date(), datetime() and the other
	// zero-argument temporal constructors (core/node's Env.Clock.Now). It is
	// read once per execution, so one statement sees one instant. Nil makes
	// those calls an error.
	Now func() time.Time
	// Host supplies the version, settings and memory and disk figures
	// that SHOW VERSION, SHOW CONFIG, SHOW STORAGE INFO and
	// dbms.components() report. Nil reports them as unknown.
	Host func() HostInfo
	// Files opens the files LOAD CSV names, confined by the host to its
	// import directory. Nil makes LOAD CSV an error.
	Files FileSource
}

// Engine prepares and executes Cypher statements. Like everything in core
// it is driven one call at a time. A host that runs queries on several
// goroutines gives each its own handle (WithRand): handles share the plan
// cache and the registered procedures, and Prepared plans are immutable.
type Engine struct {
	opts  Options
	procs map[string]Procedure
	cache PlanCache
	// spare is a closed read's result that the next execution reuses, with
	// its execution context (Recycle); nil when there is none.
	spare *Result
}

// PlanCache keeps prepared statements by query text.
type PlanCache interface {
	Get(query string) (*Prepared, bool)
	Add(query string, p *Prepared)
	// Clear drops every entry.
	Clear()
}

// NewEngine returns an engine with an empty plan cache.
func NewEngine(opts Options) *Engine {
	if opts.PlanCacheSize <= 0 {
		opts.PlanCacheSize = 1000
	}
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(1, 2))
	}
	c := opts.Cache
	if c == nil {
		c = NewFIFOCache(opts.PlanCacheSize)
	}
	e := &Engine{opts: opts, cache: c, procs: map[string]Procedure{}}
	for _, p := range e.builtinProcedures() {
		e.procs[strings.ToLower(p.Name)] = p
	}
	return e
}

// WithRand returns a handle onto e with its own rand() source: it shares
// e's plan cache, procedures and options, so it costs one small
// allocation. Register procedures before making handles.
func (e *Engine) WithRand(r *rand.Rand) *Engine {
	h := *e
	h.opts.Rand = r
	h.spare = nil // a handle reuses only its own results
	return &h
}

// FIFOCache is the default plan cache: a map bounded by evicting the
// oldest entry. It is for one goroutine.
type FIFOCache struct {
	max   int
	m     map[string]*Prepared
	order []string
}

// NewFIFOCache returns an empty cache of at most max entries.
func NewFIFOCache(max int) *FIFOCache {
	max = cmp.Or(max, 1000)
	return &FIFOCache{max: max, m: map[string]*Prepared{}}
}

// Get implements PlanCache.
func (c *FIFOCache) Get(query string) (*Prepared, bool) {
	p, ok := c.m[query]
	return p, ok
}

// Clear implements PlanCache.
func (c *FIFOCache) Clear() { c.m, c.order = map[string]*Prepared{}, nil }

// Add implements PlanCache.
func (c *FIFOCache) Add(query string, p *Prepared) {
	if _, ok := c.m[query]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[query] = p
	c.order = append(c.order, query)
}

// Prepared is a parsed, checked and planned statement. It is immutable and
// may be executed many times, concurrently.
type Prepared struct {
	query string
	plan  *plan
}

// Columns returns the statement's result columns.
func (p *Prepared) Columns() []string { return p.plan.outColumns() }

// IsWrite reports whether the statement may change the graph or schema.
func (p *Prepared) IsWrite() bool { return p.plan.writes }

// InTransactions reports whether the statement holds CALL { ... } IN
// TRANSACTIONS, which commits as it goes and so runs only in an
// auto-commit transaction.
func (p *Prepared) InTransactions() bool { return p.plan.inTx && !p.plan.explain }

// IsSchemaChange reports whether the statement creates or drops an index
// or a constraint (not EXPLAIN of one).
func (p *Prepared) IsSchemaChange() bool {
	s := p.plan.schema
	return s != nil && !p.plan.explain && !p.plan.profile && !s.ReadOnly()
}

// IsSchema reports whether the statement is one of the schema statements
// (index and constraint changes, SHOW INDEX|CONSTRAINT|STORAGE INFO).
func (p *Prepared) IsSchema() bool { return p.plan.schema != nil }

// Admin returns the administrative statement (SHOW TRANSACTIONS, CREATE
// SNAPSHOT, ...) the query is, or nil. The engine does not run those: the
// host does, and Execute refuses them.
func (p *Prepared) Admin() AdminStmt { return p.plan.admin }

// Prepare parses, checks and plans query, or returns a cached plan.
func (e *Engine) Prepare(query string) (p *Prepared, err error) {
	if c, ok := e.cache.Get(query); ok {
		return c, nil
	}
	defer recoverInto(&err)
	q, err := Parse(query)
	if err != nil {
		return nil, err
	}
	pl, err := compile(q, e.procs)
	if err != nil {
		return nil, err
	}
	pl.writes = (q.Schema != nil && !q.Schema.ReadOnly()) || e.hasWrites(q)
	p = &Prepared{query: query, plan: pl}
	e.cache.Add(query, p)
	return p, nil
}

// hasWrites reports whether q may change the graph: an updating clause, or
// a CALL of anything but a read-only built-in procedure (a registered one
// may write).
func (e *Engine) hasWrites(q *Query) bool {
	for _, sq := range q.Parts {
		for _, c := range sq.Clauses {
			if call, ok := c.(*CallClause); ok {
				if p, ok := e.procs[strings.ToLower(call.Name)]; ok && p.run != nil && !p.write {
					continue
				}
			}
			if isUpdating(c) {
				return true
			}
		}
	}
	return false
}

// recoverInto turns a panic into an internal error. The message names the
// panic only; the goroutine's stack goes to Error.Stack, for the host's
// log, never to the client.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = &Error{Code: CodeInternal, Detail: "InternalError", Phase: PhaseRuntime,
			Msg: fmt.Sprintf("internal error: %v", r), Stack: zap.Stack("stack").String}
	}
}

// Notification is a warning attached to a result.
type Notification struct {
	Code        string
	Title       string
	Description string
}

// Result streams the rows of one execution.
type Result struct {
	eager  bool // an updating query runs to its end on the first Next (or by Steps)
	stream bool // its rows may be handed out while it writes (Streams)
	// batched: a streaming CALL { } IN TRANSACTIONS (batchedRows). pending
	// holds the rows of the batch under way (counted by the guard), ready
	// the records of batches complete but not yet returned by StepRows.
	batched  bool
	pending  []row
	ready    [][]value.Value
	buf      []row
	cols     []string
	colSlots []int         // the slots of cols in the root's rows
	recs     []value.Value // what is left of the chunk records are cut from
	nrecs    int           // the records the last chunk held
	root     op
	ctx      *execCtx
	err      error
	done     bool
	notes    []Notification
	// rootPlan is the plan root was built for when building it read no
	// statistics, so a recycled result may run root again for that plan
	// (kept); nil otherwise.
	rootPlan *plan
}

// Columns returns the result's column names.
func (r *Result) Columns() []string { return r.cols }

// Stats returns the update counters so far (final once Next reported the end).
func (r *Result) Stats() Stats { return *r.ctx.stats }

// Notifications returns the result's warnings.
func (r *Result) Notifications() []Notification { return r.notes }

// Next pulls the next row. ok is false at the end or on error.
func (r *Result) Next() (rec []value.Value, ok bool, err error) {
	if r.done {
		return nil, false, r.err
	}
	defer func() {
		if err != nil {
			r.done, r.err = true, err
		}
	}()
	defer recoverInto(&err)
	if r.eager && (!r.stream || r.batched) {
		if _, err := r.Step(0); err != nil {
			return nil, false, err
		}
	}
	row, err := r.root.next(r.ctx)
	if err != nil {
		return nil, false, err
	}
	if row == nil {
		r.done = true
		return nil, false, nil
	}
	return r.record(row), true, nil
}

// Consume pulls the remaining rows and drops them (Bolt DISCARD); the
// stats are final afterwards.
func (r *Result) Consume() error {
	for {
		_, ok, err := r.Next()
		if err != nil || !ok {
			return err
		}
	}
}

// Close stops the result early; later Next calls report the end.
func (r *Result) Close() {
	r.done = true
	for _, f := range r.ctx.closers {
		f()
	}
	r.ctx.closers = nil
}

// Run prepares and executes query in one call.
func (e *Engine) Run(tx Tx, query string, params map[string]value.Value) (*Result, error) {
	p, err := e.Prepare(query)
	if err != nil {
		return nil, err
	}
	return e.Execute(tx, p, params)
}

// Execute starts executing a prepared statement in tx. Rows are computed as
// Next pulls them; write clauses run when the first row is pulled, except
// for schema statements, which run here.
func (e *Engine) Execute(tx Tx, p *Prepared, params map[string]value.Value) (res *Result, err error) {
	return e.ExecuteGuarded(tx, p, params, nil)
}

// ExecuteGuarded is Execute bounded by g: the execution stops with g's
// Interrupt error when the host asks, and fails when it would hold more
// memory than g allows. A statement's own QUERY MEMORY LIMIT replaces g's
// Limit. The host calls g.Release once the result is done with.
func (e *Engine) ExecuteGuarded(tx Tx, p *Prepared, params map[string]value.Value, g *Guard) (res *Result, err error) {
	defer recoverInto(&err)
	pl := p.plan
	if pl.admin != nil && !pl.explain {
		return nil, runtimeErr(CodeSemanticError, "Unsupported", "%s is run by the database instance, not the query engine", pl.admin.AdminName())
	}
	if g != nil && pl.memLimit != 0 {
		g.Limit, g.LimitName = max(pl.memLimit, 0), "QUERY MEMORY LIMIT"
	}
	if err := g.check(); err != nil {
		return nil, err
	}
	res, ctx := e.fresh()
	*ctx = execCtx{tx: tx, params: params, stats: ctx.stats, plan: pl, lay: pl.lay, rand: e.opts.Rand, guard: g, files: e.opts.Files, est: ctx.est}
	*ctx.stats = Stats{}
	st, _ := tx.(StatsTx)
	*ctx.est = estimator{st: st, lay: pl.lay}
	ctx.ptx, _ = tx.(PropTx)
	ctx.ftx, _ = tx.(FastTx)
	if e.opts.Now != nil {
		ctx.now = e.opts.Now()
		ctx.hasNow = true
	}
	if pl.explain {
		return positionalResult([]string{"QUERY PLAN"}, pl.explainRows(ctx.est), ctx), nil
	}
	if err := missingParam(pl, params); err != nil { // EXPLAIN runs nothing, so needs none
		return nil, err
	}
	if pl.schema != nil {
		rows, err := e.runSchema(ctx, pl.schema)
		if err != nil {
			return nil, err
		}
		return positionalResult(pl.columns, rows, ctx), nil
	}
	root, counters, planFree := res.kept(ctx, pl), []counted(nil), true
	if root == nil {
		root, counters = pl.instantiate(ctx.est)
		planFree = !ctx.est.consulted
	}
	if pl.profile {
		rows, err := profileRun(ctx, root, counters, pl)
		if err != nil {
			return nil, err
		}
		return positionalResult(profileColumns, rows, ctx), nil
	}
	colSlots := pl.lay.appendSlots(res.colSlots[:0], pl.columns) // reuses a recycled result's
	*res = Result{cols: pl.columns, colSlots: colSlots, root: root, ctx: ctx, eager: pl.writes, stream: pl.writes && pl.stream, batched: pl.writes && pl.stream && pl.batched}
	if planFree {
		res.rootPlan = pl
	}
	return res, nil
}

// kept returns the operators of r, a recycled result, reset for a new
// execution of pl, when they were built for pl without reading the
// statistics (so building them again would build the same) and every one
// of them can be reset; nil otherwise.
func (r *Result) kept(c *execCtx, pl *plan) op {
	root := r.root
	if root == nil || r.rootPlan != pl || !resetReadOps(c, root) {
		return nil
	}
	return root
}

// resetReadOps readies the operators of a read's finished execution for
// the next one; false when one of them holds state it does not know how to
// reset (or memory accounted to the guard).
func resetReadOps(c *execCtx, o op) bool {
	for {
		switch x := o.(type) {
		case *argOp:
			copy(x.r, c.lay.blank)
			x.done = false
			return len(x.r) == len(c.lay.blank)
		case *trimOp:
			o = x.in
		case *projectOp:
			o = x.in
		case *filterOp:
			o = x.in
		case *scanOp:
			x.cur, x.ids, x.seeked, x.hasPend = nil, nil, nil, false
			o = x.in
		default:
			return false
		}
	}
}

// fresh returns a result and an execution context (with its Stats and
// estimator) for the next execution: the spare Recycle kept, else new
// ones. The caller overwrites every field.
func (e *Engine) fresh() (*Result, *execCtx) {
	if r := e.spare; r != nil {
		e.spare = nil
		return r, r.ctx
	}
	return &Result{}, &execCtx{stats: &Stats{}, est: &estimator{}}
}

// Recycle hands back a closed result of a read nobody will use again (not
// even its Stats or Notifications), so that the handle's next execution
// reuses its memory. A result that still runs, wrote, or is not this
// handle's plain plan result (EXPLAIN, PROFILE, SHOW) is left alone.
func (e *Engine) Recycle(r *Result) {
	if r == nil || !r.done || r.eager || r.ctx == nil || r.ctx.stats == nil || r.ctx.est == nil || len(r.ctx.closers) != 0 {
		return
	}
	if _, plain := r.root.(*rowsOp); plain {
		return
	}
	if r.rootPlan == nil {
		r.root = nil
	}
	r.ctx.tx, r.ctx.params, r.ctx.plan, r.notes, r.buf, r.recs = nil, nil, nil, nil, nil, nil
	e.spare = r
}

// positionalResult is the result of rows that are not the plan's, held
// by column position (EXPLAIN, PROFILE, SHOW).
func positionalResult(cols []string, rows []namedRow, ctx *execCtx) *Result {
	slots := make([]int, len(cols))
	for i := range slots {
		slots[i] = i
	}
	return &Result{cols: cols, colSlots: slots, root: &rowsOp{rows: positional(rows, cols)}, ctx: ctx}
}

// missingParam reports the first parameter the statement uses that params
// lacks, before anything runs: wherever it appears, a missing parameter is
// one compile-time error at its first use.
func missingParam(pl *plan, params map[string]value.Value) error {
	for _, x := range pl.params {
		if _, ok := params[x.Name]; !ok {
			return &Error{Code: CodeParamMissing, Detail: "MissingParameter", Phase: PhaseCompile,
				Line: x.P.Line, Column: x.P.Col, Msg: fmt.Sprintf("expected parameter $%s", x.Name)}
		}
	}
	return nil
}

func (pl *plan) outColumns() []string {
	switch {
	case pl.explain:
		return []string{"QUERY PLAN"}
	case pl.profile:
		return profileColumns
	}
	return pl.columns
}

// countOp counts the rows an operator produced, for PROFILE.
type countOp struct {
	in op
	n  int64
}

func (o *countOp) next(c *execCtx) (row, error) {
	r, err := o.in.next(c)
	if r != nil {
		o.n++
	}
	return r, err
}

type counted struct {
	desc string
	op   *countOp
}

func (pl *plan) instantiate(est *estimator) (op, []counted) {
	var parts []op
	var counters []counted
	for _, stages := range pl.parts {
		var cur op = &argOp{r: est.lay.newRow()}
		for _, s := range stages {
			cur = s.build(cur, est)
			if pl.profile {
				c := &countOp{in: cur}
				counters = append(counters, counted{s.describe(est), c})
				cur = c
			}
		}
		parts = append(parts, cur)
	}
	if len(pl.columns) == 0 {
		// A query without RETURN runs to its end and yields no rows.
		for i, p := range parts {
			parts[i] = &drainOp{in: p}
		}
	}
	var root op
	if len(parts) == 1 {
		root = parts[0]
	} else {
		root = &unionOp{parts: parts}
		if pl.union == "distinct" {
			root = &distinctOp{in: root, cols: est.lay.slots(pl.columns)}
		}
	}
	if !pl.writes {
		// Result.Next exports each row before it pulls the next.
		markReuse(root, true)
	}
	return root, counters
}

func (pl *plan) explainRows(est *estimator) []namedRow {
	var rows []namedRow
	for i := len(pl.parts) - 1; i >= 0; i-- {
		for j := len(pl.parts[i]) - 1; j >= 0; j-- {
			lines := strings.Split(pl.parts[i][j].describe(est), "\n")
			for k := len(lines) - 1; k >= 0; k-- {
				rows = append(rows, namedRow{"QUERY PLAN": " * " + lines[k]})
			}
		}
		rows = append(rows, namedRow{"QUERY PLAN": " * Once"})
	}
	if pl.schema != nil {
		rows = append(rows, namedRow{"QUERY PLAN": " * " + pl.schema.Kind})
	}
	return rows
}

var profileColumns = []string{"OPERATOR", "ACTUAL HITS"}

func profileRun(ctx *execCtx, root op, counters []counted, pl *plan) ([]namedRow, error) {
	for {
		r, err := root.next(ctx)
		if err != nil {
			return nil, err
		}
		if r == nil {
			break
		}
	}
	var rows []namedRow
	for i := len(counters) - 1; i >= 0; i-- {
		desc := strings.ReplaceAll(counters[i].desc, "\n", "; ")
		rows = append(rows, namedRow{"OPERATOR": "* " + desc, "ACTUAL HITS": counters[i].op.n})
	}
	return rows, nil
}

// export turns an engine value into a result value, reading entities from
// the transaction.
func (c *execCtx) export(v value.Value) value.Value {
	switch x := v.(type) {
	case nodeRef:
		return c.exportNode(x.id)
	case relRef:
		return c.exportRel(x.id)
	case pathRef:
		p := value.Path{}
		for _, n := range x.nodes {
			p.Nodes = append(p.Nodes, c.exportNode(n))
		}
		for _, r := range x.rels {
			p.Rels = append(p.Rels, c.exportRel(r))
		}
		return p
	case value.List:
		out := make(value.List, len(x))
		for i, e := range x {
			out[i] = c.export(e)
		}
		return out
	case value.Map:
		out := make(value.Map, len(x))
		for k, e := range x {
			out[k] = c.export(e)
		}
		return out
	}
	return v
}

func copyMap(m value.Map) value.Map {
	out := make(value.Map, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (c *execCtx) exportNode(id int64) value.Node {
	if x, ok := c.tx.(ExportTx); ok {
		if n, ok := x.ExportVertex(id); ok {
			return n
		}
	}
	return value.Node{ID: id, Labels: append([]string{}, c.tx.VertexLabels(id)...), Props: copyMap(c.tx.VertexProps(id))}
}

func (c *execCtx) exportRel(id int64) value.Relationship {
	if x, ok := c.tx.(ExportTx); ok {
		if r, ok := x.ExportEdge(id); ok {
			return r
		}
	}
	e, _ := c.tx.Edge(id)
	return value.Relationship{ID: id, StartID: e.From, EndID: e.To, Type: e.Type, Props: copyMap(c.tx.EdgeProps(id))}
}

func (e *Engine) runSchema(c *execCtx, s *SchemaStmt) ([]namedRow, error) {
	if rows, ok := e.showHost(s); ok {
		return rows, nil
	}
	st, ok := c.tx.(SchemaTx)
	if !ok {
		return nil, runtimeErr(CodeSemanticError, "Unsupported", "this transaction does not support schema statements")
	}
	if s.ReadOnly() {
		return e.show(c, st, s), nil
	}
	err := changeSchema(c, st, s)
	if err != nil {
		*c.stats = Stats{}
		return nil, wrapSchemaErr(err)
	}
	return nil, nil
}

func wrapSchemaErr(err error) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	if errors.Is(err, graph.ErrSerialization) {
		// An undecided prepared transaction stands in the way: retryable.
		return &Error{Code: CodeConflict, Detail: "SchemaError", Phase: PhaseRuntime, Msg: UserMessage(err)}
	}
	code := "Neo.ClientError.Schema.SchemaRuleError"
	if strings.Contains(strings.ToLower(err.Error()), "violat") {
		code = CodeConstraint
	}
	if errors.As(err, new(*graph.ConstraintError)) {
		code = CodeConstraint
	}
	return &Error{Code: code, Detail: "SchemaError", Phase: PhaseRuntime, Msg: UserMessage(err)}
}

// drainOp pulls its input to the end and yields nothing.
type drainOp struct{ in op }

func (o *drainOp) next(c *execCtx) (row, error) {
	for {
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
	}
}

// exportShallow turns entity references into values carrying only their
// identity (no labels or properties), for the function library's
// accumulators, which compare and collect them; fromExternal turns them
// back into references.
func (c *execCtx) exportShallow(v value.Value) value.Value {
	switch x := v.(type) {
	case nodeRef:
		return value.Node{ID: x.id}
	case relRef:
		e, _ := c.tx.Edge(x.id)
		return value.Relationship{ID: x.id, StartID: e.From, EndID: e.To, Type: e.Type}
	case pathRef:
		return c.export(x)
	case value.List:
		out := make(value.List, len(x))
		for i, e := range x {
			out[i] = c.exportShallow(e)
		}
		return out
	case value.Map:
		out := make(value.Map, len(x))
		for k, e := range x {
			out[k] = c.exportShallow(e)
		}
		return out
	}
	return v
}
