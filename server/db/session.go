package db

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// errQueryTimeout is the cause of a server-side query timeout.
var errQueryTimeout = errors.New("query timed out (--query-execution-timeout-sec)")

// errTerminated is the cause of TERMINATE TRANSACTIONS.
var errTerminated = errors.New("transaction terminated")

// What a client sees of a timeout and a termination.
var (
	errTimeoutBolt    = &bolt.Error{Code: "Neo.ClientError.Transaction.TransactionTimedOut", Message: errQueryTimeout.Error()}
	errTerminatedBolt = &bolt.Error{Code: "Neo.TransientError.Transaction.Terminated", Message: "the transaction was terminated by TERMINATE TRANSACTIONS"}
)

// Authenticate implements bolt.Backend.
func (d *DB) Authenticate(_ context.Context, a bolt.Auth) error {
	if d.cfg.User == "" {
		return nil
	}
	okUser := subtle.ConstantTimeCompare([]byte(a.Principal), []byte(d.cfg.User)) == 1
	okPass := subtle.ConstantTimeCompare([]byte(a.Credentials), []byte(d.cfg.Password)) == 1
	if a.Scheme != "basic" || !okUser || !okPass {
		return &bolt.Error{Code: bolt.CodeUnauthorized, Message: "The client is unauthorized due to authentication failure."}
	}
	return nil
}

// Open implements bolt.Backend.
func (d *DB) Open(info bolt.ConnInfo) bolt.Session {
	return &session{d: d, info: info, eng: cypher.NewEngine(d.engineOptions())}
}

type session struct {
	d    *DB
	info bolt.ConnInfo
	eng  *cypher.Engine // for Prepare on this goroutine
}

func (s *session) Close() {}

func (s *session) Route(_ context.Context, routing value.Map, _ []string, db string) (bolt.RoutingTable, error) {
	addr, _ := routing["address"].(string)
	if addr == "" {
		return bolt.RoutingTable{}, &bolt.Error{Code: "Neo.ClientError.Request.Invalid", Message: "ROUTE needs the routing context's address"}
	}
	a := []string{addr}
	return bolt.RoutingTable{TTL: 300, DB: dbName(db), Routers: a, Readers: a, Writers: a}, nil
}

func dbName(db string) string {
	if db == "" {
		return "memgraph"
	}
	return db
}

// checkMeta validates bookmarks and the database name.
func (s *session) checkMeta(m bolt.TxMeta) error {
	if m.DB != "" && m.DB != "memgraph" && m.DB != "neo4j" {
		return &bolt.Error{Code: "Neo.ClientError.Database.DatabaseNotFound", Message: fmt.Sprintf("database %q does not exist", m.DB)}
	}
	for _, b := range m.Bookmarks {
		ts, ok := parseBookmark(b)
		if !ok {
			return &bolt.Error{Code: "Neo.ClientError.Transaction.InvalidBookmark", Message: fmt.Sprintf("%q is not a Quiver bookmark", b)}
		}
		if ts > s.d.g.VisibleTS() {
			return &bolt.Error{Code: "Neo.TransientError.Transaction.BookmarkTimeout", Message: "the bookmarked transaction is not visible here"}
		}
	}
	return nil
}

func bookmark(ts uint64) string { return "quiver:" + strconv.FormatUint(ts, 10) }

func parseBookmark(b string) (uint64, bool) {
	rest, ok := strings.CutPrefix(b, "quiver:")
	if !ok {
		return 0, false
	}
	ts, err := strconv.ParseUint(rest, 10, 64)
	return ts, err == nil
}

