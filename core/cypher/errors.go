package cypher

import "fmt"

// Phase says when an error was raised: while compiling the query or while
// running it.
type Phase uint8

// The phases of an error.
const (
	PhaseCompile Phase = iota + 1
	PhaseRuntime
)

// String returns "compile time" or "runtime", as the TCK words them.
func (p Phase) String() string {
	if p == PhaseCompile {
		return "compile time"
	}
	return "runtime"
}

// Neo4j status codes used by the engine.
const (
	CodeSyntaxError    = "Neo.ClientError.Statement.SyntaxError"
	CodeSemanticError  = "Neo.ClientError.Statement.SemanticError"
	CodeTypeError      = "Neo.ClientError.Statement.TypeError"
	CodeArgumentError  = "Neo.ClientError.Statement.ArgumentError"
	CodeEntityNotFound = "Neo.ClientError.Statement.EntityNotFound"
	CodeParamMissing   = "Neo.ClientError.Statement.ParameterMissing"
	CodeConstraint     = "Neo.ClientError.Schema.ConstraintValidationFailed"
	CodeInternal       = "Neo.DatabaseError.General.UnknownError"
	CodeProcNotFound   = "Neo.ClientError.Procedure.ProcedureNotFound"
)

// Error is every error the engine returns. Code is the Neo4j status code,
// Detail the openCypher TCK detail (VariableTypeConflict, UndefinedVariable,
// ...), Phase says whether it was raised at compile time or at runtime, and
// Line and Column (1-based, 0 when unknown) locate it in the query text.
type Error struct {
	Code   string
	Detail string
	Phase  Phase
	Line   int
	Column int
	Msg    string
}

// Error formats the error with its position.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (%s) at line %d, column %d: %s", e.Kind(), e.Detail, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s (%s): %s", e.Kind(), e.Detail, e.Msg)
}

// Kind is the error type named by the TCK (SyntaxError, TypeError, ...):
// mostly the last segment of Code.
func (e *Error) Kind() string {
	switch e.Code {
	case CodeConstraint:
		return "ConstraintVerificationFailed"
	case CodeProcNotFound:
		return "ProcedureError"
	}
	for i := len(e.Code) - 1; i >= 0; i-- {
		if e.Code[i] == '.' {
			return e.Code[i+1:]
		}
	}
	return e.Code
}

func syntaxErr(p Pos, detail, format string, args ...any) *Error {
	return &Error{Code: CodeSyntaxError, Detail: detail, Phase: PhaseCompile, Line: p.Line, Column: p.Col, Msg: fmt.Sprintf(format, args...)}
}

func runtimeErr(code, detail, format string, args ...any) *Error {
	return &Error{Code: code, Detail: detail, Phase: PhaseRuntime, Msg: fmt.Sprintf(format, args...)}
}

func typeErr(format string, args ...any) *Error {
	return runtimeErr(CodeTypeError, "InvalidArgumentType", format, args...)
}
