package instance

import (
	"errors"
	"time"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// SessionInfo describes who a session serves.
type SessionInfo struct {
	User   string
	Client string // connection id or address
	// Interrupt, when set, is asked as queries run (every 1024 rows) whether
	// the host wants them stopped: its shutdown, a Bolt RESET, the client
	// gone or its own timeout. A non-nil error (an *Error, whose code the
	// client sees) stops the query with it. It must be safe on any
	// goroutine (reads run off the loop in the real host). The simulator
	// leaves it nil.
	Interrupt func() error
}

// TxMeta is what an auto-commit Run or a Begin carries besides the query.
type TxMeta struct {
	Bookmarks []string
	ReadOnly  bool
	Timeout   time.Duration // 0: Config.QueryTimeout
	DB        string        // "", "memgraph" or "neo4j"
	Metadata  value.Map
}

// Session runs the queries of one client connection: auto-commit queries,
// or one explicit transaction at a time.
//
// Every method is called on the node's loop (in the simulator: always) and
// reports through its callback, possibly later (a commit waits for fsync).
// The real host may also call, from the connection's own goroutine and
// never two at once for one session: RunRead and the Pull and Close of the
// results it returns, and Begin, Commit and Rollback of a read-only
// transaction (meta.ReadOnly); those call their callback before they
// return. See offloop.go.
type Session struct {
	in     *Instance
	info   SessionInfo
	eng    *cypher.Engine // a handle onto the instance's engine and plan cache
	tx     *txn           // the open explicit transaction
	cur    *Result        // the newest result, until it finished
	closed bool
	// bm is the bookmark of timestamp bmTS, the last one this session
	// reported: reads in a row mostly see the same visible timestamp.
	bm   string
	bmTS uint64
	// spare is the memory of the session's last auto-commit read, which
	// the next one reuses once that read ended (beginAutoRead).
	spare *autoRead
}

// autoRead is what an auto-commit read needs besides its result: its
// transaction, graph adapter and registry entry, in one allocation.
type autoRead struct {
	t txn
	x gtx
	e txEntry
}

// bookmark returns the bookmark of ts.
func (s *Session) bookmark(ts uint64) string {
	if s.bm == "" || s.bmTS != ts {
		s.bm, s.bmTS = bookmark(ts), ts
	}
	return s.bm
}

// txn is one running transaction, auto-commit or explicit.
type txn struct {
	s        *Session
	entry    *txEntry
	g        *graph.Txn
	x        *gtx
	readOnly bool
	explicit bool
	deadline time.Duration // on the monotonic clock; 0: none
	clientTO bool          // the deadline is the client's own timeout
	failed   *Error        // a failed statement dooms an explicit transaction
	warnings []string      // replication warnings of its commit
	ended    bool
	// held are its finished writes whose rows the client may still pull;
	// they let them go when it ends.
	held []*Result
	// snap is the statement-start snapshot of an auto-commit CALL { } IN
	// TRANSACTIONS (batchTx.InputSnapshot); nil otherwise.
	snap *gtx
	// interrupt is the Interrupt of its guards, made once (guard): it
	// checks t, and the host's interrupt of the session.
	interrupt func() error
}

// OpenSession starts a session for a client. It is safe off the loop once
// Start has returned (the real host opens sessions on connection
// goroutines).
func (in *Instance) OpenSession(info SessionInfo) *Session {
	s := &Session{in: in, info: info}
	if in.eng != nil {
		s.eng = in.eng.WithRand(in.sessionRand())
	}
	return s
}

// Run runs query: inside the open explicit transaction, or else as an
// auto-commit transaction described by meta. done receives the result,
// whose rows Pull fetches; an auto-commit write commits as its rows are
// first pulled, and its outcome is final when Pull reports more == false.
func (s *Session) Run(query string, params value.Map, meta TxMeta, done func(res *Result, err error)) {
	if err := s.usable(); err != nil {
		done(nil, err)
		return
	}
	if s.tx != nil {
		s.runInTx(query, params, done)
		return
	}
	s.settle(func() {
		s.in.awaitMeta(meta, func(err error) {
			if err == nil {
				err = s.usable()
			}
			if err != nil {
				done(nil, err)
				return
			}
			s.runAuto(query, params, meta, done)
		})
	})
}

// runAuto runs query as an auto-commit transaction once its bookmarks are
// visible.
func (s *Session) runAuto(query string, params value.Map, meta TxMeta, done func(res *Result, err error)) {
	p, err := s.eng.Prepare(query)
	if err != nil {
		done(nil, s.in.classify(err, nil, query))
		return
	}
	if a := p.Admin(); a != nil {
		s.in.runAdmin(s, a, params, done)
		return
	}
	if !p.IsWrite() {
		done(s.startRead(query, p, params, meta, nil))
		return
	}
	if meta.ReadOnly {
		done(nil, errAccessMode)
		return
	}
	if err := s.in.writeGate(); err != nil {
		done(nil, err)
		return
	}
	t := s.in.beginTx(s, query, meta, false, false)
	r, err := s.execute(t, query, p, params)
	if err != nil || !p.IsSchemaChange() {
		done(r, err)
		return
	}
	// The engine changed the schema already (core/graph commits schema
	// changes itself): make it durable now, whatever the client pulls.
	r.Pull(0, func(_ [][]value.Value, _ bool, err error) {
		if err != nil {
			done(nil, err)
			return
		}
		done(r, nil)
	})
}

// runInTx runs query in the open explicit transaction.
func (s *Session) runInTx(query string, params value.Map, done func(*Result, error)) {
	t := s.tx
	s.settle(func() {
		if err := t.usable(); err != nil {
			done(nil, err)
			return
		}
		s.in.txs.setQuery(t.entry, query)
		p, err := s.eng.Prepare(query)
		if err != nil {
			done(nil, t.fail(s.in.classify(err, nil, query)))
			return
		}
		switch {
		case cypher.IsReplicationStmt(p.Admin()):
			done(nil, t.fail(errReplInTx))
			return
		case p.Admin() != nil:
			// Admin statements act outside the transaction (a snapshot holds
			// what is committed), so they run inside one too.
			s.in.runAdmin(s, p.Admin(), params, done)
			return
		case p.IsSchemaChange():
			done(nil, t.fail(errSchemaInTx))
			return
		case p.InTransactions():
			done(nil, t.fail(errBatchInTx))
			return
		case t.readOnly && p.IsWrite():
			done(nil, t.fail(errAccessMode))
			return
		case t.readOnly || !p.IsWrite():
			// A read streams, with its termination and timeout checks,
			// even in a read-write transaction.
			done(s.startRead(query, p, params, TxMeta{}, t))
			return
		}
		if err := s.in.writeGate(); err != nil {
			done(nil, t.fail(err))
			return
		}
		res, err := s.execute(t, query, p, params)
		if err != nil {
			err = t.fail(err.(*Error))
		}
		done(res, err)
	})
}

// Begin opens an explicit transaction.
func (s *Session) Begin(meta TxMeta, done func(err error)) {
	if err := s.usable(); err != nil {
		done(err)
		return
	}
	if s.tx != nil {
		done(newErr(CodeTxState, "a transaction is already open in this session"))
		return
	}
	s.settle(func() {
		s.in.awaitMeta(meta, func(err error) {
			if err == nil {
				err = s.usable()
			}
			if err == nil && s.tx != nil {
				err = newErr(CodeTxState, "a transaction is already open in this session")
			}
			if err != nil {
				done(err)
				return
			}
			s.begin(meta, done)
		})
	})
}

// begin opens the explicit transaction once its bookmarks are visible.
func (s *Session) begin(meta TxMeta, done func(err error)) {
	if !meta.ReadOnly {
		if err := s.in.writable(); err != nil {
			done(s.in.refusal(err))
			return
		}
	}
	s.tx = s.in.beginTx(s, "", meta, meta.ReadOnly, true)
	done(nil)
}

// Commit commits the open explicit transaction; done receives the bookmark
// of its commit once it is durable and visible. CommitSummary reports its
// notifications too.
func (s *Session) Commit(done func(bookmark string, err error)) {
	s.CommitSummary(func(sum Summary, err error) { done(sum.Bookmark, err) })
}

// CommitSummary commits the open explicit transaction; done receives, once
// the commit is durable and visible, its bookmark and its notifications:
// a warning (Quiver.Replication.ReplicaNotInSync) for each SYNC or
// STRICT_SYNC replica that was out of the in-sync set when the commit was
// acknowledged without it.
func (s *Session) CommitSummary(done func(sum Summary, err error)) {
	t := s.tx
	if t == nil {
		done(Summary{}, newErr(CodeTxState, "there is no open transaction to commit"))
		return
	}
	s.settle(func() {
		s.tx = nil
		t.dropHeld() // the client pulls nothing more once it commits
		if err := t.usable(); err != nil {
			t.end()
			done(Summary{}, err)
			return
		}
		if t.readOnly {
			t.end()
			done(Summary{Type: "r", Bookmark: s.bookmark(s.in.g.VisibleTS())}, nil)
			return
		}
		s.in.commit(t, func(ts uint64, err *Error) {
			if err != nil {
				done(Summary{}, err)
				return
			}
			done(Summary{Type: "w", Bookmark: bookmark(ts), Notifications: replicaNotifications(t.warnings)}, nil)
		})
	})
}

// Rollback aborts the open explicit transaction.
func (s *Session) Rollback(done func(err error)) {
	t := s.tx
	if t == nil {
		done(nil)
		return
	}
	s.tx = nil
	if s.cur != nil && s.cur.t == t {
		s.cur.abandon(errReset)
	}
	t.end()
	done(nil)
}

// Reset aborts whatever is open (the explicit transaction, a result being
// pulled); a write whose commit is already on its way to the disk still
// completes. The session stays usable.
func (s *Session) Reset() {
	if s.cur != nil {
		s.cur.abandon(errReset)
		s.cur = nil
	}
	if s.tx != nil {
		s.tx.end()
		s.tx = nil
	}
}

// Close resets the session and refuses further calls.
func (s *Session) Close() {
	s.Reset()
	s.closed = true
}

// usable refuses calls on a closed session or an instance that cannot
// serve queries.
func (s *Session) usable() error {
	switch {
	case s.closed:
		return errClosed
	case s.eng == nil || !s.in.open.Load():
		return errUnavailable("the instance is not ready (starting, recovering or stopped)")
	}
	return nil
}

// settle finishes the session's unfinished result before then runs: a new
// statement or a commit first completes (a write) or drops (a read) what
// the client did not pull.
func (s *Session) settle(then func()) {
	r := s.cur
	if r == nil || r.finished || !r.write {
		if r != nil {
			r.Close()
		}
		s.cur = nil
		then()
		return
	}
	// In an explicit transaction the rest of its rows wait in the result,
	// as the client may still pull them (Bolt keeps several results open),
	// until the transaction ends; an auto-commit one lets them go.
	r.produce(-1, func() {
		if r.t.explicit {
			r.t.held = append(r.t.held, r)
		} else {
			r.drop()
		}
		if s.cur == r {
			s.cur = nil
		}
		then()
	})
}

// beginTx starts a graph transaction for s and registers it.
func (in *Instance) beginTx(s *Session, query string, meta TxMeta, readOnly, explicit bool) *txn {
	t := &txn{s: s, readOnly: readOnly, explicit: explicit}
	t.entry = in.txs.add(s.info.User, query, meta.Metadata)
	g := in.g.load()
	t.g = g.Begin(graph.TxOptions{ReadOnly: readOnly})
	t.x = newGtx(g, t.g)
	if !readOnly {
		t.x.hold = in.holdSchema
	}
	t.setDeadline(in, meta)
	return t
}

// beginAutoRead is beginTx of an auto-commit read-only transaction, in the
// memory of the session's previous one when that one ended: nothing uses
// an ended transaction (its result finished, its entry left the registry,
// its snapshot was released).
func (in *Instance) beginAutoRead(s *Session, query string, meta TxMeta) *txn {
	a := s.spare
	if a == nil || !a.t.ended {
		a = &autoRead{}
		s.spare = a
	}
	t := &a.t
	*t = txn{s: s, readOnly: true, interrupt: t.interrupt}
	t.entry = in.txs.addInto(&a.e, s.info.User, query, meta.Metadata)
	g := in.g.load()
	t.g = g.BeginRead(a.x.t)
	a.x.reuse(g, t.g)
	t.x = &a.x
	t.setDeadline(in, meta)
	return t
}

// setDeadline sets t's timeout: the client's (meta), else the instance's.
func (t *txn) setDeadline(in *Instance, meta TxMeta) {
	timeout := meta.Timeout
	t.clientTO = timeout > 0
	if timeout <= 0 {
		timeout = in.cfg.QueryTimeout
	}
	if timeout > 0 {
		t.deadline = in.env.Clock.Monotonic() + timeout
	}
}

// guard bounds one execution in t: TERMINATE TRANSACTIONS, the timeout
// and the host's Interrupt stop it, and its memory is bounded by
// Config.QueryMemoryLimit and the host's pool.
func (t *txn) guard() cypher.Guard {
	if t.interrupt == nil {
		host := t.s.info.Interrupt
		t.interrupt = func() error {
			if err := t.check(); err != nil {
				return err
			}
			if host != nil {
				return host()
			}
			return nil
		}
	}
	in := t.s.in
	return cypher.Guard{Interrupt: t.interrupt, Limit: in.cfg.QueryMemoryLimit, LimitName: "--query-memory-limit", Reserve: in.cfg.Reserve}
}

// check reports a termination or an expired timeout.
func (t *txn) check() *Error {
	if t.entry.killed.Load() {
		return errTerminated
	}
	if t.deadline > 0 && t.s.in.env.Clock.Monotonic() > t.deadline {
		if t.clientTO {
			return errClientTimedOut
		}
		return errTimedOut
	}
	return nil
}

// usable reports why the transaction can take no more statements.
func (t *txn) usable() *Error {
	if t.ended {
		return errReset
	}
	if err := t.check(); err != nil {
		return err
	}
	return t.failed
}

// fail dooms an explicit transaction with err (auto-commit ones end with
// their statement anyway) and returns err.
func (t *txn) fail(err *Error) *Error {
	if t.explicit && t.failed == nil {
		t.failed = err
	}
	return err
}

// end aborts the graph transaction (if it is still open) and unregisters.
func (t *txn) end() {
	t.dropHeld()
	t.closeSnapshot()
	if t.ended {
		return
	}
	t.ended = true
	t.g.Abort()
	t.s.in.txs.remove(t.entry)
}

// refusal is the error for a write the instance will not start.
func (in *Instance) refusal(err error) *Error {
	if err == ErrStopped {
		return errUnavailable("the instance is shutting down")
	}
	if errors.Is(err, ErrFenced) {
		return errUnavailable("the instance refuses writes: " + err.Error())
	}
	return errUnavailable("the instance refuses writes until it is restarted: " + err.Error())
}
