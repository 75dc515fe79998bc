package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/value"
)

// observer logs and meters everything that passes through a bolt.Backend:
// sessions, failed logins, and each query from RUN to its end (the last
// record and summary, an error, or being abandoned).
type observer struct {
	bolt.Backend
	m         *queryMetrics
	log       *zap.Logger
	slow      time.Duration // warn about queries at least this long (0: never)
	logParams bool
	now       func() time.Time
}

type remoteKey struct{}

// withRemote tags a connection's context with its id and remote address for
// the authentication log.
func withRemote(ctx context.Context, id, remote string) context.Context {
	return context.WithValue(ctx, remoteKey{}, [2]string{id, remote})
}

// Authenticate logs and counts a refused login.
func (o *observer) Authenticate(ctx context.Context, a bolt.Auth) error {
	err := o.Backend.Authenticate(ctx, a)
	if err != nil {
		o.m.authFail.Inc()
		r, _ := ctx.Value(remoteKey{}).([2]string)
		o.log.Warn("authentication failed", zap.String("conn", r[0]), zap.String("remote", r[1]),
			zap.String("user", a.Principal), zap.String("scheme", a.Scheme))
	}
	return err
}

// Open logs and counts a new session.
func (o *observer) Open(info bolt.ConnInfo) bolt.Session {
	o.m.sessions.Inc()
	o.log.Info("session opened", zap.String("conn", info.ID), zap.String("remote", info.RemoteAddr),
		zap.String("user", info.User), zap.String("user_agent", info.UserAgent), zap.String("bolt", info.Version.String()))
	return &obsSession{Session: o.Backend.Open(info), o: o, info: info}
}

type obsSession struct {
	bolt.Session
	o    *observer
	info bolt.ConnInfo
	// spare is a released result, reused by the next query: the
	// connection, one goroutine, runs and releases its results in turn.
	spare *obsResult
}

// result follows a new query, in the spare result when there is one.
func (s *obsSession) result(q string, p value.Map, auto bool) *obsResult {
	r := s.spare
	if r == nil {
		r = new(obsResult)
	}
	s.spare = nil
	*r = obsResult{home: s, qo: s.o.newQuery(s.info.ID, q, p, auto)}
	return r
}

func (s *obsSession) Close() {
	s.Session.Close()
	s.o.m.sessions.Dec()
}

func (s *obsSession) Run(ctx context.Context, q string, p value.Map, meta bolt.TxMeta) (bolt.Result, error) {
	s.o.m.activeTx.Inc()
	r := s.result(q, p, true)
	res, err := s.Session.Run(ctx, q, p, meta)
	return r.wrap(res, err)
}

func (s *obsSession) Begin(ctx context.Context, meta bolt.TxMeta) (bolt.Tx, error) {
	tx, err := s.Session.Begin(ctx, meta)
	if err != nil {
		return nil, err
	}
	s.o.m.activeTx.Inc()
	return &obsTx{Tx: tx, s: s}, nil
}

type obsTx struct {
	bolt.Tx
	s    *obsSession
	once sync.Once
}

func (t *obsTx) end() { t.once.Do(func() { t.s.o.m.activeTx.Dec() }) }

func (t *obsTx) Run(ctx context.Context, q string, p value.Map) (bolt.Result, error) {
	r := t.s.result(q, p, false)
	res, err := t.Tx.Run(ctx, q, p)
	return r.wrap(res, err)
}

func (t *obsTx) Commit(ctx context.Context) (string, error) {
	bm, err := t.Tx.Commit(ctx)
	t.end()
	t.s.o.m.commits.WithLabelValues(outcome(err)).Inc()
	if err != nil {
		t.s.o.logFailure(t.s.info.ID, "commit failed", "COMMIT", err)
	}
	return bm, err
}

func (t *obsTx) Rollback(ctx context.Context) error {
	err := t.Tx.Rollback(ctx)
	t.end()
	return err
}

