// Package graphdb runs the TCK on Quiver's real storage: the Cypher engine
// over core/graph's MVCC transactions. Each query runs in its own write
// transaction, committed when the query succeeds and aborted when it fails,
// so a failed query leaves no trace.
package graphdb

import (
	"errors"
	"sort"
	"time"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/internal/tck"
)

// DB is one fresh in-memory database.
type DB struct {
	eng *cypher.Engine
	g   *graph.Graph
}

// New returns an empty database; it is a tck.Factory.
func New() (tck.Engine, error) {
	return &DB{eng: cypher.NewEngine(cypher.Options{Now: tckNow}), g: graph.New(graph.Options{ImmediateVisibility: true})}, nil
}

// Execute runs one query in its own transaction and returns all its rows.
func (d *DB) Execute(query string, params map[string]value.Value) (*tck.Result, error) {
	t := &txn{g: d.g, t: d.g.Begin(graph.TxOptions{})}
	res, err := run(d.eng, t, query, params)
	if err != nil {
		t.t.Abort()
		return nil, convert(err)
	}
	if _, _, err := t.t.Commit(); err != nil {
		return nil, convert(err)
	}
	return res, nil
}

func run(eng *cypher.Engine, tx cypher.Tx, query string, params map[string]value.Value) (*tck.Result, error) {
	r, err := eng.Run(tx, query, params)
	if err != nil {
		return nil, err
	}
	out := &tck.Result{Columns: r.Columns(), Rows: [][]value.Value{}}
	for {
		rec, ok, err := r.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out.Rows = append(out.Rows, rec)
	}
}

// convert turns engine errors into the runner's typed errors; a storage
// constraint violation is the TCK's ConstraintValidationFailed; anything
// else stays an engine fault.
func convert(err error) error {
	var ce *cypher.Error
	if errors.As(err, &ce) {
		return &tck.QueryError{Type: ce.Kind(), Phase: ce.Phase.String(), Detail: ce.Detail, Msg: ce.Msg}
	}
	if e, ok := cyerr.As(err); ok {
		return &tck.QueryError{Type: e.Kind(), Phase: e.Phase.String(), Detail: e.Detail, Msg: e.Msg}
	}
	var cv *graph.ConstraintError
	if errors.As(err, &cv) {
		return &tck.QueryError{Type: "ConstraintValidationFailed", Phase: "runtime", Detail: "*", Msg: err.Error()}
	}
	return err
}

// Graph reads every node and relationship in a read-only transaction.
func (d *DB) Graph() (*tck.Graph, error) {
	t := d.g.Begin(graph.TxOptions{ReadOnly: true})
	defer t.Abort()
	g := &tck.Graph{}
	for _, id := range t.Vertices().Collect() {
		n, err := t.Vertex(id)
		if err != nil {
			return nil, err
		}
		g.Nodes = append(g.Nodes, n)
	}
	for _, e := range t.AllEdges().Collect() {
		r, err := t.Edge(e.ID)
		if err != nil {
			return nil, err
		}
		g.Rels = append(g.Rels, r)
	}
	return g, nil
}

// txn adapts a graph transaction to the engine's cypher.Tx and SchemaTx.
type txn struct {
	g *graph.Graph
	t *graph.Txn
}

var (
	_ cypher.Tx       = (*txn)(nil)
	_ cypher.SchemaTx = (*txn)(nil)
)

func (x *txn) Vertices() cypher.IDIter                    { return x.t.Vertices() }
func (x *txn) VerticesByLabel(label string) cypher.IDIter { return x.t.VerticesByLabel(label) }
func (x *txn) VertexExists(id int64) bool                 { return x.t.HasVertex(id) }

func (x *txn) VerticesByLabelProp(label, key string, v value.Value) (cypher.IDIter, bool) {
	if !x.g.HasSchema(graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: label, Key: key}) {
		return nil, false
	}
	return x.t.VerticesByProperty(label, key, v), true
}

func (x *txn) VertexLabels(id int64) []string {
	l, _ := x.t.VertexLabels(id)
	sort.Strings(l)
	return l
}

func (x *txn) VertexProps(id int64) value.Map {
	m, _ := x.t.VertexProperties(id)
	return m
}

