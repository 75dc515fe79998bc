package instance

import (
	"errors"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
)

// gtx is the engine's view of one graph transaction: the embedded
// cypher.GraphTx does the adapting, and gtx keeps what the instance needs.
// Schema changes act on the graph at once (core/graph commits them itself);
// their timestamps and deltas are collected in schema for the instance to
// log before it acknowledges the statement. Build it with newGtx.
type gtx struct {
	cypher.GraphTx // by value: one allocation for both
	g              *graph.Graph
	t              *graph.Txn
	schema         []schemaChange
	// conflict is the first write-write conflict a write met. The engine
	// reports storage errors under its own code, so the instance reads the
	// conflict from here to answer with a retryable code.
	conflict error
	// hold, when set, sees each schema change as soon as it is made; it
	// returns the change's outcome when it takes charge of committing it
	// (STRICT_SYNC prepares it at once), or nil to leave it to be logged
	// when the statement commits.
	hold func(ts uint64, ds []graph.Delta) *outcome
}

// schemaChange is a schema change's timestamp and deltas, to be logged;
// out is set when its commit is already under way.
type schemaChange struct {
	ts     uint64
	deltas []graph.Delta
	out    *outcome
}

var (
	_ cypher.Tx       = (*gtx)(nil)
	_ cypher.SchemaTx = (*gtx)(nil)
	_ cypher.RangeTx  = (*gtx)(nil)
	_ cypher.PropTx   = (*gtx)(nil)
)

// newGtx adapts t, a transaction of g.
func newGtx(g *graph.Graph, t *graph.Txn) *gtx {
	x := &gtx{g: g, t: t}
	x.GraphTx = cypher.GraphTx{G: g, T: t, SchemaLog: x.record, OnError: x.note}
	return x
}

// reuse readies x, the adapter of a read that ended, for t, a transaction
// of g, keeping its bound callbacks (allocated once).
func (x *gtx) reuse(g *graph.Graph, t *graph.Txn) {
	rec, note := x.SchemaLog, x.OnError
	if rec == nil || note == nil {
		rec, note = x.record, x.note
	}
	*x = gtx{g: g, t: t}
	x.GraphTx = cypher.GraphTx{G: g, T: t, SchemaLog: rec, OnError: note}
}

// note remembers a write's serialization failure.
func (x *gtx) note(err error) {
	if x.conflict == nil && errors.Is(err, graph.ErrSerialization) {
		x.conflict = err
	}
}

// record keeps a schema change for the WAL.
func (x *gtx) record(ts uint64, ds []graph.Delta) error {
	sc := schemaChange{ts: ts, deltas: ds}
	if x.hold != nil {
		sc.out = x.hold(ts, ds)
	}
	x.schema = append(x.schema, sc)
	return nil
}
