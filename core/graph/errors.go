package graph

import (
	"errors"
	"fmt"
)

// Errors returned by the graph. Compare with errors.Is.
var (
	// ErrSerialization is the retryable failure of a transaction that lost a
	// write-write conflict. Every *ConflictError matches it.
	ErrSerialization = errors.New("graph: serialization failure, retry the transaction")
	// ErrNotFound means the vertex or edge does not exist in the
	// transaction's view.
	ErrNotFound = errors.New("graph: not found")
	// ErrHasEdges means a vertex with edges was deleted without detach.
	ErrHasEdges = errors.New("graph: vertex still has edges; use detach delete")
	// ErrTxDone means the transaction was already committed or aborted.
	ErrTxDone = errors.New("graph: transaction already finished")
	// ErrReadOnly means a write was attempted in a read-only transaction.
	ErrReadOnly = errors.New("graph: transaction is read-only")
	// ErrInvalidValue means a value cannot be stored as a property.
	ErrInvalidValue = errors.New("graph: value cannot be stored as a property")
	// ErrSchema means an index or constraint operation is invalid (it
	// exists already, does not exist, or names an unknown kind).
	ErrSchema = errors.New("graph: invalid schema operation")
	// ErrTimestamp means a timestamp given by the host is out of order.
	ErrTimestamp = errors.New("graph: timestamp out of order")
	// ErrBadDelta means a delta given to Apply cannot be applied.
	ErrBadDelta = errors.New("graph: delta cannot be applied")
)

// ConflictError is a write-write conflict: another transaction wrote the
// object after this transaction's snapshot, or holds an uncommitted write.
// It is retryable and matches ErrSerialization.
type ConflictError struct {
	Object string // "vertex" or "edge"
	ID     int64
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("graph: serialization failure: %s %d was modified by a concurrent transaction; retry", e.Object, e.ID)
}

// Is makes errors.Is(err, ErrSerialization) true.
func (e *ConflictError) Is(target error) bool { return target == ErrSerialization }

// IsRetryable reports true: running the transaction again may succeed.
func (e *ConflictError) IsRetryable() bool { return true }

// ConstraintError is a violated existence or uniqueness constraint, found at
// commit or when a constraint is created over existing data.
type ConstraintError struct {
	Kind     uint8 // KindExistence or KindUnique
	Label    string
	Property string
	VertexID int64 // a vertex that violates it
}

// Error implements error.
func (e *ConstraintError) Error() string {
	if e.Kind == KindUnique {
		return fmt.Sprintf("graph: uniqueness constraint on :%s(%s) violated by vertex %d", e.Label, e.Property, e.VertexID)
	}
	return fmt.Sprintf("graph: existence constraint on :%s(%s) violated by vertex %d", e.Label, e.Property, e.VertexID)
}

// IsRetryable reports false: the same transaction would fail again.
func (e *ConstraintError) IsRetryable() bool { return false }

func notFound(what string, id int64) error {
	return fmt.Errorf("%w: %s %d", ErrNotFound, what, id)
}