func (x *txn) Edges(id int64, dir cypher.Direction, types []string) []cypher.EdgeInfo {
	var out []cypher.EdgeInfo
	for _, e := range x.t.Edges(id, graph.Direction(dir), types...).Collect() {
		out = append(out, cypher.EdgeInfo{ID: e.ID, From: e.From, To: e.To, Type: e.Type})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (x *txn) Edge(id int64) (cypher.EdgeInfo, bool) {
	e, err := x.t.EdgeRef(id)
	if err != nil {
		return cypher.EdgeInfo{}, false
	}
	return cypher.EdgeInfo{ID: e.ID, From: e.From, To: e.To, Type: e.Type}, true
}

func (x *txn) EdgeProps(id int64) value.Map {
	m, _ := x.t.EdgeProperties(id)
	return m
}

func (x *txn) CreateVertex(labels []string, props value.Map) (int64, error) {
	id, err := x.t.CreateVertex()
	if err != nil {
		return 0, err
	}
	for _, l := range labels {
		if err := x.t.AddLabel(id, l); err != nil {
			return 0, err
		}
	}
	for _, k := range sortedKeys(props) {
		if err := x.t.SetVertexProperty(id, k, props[k]); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (x *txn) CreateEdge(from, to int64, typ string, props value.Map) (int64, error) {
	id, err := x.t.CreateEdge(from, to, typ)
	if err != nil {
		return 0, err
	}
	for _, k := range sortedKeys(props) {
		if err := x.t.SetEdgeProperty(id, k, props[k]); err != nil {
			return 0, err
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

func (x *txn) SetVertexProp(id int64, key string, v value.Value) error {
	return x.t.SetVertexProperty(id, key, v)
}

func (x *txn) SetEdgeProp(id int64, key string, v value.Value) error {
	return x.t.SetEdgeProperty(id, key, v)
}

func (x *txn) AddLabel(id int64, label string) error    { return x.t.AddLabel(id, label) }
func (x *txn) RemoveLabel(id int64, label string) error { return x.t.RemoveLabel(id, label) }
func (x *txn) DeleteVertex(id int64, detach bool) error { return x.t.DeleteVertex(id, detach) }
func (x *txn) DeleteEdge(id int64) error                { return x.t.DeleteEdge(id) }

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

func (x *txn) CreateIndex(label, property string) error {
	_, _, err := x.g.CreateIndex(indexItem(label, property))
	return err
}

func (x *txn) DropIndex(label, property string) error {
	_, _, err := x.g.DropIndex(indexItem(label, property))
	return err
}

func (x *txn) CreateConstraint(c cypher.ConstraintInfo) error {
	_, _, err := x.g.CreateConstraint(constraintItem(c))
	return err
}

func (x *txn) DropConstraint(c cypher.ConstraintInfo) error {
	_, _, err := x.g.DropConstraint(constraintItem(c))
	return err
}

func (x *txn) Indexes() []cypher.IndexInfo {
	var out []cypher.IndexInfo
	for _, it := range x.g.Schema() {
		switch it.Kind {
		case graph.KindLabelIndex:
			out = append(out, cypher.IndexInfo{Label: it.Name, Count: int64(len(x.t.VerticesByLabel(it.Name).Collect()))})
		case graph.KindLabelPropertyIndex:
			n := len(x.t.VerticesByPropertyRange(it.Name, it.Key, nil, nil).Collect())
			out = append(out, cypher.IndexInfo{Label: it.Name, Property: it.Key, Count: int64(n)})
		}
	}
	return out
}

func (x *txn) Constraints() []cypher.ConstraintInfo {
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

func (x *txn) StorageInfo() [][2]value.Value {
	return [][2]value.Value{
		{"vertex_count", int64(len(x.t.Vertices().Collect()))},
		{"edge_count", int64(len(x.t.AllEdges().Collect()))},
	}
}

// RegisterProcedure makes a scenario's test procedure callable.
func (d *DB) RegisterProcedure(spec tck.Procedure) error {
	d.eng.RegisterProcedure(cypherProcedure(spec))
	return nil
}

func cypherProcedure(spec tck.Procedure) cypher.Procedure {
	conv := func(ps []tck.ProcParam) []cypher.ProcParam {
		out := make([]cypher.ProcParam, len(ps))
		for i, p := range ps {
			out[i] = cypher.ProcParam{Name: p.Name, Type: p.Type}
		}
		return out
	}
	return cypher.Procedure{
		Name:    spec.Name,
		Inputs:  conv(spec.Inputs),
		Outputs: conv(spec.Outputs),
		Call:    func(args []value.Value) ([][]value.Value, error) { return spec.Call(args) },
	}
}

// tckNow is the fixed wall time the TCK's queries see: scenarios compare
// temporal values made in one statement, never against the real clock.
func tckNow() time.Time { return time.Date(2024, 5, 17, 12, 30, 45, 123456789, time.UTC) }
