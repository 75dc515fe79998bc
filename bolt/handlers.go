package bolt

import (
	"context"
	"fmt"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

func (c *conn) hello(req *Request) error {
	if c.state != Connected {
		c.protocolError(req)
		c.state = Defunct
		return nil
	}
	c.info.UserAgent, _ = req.Extra["user_agent"].(string)
	if r, ok := req.Extra["routing"].(value.Map); ok {
		c.info.Routing = r
	}
	meta := value.Map{"server": c.agent(), "connection_id": c.info.ID}
	if !c.version.AtLeast(5, 0) && hasPatch(req.Extra, "utc") {
		c.enc.Shape = c.version.Shape(true)
		meta["patch_bolt"] = value.List{"utc"}
	}
	if c.version.AtLeast(5, 4) {
		meta["hints"] = value.Map{"telemetry.enabled": c.srv.Telemetry}
	}
	if c.version.AtLeast(5, 1) {
		c.state = Authentication
		c.success(meta)
		return nil
	}
	if !c.authenticate(req.Extra) {
		return nil
	}
	c.success(meta)
	return nil
}

func (c *conn) agent() string {
	if c.srv.Agent != "" {
		return c.srv.Agent
	}
	return DefaultAgent
}

// DefaultAgent is the server agent HELLO reports unless configured: the
// pattern the drivers accept, saying what answers, as Memgraph sends
// "Neo4j/v5.11.0 compatible graph database server - Memgraph".
const DefaultAgent = "Neo4j/v5.11.0 compatible graph database server - Quiver"

func hasPatch(extra value.Map, name string) bool {
	l, _ := extra["patch_bolt"].(value.List)
	for _, p := range l {
		if p == name {
			return true
		}
	}
	return false
}

// authenticate checks an auth map, opens the session and enters READY; on
// rejection it answers FAILURE and marks the connection for closing.
func (c *conn) authenticate(m value.Map) bool {
	a := Auth{}
	a.Scheme, _ = m["scheme"].(string)
	a.Principal, _ = m["principal"].(string)
	a.Credentials, _ = m["credentials"].(string)
	ctx, done := c.opContext()
	defer done()
	if err := c.srv.Backend.Authenticate(ctx, a); err != nil {
		code, msg := Classify(err)
		c.sendFailure(code, msg)
		c.state = Defunct
		return false
	}
	c.info.User = a.Principal
	c.sess = c.srv.Backend.Open(c.info)
	c.state = Ready
	return true
}

func (c *conn) logon(req *Request) error {
	if c.state != Authentication {
		c.protocolError(req)
		c.state = Defunct
		return nil
	}
	if c.authenticate(req.Extra) {
		c.successEmpty()
	}
	return nil
}

func (c *conn) logoff(req *Request) {
	if c.state != Ready {
		c.protocolError(req)
		return
	}
	if c.sess != nil {
		c.sess.Close()
		c.sess = nil
	}
	c.state = Authentication
	c.successEmpty()
}

// txMeta reads the transaction fields of a BEGIN or RUN extra map.
func txMeta(extra value.Map) (TxMeta, error) {
	m := TxMeta{}
	if l, ok := extra["bookmarks"].(value.List); ok {
		for _, b := range l {
			s, ok := b.(string)
			if !ok {
				return m, &Error{Code: CodeRequestInvalid, Message: "bookmarks must be strings"}
			}
			m.Bookmarks = append(m.Bookmarks, s)
		}
	}
	ms, err := intField(extra, "tx_timeout", 0)
	if err != nil || ms < 0 {
		return m, &Error{Code: CodeRequestInvalid, Message: "tx_timeout must be a non-negative Integer"}
	}
	m.Timeout = time.Duration(ms) * time.Millisecond
	m.Metadata, _ = extra["tx_metadata"].(value.Map)
	mode, _ := extra["mode"].(string)
	m.ReadOnly = mode == "r"
	m.DB, _ = extra["db"].(string)
	m.ImpUser, _ = extra["imp_user"].(string)
	return m, nil
}

// txMeta reads the transaction fields of a RUN, decoded already or from
// its extra map.
func (r *Request) txMeta() (TxMeta, error) {
	if r.hasMeta {
		return r.meta, nil
	}
	return txMeta(r.Extra)
}

// pullCounts reads PULL's or DISCARD's n and qid (-1 when absent),
// decoded already or from its extra map.
func (r *Request) pullCounts() (n, qid int64, err error) {
	if r.pullArgs {
		return r.n, r.qid, nil
	}
	n, err = intField(r.Extra, "n", -1)
	if err == nil {
		qid, err = intField(r.Extra, "qid", -1)
	}
	return n, qid, err
}

// startTx sets the transaction context, with the client's timeout if any.
// Without one the connection's context serves: every operation still gets
// its own cancellable context (opContext), and deriving one more per query
// would register and unregister a child on the connection's context.
func (c *conn) startTx(timeout time.Duration) {
	if timeout > 0 {
		c.txCtx, c.txStop = context.WithTimeout(c.base, timeout)
	} else {
		c.txCtx, c.txStop = c.base, nil
	}
}

// endTx drops the transaction context.
func (c *conn) endTx() {
	if c.txStop != nil {
		c.txStop()
		c.txStop = nil
	}
	c.txCtx = c.base
}

func (c *conn) run(req *Request) {
	start := time.Now()
	switch c.state {
	case Ready:
		meta, err := req.txMeta()
		if err != nil {
			c.fail(err)
			return
		}
		c.startTx(meta.Timeout)
		ctx, done := c.opContext()
		res, err := c.sess.Run(ctx, req.Query, req.Params, meta)
		done()
		if err != nil {
			c.fail(err)
			return
		}
		c.autoBuf = stream{res: res, qid: -1}
		c.auto = &c.autoBuf
		c.state = Streaming
		c.successRun(res.Columns(), ms(start), -1)
	case TxReady, TxStreaming:
		ctx, done := c.opContext()
		res, err := c.tx.Run(ctx, req.Query, req.Params)
		done()
		if err != nil {
			c.fail(err)
			return
		}
		s := &stream{res: res, qid: c.nextQid}
		c.nextQid++
		c.streams = append(c.streams, s)
		c.state = TxStreaming
		c.successRun(res.Columns(), ms(start), s.qid)
	default:
		c.protocolError(req)
	}
}

func fieldList(cols []string) value.List {
	l := make(value.List, len(cols))
	for i, s := range cols {
		l[i] = s
	}
	return l
}

func ms(since time.Time) int64 { return time.Since(since).Milliseconds() }

// findStream resolves a PULL/DISCARD qid (-1: the last one opened).
func (c *conn) findStream(qid int64) (*stream, int) {
	if c.state == Streaming {
		if qid == -1 || qid == c.auto.qid {
			return c.auto, -1
		}
		return nil, -1
	}
	for i := len(c.streams) - 1; i >= 0; i-- {
		if qid == -1 || c.streams[i].qid == qid {
			return c.streams[i], i
		}
	}
	return nil, -1
}

func (c *conn) pull(req *Request) {
	if c.state != Streaming && c.state != TxStreaming {
		c.protocolError(req)
		return
	}
	n, qid, err := req.pullCounts()
	if err != nil || n == 0 || n < -1 {
		c.fail(&Error{Code: CodeRequestInvalid, Message: fmt.Sprintf("%s needs n > 0 or n = -1, and an Integer qid", req.Name())})
		return
	}
	s, idx := c.findStream(qid)
	if s == nil {
		c.fail(&Error{Code: CodeRequestInvalid, Message: fmt.Sprintf("no open result with qid %d", qid)})
		return
	}
	start := time.Now()
	ctx, done := c.opContext()
	defer done()
	more, err := c.transfer(ctx, s, n, req.Tag == MsgDiscard)
	if err != nil {
		c.fail(err)
		return
	}
	if more {
		c.successHasMore()
		return
	}
	sum, err := s.res.Summary(ctx)
	if err != nil {
		c.fail(err)
		return
	}
	c.finishStream(idx)
	c.successSummary(sum, ms(start), c.state == Ready)
	release(s.res)
}

// transfer sends (or skips) up to n records (all for n = -1) and reports
// whether more remain, reading one record ahead to know.
func (c *conn) transfer(ctx context.Context, s *stream, n int64, discard bool) (bool, error) {
	if discard && n == -1 {
		return false, nil
	}
	for sent := int64(0); n == -1 || sent < n; sent++ {
		row, err := s.next(ctx)
		if err != nil || row == nil {
			return false, err
		}
		if !discard {
			c.sendRecord(row)
		}
	}
	row, err := s.next(ctx)
	if err != nil || row == nil {
		return false, err
	}
	s.pending = row
	return true, nil
}

func (s *stream) next(ctx context.Context) ([]value.Value, error) {
	if s.pending != nil {
		row := s.pending
		s.pending = nil
		return row, nil
	}
	return s.res.Next(ctx)
}

// finishStream removes a completed result and moves the state on.
func (c *conn) finishStream(idx int) {
	if c.state == Streaming {
		c.auto = nil
		c.endTx()
		c.state = Ready
		return
	}
	c.streams = append(c.streams[:idx], c.streams[idx+1:]...)
	if len(c.streams) == 0 {
		c.state = TxReady
	}
}

func (c *conn) begin(req *Request) {
	if c.state != Ready {
		c.protocolError(req)
		return
	}
	meta, err := txMeta(req.Extra)
	if err != nil {
		c.fail(err)
		return
	}
	c.startTx(meta.Timeout)
	ctx, done := c.opContext()
	tx, err := c.sess.Begin(ctx, meta)
	done()
	if err != nil {
		c.fail(err)
		return
	}
	c.tx = tx
	c.nextQid = 0
	c.state = TxReady
	c.successEmpty()
}

func (c *conn) commit(req *Request) {
	if c.state != TxReady && c.state != TxStreaming {
		c.protocolError(req)
		return
	}
	ctx, done := c.opContext()
	defer done()
	for len(c.streams) > 0 {
		if _, err := c.streams[0].res.Summary(ctx); err != nil {
			c.fail(err)
			return
		}
		c.streams = c.streams[1:]
	}
	bm, err := c.tx.Commit(ctx)
	c.tx = nil
	if err != nil {
		c.fail(err)
		c.endTx()
		return
	}
	c.endTx()
	c.state = Ready
	meta := value.Map{}
	if bm != "" {
		meta["bookmark"] = bm
	}
	c.success(meta)
}

func (c *conn) rollback(req *Request) {
	if c.state != TxReady && c.state != TxStreaming {
		c.protocolError(req)
		return
	}
	for _, s := range c.streams {
		s.res.Close()
	}
	c.streams = nil
	ctx, done := c.opContext()
	err := c.tx.Rollback(ctx)
	done()
	c.tx = nil
	c.endTx()
	if err != nil {
		c.fail(err)
		return
	}
	c.state = Ready
	c.successEmpty()
}

func (c *conn) route(req *Request) {
	if c.state != Ready {
		c.protocolError(req)
		return
	}
	ctx, done := c.opContext()
	rt, err := c.sess.Route(ctx, req.Routing, req.Bookmarks, req.DB)
	done()
	if err != nil {
		c.fail(err)
		return
	}
	servers := value.List{
		value.Map{"role": "ROUTE", "addresses": fieldList(rt.Routers)},
		value.Map{"role": "READ", "addresses": fieldList(rt.Readers)},
		value.Map{"role": "WRITE", "addresses": fieldList(rt.Writers)},
	}
	c.success(value.Map{"rt": value.Map{"ttl": rt.TTL, "db": rt.DB, "servers": servers}})
}

func (c *conn) telemetry(req *Request) {
	if c.state != Ready {
		c.protocolError(req)
		return
	}
	c.successEmpty()
}
