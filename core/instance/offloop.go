package instance

import (
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/value"
)

// The real host (server/db) runs read-only work on its Bolt sessions'
// goroutines, off the loop, against MVCC snapshots: DESIGN.md's one
// exception to "one call at a time". The simulator never does. What is
// safe off the loop, for one session at a time (the host never calls one
// session from two goroutines at once, and hands a session between its
// goroutine and the loop through a channel, which orders the accesses):
//
//   - Instance.OpenSession (after Start returned);
//   - Session.RunRead, and Pull, Close, Columns and Summary of the result
//     it returns; RunRead also answers SHOW TRANSACTIONS and TERMINATE
//     TRANSACTIONS, so a query that holds the loop can still be listed and
//     terminated;
//   - Session.Begin with meta.ReadOnly when Instance.BookmarksVisible(meta)
//     (else Begin may wait for the bookmarks, on the loop), and Session.Run with ok == true
//     from RunRead inside that transaction, then Session.Commit and
//     Session.Rollback of it (their callbacks run before they return);
//
// Everything those touch is safe for concurrent use: core/graph's
// snapshot readers, the registry of running transactions (a mutex; the
// loop's TERMINATE sets a flag the reader checks as rows stream), the
// shared plan cache (a mutex), the session's own engine handle (its rand()
// source is the session's), and the gates, which read state the instance
// publishes atomically: whether it is ready and not stopped (open), and
// the visible timestamp bookmarks are checked against. Later gates (role,
// lease, a replica's read watermark) are published the same way.
//
// Everything else (writes, schema statements, admin statements, a
// read-write transaction, Reset, Close) runs on the loop.

// RunRead runs query off the loop if it can: a read-only statement (not a
// schema or admin statement) as an auto-commit transaction, or any
// read-only statement inside an open read-only transaction. ok is false
// when the query needs the loop: the host then calls Run there (the plan
// is cached by then). With ok true, res and err are what Run would report.
func (s *Session) RunRead(query string, params value.Map, meta TxMeta) (res *Result, ok bool, err error) {
	if err := s.usable(); err != nil {
		return nil, true, err
	}
	t := s.tx
	if t != nil && !t.readOnly {
		return nil, false, nil
	}
	if r := s.cur; r != nil && !r.finished {
		if r.write || r.res == nil {
			return nil, false, nil
		}
		r.Close() // an unfinished read the client moved past
	}
	p, err := s.eng.Prepare(query)
	if err != nil {
		return nil, true, s.in.classify(err, nil, query)
	}
	if a := p.Admin(); a != nil {
		if !adminOffLoop(a) {
			return nil, false, nil
		}
		res, err := s.runAdminNow(a, params)
		return res, true, err
	}
	if p.IsSchema() {
		return nil, false, nil
	}
	if t != nil {
		if err := t.usable(); err != nil {
			return nil, true, err
		}
		s.in.txs.setQuery(t.entry, query)
		if p.IsWrite() {
			return nil, true, t.fail(errAccessMode)
		}
		res, err := s.startRead(query, p, params, TxMeta{}, t)
		return res, true, err
	}
	if p.IsWrite() {
		return nil, false, nil
	}
	ts, err := s.in.checkMeta(meta)
	if err != nil {
		return nil, true, err
	}
	if ts > s.in.g.VisibleTS() {
		return nil, false, nil // waiting for the bookmark needs the loop
	}
	res, err = s.startRead(query, p, params, meta, nil)
	return res, true, err
}

// runAdminNow runs an admin statement whose callback comes before
// runAdmin returns. (Its own function: the callback's captured results
// would otherwise move RunRead's to the heap on every call.)
func (s *Session) runAdminNow(a cypher.AdminStmt, params value.Map) (res *Result, err error) {
	s.in.runAdmin(s, a, params, func(r *Result, e error) { res, err = r, e })
	return res, err
}

// PullRead is Pull for a result RunRead returned, which completes before
// it returns: it hands the rows back directly instead of through a
// callback. A write's result (never RunRead's) is refused.
func (r *Result) PullRead(n int) ([][]value.Value, bool, error) {
	if r.write {
		return nil, false, &Error{Code: CodeUnknown, Message: "internal error: PullRead of a write's result"}
	}
	return r.pullReady(n)
}

// adminOffLoop reports whether an admin statement only touches the
// registry of running transactions (a mutex and atomic flags), so RunRead
// may answer it off the loop.
func adminOffLoop(a cypher.AdminStmt) bool {
	switch a.(type) {
	case cypher.ShowTransactions, cypher.TerminateTransactions:
		return true
	}
	return false
}
