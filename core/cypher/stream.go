package cypher

import "github.com/quiverdb/quiver/core/value"

// Streaming writes.
//
// A write clause is eager: it drains its input before it writes, and every
// row above it comes after every write below it. So once the topmost
// write clause of a query emits its first row, the query will write
// nothing more, and its rows may be handed to the client as they come,
// before the transaction commits: they read the transaction's final state
// whenever they are exported (streamsRows).
//
// One shape needs no eagerness at all: a single CREATE whose input and
// consumers read nothing of the graph (UNWIND, LOAD CSV, WITH and RETURN
// over plain values and the entities the CREATE makes), the bulk-load
// pattern. Interleaving its writes with reading its input and with its
// consumers cannot change any row (the input does not look at the graph,
// and a later row's CREATE only makes new entities, so no earlier row's
// entity changes after it was produced), so it runs as a pipeline
// (pipeOp): one row in, one row written, one row out, and a million rows
// stream through it without being held.
//
// CALL { } IN TRANSACTIONS streams too, with its own rules: its input is
// read lazily from the statement-start snapshot (snapshotInputOp), and its
// rows go out a batch at a time, once the batch is complete
// (batchedRows).

// streamsRows reports whether the rows of q may be exported as they are
// produced: every query part streams (partStreams). A UNION runs its parts
// in order, each part's writes after the parts before it; a part's rows
// are exported as that part produces them, before the later parts write:
// a clause never observes the writes of a later clause, and the later
// parts are later clauses. A CALL { } IN TRANSACTIONS streams only as the
// whole query (batchedRows), not inside a UNION.
func streamsRows(q *Query) bool {
	if len(q.Parts) > 1 && batchedRows(q) {
		return false
	}
	for _, sq := range q.Parts {
		if !partStreams(sq.Clauses) {
			return false
		}
	}
	return true
}

// partStreams reports whether the rows of one query part may be exported
// as they are produced: it writes nothing (a read part of a UNION), or its
// topmost updating clause is
//   - an eager write clause: once it emits, the part writes nothing more,
//     so its rows read the part's final state whenever they are exported;
//   - CALL { } IN TRANSACTIONS: its rows go out batch by batch, once their
//     batch commits (batchedRows);
//   - a per-row CALL { } whose body only creates (bodyOnlyCreates): a later
//     row's body makes new entities and changes none that an earlier row
//     holds, so exporting that row at once or at the end is the same.
//
// A CALL { } that changes existing entities per row (SET, MERGE, DELETE,
// ...) or a procedure that writes keeps the rows until the work is done:
// a later row's work could change an entity an earlier row returned.
func partStreams(cls []Clause) bool {
	switch x := topUpdate(cls).(type) {
	case nil:
		return true
	case *CreateClause, *MergeClause, *SetClause, *RemoveClause, *DeleteClause, *ForeachClause:
		return true
	case *CallSubqueryClause:
		return x.InTx || bodyOnlyCreates(x.Body)
	}
	return false
}

// topUpdate returns the last updating clause of cls, or nil.
func topUpdate(cls []Clause) Clause {
	for i := len(cls) - 1; i >= 0; i-- {
		if isUpdating(cls[i]) {
			return cls[i]
		}
	}
	return nil
}

// inTxTop reports whether the topmost updating clause of cls is a CALL { }
// IN TRANSACTIONS.
func inTxTop(cls []Clause) bool {
	x, ok := topUpdate(cls).(*CallSubqueryClause)
	return ok && x.InTx
}

// batchedRows reports whether q's rows stream batch by batch: its topmost
// updating clause is a CALL { } IN TRANSACTIONS whose body writes. Rows
// produced while a batch runs are held (Result.pending) until the batch
// is complete; then, before the batch commits, they are exported from its
// transaction, so they show what the batch commits, and the host hands
// them to the client once that commit is durable (the last batch's with
// the statement's commit). A later batch may change an entity an earlier
// batch's row showed; that row keeps the state its own batch committed
// (a Next-driven run, which holds every row to the end, shows the last
// state instead). Memory held is one batch's rows.
func batchedRows(q *Query) bool {
	for _, sq := range q.Parts {
		if inTxTop(sq.Clauses) {
			return true
		}
	}
	return false
}

