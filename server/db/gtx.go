package db

import (
	"errors"
	"sort"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// gtx adapts a graph transaction to the engine's cypher.Tx and SchemaTx.
// Schema changes act on the graph at once; their WAL records are collected
// in schema for the host to log.
type gtx struct {
	g      *graph.Graph
	t      *graph.Txn
	schema []schemaChange
	// conflict is the first write-write conflict a write met. The engine
	// reports storage errors under its own code, so the host reads the
	// conflict from here to answer with a retryable code.
	conflict error
}

// note remembers a write's serialization failure and passes err through.
func (x *gtx) note(err error) error {
	if err != nil && x.conflict == nil && errors.Is(err, graph.ErrSerialization) {
		x.conflict = err
	}
	return err
}

// schemaChange is a schema change's timestamp and deltas, to be logged.
type schemaChange struct {
	ts     uint64
	deltas []graph.Delta
}

var (
	_ cypher.Tx       = (*gtx)(nil)
	_ cypher.SchemaTx = (*gtx)(nil)
	_ cypher.PropTx   = (*gtx)(nil)
	_ cypher.RangeTx  = (*gtx)(nil)
)

func (x *gtx) Vertices() cypher.IDIter { return x.t.Vertices() }

func (x *gtx) VerticesByLabel(label string) cypher.IDIter { return x.t.VerticesByLabel(label) }

func (x *gtx) VerticesByLabelProp(label, key string, v value.Value) (cypher.IDIter, bool) {
	if !x.g.HasSchema(graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: label, Key: key}) {
		return nil, false
	}
	return x.t.VerticesByProperty(label, key, v), true
}

func (x *gtx) VerticesByLabelPropRange(label, key string, lower, upper *cypher.Bound) (cypher.IDIter, bool) {
	if !x.g.HasSchema(graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: label, Key: key}) {
		return nil, false
	}
	conv := func(b *cypher.Bound) *graph.Bound {
		if b == nil {
			return nil
		}
		return &graph.Bound{Value: b.Value, Inclusive: b.Inclusive}
	}
	return x.t.VerticesByPropertyRange(label, key, conv(lower), conv(upper)), true
}

// VertexProp reads one property without building the vertex's map (the
// engine's n.key on a scan reads only what it needs).
func (x *gtx) VertexProp(id int64, key string) value.Value {
	v, _ := x.t.VertexProperty(id, key)
	return v
}

// EdgeProp reads one property of an edge.
func (x *gtx) EdgeProp(id int64, key string) value.Value {
	v, _ := x.t.EdgeProperty(id, key)
	return v
}

// HasLabel tests one label without listing and sorting them all.
func (x *gtx) HasLabel(id int64, label string) bool {
	ok, _ := x.t.HasLabel(id, label)
	return ok
}

func (x *gtx) VertexExists(id int64) bool { return x.t.HasVertex(id) }

func (x *gtx) VertexLabels(id int64) []string {
	l, _ := x.t.VertexLabels(id)
	sort.Strings(l)
	return l
}

func (x *gtx) VertexProps(id int64) value.Map {
	m, _ := x.t.VertexProperties(id)
	return m
}

