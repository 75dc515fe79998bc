package db

import (
	"context"
	"crypto/subtle"
	"errors"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/value"
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

// Open implements bolt.Backend. Opening a session needs no loop hop, so a
// query that holds the loop does not keep new connections out.
func (d *DB) Open(info bolt.ConnInfo) bolt.Session {
	s := &session{d: d, stop: &stopper{d: d}}
	s.s = d.in.OpenSession(instance.SessionInfo{User: info.User, Client: info.ID, Interrupt: s.stop.interrupt})
	return s
}

// session is one Bolt connection's instance session. The connection calls
// it from one goroutine at a time; read-only work runs right here, the
// rest is handed to the loop.
type session struct {
	d    *DB
	s    *instance.Session
	stop *stopper // the current operation, for the instance's Interrupt
	// spare is a released result, reused by the next query: a session
	// runs and releases its results on one goroutine at a time.
	spare *result
}

// newResult returns r in the spare result when there is one.
func (s *session) newResult(r result) *result {
	out := s.spare
	if out == nil {
		out = new(result)
	}
	s.spare = nil
	*out = r
	return out
}

func (s *session) Close() { s.d.loop.Post(s.s.Close) }

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

// txMeta translates Bolt's transaction metadata.
func txMeta(m bolt.TxMeta) instance.TxMeta {
	return instance.TxMeta{Bookmarks: m.Bookmarks, ReadOnly: m.ReadOnly, Timeout: m.Timeout, DB: m.DB, Metadata: m.Metadata}
}

// boltErr translates an instance error into what the client sees.
func boltErr(err error) error {
	if err == nil {
		return nil // before ie, which escapes: no allocation on success
	}
	var ie *instance.Error
	if errors.As(err, &ie) {
		return &bolt.Error{Code: ie.Code, Message: ie.Message}
	}
	return err
}

// Run implements auto-commit queries.
func (s *session) Run(ctx context.Context, q string, params value.Map, meta bolt.TxMeta) (bolt.Result, error) {
	return s.run(ctx, q, params, txMeta(meta), true)
}

// run runs q: off the loop when the instance says it can (a read), else on
// the loop, where a write also runs until its first batch of rows, in the
// same hand-off: a write that returns no more than that (most) also
// commits, when auto-commit, before run returns. A longer one streams:
// the instance holds it paused until the client pulls on.
func (s *session) run(ctx context.Context, q string, params value.Map, meta instance.TxMeta, auto bool) (bolt.Result, error) {
	if err := s.d.refuse(); err != nil {
		return nil, err
	}
	s.stop.set(ctx)
	if r, ok, err := s.s.RunRead(q, params, meta); ok {
		if err != nil {
			return nil, boltErr(err)
		}
		return s.newResult(result{s: s, r: r, offLoop: true, more: true, auto: auto}), nil
	}
	out := s.newResult(result{s: s, auto: auto})
	err := s.d.onLoopReply(func(reply func(error)) {
		s.s.Run(q, params, meta, func(r *instance.Result, err error) {
			if err != nil {
				reply(err)
				return
			}
			out.r = r
			r.Pull(loopBatch, func(rows [][]value.Value, more bool, err error) {
				out.rows, out.more = rows, more
				reply(err)
			})
		})
	})
	if err != nil {
		return nil, boltErr(err)
	}
	return out, nil
}

// pullBatch is how many rows an off-loop read fetches per Pull; loopBatch
// how many a result on the loop (a write) fetches per hand-off, the Neo4j
// drivers' default fetch size.
const (
	pullBatch = 256
	loopBatch = 1000
)

// result streams an instance result: an off-loop read pulls batches on the
// session's goroutine, a loop result (a write) batches of loopBatch rows in
// one hand-off to the loop each.
type result struct {
	s       *session
	r       *instance.Result
	rows    [][]value.Value
	more    bool // the instance result has more rows to pull
	offLoop bool
	auto    bool
	err     error
}

func (r *result) Columns() []string { return r.r.Columns() }

func (r *result) Next(ctx context.Context) ([]value.Value, error) {
	for len(r.rows) == 0 {
		if !r.more || r.err != nil {
			return nil, r.err
		}
		r.s.stop.set(ctx)
		r.pull(r.batch())
	}
	row := r.rows[0]
	r.rows = r.rows[1:]
	return row, nil
}

// batch is how many rows one pull fetches.
func (r *result) batch() int {
	if r.offLoop {
		return pullBatch
	}
	return loopBatch
}

// pull fetches up to n more rows (n < 0: all).
func (r *result) pull(n int) {
	if r.offLoop {
		r.take(r.r.PullRead(n))
		return
	}
	if err := r.s.d.onLoopReply(func(reply func(error)) {
		r.r.Pull(n, func(rows [][]value.Value, more bool, err error) { r.take(rows, more, err); reply(nil) })
	}); err != nil {
		r.err = boltErr(err)
	}
}

// take keeps what a pull reported.
func (r *result) take(rows [][]value.Value, more bool, err error) {
	if len(r.rows) == 0 {
		r.rows = rows // the instance hands its rows over
	} else {
		r.rows = append(r.rows, rows...)
	}
	r.more, r.err = more, boltErr(err)
}

func (r *result) Summary(ctx context.Context) (bolt.Summary, error) {
	r.s.stop.set(ctx)
	r.rows = nil
	for r.more && r.err == nil { // the rest in batches: never all at once
		r.pull(r.batch())
		r.rows = nil
	}
	if r.err != nil {
		return bolt.Summary{}, r.err
	}
	sum := r.r.Summary()
	out := bolt.Summary{Type: sum.Type, Stats: boltStats(sum.Stats), DB: "memgraph"}
	if r.auto {
		out.Bookmark = sum.Bookmark
	}
	for _, n := range sum.Notifications {
		out.Notifications = append(out.Notifications, bolt.Notification{Code: n.Code, Title: n.Title, Description: n.Description})
	}
	return out, nil
}

// Release keeps r, finished or closed, for the session's next query.
func (r *result) Release() {
	s := r.s
	*r = result{} // keep nothing of this query
	s.spare = r
}

func (r *result) Close() {
	r.rows = nil
	if !r.more {
		return
	}
	r.more = false
	if r.offLoop {
		r.r.Close()
		return
	}
	r.s.d.loop.Post(r.r.Close)
}
