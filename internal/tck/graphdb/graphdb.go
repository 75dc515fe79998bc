// Package graphdb runs the TCK on Quiver's real storage: the Cypher engine
// over core/graph's MVCC transactions. Each query runs in its own write
// transaction, committed when the query succeeds and aborted when it fails,
// so a failed query leaves no trace.
package graphdb

import (
	"errors"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/internal/tck"
	"github.com/quiverdb/quiver/internal/tck/tckcypher"
)

// DB is one fresh in-memory database.
type DB struct {
	eng *cypher.Engine
	g   *graph.Graph
}

// New returns an empty database; it is a tck.Factory.
func New() (tck.Engine, error) {
	return &DB{eng: tckcypher.NewEngine(), g: graph.New(graph.Options{ImmediateVisibility: true})}, nil
}

// Execute runs one query in its own transaction and returns all its rows.
func (d *DB) Execute(query string, params map[string]value.Value) (*tck.Result, error) {
	t := d.g.Begin(graph.TxOptions{})
	res, err := tckcypher.Run(d.eng, cypher.NewGraphTx(d.g, t), query, params)
	if err != nil {
		t.Abort()
		return nil, convert(err)
	}
	if _, _, err := t.Commit(); err != nil {
		return nil, convert(err)
	}
	return res, nil
}

// convert turns engine errors into the runner's typed errors; a storage
// constraint violation is the TCK's ConstraintValidationFailed; anything
// else stays an engine fault.
func convert(err error) error {
	if qe, ok := tckcypher.QueryError(err); ok {
		return qe
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

// RegisterProcedure makes a scenario's test procedure callable.
func (d *DB) RegisterProcedure(spec tck.Procedure) error {
	d.eng.RegisterProcedure(tckcypher.Procedure(spec))
	return nil
}