func (x *gtx) Edges(id int64, dir cypher.Direction, types []string) []cypher.EdgeInfo {
	it := x.t.Edges(id, graph.Direction(dir), types...)
	var out []cypher.EdgeInfo
	for it.Next() {
		e := it.Edge()
		out = append(out, cypher.EdgeInfo{ID: e.ID, From: e.From, To: e.To, Type: e.Type})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (x *gtx) Edge(id int64) (cypher.EdgeInfo, bool) {
	e, err := x.t.EdgeRef(id)
	if err != nil {
		return cypher.EdgeInfo{}, false
	}
	return cypher.EdgeInfo{ID: e.ID, From: e.From, To: e.To, Type: e.Type}, true
}

func (x *gtx) EdgeProps(id int64) value.Map {
	m, _ := x.t.EdgeProperties(id)
	return m
}

func (x *gtx) CreateVertex(labels []string, props value.Map) (int64, error) {
	id, err := x.t.CreateVertex()
	if err != nil {
		return 0, x.note(err)
	}
	for _, l := range labels {
		if err := x.t.AddLabel(id, l); err != nil {
			return 0, x.note(err)
		}
	}
	for _, k := range sortedKeys(props) {
		if err := x.t.SetVertexProperty(id, k, props[k]); err != nil {
			return 0, x.note(err)
		}
	}
	return id, nil
}

func (x *gtx) CreateEdge(from, to int64, typ string, props value.Map) (int64, error) {
	id, err := x.t.CreateEdge(from, to, typ)
	if err != nil {
		return 0, x.note(err)
	}
	for _, k := range sortedKeys(props) {
		if err := x.t.SetEdgeProperty(id, k, props[k]); err != nil {
			return 0, x.note(err)
		}
	}
	return id, nil
}

func sortedKeys(m value.Map) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (x *gtx) SetVertexProp(id int64, key string, v value.Value) error {
	return x.note(x.t.SetVertexProperty(id, key, v))
}

func (x *gtx) SetEdgeProp(id int64, key string, v value.Value) error {
	return x.note(x.t.SetEdgeProperty(id, key, v))
}

func (x *gtx) AddLabel(id int64, label string) error { return x.note(x.t.AddLabel(id, label)) }

func (x *gtx) RemoveLabel(id int64, label string) error { return x.note(x.t.RemoveLabel(id, label)) }

func (x *gtx) DeleteVertex(id int64, detach bool) error {
	return x.note(x.t.DeleteVertex(id, detach))
}

func (x *gtx) DeleteEdge(id int64) error { return x.note(x.t.DeleteEdge(id)) }

func indexItem(label, property string) graph.SchemaItem {
	if property == "" {
		return graph.SchemaItem{Kind: graph.KindLabelIndex, Name: label}
	}
	return graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: label, Key: property}
}

func constraintItem(c cypher.ConstraintInfo) graph.SchemaItem {
	k := graph.KindExistence
	if c.Kind == "unique" {
		k = graph.KindUnique
	}
	return graph.SchemaItem{Kind: k, Name: c.Label, Key: c.Property}
}

func (x *gtx) record(ts uint64, ds []graph.Delta, err error) error {
	if err == nil {
		x.schema = append(x.schema, schemaChange{ts, ds})
	}
	return err
}

func (x *gtx) CreateIndex(label, property string) error {
	return x.record(x.g.CreateIndex(indexItem(label, property)))
}

func (x *gtx) DropIndex(label, property string) error {
	return x.record(x.g.DropIndex(indexItem(label, property)))
}

func (x *gtx) CreateConstraint(c cypher.ConstraintInfo) error {
	return x.record(x.g.CreateConstraint(constraintItem(c)))
}

func (x *gtx) DropConstraint(c cypher.ConstraintInfo) error {
	return x.record(x.g.DropConstraint(constraintItem(c)))
}

func (x *gtx) Indexes() []cypher.IndexInfo {
	var out []cypher.IndexInfo
	for _, it := range x.g.Schema() {
		switch it.Kind {
		case graph.KindLabelIndex, graph.KindLabelPropertyIndex:
			out = append(out, cypher.IndexInfo{Label: it.Name, Property: it.Key, Count: x.count(it)})
		}
	}
	return out
}

func (x *gtx) count(it graph.SchemaItem) int64 {
	var iter interface{ Collect() []int64 }
	if it.Kind == graph.KindLabelIndex {
		iter = x.t.VerticesByLabel(it.Name)
	} else {
		iter = x.t.VerticesByPropertyRange(it.Name, it.Key, nil, nil)
	}
	return int64(len(iter.Collect()))
}

func (x *gtx) Constraints() []cypher.ConstraintInfo {
	var out []cypher.ConstraintInfo
	for _, it := range x.g.Schema() {
		switch it.Kind {
		case graph.KindExistence:
			out = append(out, cypher.ConstraintInfo{Kind: "exists", Label: it.Name, Property: it.Key})
		case graph.KindUnique:
			out = append(out, cypher.ConstraintInfo{Kind: "unique", Label: it.Name, Property: it.Key})
		}
	}
	return out
}

func (x *gtx) StorageInfo() [][2]value.Value {
	v, e := x.g.NextIDs()
	return [][2]value.Value{
		{"vertex_count", int64(len(x.t.Vertices().Collect()))},
		{"next_vertex_id", v}, {"next_edge_id", e},
		{"last_commit_ts", int64(x.g.LastCommitTS())},
	}
}
