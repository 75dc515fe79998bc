package db

import (
	"context"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/value"
)

// explicitTx is a BEGIN ... COMMIT transaction of the instance session. A
// read-only one begins, runs and ends on the session's goroutine; a
// read-write one on the loop.
type explicitTx struct {
	s        *session
	readOnly bool
}

// call runs f, which reports through reply: here for a read-only
// transaction (the instance calls back before returning), else on the loop.
func (t *explicitTx) call(f func(reply func(error))) error {
	if t.readOnly {
		var out error
		f(func(err error) { out = err })
		return out
	}
	return t.s.d.onLoopReply(f)
}

func (s *session) Begin(_ context.Context, meta bolt.TxMeta) (bolt.Tx, error) {
	if err := s.d.refuse(); err != nil {
		return nil, err
	}
	t := &explicitTx{s: s, readOnly: meta.ReadOnly}
	m := txMeta(meta)
	begin := func(reply func(error)) { s.s.Begin(m, reply) }
	var err error
	if t.readOnly && !s.d.in.BookmarksVisible(m) {
		err = s.d.onLoopReply(begin) // Begin waits for the bookmarks on the loop
	} else {
		err = t.call(begin)
	}
	if err != nil {
		return nil, boltErr(err)
	}
	return t, nil
}

func (t *explicitTx) Run(ctx context.Context, q string, params value.Map) (bolt.Result, error) {
	return t.s.run(ctx, q, params, instance.TxMeta{}, false)
}

func (t *explicitTx) Commit(context.Context) (string, error) {
	var bm string
	err := t.call(func(reply func(error)) {
		t.s.s.Commit(func(b string, err error) { bm = b; reply(err) })
	})
	if err != nil {
		return "", boltErr(err)
	}
	return bm, nil
}

func (t *explicitTx) Rollback(context.Context) error {
	return boltErr(t.call(func(reply func(error)) { t.s.s.Rollback(reply) }))
}

func boltStats(s cypher.Stats) bolt.Stats {
	return bolt.Stats{NodesCreated: s.NodesCreated, NodesDeleted: s.NodesDeleted,
		RelationshipsCreated: s.RelationshipsCreated, RelationshipsDeleted: s.RelationshipsDeleted,
		PropertiesSet: s.PropertiesSet, LabelsAdded: s.LabelsAdded, LabelsRemoved: s.LabelsRemoved,
		IndexesAdded: s.IndexesAdded, IndexesRemoved: s.IndexesRemoved,
		ConstraintsAdded: s.ConstraintsAdded, ConstraintsRemoved: s.ConstraintsRemoved}
}
