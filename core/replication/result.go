package replication

import (
	"errors"
	"fmt"
)

// Outcome is what a client may conclude about a commit.
type Outcome uint8

const (
	// Acknowledged: durable on MAIN and confirmed by every replica of the
	// in-sync set that the mode waits for.
	Acknowledged Outcome = iota + 1
	// Retryable: certainly not committed anywhere; the client may retry.
	Retryable
	// Unknown: the commit may or may not survive; the client must check.
	Unknown
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case Acknowledged:
		return "acknowledged"
	case Retryable:
		return "retryable"
	case Unknown:
		return "outcome unknown"
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// Result is the fate of one commit.
type Result struct {
	TS      uint64
	Outcome Outcome
	// Warnings name each SYNC or STRICT_SYNC replica that was not in the
	// in-sync set when the commit was acknowledged, and why; the client
	// gets success with a warning notification.
	Warnings []string
	// Err says why a commit was not acknowledged.
	Err error
}

// Decision is the fate of a STRICT_SYNC prepare: commit it, or abort it
// (Result says whether a retry is safe).
type Decision struct {
	Commit bool
	Result Result
}

// Errors in Results.
var (
	// ErrFenced: MAIN learned of a newer epoch and stopped taking writes.
	ErrFenced = errors.New("replication: a newer MAIN exists; this instance no longer accepts writes")
	// ErrStopped: MAIN stopped before the commit was acknowledged.
	ErrStopped = errors.New("replication: MAIN stopped before the commit was acknowledged")
	// ErrOutOfOrder: the instance called Commit with a timestamp not above
	// the previous commit's (a bug in the caller).
	ErrOutOfOrder = errors.New("replication: commit out of timestamp order")
	// ErrAborted: a STRICT_SYNC replica refused or did not answer the
	// prepare (Memgraph says "Transaction was aborted on all instances.").
	ErrAborted = errors.New("replication: transaction was aborted on all instances")
)
