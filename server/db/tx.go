package db

import (
	"context"
	"regexp"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// explicitTx is a BEGIN ... COMMIT transaction. A read-only one lives on the
// session's goroutine; a read-write one lives on the loop.
type explicitTx struct {
	s        *session
	ctx      context.Context
	entry    *txEntry
	end      func()
	readOnly bool
	x        *gtx
}

func (s *session) Begin(ctx context.Context, meta bolt.TxMeta) (bolt.Tx, error) {
	if err := s.checkMeta(meta); err != nil {
		return nil, err
	}
	if err := s.d.refuse(); err != nil {
		return nil, err
	}
	tctx, entry, end := s.txContext(context.WithoutCancel(ctx), "")
	tx := &explicitTx{s: s, ctx: tctx, entry: entry, end: end, readOnly: meta.ReadOnly}
	if meta.ReadOnly {
		tx.x = newGtx(s.d.g, s.d.g.Begin(graph.TxOptions{ReadOnly: true}))
		return tx, nil
	}
	if err := s.d.onLoop(func() { tx.x = newGtx(s.d.g, s.d.g.Begin(graph.TxOptions{})) }); err != nil {
		end()
		return nil, err
	}
	return tx, nil
}

func (t *explicitTx) Run(ctx context.Context, q string, params value.Map) (bolt.Result, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, mapErr(t.ctx, err)
	}
	if r, handled, err := t.s.admin(q); handled {
		return r, err
	}
	t.s.d.txs.setQuery(t.entry, q)
	p, err := t.s.eng.Prepare(q)
	if err != nil {
		return nil, mapErr(t.ctx, err)
	}
	if t.readOnly {
		if p.IsWrite() {
			return nil, &bolt.Error{Code: "Neo.ClientError.Statement.AccessMode", Message: "writing in a read access mode transaction is not allowed"}
		}
		stop := &stopper{d: t.s.d, tx: ctxStop(t.ctx), op: ctx}
		g := t.s.d.newGuard(stop)
		res, err := t.s.eng.ExecuteGuarded(t.x, p, params, g)
		if err != nil {
			g.Release()
			return nil, mapErr(t.ctx, err)
		}
		return &readResult{ctx: t.ctx, stop: stop, res: res, d: t.s.d, end: g.Release}, nil
	}
	var out *rowsResult
	g := t.s.d.newGuard(&stopper{d: t.s.d, tx: ctxStop(t.ctx), op: ctx})
	if lerr := t.s.d.onLoop(func() {
		out, err = drain(t.s.d.eng, t.x, p, params, g)
		if err != nil {
			err = t.x.cause(err)
		}
	}); lerr != nil {
		return nil, lerr
	}
	if err != nil {
		return nil, mapErr(t.ctx, err)
	}
	if !p.IsWrite() {
		out.typ = "r"
	}
	return out, nil
}

func (t *explicitTx) Commit(context.Context) (string, error) {
	defer t.end()
	if t.readOnly {
		t.x.t.Abort()
		return bookmark(t.s.d.g.VisibleTS()), nil
	}
	if err := t.ctx.Err(); err != nil {
		_ = t.s.d.onLoop(func() { t.x.t.Abort() })
		return "", mapErr(t.ctx, err)
	}
	var bm string
	err := t.s.d.onLoopReply(func(reply func(error)) {
		t.s.d.commitOnLoop(t.x, func(ts uint64, err error) { bm = bookmark(ts); reply(err) })
	})
	if err != nil {
		return "", mapErr(t.ctx, err)
	}
	return bm, nil
}

func (t *explicitTx) Rollback(context.Context) error {
	defer t.end()
	if t.readOnly {
		t.x.t.Abort()
		return nil
	}
	return t.s.d.onLoop(func() { t.x.t.Abort() })
}

var (
	showTxRe      = regexp.MustCompile(`(?i)^\s*SHOW\s+TRANSACTIONS\s*;?\s*$`)
	terminateTxRe = regexp.MustCompile(`(?i)^\s*TERMINATE\s+TRANSACTIONS\s+(.+?)\s*;?\s*$`)
	quotedRe      = regexp.MustCompile(`'([^']*)'|"([^"]*)"`)
)

// admin answers SHOW TRANSACTIONS and TERMINATE TRANSACTIONS 'id', ... as
// Memgraph does; handled is false for every other query.
func (s *session) admin(q string) (bolt.Result, bool, error) {
	if showTxRe.MatchString(q) {
		return s.showTransactions(), true, nil
	}
	m := terminateTxRe.FindStringSubmatch(q)
	if m == nil {
		return nil, false, nil
	}
	out := &rowsResult{cols: []string{"transaction_id", "killed"}, typ: "w"}
	for _, id := range quotedRe.FindAllStringSubmatch(m[1], -1) {
		tid := id[1] + id[2]
		s.d.txs.mu.Lock()
		e, ok := s.d.txs.m[tid]
		s.d.txs.mu.Unlock()
		if ok {
			e.cancel()
		}
		out.rows = append(out.rows, []value.Value{tid, ok})
	}
	return out, true, nil
}

func (s *session) showTransactions() *rowsResult {
	r := &s.d.txs
	r.mu.Lock()
	defer r.mu.Unlock()
	out := &rowsResult{cols: []string{"username", "transaction_id", "query", "metadata"}, typ: "r"}
	ids := make([]string, 0, len(r.m))
	for id := range r.m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return len(ids[i]) < len(ids[j]) || (len(ids[i]) == len(ids[j]) && ids[i] < ids[j])
	})
	for _, id := range ids {
		e := r.m[id]
		q := value.List{}
		if e.query != "" {
			q = value.List{strings.TrimSpace(e.query)}
		}
		out.rows = append(out.rows, []value.Value{e.user, id, q, value.Map{}})
	}
	return out
}
