package graph

import (
	"fmt"
)

// Apply replays a committed transaction (from the WAL, a snapshot or
// replication) with commit timestamp ts, which must exceed LastCommitTS.
// Conflicts and constraints are not checked: the source already did. That
// includes a created constraint, which Apply builds without checking it
// against the data: the record is a decision MAIN made and made durable at
// ts, and a replica (or a recovering node) that refused it could never get
// past it, while checking only schema records and not data records would
// guard nothing. MAIN is what must only commit valid histories (see
// checkExistAll: a constraint created while a prepared transaction is
// undecided must hold whichever way it is decided). Like a
// local commit, the change becomes visible at MarkAcknowledged; its schema
// deltas (index and constraint changes) form one schema version at ts, which
// readers use from snapshots at or after ts. On error nothing is kept and
// the timestamp is not consumed.
func (g *Graph) Apply(ts uint64, deltas []Delta) error {
	if ts <= g.lastTS {
		return fmt.Errorf("%w: applying %d after %d", ErrTimestamp, ts, g.lastTS)
	}
	b := g.BeginBulk()
	if err := b.Add(deltas); err != nil {
		return err
	}
	return b.Commit(ts)
}

// Bulk builds one Apply from deltas given in parts (a snapshot received
// piece by piece), so the caller never holds them all at once. Nothing is
// visible, or even committed, before Commit; Abort drops what was added.
// The graph takes no other write while a Bulk is open: it is meant for a
// graph being built aside, which nobody else reads or writes yet.
type Bulk struct {
	t      *Txn
	nv, ne int64 // vertices and edges created less those deleted, counted at Commit
	err    error
}

// BeginBulk starts a Bulk on g.
func (g *Graph) BeginBulk() *Bulk {
	t := g.Begin(TxOptions{})
	t.replay = true
	return &Bulk{t: t}
}

// Add applies the next part of the deltas, in the order Apply would take
// them. After an error the Bulk is aborted.
func (b *Bulk) Add(deltas []Delta) error {
	if b.err != nil {
		return b.err
	}
	for i, d := range deltas {
		if err := b.t.applyOne(d); err != nil {
			b.Abort()
			b.err = fmt.Errorf("%w: delta %d (op %d, id %d): %w", ErrBadDelta, i, d.Op, d.ID, err)
			return b.err
		}
		switch d.Op {
		case OpCreateVertex:
			b.nv++
		case OpDeleteVertex:
			b.nv--
		case OpCreateEdge:
			b.ne++
		case OpDeleteEdge:
			b.ne--
		}
	}
	return nil
}

// Commit commits what was added as one transaction with timestamp ts,
// which must exceed LastCommitTS; like Apply's, it becomes visible at
// MarkAcknowledged. Nothing added at ts 0 on a new graph is the empty
// state (a snapshot of a MAIN without commits).
func (b *Bulk) Commit(ts uint64) error {
	if b.err != nil {
		return b.err
	}
	t, g := b.t, b.t.g
	if ts == 0 && g.lastTS == 0 && len(t.vw) == 0 && len(t.ew) == 0 && t.pending == nil {
		t.finish() // the empty state, before any commit
		b.err = ErrTxDone
		return nil
	}
	if ts <= g.lastTS {
		b.Abort()
		return fmt.Errorf("%w: applying %d after %d", ErrTimestamp, ts, g.lastTS)
	}
	b.err = ErrTxDone
	if t.pending != nil {
		g.publishSchema(t.pending, ts)
		t.pending = nil
	}
	if len(t.vw) == 0 && len(t.ew) == 0 {
		t.finish()
		g.lastTS = ts
		return nil
	}
	t.state = txPrepared
	g.lastTS = ts
	t.ts = ts
	_, _, err := t.Commit()
	g.nVertices += b.nv
	g.nEdges += b.ne
	g.vcount.Store(g.nVertices)
	return err
}

// Abort drops what was added.
func (b *Bulk) Abort() {
	if b.err == nil {
		b.t.Abort()
		b.err = ErrTxDone
	}
}

