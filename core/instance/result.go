package instance

import (
	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/value"
)

// Summary is what a finished result reports.
type Summary struct {
	Type          string // "r", "w", "rw" or "s" (schema)
	Stats         cypher.Stats
	Bookmark      string // auto-commit results only
	Notifications []Notification
}

// Notification is a warning attached to a result.
type Notification = cypher.Notification

// Result is the outcome of one Run: columns, then rows fetched by Pull.
// A read streams from its snapshot as it is pulled. A write runs in steps
// that yield to the loop, from its first Pull on. Most writes stream
// (cypher.Result.Streams): each Pull runs the write until it has the rows
// asked for and pauses there until the next Pull, so the result holds
// only the rows the client has not pulled yet, counted by the query's
// memory guard. Those rows are the query's own results, not graph state
// another session could see, so handing them out before the commit is
// safe: the outcome stays the transaction's, reported by the Pull that
// reports more == false, which for an auto-commit write comes only once
// the commit is durable and visible (or failed: then that Pull reports the
// error, and nothing of the write is visible). A CALL { } IN TRANSACTIONS
// streams batch by batch (cypher.Result.Batched): a batch's rows wait in
// unsettled until its commit is durable, so the client is never handed a
// row of a batch that may still fail. Other writes (a CALL { } or
// procedure that changes existing entities per row) run to their end
// first and then serve the rows they produced.
type Result struct {
	s     *Session
	t     *txn // its transaction; owned (ended here) when auto-commit
	query string
	cols  []string
	res   *cypher.Result // nil for precomputed rows
	g     *cypher.Guard  // bounds res (points to guard); released when the result ends
	guard cypher.Guard
	write bool
	// stream: a write whose rows are handed out as it produces them.
	stream bool
	// batch is the transaction's view for CALL { } IN TRANSACTIONS.
	batch *batchTx
	rows  [][]value.Value // precomputed or produced rows not yet pulled
	// unsettled are the rows of a batched write (cypher.Result.Batched)
	// whose batch commit has not reported yet; they join rows once it
	// has succeeded.
	unsettled [][]value.Value
	typ       string

	executed bool   // a write's work is done (and, auto-commit, committed)
	produced int    // rows a write produced
	running  bool   // a write's steps are under way
	waiting  func() // what to do once the running write finishes
	finished bool   // more == false or an error was reported
	err      error  // the error that finished it
	summary  Summary
	pulled   int // rows streamed, for the periodic checks of a read
	// expiry rolls a paused auto-commit write back at its deadline
	// (pause); nil until it first pauses.
	expiry clock.Timer
}

// Columns returns the result's column names.
func (r *Result) Columns() []string { return r.cols }

// Summary reports counters, type and (auto-commit) bookmark; valid once
// Pull reported more == false.
func (r *Result) Summary() Summary { return r.summary }

// Pull fetches up to n rows (n < 0: all). more is false once the result
// is exhausted; for an auto-commit transaction the outcome is then final.
// Pull of a read completes before it returns; Pull of a write may
// complete later, after steps on the loop and the commit's fsync.
func (r *Result) Pull(n int, done func(rows [][]value.Value, more bool, err error)) {
	if !r.finished && r.write && !r.executed && (!r.stream || n < 0 || len(r.rows) < n) {
		r.produce(n, func() { r.Pull(n, done) })
		return
	}
	done(r.pullReady(n))
}

// pullReady is what Pull reports when no write has to run first.
func (r *Result) pullReady(n int) ([][]value.Value, bool, error) {
	switch {
	case r.finished:
		return nil, false, r.err
	case r.res != nil && !r.write:
		return r.pullRead(n)
	}
	return r.serve(n)
}

// produce runs the write until it holds n rows not yet pulled (n < 0, or
// a write that does not stream: until its end), then calls then. A call
// while the write's steps are under way waits for them.
func (r *Result) produce(n int, then func()) {
	if r.running {
		prev := r.waiting
		r.waiting = func() {
			if prev != nil {
				prev()
			}
			then()
		}
		return
	}
	r.running = true
	r.step(n, func() {
		r.running = false
		w := r.waiting
		r.waiting = nil
		then()
		if w != nil {
			w()
		}
	})
}

