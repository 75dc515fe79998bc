// Package graphdb runs the TCK on Quiver's real storage: the Cypher engine
// over core/graph's MVCC transactions. Each query runs in its own write
// transaction, committed when the query succeeds and aborted when it fails,
// so a failed query leaves no trace.
package graphdb

import (
	"errors"
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
	t := d.g.Begin(graph.TxOptions{})
	res, err := run(d.eng, cypher.NewGraphTx(d.g, t), query, params)
	if err != nil {
		t.Abort()
		return nil, convert(err)
	}
	if _, _, err := t.Commit(); err != nil {
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
