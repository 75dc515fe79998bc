package instance

import (
	"errors"
	"strings"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
)

// Error is every error the query entry point reports: a Neo4j status code
// decided here, in core, and a message in the user's terms (never a stack
// trace: an internal error's stack goes to the log).
type Error struct {
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Neo4jCode returns the status code (the Bolt layer's coder interface).
func (e *Error) Neo4jCode() string { return e.Code }

// Status codes the instance decides itself (the engine's own come from
// core/cypher).
const (
	CodeOutdated          = "Neo.TransientError.Transaction.Outdated"
	CodeConstraint        = "Neo.ClientError.Schema.ConstraintValidationFailed"
	CodeBookmarkTimeout   = "Neo.TransientError.Transaction.BookmarkTimeout"
	CodeInvalidBookmark   = "Neo.ClientError.Transaction.InvalidBookmark"
	CodeDatabaseNotFound  = "Neo.ClientError.Database.DatabaseNotFound"
	CodeUnavailable       = "Neo.TransientError.General.DatabaseUnavailable"
	CodeAccessMode        = "Neo.ClientError.Statement.AccessMode"
	CodeTimedOut          = "Neo.ClientError.Transaction.TransactionTimedOut"
	CodeClientTimedOut    = "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"
	CodeTerminated        = "Neo.TransientError.Transaction.Terminated"
	CodeForbiddenInTx     = "Neo.ClientError.Transaction.ForbiddenDueToTransactionType"
	CodeTxState           = "Neo.ClientError.Request.Invalid"
	CodeOutcomeUnknown    = "Neo.DatabaseError.Transaction.TransactionCommitFailed"
	CodeUnknown           = "Neo.DatabaseError.General.UnknownError"
	CodeSnapshotFailed    = "Neo.DatabaseError.General.SnapshotFailed"
	CodeSnapshotInProcess = "Neo.TransientError.General.SnapshotInProgress"
	// CodeTxStartFailed is Neo4j's refusal of CALL { } IN TRANSACTIONS in
	// an explicit transaction.
	CodeTxStartFailed = "Neo.DatabaseError.Transaction.TransactionStartFailed"
)

// Retryable reports whether err certainly did not commit, so the same
// transaction may safely be tried again (every Neo.TransientError).
func Retryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.HasPrefix(e.Code, "Neo.TransientError.")
}

// OutcomeUnknown reports whether err leaves open whether the transaction
// committed: the WAL failed after the commit was applied in memory, the
// instance stopped while the commit was being made durable, or replication
// ended before every waited replica confirmed it.
func OutcomeUnknown(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeOutcomeUnknown
}

func newErr(code, msg string) *Error { return &Error{Code: code, Message: msg} }

var (
	errTerminated     = newErr(CodeTerminated, "the transaction was terminated by TERMINATE TRANSACTIONS")
	errTimedOut       = newErr(CodeTimedOut, "the transaction exceeded the server's timeout (--query-execution-timeout-sec)")
	errClientTimedOut = newErr(CodeClientTimedOut, "the transaction timeout the client set expired")
	errReset          = newErr(CodeTerminated, "the transaction was rolled back by a reset of its session")
	errAccessMode     = newErr(CodeAccessMode, "writing in a read access mode transaction is not allowed")
	errSchemaInTx     = newErr(CodeForbiddenInTx, "index and constraint changes are not allowed in explicit (multi-statement) transactions; run them as auto-commit queries")
	errClosed         = newErr(CodeTxState, "the session is closed")
	errBatchInTx      = newErr(CodeTxStartFailed, "A query with 'CALL { ... } IN TRANSACTIONS' can only be executed in an implicit transaction, but tried to execute in an explicit transaction.")
)

// errHidden refuses reads on a restarted MAIN that a newer MAIN fenced
// before it acknowledged its recovered commits (Instance.hidden).
var errHidden = errUnavailable("this MAIN restarted while a newer MAIN exists and shows none of its recovered commits; read on the newer MAIN, or make this instance a replica")

// errUnavailable is the refusal of an instance that is not ready, stopped,
// or refusing writes after a WAL failure: nothing was done.
func errUnavailable(why string) *Error { return newErr(CodeUnavailable, why) }

// classify gives err its status code. x, when set, is the transaction's
// adapter: a write-write conflict it noted wins over the engine's wrapping
// of it. An internal error is logged with its stack and query.
func (in *Instance) classify(err error, x *gtx, query string) *Error {
	var ie *Error
	var ce *cypher.Error
	var cons *graph.ConstraintError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ie):
		return ie
	case x != nil && x.conflict != nil:
		return newErr(CodeOutdated, cypher.UserMessage(x.conflict))
	case errors.Is(err, graph.ErrSerialization):
		return newErr(CodeOutdated, cypher.UserMessage(err))
	case errors.As(err, &cons):
		return newErr(CodeConstraint, cypher.UserMessage(err))
	case errors.Is(err, ErrNotDurable):
		return newErr(CodeOutcomeUnknown, "the commit was applied but the write-ahead log failed before it was durable; whether it survives a restart is unknown: "+err.Error())
	case errors.Is(err, ErrUnacknowledged):
		return newErr(CodeOutcomeUnknown, "the commit was made on MAIN, but replication ended (this instance stopped, or a newer MAIN exists) before every replica it waits for confirmed it; whether it survives is unknown: "+err.Error())
	case errors.Is(err, ErrStopped):
		return errUnavailable("the instance is shutting down")
	case errors.As(err, &ce):
		if ce.Stack != "" {
			in.log.Error("internal error in a query", zap.String("query", query), zap.String("error", ce.Msg), zap.String("stack", ce.Stack))
		}
		return newErr(ce.Code, ce.Error())
	}
	in.log.Error("unclassified error in a query", zap.String("query", query), zap.Error(err))
	return newErr(CodeUnknown, cypher.UserMessage(err))
}
