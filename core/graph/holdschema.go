package graph

import "fmt"

// heldSchema is a schema change held undecided for two-phase replication
// (HoldSchema).
type heldSchema struct {
	ts uint64
	// drop is the version a held drop publishes when it commits; nil for a
	// create, which stays published while it is held.
	drop *schema
}

// HoldSchema turns the schema change just made at ts (CreateIndex and
// friends, with the deltas they returned; nothing may happen in between)
// into a prepared, undecided one, for two-phase replication: it must then
// be decided with CommitSchema or AbortSchema. Until it is, visibility does
// not pass ts (as for a prepared transaction) and other schema changes are
// refused as retryable conflicts. Whichever way it is decided, every write
// made meanwhile is checked and indexed correctly: a created index or
// constraint stays in the newest version, so writes maintain it and are
// checked against it (stricter than needed if it aborts); a drop is taken
// back out of the newest version until it commits, so writes keep
// maintaining what it drops (more work than needed if it commits).
func (g *Graph) HoldSchema(ts uint64, ds []Delta) error {
	s := g.schema.Load()
	switch {
	case g.held != nil:
		return fmt.Errorf("%w: the schema change at %d is already held", ErrTimestamp, g.held.ts)
	case len(ds) != 1 || s.ts != ts || ts != g.lastTS:
		return fmt.Errorf("%w: holding %d, but the last schema change is at %d and the last commit at %d", ErrTimestamp, ts, s.ts, g.lastTS)
	}
	h := &heldSchema{ts: ts}
	if op := ds[0].Op; op == OpDropIndex || op == OpDropConstraint {
		h.drop = s
		g.schema.Store(s.prev.Load())
	}
	g.held = h
	g.prepared[ts] = true
	return nil
}

// CommitSchema decides the held schema change at ts: it is committed, and
// visible once ts is acknowledged (MarkAcknowledged).
func (g *Graph) CommitSchema(ts uint64) error {
	h, err := g.unhold(ts)
	if err != nil {
		return err
	}
	if h.drop != nil {
		g.publishSchema(h.drop, ts)
	}
	g.refreshVisible()
	return nil
}

// AbortSchema decides the held schema change at ts: it never happened (its
// timestamp stays unused, like an aborted prepared transaction's).
func (g *Graph) AbortSchema(ts uint64) error {
	h, err := g.unhold(ts)
	if err != nil {
		return err
	}
	if h.drop == nil {
		g.schema.Store(g.schema.Load().prev.Load())
	}
	g.refreshVisible()
	return nil
}

// unhold ends the hold at ts.
func (g *Graph) unhold(ts uint64) (*heldSchema, error) {
	h := g.held
	if h == nil || h.ts != ts {
		return nil, fmt.Errorf("%w: no schema change is held at %d", ErrTimestamp, ts)
	}
	g.held = nil
	delete(g.prepared, ts)
	return h, nil
}

// schemaBusy refuses a schema change while another one is held.
func (g *Graph) schemaBusy() error {
	if g.held == nil {
		return nil
	}
	return fmt.Errorf("%w: the schema change at %d is still being decided; retry", ErrSerialization, g.held.ts)
}

// Rewind lowers the last assigned commit timestamp to ts, giving back the
// timestamps above it that aborted two-phase commits (prepared transactions,
// held schema changes) reserved and never used, so that a MAIN turning
// replica takes its new MAIN's next timestamps (Apply wants them above the
// last one). The caller guarantees that nothing above ts committed; it is
// refused while anything is prepared or held, below the acknowledged
// timestamp, or below the newest schema version.
func (g *Graph) Rewind(ts uint64) error {
	switch {
	case len(g.prepared) > 0 || g.held != nil:
		return fmt.Errorf("%w: rewinding to %d with %d transactions prepared", ErrTimestamp, ts, len(g.prepared))
	case ts > g.lastTS || ts < g.ackTS || ts < g.schema.Load().ts:
		return fmt.Errorf("%w: rewinding to %d outside [%d, %d]", ErrTimestamp, ts, max(g.ackTS, g.schema.Load().ts), g.lastTS)
	}
	g.lastTS = ts
	return nil
}
