package cypher_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/value"
)

func TestProcedures(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	e.RegisterProcedure(cypher.Procedure{
		Name:    "test.my.proc",
		Inputs:  []cypher.ProcParam{{Name: "name", Type: "STRING?"}, {Name: "id", Type: "INTEGER?"}},
		Outputs: []cypher.ProcParam{{Name: "city", Type: "STRING?"}, {Name: "code", Type: "INTEGER?"}},
		Call: func(args []value.Value) ([][]value.Value, error) {
			return [][]value.Value{{args[0].(string) + "ville", args[1]}, {"Other", int64(0)}}, nil
		},
	})
	g := cyphertest.New()
	for _, tc := range []struct{ q, want string }{
		{"CALL test.my.proc('A', 1)", "city | code\n'Aville' | 1\n'Other' | 0\n"},
		{"CALL test.my.proc", "error: ParameterMissing (MissingParameter) at line 1, column 1: expected parameter $name\n"},
		{"UNWIND [1, 2] AS i CALL test.my.proc('B', i) YIELD city AS c WHERE c <> 'Other' RETURN i, c", "i | c\n1 | 'Bville'\n2 | 'Bville'\n"},
		{"CALL test.my.proc('A')", "error: SyntaxError (InvalidNumberOfArguments) at line 1, column 1: procedure test.my.proc takes 2 arguments, got 1\n"},
		{"CALL test.my.proc(1, 1)", "error: SyntaxError (InvalidArgumentType) at line 1, column 19: procedure test.my.proc expects STRING? for name, got Integer\n"},
		{"UNWIND [1] AS i CALL test.my.proc('A', i) RETURN i", "error: SyntaxError (UndefinedVariable) at line 1, column 17: an in-query CALL of a procedure with outputs must YIELD them\n"},
		{"CALL test.my.proc('A', 1) YIELD city, code AS city", "error: SyntaxError (VariableAlreadyBound) at line 1, column 39: variable `city` already declared\n"},
		{"CALL nope.proc()", "error: ProcedureError (ProcedureNotFound) at line 1, column 1: there is no procedure nope.proc\n"},
	} {
		got := run(t, e, g, tc.q)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.q, d)
		}
	}
}
