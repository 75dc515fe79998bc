package graph

import (
	"fmt"
	"slices"
)

// Isolation is a transaction's isolation level.
type Isolation uint8

// Isolation levels.
const (
	// SnapshotIsolation reads one snapshot for the whole transaction and
	// fails a write to an object changed after it (the default).
	SnapshotIsolation Isolation = iota
	// ReadCommitted reads the latest visible commit at every read and fails
	// a write only on another transaction's uncommitted write or on a commit
	// not yet acknowledged.
	ReadCommitted
)

// TxOptions configure a transaction.
type TxOptions struct {
	Isolation Isolation
	// ReadOnly transactions may run on any goroutine; writes fail.
	ReadOnly bool
}

type txState uint8

const (
	txActive txState = iota
	txPrepared
	txDone
)

// idxEntry is an index entry a transaction inserted; at commit or abort it is
// removed again unless some version still matches it.
type idxEntry struct {
	list  *skipList
	label uint32 // label the entry requires (vertex entries)
	key   uint32 // property the entry requires (property entries)
	prop  bool   // a label+property entry
	edge  bool   // an edge-type entry
	val   any
	id    int64
}

// Txn is a transaction. Write transactions belong to the graph's owner
// goroutine; a read-only transaction may be used on any one goroutine. Every
// transaction must end with Commit or Abort, which releases its snapshot.
type Txn struct {
	g      *Graph
	opts   TxOptions
	start  uint64 // snapshot timestamp (registered)
	mark   uint64 // txBit|ID for write transactions, 0 for read-only
	state  txState
	vw     []int64 // vertices this transaction wrote, first write order
	vwBuf  [2]int64
	ew     []int64 // edges this transaction wrote
	newE   []int64 // edges this transaction created
	idx    []idxEntry
	deltas []Delta
	ts     uint64  // commit timestamp once prepared
	failed error   // a conflict doomed the transaction: it can only abort
	replay bool    // Apply: no conflict checks, IDs from deltas
	sc     *schema // the schema version at the snapshot
	// pending is the schema version Apply's schema deltas build; Apply
	// publishes it at the commit timestamp when every delta applied.
	pending *schema
}

// Begin starts a transaction. Read-only transactions may begin on any
// goroutine; write transactions only on the owner goroutine.
func (g *Graph) Begin(opts TxOptions) *Txn {
	t := &Txn{g: g, opts: opts, start: g.register()}
	t.sc = g.schemaAt(t.start) // registered first, so GC keeps it
	if !opts.ReadOnly {
		g.nextTx++
		t.mark = txBit | g.nextTx
		t.vw = t.vwBuf[:0]
	}
	return t
}

// BeginRead starts a read-only transaction, reusing old's memory when old
// is a read-only transaction of g that ended and that its caller no longer
// uses (nil: a new one). It spares a session's next read an allocation.
func (g *Graph) BeginRead(old *Txn) *Txn {
	if old == nil || old.g != g || old.state != txDone || old.mark != 0 || !old.opts.ReadOnly {
		return g.Begin(TxOptions{ReadOnly: true})
	}
	*old = Txn{g: g, opts: TxOptions{ReadOnly: true}, start: g.register()}
	old.sc = g.schemaAt(old.start) // registered first, so GC keeps it
	return old
}

// StartTS returns the timestamp of the transaction's snapshot.
func (t *Txn) StartTS() uint64 { return t.start }

// view returns the versions this transaction reads now.
func (t *Txn) view() view {
	if t.replay {
		return view{snap: txBit - 1, mark: t.mark}
	}
	if t.opts.Isolation == ReadCommitted {
		return view{snap: t.g.visibleTS.Load(), mark: t.mark}
	}
	return view{snap: t.start, mark: t.mark}
}

// Deltas returns the changes made so far, in order (the Delta list Commit
// returns).
func (t *Txn) Deltas() []Delta { return t.deltas }

// Prepare validates the transaction (constraints) and reserves its commit
// timestamp, without making anything visible. Afterwards only Commit or Abort
// may be called. Until then, MarkAcknowledged will not make timestamps at or
// above this one visible. A constraint violation aborts the transaction.
func (t *Txn) Prepare() (uint64, []Delta, error) {
	if t.state != txActive {
		return 0, nil, ErrTxDone
	}
	if t.failed != nil {
		err := t.failed
		t.Abort()
		return 0, nil, err
	}
	if len(t.deltas) == 0 {
		return 0, nil, nil
	}
	if err := t.checkConstraints(); err != nil {
		t.Abort()
		return 0, nil, err
	}
	t.g.lastTS++
	t.ts = t.g.lastTS
	t.g.prepared[t.ts] = true
	t.g.pmarks[t.mark] = true
	t.state = txPrepared
	return t.ts, t.deltas, nil
}

// Commit commits the transaction (preparing it first if needed) and returns
// its commit timestamp and deltas. The changes become visible to new
// transactions once the host calls MarkAcknowledged with that timestamp (or
// at once with Options.ImmediateVisibility). A transaction without changes
// returns timestamp 0 and no deltas. A constraint violation aborts the
// transaction and returns a *ConstraintError. After a *ConflictError the
// transaction is doomed: later writes fail with that error, and Commit
// aborts the transaction and returns it.
func (t *Txn) Commit() (uint64, []Delta, error) {
	if t.state == txDone {
		return 0, nil, ErrTxDone
	}
	if t.state == txActive {
		if _, _, err := t.Prepare(); err != nil {
			return 0, nil, err
		}
		if t.state == txActive { // nothing to commit
			t.Abort()
			return 0, nil, nil
		}
	}
	g := t.g
	delete(g.prepared, t.ts)
	delete(g.pmarks, t.mark)
	t.stamp(t.ts)
	t.pruneEntries()
	t.countLabels()
	g.count(t.deltas)
	g.vDirty = append(g.vDirty, t.vw...)
	g.eDirty = append(g.eDirty, t.ew...)
	t.finish()
	if g.opts.ImmediateVisibility && !t.replay {
		_ = g.MarkAcknowledged(t.ts)
	} else {
		g.refreshVisible()
	}
	return t.ts, t.deltas, nil
}