// serve hands out up to n produced rows and finishes at the end.
func (r *Result) serve(n int) ([][]value.Value, bool, error) {
	var rows [][]value.Value
	if n < 0 || n >= len(r.rows) {
		rows, r.rows = r.rows, nil
	} else {
		rows, r.rows = r.rows[:n:n], r.rows[n:]
	}
	if r.stream {
		for _, rec := range rows {
			r.g.Shrink(cypher.RecordBytes(rec))
		}
	}
	if len(r.rows) == 0 && (r.res == nil || r.executed) {
		r.finish()
		return rows, false, nil
	}
	return rows, true, nil
}

// checkEvery is how many streamed rows pass between termination and
// timeout checks of a read.
const checkEvery = 256

// pullRead streams up to n rows of a read.
func (r *Result) pullRead(n int) ([][]value.Value, bool, error) {
	var rows [][]value.Value
	for n < 0 || len(rows) < n {
		if r.pulled%checkEvery == checkEvery-1 {
			if err := r.t.check(); err != nil {
				return rows, false, r.fail(err)
			}
		}
		rec, ok, err := r.res.Next()
		if err != nil {
			return rows, false, r.fail(r.s.in.classify(err, r.t.x, r.query))
		}
		if !ok {
			r.finish()
			return rows, false, nil
		}
		r.pulled++
		rows = append(rows, rec)
	}
	return rows, true, nil
}

// step runs the next slice of a write, until it holds n rows not yet
// pulled (a streaming write) or its work is done; at the end it completes
// the write (and commits an auto-commit one); then it calls next.
func (r *Result) step(n int, next func()) {
	if r.finished {
		next()
		return
	}
	if err := r.t.usable(); err != nil {
		r.fail(err)
		next()
		return
	}
	if err := r.batch.failure(); err != nil {
		r.fail(err)
		next()
		return
	}
	// The step waits for a batch commit before it goes on: the rows of the
	// batches before this point are committed.
	r.settle()
	if r.stream && n >= 0 && len(r.rows) >= n {
		r.pause(next)
		return
	}
	end, err := r.work(n)
	if err != nil {
		r.fail(r.s.in.classify(err, r.t.x, r.query))
		next()
		return
	}
	switch {
	case end:
		r.complete(next)
	case r.stream && n >= 0 && len(r.rows) >= n:
		r.pause(next)
	case r.batch.wait(func() { r.step(n, next) }):
		// a batch of IN TRANSACTIONS is being committed; it resumes the step
	default:
		r.s.in.deferFn(func() { r.step(n, next) })
	}
}

// pause leaves a streaming write until the client pulls again, then calls
// next. The transaction's timeout counts from its start whether the
// client pulls or not (Neo4j's db.transaction.timeout and Memgraph's
// --query-execution-timeout-sec count idle time too), and an auto-commit
// write does not wait for the client's next Pull to notice it: at the
// deadline a write still paused is rolled back (expire), so an absent
// client holds no uncommitted writes or snapshot past its timeout.
func (r *Result) pause(next func()) {
	t := r.t
	if r.expiry == nil && !t.explicit && t.deadline > 0 {
		in := r.s.in
		r.expiry = in.env.Clock.AfterFunc(max(t.deadline-in.env.Clock.Monotonic(), 0)+1, r.expire)
	}
	next()
}

// expire rolls back a paused auto-commit write whose timeout passed; its
// next Pull reports the timeout. A write that is running checks the
// deadline itself; one that finished or committed is left alone.
func (r *Result) expire() {
	if r.finished || r.running || r.executed {
		return
	}
	if err := r.t.check(); err != nil {
		r.fail(err)
	}
}

// stopExpiry cancels the expiry timer of a result that finished.
func (r *Result) stopExpiry() {
	if r.expiry != nil {
		r.expiry.Stop()
		r.expiry = nil
	}
}