func (t *Txn) applyOne(d Delta) error {
	switch d.Op {
	case OpCreateVertex:
		if d.ID < 0 || t.vertex(d.ID) != nil {
			return fmt.Errorf("vertex %d exists or is invalid", d.ID)
		}
		if s := t.g.vertices.get(d.ID); s != nil && s.head.Load() != nil {
			return fmt.Errorf("vertex %d slot in use", d.ID)
		}
		t.createVertexID(d.ID)
	case OpDeleteVertex:
		return t.DeleteVertex(d.ID, false)
	case OpAddLabel:
		return t.AddLabel(d.ID, d.Name)
	case OpRemoveLabel:
		return t.RemoveLabel(d.ID, d.Name)
	case OpSetVertexProp:
		return t.SetVertexProperty(d.ID, d.Key, d.Value)
	case OpCreateEdge:
		if d.ID < 0 {
			return fmt.Errorf("invalid edge id %d", d.ID)
		}
		if s := t.g.edges.get(d.ID); s != nil && s.head.Load() != nil {
			return fmt.Errorf("edge %d exists", d.ID)
		}
		if err := t.readableVertex(d.From); err != nil {
			return err
		}
		if err := t.readableVertex(d.To); err != nil {
			return err
		}
		t.createEdgeID(d.ID, d.From, d.To, d.Name)
	case OpDeleteEdge:
		return t.DeleteEdge(d.ID)
	case OpSetEdgeProp:
		return t.SetEdgeProperty(d.ID, d.Key, d.Value)
	case OpCreateIndex, OpDropIndex, OpCreateConstraint, OpDropConstraint:
		s, err := t.g.changeSchema(t.wschema(), d, false)
		if err != nil {
			return err
		}
		t.pending = s
	default:
		return fmt.Errorf("unknown op %d", d.Op)
	}
	return nil
}

// SnapshotDeltas calls f with deltas that rebuild the graph as this
// transaction sees it: the schema as of its snapshot first (SchemaDeltas),
// then every vertex (ID order) with
// its labels and properties, then every edge (ID order) with its
// properties. Applying them in one Apply to an empty graph reproduces the
// state; durability writes them as a snapshot. f's error stops the walk.
func (t *Txn) SnapshotDeltas(f func(Delta) error) error {
	if t.state == txDone {
		return ErrTxDone
	}
	for _, d := range t.SchemaDeltas() {
		if err := f(d); err != nil {
			return err
		}
	}
	for it := t.Vertices(); it.Next(); {
		if err := t.vertexDeltas(it.ID(), f); err != nil {
			return err
		}
	}
	for it := t.AllEdges(); it.Next(); {
		e := it.Edge()
		if err := f(Delta{Op: OpCreateEdge, ID: e.ID, From: e.From, To: e.To, Name: e.Type}); err != nil {
			return err
		}
		for _, kv := range t.edge(e.ID).props.kvOrNil() {
			if err := f(Delta{Op: OpSetEdgeProp, ID: e.ID, Key: t.g.names.name(kv.key), Value: kv.val}); err != nil {
				return err
			}
		}
	}
	return nil
}

// SchemaDeltas returns the deltas that create the indexes and constraints
// of the transaction's snapshot (Schema), in Schema's order: the head of a
// snapshot at the transaction's timestamp.
func (t *Txn) SchemaDeltas() []Delta {
	items := t.rschema().items
	ds := make([]Delta, 0, len(items))
	for _, it := range items {
		op := OpCreateIndex
		if it.Kind == KindExistence || it.Kind == KindUnique {
			op = OpCreateConstraint
		}
		ds = append(ds, Delta{Op: op, Name: it.Name, Key: it.Key, Kind: it.Kind, Alias: it.Alias})
	}
	return ds
}

func (t *Txn) vertexDeltas(id int64, f func(Delta) error) error {
	v := t.vertex(id)
	if err := f(Delta{Op: OpCreateVertex, ID: id}); err != nil {
		return err
	}
	for _, l := range t.labelNames(v.labels) {
		if err := f(Delta{Op: OpAddLabel, ID: id, Name: l}); err != nil {
			return err
		}
	}
	for _, kv := range v.props.kvOrNil() {
		if err := f(Delta{Op: OpSetVertexProp, ID: id, Key: t.g.names.name(kv.key), Value: kv.val}); err != nil {
			return err
		}
	}
	return nil
}

func (p *propSet) kvOrNil() []prop {
	if p == nil {
		return nil
	}
	return p.kv
}

// NextIDs returns the next vertex and edge IDs the graph will allocate.
// Snapshots record them so that IDs are never reused after recovery.
func (g *Graph) NextIDs() (vertex, edge int64) { return g.nextVID.Load(), g.nextEID.Load() }

// ReserveIDs makes the graph allocate IDs from at least vertex and edge on
// (owner only; recovery calls it with the values a snapshot recorded).
func (g *Graph) ReserveIDs(vertex, edge int64) {
	if vertex > g.nextVID.Load() {
		g.nextVID.Store(vertex)
	}
	if edge > g.nextEID.Load() {
		g.nextEID.Store(edge)
	}
}
