package instance

import (
	"fmt"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
)

// batchTx is an auto-commit write's transaction as CALL { } IN
// TRANSACTIONS sees it (cypher.AsyncBatchTx): each batch commits durably as
// a transaction of its own, through the same path as any commit (WAL,
// group commit, replication), and the next batch begins in a new graph
// transaction only once that commit is visible, so it sees the batches
// before it. The statement keeps its registry entry, timeout and guard
// across batches; the last, partial batch commits with the statement.
type batchTx struct {
	*gtx
	t       *txn
	waiting bool   // a batch commit is on its way to the disk
	resume  func() // the step to run once it is done
	err     error  // the batch commit that failed
	n       int    // batches committed
}

var (
	_ cypher.AsyncBatchTx    = (*batchTx)(nil)
	_ cypher.InputSnapshotTx = (*batchTx)(nil)
)

// InputSnapshot implements cypher.InputSnapshotTx: a read-only view of the
// graph as the statement's first transaction began (the statement's start
// timestamp), which the engine reads a graph-reading input from while the
// batches commit. It is begun with the statement (openSnapshot) and
// closed with it (txn.closeSnapshot).
func (b *batchTx) InputSnapshot() cypher.Tx { return b.t.snap }

// openSnapshot begins the statement-start snapshot of t, in the same loop
// turn as t's graph transaction, so both read the same timestamp.
func (t *txn) openSnapshot() {
	g := t.x.g
	t.snap = newGtx(g, g.Begin(graph.TxOptions{ReadOnly: true}))
}

// closeSnapshot ends t's statement-start snapshot, if it has one, so
// garbage collection may reclaim what only it still read.
func (t *txn) closeSnapshot() {
	if t.snap != nil {
		t.snap.t.Abort()
		t.snap = nil
	}
}

// StartBatch implements cypher.AsyncBatchTx: it commits the graph
// transaction and makes it durable; the engine ends its step, and the
// result's step waits (wait) until the commit reports.
func (b *batchTx) StartBatch() error {
	t := b.t
	b.waiting = true
	sync := true
	warn := func(ws []string) { t.warnings = append(t.warnings, ws...) }
	t.s.in.commitWarn(t.g, warn, func(_ uint64, err error) {
		b.waiting = false
		if err != nil {
			b.err = err
		} else {
			b.n++
			b.begin()
		}
		if !sync {
			b.next()
		}
	})
	sync = false
	if b.err != nil && !b.waiting {
		err := b.err
		b.err = nil // refused at once: the engine fails the statement with it
		return err
	}
	return nil
}

// begin starts the next batch's graph transaction, unless the statement
// ended meanwhile.
func (b *batchTx) begin() {
	if b.t.ended {
		return
	}
	g := b.t.s.in.g.Begin(graph.TxOptions{})
	b.t.g, b.gtx.t, b.gtx.T = g, g, g
}

// next resumes the step that waited for the batch commit.
func (b *batchTx) next() {
	if f := b.resume; f != nil {
		b.resume = nil
		f()
	}
}

// wait reports whether a batch commit is under way and, if so, runs f
// once it is done. A nil batchTx never waits.
func (b *batchTx) wait(f func()) bool {
	if b == nil || !b.waiting {
		return false
	}
	b.resume = f
	return true
}

// failure is the error of a batch commit that failed after it started,
// naming the batch; nil if none did (or b is nil).
func (b *batchTx) failure() *Error {
	if b == nil || b.err == nil {
		return nil
	}
	return b.explain(b.t.s.in.classify(b.err, b.gtx, ""), b.n+1)
}

// committing names the statement's final commit, the last batch, in err.
func (b *batchTx) committing(err *Error) *Error {
	if b == nil {
		return err
	}
	return b.explain(err, b.n+1)
}

// explain says in err that batch k failed and the ones before it stay.
func (b *batchTx) explain(err *Error, k int) *Error {
	return newErr(err.Code, fmt.Sprintf("CALL { ... } IN TRANSACTIONS: the commit of batch %d failed; the %d batches before it stay committed: %s", k, k-1, err.Message))
}
