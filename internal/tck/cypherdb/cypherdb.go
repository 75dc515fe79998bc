// Package cypherdb adapts Quiver's Cypher engine (core/cypher over the
// in-memory cyphertest graph) to the TCK runner's Engine interface.
package cypherdb

import (
	"errors"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/internal/tck"
	"github.com/quiverdb/quiver/internal/tck/tckcypher"
)

// DB is one fresh database. cyphertest's graph has no rollback, so DB gives
// each query all-or-nothing effect itself: it keeps the queries that
// succeeded and, when one fails, rebuilds the graph by replaying them on a
// fresh graph (the engine is deterministic, so ids come out the same).
type DB struct {
	eng     *cypher.Engine
	g       *cyphertest.Graph
	history []execution
	procs   []tck.Procedure
}

type execution struct {
	query  string
	params map[string]value.Value
}

// New returns an empty database; it is a tck.Factory.
func New() (tck.Engine, error) {
	return &DB{eng: tckcypher.NewEngine(), g: cyphertest.New()}, nil
}

// Execute runs one query and returns all its rows.
func (d *DB) Execute(query string, params map[string]value.Value) (*tck.Result, error) {
	res, err := tckcypher.Run(d.eng, d.g, query, params)
	if err != nil {
		if rerr := d.rollback(); rerr != nil {
			return nil, rerr
		}
		return nil, convert(err)
	}
	d.history = append(d.history, execution{query, params})
	return res, nil
}

// rollback rebuilds the graph from the queries that succeeded.
func (d *DB) rollback() error {
	d.eng = tckcypher.NewEngine(d.procs...)
	d.g = cyphertest.New()
	for _, h := range d.history {
		if _, err := tckcypher.Run(d.eng, d.g, h.query, h.params); err != nil {
			return errors.New("replaying the committed queries after a failed one failed: " + err.Error())
		}
	}
	return nil
}

// convert turns engine errors into the runner's typed errors; anything
// else stays an engine fault.
func convert(err error) error {
	if qe, ok := tckcypher.QueryError(err); ok {
		return qe
	}
	return err
}

// Graph reads every node and relationship from storage.
func (d *DB) Graph() (*tck.Graph, error) {
	g := &tck.Graph{}
	it := d.g.Vertices()
	for it.Next() {
		id := it.ID()
		// Copies: the graph's own maps change under later queries.
		labels := append([]string(nil), d.g.VertexLabels(id)...)
		g.Nodes = append(g.Nodes, value.Node{ID: id, Labels: labels, Props: copyMap(d.g.VertexProps(id))})
		for _, e := range d.g.Edges(id, cypher.DirOut, nil) {
			g.Rels = append(g.Rels, value.Relationship{ID: e.ID, StartID: e.From, EndID: e.To, Type: e.Type, Props: copyMap(d.g.EdgeProps(e.ID))})
		}
	}
	return g, nil
}

func copyMap(m value.Map) value.Map {
	out := make(value.Map, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// RegisterProcedure makes a scenario's test procedure callable.
func (d *DB) RegisterProcedure(spec tck.Procedure) error {
	d.procs = append(d.procs, spec)
	d.eng.RegisterProcedure(tckcypher.Procedure(spec))
	return nil
}
