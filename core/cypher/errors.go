package cypher

import (
	"fmt"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
)

// Phase says when an error was raised: while compiling the query or while
// running it.
type Phase = cyerr.Phase

// The phases of an error.
const (
	PhaseCompile = cyerr.PhaseCompile
	PhaseRuntime = cyerr.PhaseRuntime
)

// Neo4j status codes used by the engine.
const (
	CodeSyntaxError    = cyerr.CodeSyntaxError
	CodeSemanticError  = cyerr.CodeSemanticError
	CodeTypeError      = cyerr.CodeTypeError
	CodeArgumentError  = cyerr.CodeArgumentError
	CodeEntityNotFound = cyerr.CodeEntityNotFound
	CodeParamMissing   = cyerr.CodeParamMissing
	CodeConstraint     = cyerr.CodeConstraint
	CodeInternal       = cyerr.CodeInternal
	CodeProcNotFound   = cyerr.CodeProcNotFound
)

// Error is every error the engine returns, the function library's type:
// Code is the Neo4j status code, Detail the openCypher TCK detail
// (VariableTypeConflict, UndefinedVariable, ...), Phase says whether it was
// raised at compile time or at runtime, and Line and Column (1-based, 0 when
// unknown) locate it in the query text.
type Error = cyerr.Error

func syntaxErr(p Pos, detail, format string, args ...any) *Error {
	return &Error{Code: CodeSyntaxError, Detail: detail, Phase: PhaseCompile, Line: p.Line, Column: p.Col, Msg: fmt.Sprintf(format, args...)}
}

func runtimeErr(code, detail, format string, args ...any) *Error {
	return cyerr.Runtime(code, detail, format, args...)
}

func typeErr(format string, args ...any) *Error {
	return runtimeErr(CodeTypeError, "InvalidArgumentType", format, args...)
}