// txContext bounds a transaction by the server's query timeout and makes
// it terminable.
func (s *session) txContext(ctx context.Context, q string) (context.Context, *txEntry, func()) {
	var cancelT context.CancelFunc = func() {}
	if s.d.cfg.QueryTimeout > 0 {
		ctx, cancelT = context.WithTimeoutCause(ctx, s.d.cfg.QueryTimeout, errQueryTimeout)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	e := s.d.txs.add(s.info.User, q, func() { cancel(errTerminated) })
	return ctx, e, func() { s.d.txs.remove(e); cancel(nil); cancelT() }
}

// readLimit bounds an auto-commit read by the server's query timeout and
// makes it terminable without a context: a read runs on the session's
// goroutine and waits on nothing, so a deadline and a flag checked as rows
// stream do what a timer-backed context did, for less per query.
type readLimit struct {
	deadline time.Time // zero: none
	killed   atomic.Bool
}

func (l *readLimit) err() error {
	if l.killed.Load() {
		return errTerminatedBolt
	}
	if !l.deadline.IsZero() && time.Now().After(l.deadline) {
		return errTimeoutBolt
	}
	return nil
}

// Run implements auto-commit queries.
func (s *session) Run(ctx context.Context, q string, params value.Map, meta bolt.TxMeta) (bolt.Result, error) {
	if err := s.checkMeta(meta); err != nil {
		return nil, err
	}
	if err := s.d.refuse(); err != nil {
		return nil, err
	}
	if r, handled, err := s.admin(q); handled {
		return r, err
	}
	p, err := s.eng.Prepare(q)
	if err != nil {
		return nil, mapErr(ctx, err)
	}
	if !p.IsWrite() {
		return s.runRead(ctx, q, p, params)
	}
	tctx, _, end := s.txContext(context.WithoutCancel(ctx), q)
	defer end()
	if meta.ReadOnly {
		return nil, &bolt.Error{Code: "Neo.ClientError.Statement.AccessMode", Message: "writing in a read access mode transaction is not allowed"}
	}
	var out *rowsResult
	g := s.d.newGuard(&stopper{d: s.d, tx: ctxStop(tctx), op: ctx})
	err = s.d.onLoopReply(func(reply func(error)) {
		t := s.d.g.Begin(graph.TxOptions{})
		x := newGtx(s.d.g, t)
		res, runErr := drain(s.d.eng, x, p, params, g)
		if runErr != nil {
			t.Abort()
			reply(x.cause(runErr))
			return
		}
		s.d.commitOnLoop(x, func(ts uint64, err error) {
			res.bookmark = bookmark(ts)
			out = res
			reply(err)
		})
	})
	if err != nil {
		return nil, mapErr(tctx, err)
	}
	out.auto = true
	return out, nil
}

// runRead starts an auto-commit read on this goroutine against a snapshot.
func (s *session) runRead(ctx context.Context, q string, p *cypher.Prepared, params value.Map) (bolt.Result, error) {
	lim := &readLimit{}
	if s.d.cfg.QueryTimeout > 0 {
		lim.deadline = time.Now().Add(s.d.cfg.QueryTimeout)
	}
	entry := s.d.txs.add(s.info.User, q, func() { lim.killed.Store(true) })
	stop := &stopper{d: s.d, tx: lim.err, op: ctx}
	g := s.d.newGuard(stop)
	end := func() { s.d.txs.remove(entry); g.Release() }
	t := s.d.g.Begin(graph.TxOptions{ReadOnly: true})
	res, err := s.eng.ExecuteGuarded(newGtx(s.d.g, t), p, params, g)
	if err != nil {
		t.Abort()
		end()
		return nil, mapErr(ctx, err)
	}
	return &readResult{lim: lim, stop: stop, res: res, t: t, end: end, auto: true, d: s.d}, nil
}

// drain executes p in x on the loop and collects every row, bounded by g:
// it stops when g's host says so and fails when the query, its buffered
// rows included, would hold more memory than g allows. It releases what g
// took once done.
func drain(eng *cypher.Engine, x *gtx, p *cypher.Prepared, params value.Map, g *cypher.Guard) (*rowsResult, error) {
	defer g.Release()
	res, err := eng.ExecuteGuarded(x, p, params, g)
	if err != nil {
		return nil, err
	}
	out := &rowsResult{cols: res.Columns()}
	for {
		rec, ok, err := res.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if err := g.Grow(cypher.RecordBytes(rec)); err != nil {
			return nil, err
		}
		out.rows = append(out.rows, rec)
	}
	out.stats = res.Stats()
	out.typ = "w"
	if p.IsWrite() && out.stats == (cypher.Stats{}) && len(out.rows) > 0 {
		out.typ = "rw"
	}
	if out.stats.IndexesAdded+out.stats.IndexesRemoved+out.stats.ConstraintsAdded+out.stats.ConstraintsRemoved > 0 {
		out.typ = "s"
	}
	return out, nil
}

func boltStats(s cypher.Stats) bolt.Stats {
	return bolt.Stats{NodesCreated: s.NodesCreated, NodesDeleted: s.NodesDeleted,
		RelationshipsCreated: s.RelationshipsCreated, RelationshipsDeleted: s.RelationshipsDeleted,
		PropertiesSet: s.PropertiesSet, LabelsAdded: s.LabelsAdded, LabelsRemoved: s.LabelsRemoved,
		IndexesAdded: s.IndexesAdded, IndexesRemoved: s.IndexesRemoved,
		ConstraintsAdded: s.ConstraintsAdded, ConstraintsRemoved: s.ConstraintsRemoved}
}

// cause prefers the write-write conflict a failed execution met over the
// engine's wrapping of it.
func (x *gtx) cause(err error) error {
	if x.conflict != nil {
		return x.conflict
	}
	return err
}

// mapErr gives an error its Neo4j status code.
func mapErr(ctx context.Context, err error) error {
	var ce *cypher.Error
	var cons *graph.ConstraintError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, graph.ErrSerialization):
		return &bolt.Error{Code: "Neo.TransientError.Transaction.Outdated", Message: cypher.UserMessage(err)}
	case errors.As(err, &ce):
		return &bolt.Error{Code: ce.Code, Message: ce.Error()}
	case errors.As(err, &cons):
		return &bolt.Error{Code: "Neo.ClientError.Schema.ConstraintValidationFailed", Message: cypher.UserMessage(err)}
	case ctx != nil && errors.Is(context.Cause(ctx), errQueryTimeout):
		return errTimeoutBolt
	case ctx != nil && errors.Is(context.Cause(ctx), errTerminated):
		return errTerminatedBolt
	}
	return err
}

