// Package tckcypher holds what every TCK adapter over Quiver's Cypher
// engine shares, whatever storage it runs on: the fixed clock, running a
// query to a tck.Result, typing engine errors and converting procedures.
package tckcypher

import (
	"errors"
	"time"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/internal/tck"
)

// Now is the fixed wall time the TCK's queries see: scenarios compare
// temporal values made in one statement, never against the real clock.
func Now() time.Time { return time.Date(2024, 5, 17, 12, 30, 45, 123456789, time.UTC) }

// NewEngine returns an engine on the TCK's clock with procs registered.
func NewEngine(procs ...tck.Procedure) *cypher.Engine {
	eng := cypher.NewEngine(cypher.Options{Now: Now})
	for _, p := range procs {
		eng.RegisterProcedure(Procedure(p))
	}
	return eng
}

// Run executes query in tx and collects all its rows.
func Run(eng *cypher.Engine, tx cypher.Tx, query string, params map[string]value.Value) (*tck.Result, error) {
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

// QueryError types an engine error (the function library's too: they share
// one type) the way the runner names it; ok is false for any other error.
func QueryError(err error) (qe *tck.QueryError, ok bool) {
	var ce *cypher.Error
	if errors.As(err, &ce) {
		return &tck.QueryError{Type: ce.Kind(), Phase: ce.Phase.String(), Detail: ce.Detail, Msg: ce.Msg}, true
	}
	return nil, false
}

// Procedure converts a scenario's test procedure for the engine.
func Procedure(spec tck.Procedure) cypher.Procedure {
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