// stamp publishes every version this transaction wrote with timestamp ts.
func (t *Txn) stamp(ts uint64) {
	for _, id := range t.vw {
		t.g.vertices.get(id).head.Load().ts.Store(ts)
	}
	for _, id := range t.ew {
		t.g.edges.get(id).head.Load().ts.Store(ts)
	}
}

// Abort rolls the transaction back. It is a no-op on a finished transaction.
func (t *Txn) Abort() {
	if t.state == txDone {
		return
	}
	if t.mark == 0 { // read-only: touch nothing the owner owns
		t.finish()
		return
	}
	g := t.g
	if t.state == txPrepared {
		delete(g.prepared, t.ts)
		delete(g.pmarks, t.mark)
	}
	sc := t.wschema()
	ends := make([]int64, 0, 2*len(t.newE))
	for _, id := range slices.Backward(t.ew) {
		s := g.edges.get(id)
		own := s.head.Load()
		ends = append(ends, own.from, own.to)
		s.head.Store(own.prev.Load())
		if l := sc.typeIdx[own.typ]; l != nil && s.head.Load() == nil {
			l.remove(nil, id) // an index built while the edge was uncommitted
		}
	}
	for _, id := range slices.Backward(t.vw) {
		s := g.vertices.get(id)
		own := s.head.Load()
		s.head.Store(own.prev.Load())
		// entries an index build made for the aborted version
		g.pruneVertexEntries(id, []*vver{own})
	}
	t.dropCreatedEdges(ends)
	t.pruneEntries()
	t.finish()
	g.refreshVisible()
}

// dropCreatedEdges removes aborted new edges from their endpoints'
// adjacency; ends holds the endpoints of every edge the transaction wrote
// (a superset of the new edges' endpoints). Edges other transactions
// attached to the same vertices stay.
func (t *Txn) dropCreatedEdges(ends []int64) {
	if len(t.newE) == 0 {
		return
	}
	drop := map[int64]bool{}
	for _, id := range t.newE {
		drop[id] = true
	}
	slices.Sort(ends)
	for _, id := range slices.Compact(ends) {
		s := t.g.vertices.get(id)
		removeAdj(&s.out, drop)
		removeAdj(&s.in, drop)
	}
}

func (t *Txn) finish() {
	t.state = txDone
	t.g.release(t.start)
}

// doom records a conflict: every later write and Commit fail with it.
func (t *Txn) doom(err error) error {
	t.failed = err
	return err
}

// writable checks that the transaction may write.
func (t *Txn) writable() error {
	if t.state != txActive {
		return ErrTxDone
	}
	if t.failed != nil {
		return t.failed
	}
	if t.opts.ReadOnly {
		return ErrReadOnly
	}
	return nil
}

// conflict reports whether a head version with timestamp ts blocks a write.
func (t *Txn) conflict(ts uint64) bool {
	if t.replay || ts == t.mark {
		return false
	}
	if ts&txBit != 0 {
		return true
	}
	if t.opts.Isolation == ReadCommitted {
		// writing over a commit that is not yet visible would expose it
		return ts > t.g.visibleTS.Load()
	}
	return ts > t.start
}

// ownVertex returns this transaction's version of vertex id, creating it
// from the current head on first write.
func (t *Txn) ownVertex(id int64) (*vver, error) {
	if err := t.writable(); err != nil {
		return nil, err
	}
	s := t.g.vertices.get(id)
	if s == nil || s.head.Load() == nil {
		return nil, notFound("vertex", id)
	}
	head := s.head.Load()
	ts := head.ts.Load()
	if ts == t.mark {
		if head.deleted {
			return nil, notFound("vertex", id)
		}
		return head, nil
	}
	if t.conflict(ts) {
		return nil, t.doom(&ConflictError{Object: "vertex", ID: id})
	}
	if ts&txBit != 0 || head.deleted {
		return nil, notFound("vertex", id)
	}
	nv := &vver{labels: head.labels, props: head.props}
	nv.ts.Store(t.mark)
	nv.prev.Store(head)
	if head.packed {
		t.g.markWritten(id, head) // before readers can see nv (columns.go)
	}
	s.head.Store(nv)
	t.vw = append(t.vw, id)
	return nv, nil
}

// ownEdge is ownVertex for edges.
func (t *Txn) ownEdge(id int64) (*ever, error) {
	if err := t.writable(); err != nil {
		return nil, err
	}
	s := t.g.edges.get(id)
	if s == nil || s.head.Load() == nil {
		return nil, notFound("edge", id)
	}
	head := s.head.Load()
	ts := head.ts.Load()
	if ts == t.mark {
		if head.deleted {
			return nil, notFound("edge", id)
		}
		return head, nil
	}
	if t.conflict(ts) {
		return nil, t.doom(&ConflictError{Object: "edge", ID: id})
	}
	if ts&txBit != 0 || head.deleted {
		return nil, notFound("edge", id)
	}
	ne := &ever{from: head.from, to: head.to, typ: head.typ, props: head.props}
	ne.ts.Store(t.mark)
	ne.prev.Store(head)
	s.head.Store(ne)
	t.ew = append(t.ew, id)
	return ne, nil
}

// String describes the transaction for logs.
func (t *Txn) String() string {
	return fmt.Sprintf("txn(start=%d ro=%v iso=%d)", t.start, t.opts.ReadOnly, t.opts.Isolation)
}