// queryObs follows one query to its end.
type queryObs struct {
	o      *observer
	conn   string
	query  string
	params value.Map
	start  time.Time
	rows   int64
	done   bool
	// auto: an auto-commit query, counted in activeTx until it ends.
	auto bool
}

// newQuery begins following a query.
func (o *observer) newQuery(conn, q string, p value.Map, auto bool) queryObs {
	return queryObs{o: o, conn: conn, query: q, params: p, start: o.now(), auto: auto}
}

// wrap finishes a query that failed to start, or follows its result.
func (r *obsResult) wrap(res bolt.Result, err error) (bolt.Result, error) {
	if err != nil {
		r.qo.finish("", err, false)
		r.home.spare = r // never handed out
		return nil, err
	}
	r.Result = res
	return r, nil
}

// finish records the query's end once: its outcome, duration and log line.
func (qo *queryObs) finish(typ string, err error, cancelled bool) {
	if qo.done {
		return
	}
	qo.done = true
	o := qo.o
	if qo.auto {
		o.m.activeTx.Dec()
	}
	d := o.now().Sub(qo.start)
	out := outcome(err)
	if cancelled {
		out = "cancelled"
	}
	o.m.count(typ, out, d)
	failed := err != nil && !cancelled
	var code, msg string
	if failed {
		code, msg = bolt.Classify(err)
		o.m.errors.WithLabelValues(code).Inc()
	}
	lvl, what := zapcore.DebugLevel, "query"
	switch {
	case o.slow > 0 && d >= o.slow:
		lvl, what = zapcore.WarnLevel, "slow query"
	case failed && out == "database_error":
		lvl, what = zapcore.ErrorLevel, "query failed"
	case failed:
		lvl, what = zapcore.InfoLevel, "query failed"
	}
	ce := o.log.Check(lvl, what)
	if ce == nil { // the level is off: build no fields (the common case, per query)
		return
	}
	fields := []zap.Field{zap.String("conn", qo.conn), zap.String("query", qo.query),
		zap.Float64("duration_ms", float64(d.Microseconds())/1000), zap.Int64("rows", qo.rows), zap.String("outcome", out)}
	if o.logParams && len(qo.params) > 0 {
		fields = append(fields, zap.Any("parameters", value.Map(qo.params)))
	}
	if failed {
		fields = append(fields, zap.String("code", code), zap.String("error", msg))
		if msg != err.Error() {
			fields = append(fields, zap.String("cause", err.Error()))
		}
	}
	ce.Write(fields...)
}

// logFailure logs a failed request that is not a query (COMMIT).
func (o *observer) logFailure(conn, msg, what string, err error) {
	code, text := bolt.Classify(err)
	lvl := o.log.Info
	if codeClass(code) == "database_error" {
		lvl = o.log.Error
	}
	lvl(msg, zap.String("conn", conn), zap.String("request", what), zap.String("code", code), zap.String("error", text))
}

// obsResult follows a query's result; its session reuses it once the
// connection releases it.
type obsResult struct {
	bolt.Result
	home *obsSession
	qo   queryObs
}

// Release passes the release on and keeps r for the session's next query.
func (r *obsResult) Release() {
	if rr, ok := r.Result.(bolt.Releaser); ok {
		rr.Release()
	}
	home := r.home
	*r = obsResult{} // keep nothing of this query (its parameters included)
	home.spare = r
}

func (r *obsResult) Next(ctx context.Context) ([]value.Value, error) {
	row, err := r.Result.Next(ctx)
	switch {
	case err != nil:
		r.qo.finish("", err, errors.Is(err, context.Canceled) && ctx.Err() != nil)
	case row != nil:
		r.qo.rows++
	}
	return row, err
}

func (r *obsResult) Summary(ctx context.Context) (bolt.Summary, error) {
	s, err := r.Result.Summary(ctx)
	r.qo.finish(s.Type, err, false)
	return s, err
}

func (r *obsResult) Close() {
	r.Result.Close()
	r.qo.finish("", nil, true)
}