// bodyOnlyCreates reports whether every updating clause of a CALL { }
// body (and of the CALL { } bodies nested in it) is a CREATE.
func bodyOnlyCreates(body *Query) bool {
	for _, sq := range body.Parts {
		for _, cl := range sq.Clauses {
			if !isUpdating(cl) {
				continue
			}
			switch x := cl.(type) {
			case *CreateClause:
			case *CallSubqueryClause:
				if !bodyOnlyCreates(x.Body) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// pipelinedCreate returns the CREATE clause of q that may run as a
// pipeline (see the comment at the top of this file), or nil: q is one
// part whose only updating clause is that CREATE, and whose other clauses
// are UNWIND, LOAD CSV, WITH and RETURN with expressions that read no more
// of the graph than the entities in their row. (A LIMIT after a write
// drains its input, so it stops no CREATE; every operator above the
// CREATE keeps its progress when a Step ends between two rows.)
func pipelinedCreate(q *Query) *CreateClause {
	if len(q.Parts) != 1 || q.Explain || q.Profile {
		return nil
	}
	var create *CreateClause
	for _, cl := range q.Parts[0].Clauses {
		switch x := cl.(type) {
		case *CreateClause:
			if create != nil {
				return nil
			}
			create = x
		default:
			if !graphFreeClause(cl) {
				return nil
			}
		}
	}
	return create
}

// graphFree reports whether clauses read nothing of the graph beyond the
// entities their rows already hold: UNWIND, LOAD CSV, WITH and RETURN
// over such expressions.
func graphFree(clauses []Clause) bool {
	for _, cl := range clauses {
		if !graphFreeClause(cl) {
			return false
		}
	}
	return true
}

func graphFreeClause(cl Clause) bool {
	switch x := cl.(type) {
	case *UnwindClause:
		return exprGraphFree(x.Expr)
	case *LoadCSVClause:
		return exprGraphFree(x.File) && exprGraphFree(x.Delimiter) && exprGraphFree(x.Quote) && exprGraphFree(x.NullIf)
	case *WithClause:
		return projectionGraphFree(x.Proj, x.Where)
	case *ReturnClause:
		return projectionGraphFree(x.Proj, nil)
	}
	return false
}

func projectionGraphFree(p Projection, where Expr) bool {
	for _, it := range p.Items {
		if !exprGraphFree(it.Expr) {
			return false
		}
	}
	for _, s := range p.Order {
		if !exprGraphFree(s.Expr) {
			return false
		}
	}
	return exprGraphFree(p.Skip) && exprGraphFree(p.Limit) && exprGraphFree(where)
}

// exprGraphFree reports whether e reads nothing of the graph but the
// entities its variables hold (their properties, labels, type and ends):
// no pattern expressions, pattern comprehensions or subqueries.
func exprGraphFree(e Expr) bool {
	switch e.(type) {
	case nil:
		return true
	case *PatternComp, *PatternExpr, *ExistsSubquery:
		return false
	}
	for _, c := range children(e) {
		if !exprGraphFree(c) {
			return false
		}
	}
	return true
}

// pipeOp applies f to each input row as it arrives and streams the rows f
// returns: a write clause that pipelinedCreate allows to run without
// eagerness. It holds no rows beyond those of one input row.
type pipeOp struct {
	in  op
	f   func(c *execCtx, r row) ([]row, error)
	out []row
}

func (o *pipeOp) next(c *execCtx) (row, error) {
	for len(o.out) == 0 {
		if c.yield() {
			return nil, errYield
		}
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		c.depth++
		rs, err := o.f(c, r)
		c.depth--
		if err != nil {
			return nil, err
		}
		o.out = rs
	}
	r := o.out[0]
	o.out = o.out[1:]
	return r, nil
}

// snapshotInputOp is the input of CALL { } IN TRANSACTIONS when that input
// reads the graph. Its rows must come from one consistent state that the
// batches' own writes do not change: otherwise which rows the input
// produces could depend on where the batches fall (a MATCH (n:User) whose
// body creates :User vertices would find them and never end; a WHERE
// n.seen IS NULL would skip what an earlier batch set). Neo4j reads the
// input lazily in its outer transaction; under MVCC Quiver can read it
// lazily and still from one state: the input reads the snapshot the
// statement began at
// (InputSnapshotTx), which no batch commit changes, lazily, as the batches
// ask for rows. It produces exactly the rows it would produce if it were
// read whole before the first batch (bufferOp, what a host without
// snapshots gets): the same snapshot, since the input writes nothing (an
// input with a write of its own is held whole, as only the batch's
// transaction sees that write). Only the input's reads use the snapshot;
// the body, and everything after the CALL, run in the batch's
// transaction, which sees the batches before it. So memory held is one
// batch's rows, not the input's.
type snapshotInputOp struct {
	in           op
	prefixWrites bool // the input writes: hold it whole instead
	snap         Tx   // the statement-start snapshot, once known
	ptx          PropTx
	ftx          FastTx
	held         *bufferOp // the input held whole (no snapshot to read)
	started      bool
}

func (o *snapshotInputOp) next(c *execCtx) (row, error) {
	if !o.started {
		o.started = true
		st, ok := c.tx.(InputSnapshotTx)
		if !ok || o.prefixWrites {
			o.held = &bufferOp{in: o.in}
		} else {
			o.snap = st.InputSnapshot()
			o.ptx, _ = o.snap.(PropTx)
			o.ftx, _ = o.snap.(FastTx)
		}
	}
	if o.held != nil {
		return o.held.next(c)
	}
	if err := c.guard.Tick(); err != nil {
		return nil, err
	}
	tx, ptx, ftx := c.tx, c.ptx, c.ftx
	c.tx, c.ptx, c.ftx = o.snap, o.ptx, o.ftx
	r, err := o.in.next(c)
	c.tx, c.ptx, c.ftx = tx, ptx, ftx
	return r, err
}

// bufferOp drains its input on its first call, holding the rows (counted
// by the guard) and handing them out one by one, each let go as it leaves.
// CALL { } IN TRANSACTIONS puts one under itself when its input reads the
// graph: the input then reads one snapshot, taken before the first batch
// commits (Neo4j's outer transaction), and no iterator outlives the
// transaction it was opened in. A Step that runs out of budget while it
// drains resumes it there.
type bufferOp struct {
	in      op
	rows    []row
	drained bool
}

func (o *bufferOp) next(c *execCtx) (row, error) {
	for !o.drained {
		r, err := o.in.next(c)
		if err != nil {
			return nil, err
		}
		if r == nil {
			o.drained = true
			break
		}
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		if err := c.guard.Grow(rowBytes(r)); err != nil {
			return nil, err
		}
		o.rows = append(o.rows, r)
	}
	if len(o.rows) == 0 {
		return nil, nil
	}
	r := o.rows[0]
	o.rows[0] = nil
	o.rows = o.rows[1:]
	c.guard.Shrink(rowBytes(r))
	return r, nil
}

// Streams reports whether the result's rows may be handed out while its
// write is under way (StepRows): its remaining work writes nothing that a
// row already produced could show, or (Batched) a row goes out only once
// its batch committed. Other writes run to their end (Step) before their
// first row.
func (r *Result) Streams() bool { return r.stream }

// Batched reports whether the result streams batch by batch (a CALL { } IN
// TRANSACTIONS, batchedRows): StepRows returns the records of a batch only
// once the batch is complete, and all of them at once, just before the
// batch's commit starts (an AsyncBatchTx's StartBatch, which also ends the
// Step) or, for the last batch, at the end; the host hands them to the
// client once that commit has succeeded.
func (r *Result) Batched() bool { return r.batched }

// StepRows runs a streaming write (Streams) for about budget rows of work
// and returns the records it produced, at most max of them (max <= 0: no
// bound). done reports the end of the result; its stats are final then.
// Records are exported as they are produced, from the transaction as it
// is then, which is what the write leaves (see Streams). A budget <= 0
// runs until max records or the end.
func (r *Result) StepRows(budget, max int) (recs [][]value.Value, done bool, err error) {
	if r.done {
		return nil, true, r.err
	}
	defer func() {
		if err != nil {
			r.done, r.err, done, recs = true, err, true, nil
		}
	}()
	defer recoverInto(&err)
	r.ctx.stepping, r.ctx.stepLeft = budget > 0, budget
	defer func() { r.ctx.stepping = false }()
	if r.batched {
		return r.stepBatches()
	}
	for max <= 0 || len(recs) < max {
		rw, err := r.root.next(r.ctx)
		if err == errYield {
			return recs, false, nil
		}
		if err != nil {
			return nil, true, err
		}
		if rw == nil {
			r.done = true
			return recs, true, nil
		}
		recs = append(recs, r.record(rw))
	}
	return recs, false, nil
}

// stepBatches is StepRows of a batched result: the rows produced are held
// until their batch is complete (exportBatch), and the step returns the
// records of the batches completed so far.
func (r *Result) stepBatches() (recs [][]value.Value, done bool, err error) {
	r.ctx.batchDone = r.exportBatch
	defer func() { r.ctx.batchDone = nil }()
	for {
		rw, err := r.root.next(r.ctx)
		if err == errYield {
			break
		}
		if err != nil {
			return nil, true, err
		}
		if rw == nil {
			r.exportBatch() // the last batch: it commits with the statement
			r.done, done = true, true
			break
		}
		if err := r.ctx.guard.Grow(rowBytes(rw)); err != nil {
			return nil, true, err
		}
		r.pending = append(r.pending, rw)
	}
	recs, r.ready = r.ready, nil
	return recs, done, nil
}

// exportBatch exports the rows of the batch that is complete, from its own
// transaction before it commits: they show what the batch commits.
func (r *Result) exportBatch() {
	for i, rw := range r.pending {
		r.ctx.guard.Shrink(rowBytes(rw))
		r.ready = append(r.ready, r.record(rw))
		r.pending[i] = nil
	}
	r.pending = r.pending[:0]
}

// recordChunk bounds how many records' values a result allocates at once.
const recordChunk = 64

// record exports one row as the result's record. Records are cut from
// chunks (each capped to its own length, so appending to one cannot reach
// the next), which start at one record and double: a long result does not
// allocate per row, a one-row result no more than it needs.
func (r *Result) record(rw row) []value.Value {
	n := len(r.cols)
	if len(r.recs) < n {
		r.nrecs = min(max(2*r.nrecs, 1), recordChunk)
		r.recs = make([]value.Value, n*r.nrecs)
	}
	rec := r.recs[:n:n]
	r.recs = r.recs[n:]
	for i, s := range r.colSlots {
		rec[i] = r.ctx.export(rw.get(s))
	}
	return rec
}
