package cypher

import (
	"errors"
	"sort"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// GraphTx adapts a core/graph transaction to Tx, SchemaTx, RangeTx, PropTx
// and FastTx. Schema statements act on the Graph directly, each a commit of
// its own that core/graph versions by timestamp (the transaction itself
// reads, plans and lists with the schema as of its snapshot); SchemaLog,
// when set, receives each schema change's timestamp and deltas so the host
// can write them to the WAL and replicate them. OnError, when set, sees
// every storage error a write meets before it becomes an engine error, so
// the host can keep the original (a write-write conflict, say) to answer
// with its own code.
type GraphTx struct {
	G         *graph.Graph
	T         *graph.Txn
	SchemaLog func(ts uint64, deltas []graph.Delta) error
	OnError   func(err error)
}

// NewGraphTx returns the adapter for t, a transaction of g.
func NewGraphTx(g *graph.Graph, t *graph.Txn) *GraphTx { return &GraphTx{G: g, T: t} }

// Vertices implements Tx.
func (a *GraphTx) Vertices() IDIter { return a.T.Vertices() }

// VerticesByLabel implements Tx.
func (a *GraphTx) VerticesByLabel(label string) IDIter { return a.T.VerticesByLabel(label) }

// VerticesByLabelProp implements Tx: core/graph answers equality lookups
// through its label+property index, or by a filtered scan.
func (a *GraphTx) VerticesByLabelProp(label, key string, v value.Value) (IDIter, bool) {
	if a.labelIndexOnly(label, key) {
		return nil, false
	}
	return a.T.VerticesByProperty(label, key, v), true
}

// VerticesByLabelPropReuse implements ReuseTx.
func (a *GraphTx) VerticesByLabelPropReuse(spent IDIter, label, key string, v value.Value) (IDIter, bool) {
	if a.labelIndexOnly(label, key) {
		return nil, false
	}
	it, _ := spent.(*graph.VertexIter)
	return a.T.VerticesByPropertyInto(it, label, key, v), true
}

// labelIndexOnly reports whether label has an index but label+key has none
// (as of the transaction's snapshot):
// core/graph's filtered scan would then walk every vertex, so the engine
// is better off walking the label index itself.
func (a *GraphTx) labelIndexOnly(label, key string) bool {
	return a.T.HasSchema(graph.SchemaItem{Kind: graph.KindLabelIndex, Name: label}) &&
		!a.T.HasSchema(graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: label, Key: key})
}

// VerticesByLabelPropRange implements RangeTx.
func (a *GraphTx) VerticesByLabelPropRange(label, key string, lower, upper *Bound) (IDIter, bool) {
	if a.labelIndexOnly(label, key) {
		return nil, false
	}
	conv := func(b *Bound) *graph.Bound {
		if b == nil {
			return nil
		}
		return &graph.Bound{Value: b.Value, Inclusive: b.Inclusive}
	}
	return a.T.VerticesByPropertyRange(label, key, conv(lower), conv(upper)), true
}

// ReserveWrites implements ReserveTx.
func (a *GraphTx) ReserveWrites(n int) { a.T.Reserve(n) }

// VertexCount implements StatsTx.
func (a *GraphTx) VertexCount() int64 { return a.G.VertexCount() }

// LabelCount implements StatsTx.
func (a *GraphTx) LabelCount(label string) int64 { return a.G.LabelCount(label) }

// IndexStats implements StatsTx: the index as of the transaction's
// snapshot, with the list's current figures.
func (a *GraphTx) IndexStats(label, key string) (entries, distinct int64, ok bool) {
	return a.T.IndexStats(label, key)
}

// VertexExists implements Tx.
func (a *GraphTx) VertexExists(id int64) bool { return a.T.HasVertex(id) }

// VertexLabels implements Tx.
func (a *GraphTx) VertexLabels(id int64) []string {
	ls, _ := a.T.VertexLabels(id)
	sort.Strings(ls)
	return ls
}

// VertexProps implements Tx.
func (a *GraphTx) VertexProps(id int64) value.Map {
	m, _ := a.T.VertexProperties(id)
	return m
}

// ExportVertex implements ExportTx: core/graph builds the labels and the
// property map afresh for each call.
func (a *GraphTx) ExportVertex(id int64) (value.Node, bool) {
	n, err := a.T.Vertex(id)
	return n, err == nil
}

// ExportEdge implements ExportTx.
func (a *GraphTx) ExportEdge(id int64) (value.Relationship, bool) {
	r, err := a.T.Edge(id)
	return r, err == nil
}

// Edges implements Tx.
func (a *GraphTx) Edges(id int64, dir Direction, types []string) []EdgeInfo {
	return a.AppendEdges(nil, id, dir, types)
}

