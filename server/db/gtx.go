package db

import (
	"errors"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// gtx is the engine's view of one graph transaction: cypher.GraphTx does
// the adapting, and gtx hooks it to keep what the host needs. Schema changes
// act on the graph at once; their WAL records are collected in schema for
// the host to log.
//
// Callers build gtx as a literal {g, t}; the adapter is made on first use.
type gtx struct {
	g      *graph.Graph
	t      *graph.Txn
	schema []schemaChange
	// conflict is the first write-write conflict a write met. The engine
	// reports storage errors under its own code, so the host reads the
	// conflict from here to answer with a retryable code.
	conflict error
	ad       *cypher.GraphTx
}

// schemaChange is a schema change's timestamp and deltas, to be logged.
type schemaChange struct {
	ts     uint64
	deltas []graph.Delta
}

var (
	_ cypher.Tx       = (*gtx)(nil)
	_ cypher.SchemaTx = (*gtx)(nil)
	_ cypher.RangeTx  = (*gtx)(nil)
	_ cypher.PropTx   = (*gtx)(nil)
)

// a returns the adapter, hooked to note and record.
func (x *gtx) a() *cypher.GraphTx {
	if x.ad == nil {
		x.ad = &cypher.GraphTx{G: x.g, T: x.t, SchemaLog: x.record, OnError: x.note}
	}
	return x.ad
}

// note remembers a write's serialization failure.
func (x *gtx) note(err error) {
	if x.conflict == nil && errors.Is(err, graph.ErrSerialization) {
		x.conflict = err
	}
}

// record keeps a schema change for the WAL.
func (x *gtx) record(ts uint64, ds []graph.Delta) error {
	x.schema = append(x.schema, schemaChange{ts, ds})
	return nil
}

// StorageInfo reports the graph's size and ID counters (the server's own
// SHOW STORAGE INFO rows, not the adapter's).
func (x *gtx) StorageInfo() [][2]value.Value {
	v, e := x.g.NextIDs()
	return [][2]value.Value{
		{"vertex_count", int64(len(x.t.Vertices().Collect()))},
		{"next_vertex_id", v}, {"next_edge_id", e},
		{"last_commit_ts", int64(x.g.LastCommitTS())},
	}
}

// The rest forwards to the adapter.

func (x *gtx) Vertices() cypher.IDIter                    { return x.a().Vertices() }
func (x *gtx) VerticesByLabel(label string) cypher.IDIter { return x.a().VerticesByLabel(label) }
func (x *gtx) VertexExists(id int64) bool                 { return x.a().VertexExists(id) }
func (x *gtx) VertexLabels(id int64) []string             { return x.a().VertexLabels(id) }
func (x *gtx) VertexProps(id int64) value.Map             { return x.a().VertexProps(id) }
func (x *gtx) Edge(id int64) (cypher.EdgeInfo, bool)      { return x.a().Edge(id) }
func (x *gtx) EdgeProps(id int64) value.Map               { return x.a().EdgeProps(id) }
func (x *gtx) VertexProp(id int64, key string) value.Value {
	return x.a().VertexProp(id, key)
}
func (x *gtx) EdgeProp(id int64, key string) value.Value { return x.a().EdgeProp(id, key) }
func (x *gtx) HasLabel(id int64, label string) bool      { return x.a().HasLabel(id, label) }

func (x *gtx) VerticesByLabelProp(label, key string, v value.Value) (cypher.IDIter, bool) {
	return x.a().VerticesByLabelProp(label, key, v)
}

func (x *gtx) VerticesByLabelPropRange(label, key string, lo, hi *cypher.Bound) (cypher.IDIter, bool) {
	return x.a().VerticesByLabelPropRange(label, key, lo, hi)
}

func (x *gtx) Edges(id int64, dir cypher.Direction, types []string) []cypher.EdgeInfo {
	return x.a().Edges(id, dir, types)
}

func (x *gtx) CreateVertex(labels []string, props value.Map) (int64, error) {
	return x.a().CreateVertex(labels, props)
}

func (x *gtx) CreateEdge(from, to int64, typ string, props value.Map) (int64, error) {
	return x.a().CreateEdge(from, to, typ, props)
}

func (x *gtx) SetVertexProp(id int64, key string, v value.Value) error {
	return x.a().SetVertexProp(id, key, v)
}

func (x *gtx) SetEdgeProp(id int64, key string, v value.Value) error {
	return x.a().SetEdgeProp(id, key, v)
}

func (x *gtx) AddLabel(id int64, label string) error    { return x.a().AddLabel(id, label) }
func (x *gtx) RemoveLabel(id int64, label string) error { return x.a().RemoveLabel(id, label) }
func (x *gtx) DeleteVertex(id int64, detach bool) error { return x.a().DeleteVertex(id, detach) }
func (x *gtx) DeleteEdge(id int64) error                { return x.a().DeleteEdge(id) }
func (x *gtx) CreateIndex(label, property string) error { return x.a().CreateIndex(label, property) }
func (x *gtx) DropIndex(label, property string) error   { return x.a().DropIndex(label, property) }
func (x *gtx) CreateConstraint(c cypher.ConstraintInfo) error {
	return x.a().CreateConstraint(c)
}
func (x *gtx) DropConstraint(c cypher.ConstraintInfo) error { return x.a().DropConstraint(c) }
func (x *gtx) Indexes() []cypher.IndexInfo                  { return x.a().Indexes() }
func (x *gtx) Constraints() []cypher.ConstraintInfo         { return x.a().Constraints() }
