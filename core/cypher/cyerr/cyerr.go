// Package cyerr is the error type of the Cypher engine and its function
// library: a Neo4j status code, the openCypher TCK detail name, the phase
// (compile time or runtime) and the position in the query.
//
// core/cypher aliases it (cypher.Error = cyerr.Error), so an error from the
// library is an engine error as it stands.
package cyerr

import (
	"errors"
	"fmt"
)

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

// Neo4j status codes.
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

// TCK detail names used by the function library.
const (
	DetailInvalidArgumentType  = "InvalidArgumentType"
	DetailInvalidArgumentValue = "InvalidArgumentValue"
	DetailNumberOutOfRange     = "NumberOutOfRange"
	DetailInvalidNumberOfArgs  = "InvalidNumberOfArguments"
	DetailUnknownFunction      = "UnknownFunction"
)

// Error is a Cypher error. Code is the Neo4j status code, Detail the
// openCypher TCK detail (VariableTypeConflict, NumberOutOfRange, ...), Phase
// the phase, Line and Column (1-based, 0 when unknown) its position.
type Error struct {
	Code   string
	Detail string
	Phase  Phase
	Line   int
	Column int
	Msg    string
	// Stack is the stack of an internal error (a recovered panic), for the
	// host's log; it is never part of the message a client sees.
	Stack string
}

// Error formats the error with its position when known.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (%s) at line %d, column %d: %s", e.Kind(), e.Detail, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s (%s): %s", e.Kind(), e.Detail, e.Msg)
}

// Kind is the error type the TCK names (SyntaxError, TypeError, ...):
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

// Runtime returns a runtime error with the given code and detail.
func Runtime(code, detail, format string, args ...any) *Error {
	return &Error{Code: code, Detail: detail, Phase: PhaseRuntime, Msg: fmt.Sprintf(format, args...)}
}

// TypeError is a runtime TypeError.
func TypeError(detail, format string, args ...any) *Error {
	return Runtime(CodeTypeError, detail, format, args...)
}

// ArgumentError is a runtime ArgumentError.
func ArgumentError(detail, format string, args ...any) *Error {
	return Runtime(CodeArgumentError, detail, format, args...)
}

// As returns err as an *Error when it is one (possibly wrapped).
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