// AppendEdges implements FastTx.
func (a *GraphTx) AppendEdges(buf []EdgeInfo, id int64, dir Direction, types []string) []EdgeInfo {
	gd := graph.Both
	switch dir {
	case DirOut:
		gd = graph.Out
	case DirIn:
		gd = graph.In
	}
	it := a.T.Edges(id, gd, types...)
	for it.Next() {
		e := it.Edge()
		buf = append(buf, EdgeInfo{ID: e.ID, From: e.From, To: e.To, Type: e.Type})
	}
	return buf
}

// VertexPropOK implements FastTx.
func (a *GraphTx) VertexPropOK(id int64, key string) (value.Value, bool) {
	v, err := a.T.VertexProperty(id, key)
	return v, err == nil
}

// EdgePropOK implements FastTx.
func (a *GraphTx) EdgePropOK(id int64, key string) (value.Value, bool) {
	v, err := a.T.EdgeProperty(id, key)
	return v, err == nil
}

// Edge implements Tx.
func (a *GraphTx) Edge(id int64) (EdgeInfo, bool) {
	e, err := a.T.EdgeRef(id)
	if err != nil {
		return EdgeInfo{}, false
	}
	return EdgeInfo{ID: e.ID, From: e.From, To: e.To, Type: e.Type}, true
}

// EdgeProps implements Tx.
func (a *GraphTx) EdgeProps(id int64) value.Map {
	m, _ := a.T.EdgeProperties(id)
	return m
}

// CreateVertex implements Tx.
func (a *GraphTx) CreateVertex(labels []string, props value.Map) (int64, error) {
	id, err := a.T.CreateVertex()
	if err != nil {
		return 0, a.fail(err)
	}
	for _, l := range labels {
		if err := a.T.AddLabel(id, l); err != nil {
			return 0, a.fail(err)
		}
	}
	for _, k := range sortedKeys(props) {
		if err := a.T.SetVertexProperty(id, k, props[k]); err != nil {
			return 0, a.fail(err)
		}
	}
	return id, nil
}

// CreateEdge implements Tx.
func (a *GraphTx) CreateEdge(from, to int64, typ string, props value.Map) (int64, error) {
	id, err := a.T.CreateEdge(from, to, typ)
	if err != nil {
		return 0, a.fail(err)
	}
	for _, k := range sortedKeys(props) {
		if err := a.T.SetEdgeProperty(id, k, props[k]); err != nil {
			return 0, a.fail(err)
		}
	}
	return id, nil
}

// SetVertexProp implements Tx.
func (a *GraphTx) SetVertexProp(id int64, key string, v value.Value) error {
	return a.fail(a.T.SetVertexProperty(id, key, v))
}

// SetEdgeProp implements Tx.
func (a *GraphTx) SetEdgeProp(id int64, key string, v value.Value) error {
	return a.fail(a.T.SetEdgeProperty(id, key, v))
}

// AddLabel implements Tx.
func (a *GraphTx) AddLabel(id int64, label string) error { return a.fail(a.T.AddLabel(id, label)) }

// RemoveLabel implements Tx.
func (a *GraphTx) RemoveLabel(id int64, label string) error {
	return a.fail(a.T.RemoveLabel(id, label))
}

// DeleteVertex implements Tx.
func (a *GraphTx) DeleteVertex(id int64, detach bool) error {
	return a.fail(a.T.DeleteVertex(id, detach))
}

// DeleteEdge implements Tx.
func (a *GraphTx) DeleteEdge(id int64) error { return a.fail(a.T.DeleteEdge(id)) }

// fail shows err to OnError and maps it to an engine error.
func (a *GraphTx) fail(err error) error {
	if err != nil && a.OnError != nil {
		a.OnError(err)
	}
	return graphErr(err)
}

// CodeConflict is the status of a lost write-write conflict (retryable).
const CodeConflict = "Neo.TransientError.Transaction.Outdated"

// graphErr maps core/graph errors to engine errors.
func graphErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *graph.ConstraintError
	switch {
	case errors.Is(err, graph.ErrSerialization):
		return &Error{Code: CodeConflict, Detail: "Conflict", Phase: PhaseRuntime, Msg: UserMessage(err)}
	case errors.As(err, &ce):
		return &Error{Code: CodeConstraint, Detail: "ConstraintValidationFailed", Phase: PhaseRuntime, Msg: UserMessage(err)}
	case errors.Is(err, graph.ErrHasEdges):
		return &Error{Code: CodeConstraint, Detail: "DeleteConnectedNode", Phase: PhaseRuntime, Msg: UserMessage(err)}
	case errors.Is(err, graph.ErrInvalidValue):
		return &Error{Code: CodeTypeError, Detail: "InvalidPropertyType", Phase: PhaseRuntime, Msg: UserMessage(err)}
	case errors.Is(err, graph.ErrReadOnly):
		return &Error{Code: "Neo.ClientError.Statement.AccessMode", Detail: "ReadOnly", Phase: PhaseRuntime, Msg: UserMessage(err)}
	case errors.Is(err, graph.ErrNotFound):
		return &Error{Code: CodeEntityNotFound, Detail: "DeletedEntityAccess", Phase: PhaseRuntime, Msg: UserMessage(err)}
	}
	return &Error{Code: CodeInternal, Detail: "StorageError", Phase: PhaseRuntime, Msg: UserMessage(err)}
}