// work runs one step of the write and reports whether its work is done.
// A streaming write's rows go to r.rows as they come, counted by the
// guard until they are pulled.
func (r *Result) work(n int) (bool, error) {
	if !r.stream {
		return r.res.Step(r.s.in.cfg.WriteStep)
	}
	want := 0 // no bound
	if n >= 0 {
		want = n - len(r.rows)
	}
	recs, end, err := r.res.StepRows(r.s.in.cfg.WriteStep, want)
	if err != nil {
		return true, err
	}
	for _, rec := range recs {
		if err := r.g.Grow(cypher.RecordBytes(rec)); err != nil {
			return true, err
		}
	}
	if r.res.Batched() {
		r.unsettled = append(r.unsettled, recs...)
	} else {
		r.rows = append(r.rows, recs...)
	}
	r.produced += len(recs)
	return end, nil
}

// settle makes the rows of committed batches servable.
func (r *Result) settle() {
	if len(r.unsettled) > 0 {
		r.rows = append(r.rows, r.unsettled...)
		r.unsettled = nil
	}
}

// complete ends a write whose work is done: the rows of one that did not
// stream are collected, the summary is set, and an auto-commit
// transaction commits; then it calls next.
func (r *Result) complete(next func()) {
	if !r.stream {
		if err := r.collect(); err != nil {
			r.fail(err)
			next()
			return
		}
	}
	r.summarize()
	if r.t.explicit {
		r.executed = true
		next()
		return
	}
	r.s.in.commit(r.t, func(ts uint64, err *Error) {
		if err != nil {
			r.fail(r.batch.committing(err))
		} else {
			r.executed = true
			r.settle()
			r.summary.Bookmark = bookmark(ts)
			r.summary.Notifications = append(r.summary.Notifications, replicaNotifications(r.t.warnings)...)
		}
		next()
	})
}

// collect drains the rows of a write that did not stream (reading
// entities from its transaction, before the commit).
func (r *Result) collect() *Error {
	for n := 1; ; n++ {
		if n%checkEvery == 0 {
			if err := r.t.check(); err != nil {
				return err
			}
		}
		rec, ok, err := r.res.Next()
		if err != nil {
			return r.s.in.classify(err, r.t.x, r.query)
		}
		if !ok {
			return nil
		}
		r.rows = append(r.rows, rec)
		r.produced++
	}
}

// summarize sets the finished write's counters, notifications and type.
func (r *Result) summarize() {
	st := r.res.Stats()
	r.summary.Stats = st
	r.summary.Notifications = r.res.Notifications()
	r.typ = "w"
	if st == (cypher.Stats{}) && r.produced > 0 {
		r.typ = "rw"
	}
	if st.IndexesAdded+st.IndexesRemoved+st.ConstraintsAdded+st.ConstraintsRemoved > 0 {
		r.typ = "s"
	}
}

// fail finishes the result with err: an auto-commit transaction is rolled
// back, an explicit one is doomed.
func (r *Result) fail(err *Error) *Error {
	if r.finished {
		return err
	}
	r.finished, r.err = true, err
	r.stopExpiry()
	r.rows, r.unsettled = nil, nil
	if r.res != nil {
		r.res.Close()
	}
	r.g.Release()
	if r.t != nil {
		if r.t.explicit {
			r.t.fail(err)
		} else {
			r.t.end()
		}
	}
	return err
}

// finish completes the result: an auto-commit read ends its transaction
// and takes the visible timestamp as its bookmark.
func (r *Result) finish() {
	r.finished = true
	r.stopExpiry()
	if r.res != nil {
		r.res.Close()
	}
	r.g.Release()
	r.summary.Type = r.typ
	if r.res != nil && !r.write {
		r.summary.Notifications = r.res.Notifications()
		// Nothing reads a finished read's engine result again: the
		// session's next execution reuses its memory.
		r.s.eng.Recycle(r.res)
		r.res = nil
	}
	if r.t != nil && !r.t.explicit && !r.write {
		r.t.end()
		r.summary.Bookmark = r.s.bookmark(r.s.in.g.VisibleTS())
	}
	if r.s.cur == r {
		r.s.cur = nil
	}
}

