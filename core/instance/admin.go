package instance

import (
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/value"
)

// runAdmin runs an administrative statement for s. It is the one place
// they are dispatched: replication and coordinator statements join this
// switch as they come.
func (in *Instance) runAdmin(s *Session, a cypher.AdminStmt, params value.Map, done func(*Result, error)) {
	if in.runReplication(s, a, params, done) {
		return
	}
	switch st := a.(type) {
	case cypher.ShowTransactions:
		done(s.rowsResult([]string{"username", "transaction_id", "query", "metadata"}, in.txs.show(), "r"), nil)
	case cypher.TerminateTransactions:
		rows := make([][]value.Value, 0, len(st.IDs))
		for _, arg := range st.IDs {
			id, err := adminString(arg, params)
			if err != nil {
				done(nil, err)
				return
			}
			rows = append(rows, []value.Value{id, in.txs.terminate(id)})
		}
		done(s.rowsResult([]string{"transaction_id", "killed"}, rows, "w"), nil)
	case cypher.CreateSnapshot:
		in.Snapshot(func(err error) {
			switch {
			case errors.Is(err, durability.ErrSnapshotInProgress):
				done(nil, newErr(CodeSnapshotInProcess, "a snapshot is already being written; try again when it is done"))
			case err != nil:
				done(nil, newErr(CodeSnapshotFailed, "the snapshot failed: "+err.Error()))
			default:
				in.log.Info("snapshot written", zap.Uint64("ts", in.lastSnapTS))
				done(s.rowsResult(nil, nil, "w"), nil)
			}
		})
	default:
		done(nil, newErr(cypher.CodeSemanticError, a.AdminName()+" is not supported by this instance"))
	}
}

// adminString evaluates a string argument: a literal or a parameter.
func adminString(arg cypher.AdminArg, params value.Map) (string, error) {
	if arg.Param == "" {
		return arg.Value, nil
	}
	v, ok := params[arg.Param]
	if !ok {
		return "", newErr(cypher.CodeParamMissing, "expected parameter $"+arg.Param)
	}
	str, ok := v.(string)
	if !ok {
		return "", newErr(cypher.CodeTypeError, fmt.Sprintf("parameter $%s must be a string", arg.Param))
	}
	return str, nil
}

// rowsResult is a result of precomputed rows.
func (s *Session) rowsResult(cols []string, rows [][]value.Value, typ string) *Result {
	return &Result{s: s, cols: cols, rows: rows, typ: typ, executed: true}
}