func (a *GraphTx) schema(f func(graph.SchemaItem) (uint64, []graph.Delta, error), item graph.SchemaItem) error {
	ts, deltas, err := f(item)
	if err != nil {
		return wrapSchemaErr(err)
	}
	if a.SchemaLog != nil {
		return a.SchemaLog(ts, deltas)
	}
	return nil
}

func indexItem(label, property string) graph.SchemaItem {
	if property == "" {
		return graph.SchemaItem{Kind: graph.KindLabelIndex, Name: label}
	}
	return graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: label, Key: property}
}

func constraintItem(c ConstraintInfo) graph.SchemaItem {
	k := graph.KindExistence
	if c.Kind == "unique" {
		k = graph.KindUnique
	}
	return graph.SchemaItem{Kind: k, Name: c.Label, Key: c.Property, Alias: c.Name}
}

// CreateIndex implements SchemaTx.
func (a *GraphTx) CreateIndex(label, property, name string) error {
	item := indexItem(label, property)
	item.Alias = name
	return a.schema(a.G.CreateIndex, item)
}

// DropIndex implements SchemaTx.
func (a *GraphTx) DropIndex(label, property string) error {
	return a.schema(a.G.DropIndex, indexItem(label, property))
}

// CreateConstraint implements SchemaTx.
func (a *GraphTx) CreateConstraint(c ConstraintInfo) error {
	return a.schema(a.G.CreateConstraint, constraintItem(c))
}

// DropConstraint implements SchemaTx.
func (a *GraphTx) DropConstraint(c ConstraintInfo) error {
	return a.schema(a.G.DropConstraint, constraintItem(c))
}

// Indexes implements SchemaTx: the indexes as of the transaction's
// snapshot.
func (a *GraphTx) Indexes() []IndexInfo {
	var out []IndexInfo
	for _, it := range a.T.Schema() {
		switch it.Kind {
		case graph.KindLabelIndex:
			out = append(out, IndexInfo{Label: it.Name, Count: countIter(a.T.VerticesByLabel(it.Name)), Name: it.Alias})
		case graph.KindLabelPropertyIndex:
			out = append(out, IndexInfo{Label: it.Name, Property: it.Key, Count: countIter(a.T.VerticesByPropertyRange(it.Name, it.Key, nil, nil)), Name: it.Alias})
		}
	}
	return out
}

func countIter(it IDIter) int64 {
	n := int64(0)
	for it.Next() {
		n++
	}
	return n
}

// Constraints implements SchemaTx: the constraints as of the
// transaction's snapshot.
func (a *GraphTx) Constraints() []ConstraintInfo {
	var out []ConstraintInfo
	for _, it := range a.T.Schema() {
		switch it.Kind {
		case graph.KindExistence:
			out = append(out, ConstraintInfo{Kind: "exists", Label: it.Name, Property: it.Key, Name: it.Alias})
		case graph.KindUnique:
			out = append(out, ConstraintInfo{Kind: "unique", Label: it.Name, Property: it.Key, Name: it.Alias})
		}
	}
	return out
}

// StorageInfo implements SchemaTx.
func (a *GraphTx) StorageInfo() [][2]value.Value {
	vertices := countIter(a.T.Vertices())
	edges := int64(0)
	it := a.T.AllEdges()
	for it.Next() {
		edges++
	}
	return [][2]value.Value{
		{"vertex_count", vertices},
		{"edge_count", edges},
		{"average_degree", avgDegree(vertices, edges)},
		{"last_commit_timestamp", int64(a.G.LastCommitTS())},
	}
}

func avgDegree(v, e int64) float64 {
	if v == 0 {
		return 0
	}
	return 2 * float64(e) / float64(v)
}

// VertexProp implements PropTx.
func (a *GraphTx) VertexProp(id int64, key string) value.Value {
	v, _ := a.T.VertexProperty(id, key)
	return v
}

// EdgeProp implements PropTx.
func (a *GraphTx) EdgeProp(id int64, key string) value.Value {
	v, _ := a.T.EdgeProperty(id, key)
	return v
}

// HasLabel implements PropTx.
func (a *GraphTx) HasLabel(id int64, label string) bool {
	ok, _ := a.T.HasLabel(id, label)
	return ok
}