// abandon stops the result with err: the next step of a running write
// sees its transaction ended and stops; a read ends at once.
func (r *Result) abandon(err *Error) {
	if r.finished {
		return
	}
	if r.running && !r.t.explicit {
		r.t.end() // the pending step fails on it
		return
	}
	r.fail(err)
}

// Close abandons the result: an unfinished auto-commit transaction rolls
// back. A read's Close is safe off the loop (a RunRead result).
func (r *Result) Close() {
	switch {
	case r.finished || r.running:
	case r.t != nil && r.t.explicit && !r.write:
		// Dropping a read leaves its transaction as it was.
		r.finished = true
		r.rows = nil
		r.res.Close()
		r.g.Release()
		if r.s.cur == r {
			r.s.cur = nil
		}
	default:
		r.fail(errReset)
	}
}

// drop lets go of a write's rows nobody will pull (its transaction ended,
// or the client moved on from an auto-commit result); the write itself is
// done.
func (r *Result) drop() {
	if r.finished {
		return
	}
	r.finished, r.rows = true, nil
	r.stopExpiry()
	r.res.Close()
	r.g.Release()
	r.summary.Type = r.typ
}

// dropHeld lets go of the rows of the transaction's settled writes.
func (t *txn) dropHeld() {
	for _, r := range t.held {
		r.drop()
	}
	t.held = nil
}

// startRead begins a read of p: in t when given (an explicit transaction),
// else in an auto-commit read-only transaction.
func (s *Session) startRead(query string, p *cypher.Prepared, params value.Map, meta TxMeta, t *txn) (*Result, error) {
	if s.in.hidden.Load() {
		return nil, errHidden
	}
	if t == nil {
		t = s.in.beginAutoRead(s, query, meta)
	}
	r := &Result{s: s, t: t, query: query, typ: "r", guard: t.guard()}
	r.g = &r.guard
	res, err := s.eng.ExecuteGuarded(t.x, p, params, r.g)
	if err != nil {
		return nil, r.fail(s.in.classify(err, t.x, query))
	}
	r.res, r.cols = res, res.Columns()
	s.cur = r
	return r, nil
}

// commit commits t (logging the schema changes it made first) and calls
// done once every part is durable and visible, with the highest commit
// timestamp (the visible one when nothing changed).
func (in *Instance) commit(t *txn, done func(ts uint64, err *Error)) {
	t.ended = true
	t.closeSnapshot()
	in.txs.remove(t.entry)
	if err := in.writable(); err != nil {
		t.g.Abort()
		done(0, in.refusal(err))
		return
	}
	pending := len(t.x.schema) + 1
	var last uint64
	var first *Error
	part := func(ts uint64, err error) {
		if err != nil && first == nil {
			first = in.classify(err, t.x, "")
		}
		last = max(last, ts)
		if pending--; pending > 0 {
			return
		}
		if first != nil {
			done(0, first)
			return
		}
		if last == 0 {
			last = in.g.VisibleTS()
		}
		done(last, nil)
	}
	warn := func(ws []string) { t.warnings = append(t.warnings, ws...) }
	for _, sc := range t.x.schema {
		if sc.out != nil {
			sc.out.wait(warn, part)
			continue
		}
		in.logWarn(sc.ts, sc.deltas, warn, part)
	}
	in.commitWarn(t.g, warn, part)
}

// execute starts a write of p in t; its work runs at the first Pull. An
// auto-commit CALL { } IN TRANSACTIONS runs in a batchTx.
func (s *Session) execute(t *txn, query string, p *cypher.Prepared, params value.Map) (*Result, error) {
	r := &Result{s: s, t: t, query: query, write: true, typ: "w", guard: t.guard()}
	r.g = &r.guard
	var tx cypher.Tx = t.x
	if p.InTransactions() && !t.explicit {
		r.batch = &batchTx{gtx: t.x, t: t}
		t.openSnapshot()
		tx = r.batch
	}
	res, err := s.eng.ExecuteGuarded(tx, p, params, r.g)
	if err != nil {
		return nil, r.fail(s.in.classify(err, t.x, query))
	}
	r.res, r.cols, r.stream = res, res.Columns(), res.Streams()
	s.cur = r
	return r, nil
}
