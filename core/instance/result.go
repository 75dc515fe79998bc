package instance

import (
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
// A read streams from its snapshot as it is pulled. A write runs to its
// end in steps that yield to the loop at its first Pull (and, when
// auto-commit, commits and waits until the commit is durable and
// visible), then serves the rows it produced.
type Result struct {
	s     *Session
	t     *txn // its transaction; owned (ended here) when auto-commit
	query string
	cols  []string
	res   *cypher.Result // nil for precomputed rows
	g     *cypher.Guard  // bounds res; released when the result ends
	write bool
	rows  [][]value.Value // precomputed or collected rows not yet pulled
	typ   string

	executed bool   // a write's work is done and its rows collected
	running  bool   // a write's steps are under way
	waiting  func() // what to do once the running write finishes
	finished bool   // more == false or an error was reported
	err      error  // the error that finished it
	summary  Summary
	pulled   int // rows streamed, for the periodic checks of a read
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
	switch {
	case r.finished:
		done(nil, false, r.err)
	case r.write && !r.executed:
		if r.running {
			prev := r.waiting
			r.waiting = func() {
				if prev != nil {
					prev()
				}
				r.Pull(n, done)
			}
			return
		}
		r.running = true
		r.step(func() {
			r.running = false
			w := r.waiting
			r.waiting = nil
			r.Pull(n, done)
			if w != nil {
				w()
			}
		})
	case r.res != nil && !r.write:
		rows, more, err := r.pullRead(n)
		done(rows, more, err)
	default:
		done(r.serve(n))
	}
}

// serve hands out up to n collected rows and finishes at the end.
func (r *Result) serve(n int) ([][]value.Value, bool, error) {
	if n < 0 || n >= len(r.rows) {
		rows := r.rows
		r.rows = nil
		r.finish()
		return rows, false, nil
	}
	rows := r.rows[:n:n]
	r.rows = r.rows[n:]
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

// step runs the next slice of a write; once the work is done it collects
// the rows and, when auto-commit, commits; then it calls next.
func (r *Result) step(next func()) {
	if r.finished {
		next()
		return
	}
	if err := r.t.usable(); err != nil {
		r.fail(err)
		next()
		return
	}
	done, err := r.res.Step(r.s.in.cfg.WriteStep)
	if err != nil {
		r.fail(r.s.in.classify(err, r.t.x, r.query))
		next()
		return
	}
	if !done {
		r.s.in.deferFn(func() { r.step(next) })
		return
	}
	if err := r.collect(); err != nil {
		r.fail(err)
		next()
		return
	}
	if r.t.explicit {
		r.executed = true
		next()
		return
	}
	r.s.in.commit(r.t, func(ts uint64, err *Error) {
		if err != nil {
			r.fail(err)
		} else {
			r.executed = true
			r.summary.Bookmark = bookmark(ts)
			r.summary.Notifications = append(r.summary.Notifications, replicaNotifications(r.t.warnings)...)
		}
		next()
	})
}

// collect drains the finished write's rows (reading entities from its
// transaction, before the commit) and sets the summary's counters.
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
			break
		}
		r.rows = append(r.rows, rec)
	}
	st := r.res.Stats()
	r.summary.Stats = st
	r.summary.Notifications = r.res.Notifications()
	r.typ = "w"
	if st == (cypher.Stats{}) && len(r.rows) > 0 {
		r.typ = "rw"
	}
	if st.IndexesAdded+st.IndexesRemoved+st.ConstraintsAdded+st.ConstraintsRemoved > 0 {
		r.typ = "s"
	}
	return nil
}

// fail finishes the result with err: an auto-commit transaction is rolled
// back, an explicit one is doomed.
func (r *Result) fail(err *Error) *Error {
	if r.finished {
		return err
	}
	r.finished, r.err = true, err
	r.rows = nil
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
	if r.res != nil {
		r.res.Close()
	}
	r.g.Release()
	r.summary.Type = r.typ
	if r.res != nil && !r.write {
		r.summary.Notifications = r.res.Notifications()
	}
	if r.t != nil && !r.t.explicit && !r.write {
		r.t.end()
		r.summary.Bookmark = bookmark(r.s.in.g.VisibleTS())
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

// startRead begins a read of p: in t when given (an explicit transaction),
// else in an auto-commit read-only transaction.
func (s *Session) startRead(query string, p *cypher.Prepared, params value.Map, meta TxMeta, t *txn) (*Result, error) {
	if t == nil {
		t = s.in.beginTx(s, query, meta, true, false)
	}
	r := &Result{s: s, t: t, query: query, typ: "r", g: t.guard()}
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

// execute starts a write of p in t; its work runs at the first Pull.
func (s *Session) execute(t *txn, query string, p *cypher.Prepared, params value.Map) (*Result, error) {
	r := &Result{s: s, t: t, query: query, write: true, typ: "w", g: t.guard()}
	res, err := s.eng.ExecuteGuarded(t.x, p, params, r.g)
	if err != nil {
		return nil, r.fail(s.in.classify(err, t.x, query))
	}
	r.res, r.cols = res, res.Columns()
	s.cur = r
	return r, nil
}