// rowsResult is a fully computed result (writes run eagerly on the loop).
type rowsResult struct {
	cols     []string
	rows     [][]value.Value
	stats    cypher.Stats
	typ      string
	bookmark string
	auto     bool
}

func (r *rowsResult) Columns() []string { return r.cols }

func (r *rowsResult) Next(context.Context) ([]value.Value, error) {
	if len(r.rows) == 0 {
		return nil, nil
	}
	row := r.rows[0]
	r.rows = r.rows[1:]
	return row, nil
}

func (r *rowsResult) Summary(context.Context) (bolt.Summary, error) {
	s := bolt.Summary{Type: r.typ, Stats: boltStats(r.stats), DB: "memgraph"}
	if r.auto {
		s.Bookmark = r.bookmark
	}
	return s, nil
}

func (r *rowsResult) Close() { r.rows = nil }

// readResult streams a read-only query on the session's goroutine. An
// auto-commit read is bounded by lim, one in an explicit transaction by
// the transaction's ctx.
type readResult struct {
	d    *DB
	ctx  context.Context
	stop *stopper // its op follows the PULL being served
	lim  *readLimit
	res  *cypher.Result
	t    *graph.Txn // owned when auto
	end  func()
	auto bool
	n    int
}

func (r *readResult) Columns() []string { return r.res.Columns() }

func (r *readResult) Next(ctx context.Context) ([]value.Value, error) {
	r.stop.op = ctx
	r.n++
	if r.n%256 == 0 {
		if r.lim != nil {
			if err := r.lim.err(); err != nil {
				return nil, err
			}
		} else if err := r.ctx.Err(); err != nil {
			return nil, mapErr(r.ctx, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	rec, ok, err := r.res.Next()
	if err != nil {
		r.finish() // an interrupted or failed read ends its transaction now
		return nil, mapErr(r.ctx, err)
	}
	if !ok {
		return nil, nil
	}
	return rec, nil
}

func (r *readResult) Summary(ctx context.Context) (bolt.Summary, error) {
	r.res.Close()
	r.finish()
	s := bolt.Summary{Type: "r", DB: "memgraph"}
	if r.auto {
		s.Bookmark = bookmark(r.d.g.VisibleTS())
	}
	return s, nil
}

func (r *readResult) finish() {
	if r.t != nil {
		r.t.Abort()
		r.t = nil
	}
	if r.end != nil {
		r.end()
		r.end = nil
	}
}

func (r *readResult) Close() { r.res.Close(); r.finish() }
