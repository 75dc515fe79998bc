package graph

import (
	"fmt"
	"slices"

	"github.com/quiverdb/quiver/core/value"
)

// CreateVertex creates a vertex without labels or properties and returns its
// ID.
func (t *Txn) CreateVertex() (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	id := t.g.nextVID.Load()
	t.createVertexID(id)
	return id, nil
}

func (t *Txn) createVertexID(id int64) {
	g := t.g
	if id >= g.nextVID.Load() {
		g.nextVID.Store(id + 1)
	}
	s := g.vertices.ensure(id)
	nv := &vver{}
	nv.ts.Store(t.mark)
	nv.prev.Store(s.head.Load())
	s.head.Store(nv)
	t.vw = append(t.vw, id)
	t.record(Delta{Op: OpCreateVertex, ID: id})
}

// Reserve makes room for n more deltas, so that a transaction about to make
// many changes grows its delta list once instead of by doubling. It is only
// a hint.
func (t *Txn) Reserve(n int) {
	if t.replay || t.state != txActive || cap(t.deltas)-len(t.deltas) >= n {
		return
	}
	t.deltas = slices.Grow(t.deltas, n)
}

// record appends a delta; Apply's replay keeps none (the caller has them).
func (t *Txn) record(d Delta) {
	if t.replay {
		return
	}
	if t.deltas == nil {
		t.deltas = t.g.deltaBuf()
	}
	t.deltas = append(t.deltas, d)
}

// AddLabel adds a label to a vertex (a no-op if it has it).
func (t *Txn) AddLabel(id int64, label string) error {
	if err := t.readableVertex(id); err != nil {
		return err
	}
	lid := t.g.names.intern(label)
	if v := t.view().vertex(t.g.vertices.get(id).head.Load()); v.labels.has(lid) {
		return nil
	}
	v, err := t.ownVertex(id)
	if err != nil {
		return err
	}
	v.labels = t.g.lsets.with(v.labels, lid)
	t.record(Delta{Op: OpAddLabel, ID: id, Name: label})
	t.indexLabel(id, v, lid)
	return nil
}

// RemoveLabel removes a label from a vertex (a no-op if it lacks it).
func (t *Txn) RemoveLabel(id int64, label string) error {
	if err := t.readableVertex(id); err != nil {
		return err
	}
	lid, ok := t.g.names.lookup(label)
	if !ok {
		return nil
	}
	if v := t.view().vertex(t.g.vertices.get(id).head.Load()); !v.labels.has(lid) {
		return nil
	}
	v, err := t.ownVertex(id)
	if err != nil {
		return err
	}
	v.labels = t.g.lsets.without(v.labels, lid)
	t.record(Delta{Op: OpRemoveLabel, ID: id, Name: label})
	return nil
}

// SetVertexProperty sets a property; a nil value removes it.
func (t *Txn) SetVertexProperty(id int64, key string, val value.Value) error {
	if err := checkStorable(val); err != nil {
		return err
	}
	if err := t.readableVertex(id); err != nil {
		return err
	}
	v, err := t.ownVertex(id)
	if err != nil {
		return err
	}
	k := t.g.names.intern(key)
	v.props = v.props.with(k, val)
	t.record(Delta{Op: OpSetVertexProp, ID: id, Key: key, Value: val})
	if val != nil {
		t.indexProp(id, v, k, val)
	}
	return nil
}

// readableVertex checks that the vertex exists in the transaction's view.
func (t *Txn) readableVertex(id int64) error {
	if err := t.writable(); err != nil {
		return err
	}
	s := t.g.vertices.get(id)
	if s == nil || t.view().vertex(s.head.Load()) == nil {
		return notFound("vertex", id)
	}
	return nil
}

// DeleteVertex deletes a vertex. A vertex with edges fails with ErrHasEdges
// unless detach is true, which deletes its edges first.
func (t *Txn) DeleteVertex(id int64, detach bool) error {
	if err := t.readableVertex(id); err != nil {
		return err
	}
	s := t.g.vertices.get(id)
	edges := t.visibleAdjacent(s)
	if len(edges) > 0 && !detach {
		return fmt.Errorf("%w: vertex %d has %d", ErrHasEdges, id, len(edges))
	}
	v, err := t.ownVertex(id)
	if err != nil {
		return err
	}
	if err := t.checkUnseenEdges(id, s); err != nil {
		return err
	}
	for _, e := range edges {
		if err := t.DeleteEdge(e); err != nil {
			return err
		}
	}
	v.deleted, v.labels, v.props = true, nil, nil
	t.record(Delta{Op: OpDeleteVertex, ID: id})
	return nil
}

// visibleAdjacent returns the distinct edges of s visible to the
// transaction.
func (t *Txn) visibleAdjacent(s *vslot) []int64 {
	w := t.view()
	var out []int64
	seen := map[int64]bool{}
	for _, l := range []*adjList{s.out.Load(), s.in.Load()} {
		for _, e := range l.view() {
			if !seen[e] && w.edge(t.g.edges.get(e).head.Load()) != nil {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// checkUnseenEdges fails a deletion of vertex id when the newest version of
// an edge at it is invisible to the transaction: the edge was created (or
// changed) by another open transaction or by a commit after the snapshot
// (under ReadCommitted: one not yet acknowledged). An edge deleted before
// the snapshot has a visible, deleted newest version and does not count;
// a visible edge that was changed since would conflict anyway when detach
// deletes it. This is the deleting side of the rule that edge creation does
// not claim its endpoints.
func (t *Txn) checkUnseenEdges(id int64, s *vslot) error {
	if t.replay {
		return nil
	}
	w := t.view()
	for _, l := range []*adjList{s.out.Load(), s.in.Load()} {
		for _, e := range l.view() {
			head := t.g.edges.get(e).head.Load()
			if head != nil && !w.visible(head.ts.Load()) {
				return t.doom(&ConflictError{Object: "vertex", ID: id})
			}
		}
	}
	return nil
}

// attachable checks that an edge may be attached to vertex id, which the
// transaction sees: attaching does not write the vertex (adjacency appends
// commute, so concurrent edge creations at one vertex do not conflict), but
// it conflicts with a deletion of the vertex by another transaction, whether
// uncommitted or committed after the snapshot (a deleted version is the
// last, so the head tells).
func (t *Txn) attachable(id int64) error {
	if t.replay {
		return nil
	}
	head := t.g.vertices.get(id).head.Load()
	if head.deleted && head.ts.Load() != t.mark {
		return t.doom(&ConflictError{Object: "vertex", ID: id})
	}
	return nil
}

// CreateEdge creates an edge of type typ from one vertex to another and
// returns its ID. It does not write the endpoints: edges created at one
// vertex by concurrent transactions do not conflict. It conflicts with a
// concurrent deletion of either endpoint, in whichever order the two come.
func (t *Txn) CreateEdge(from, to int64, typ string) (int64, error) {
	if err := t.readableVertex(from); err != nil {
		return 0, err
	}
	if err := t.readableVertex(to); err != nil {
		return 0, err
	}
	if err := t.attachable(from); err != nil {
		return 0, err
	}
	if err := t.attachable(to); err != nil {
		return 0, err
	}
	id := t.g.nextEID.Load()
	t.createEdgeID(id, from, to, typ)
	return id, nil
}

func (t *Txn) createEdgeID(id, from, to int64, typ string) {
	g := t.g
	if id >= g.nextEID.Load() {
		g.nextEID.Store(id + 1)
	}
	tid := g.names.intern(typ)
	s := g.edges.ensure(id)
	ne := &ever{from: from, to: to, typ: tid}
	ne.ts.Store(t.mark)
	ne.prev.Store(s.head.Load())
	s.head.Store(ne)
	t.ew = append(t.ew, id)
	t.newE = append(t.newE, id)
	appendAdj(&g.vertices.get(from).out, id)
	appendAdj(&g.vertices.get(to).in, id)
	t.record(Delta{Op: OpCreateEdge, ID: id, From: from, To: to, Name: typ})
	t.indexEdge(id, tid)
}

// DeleteEdge deletes an edge.
func (t *Txn) DeleteEdge(id int64) error {
	if err := t.readableEdge(id); err != nil {
		return err
	}
	e, err := t.ownEdge(id)
	if err != nil {
		return err
	}
	e.deleted, e.props = true, nil
	t.record(Delta{Op: OpDeleteEdge, ID: id})
	return nil
}

// SetEdgeProperty sets an edge property; a nil value removes it.
func (t *Txn) SetEdgeProperty(id int64, key string, val value.Value) error {
	if err := checkStorable(val); err != nil {
		return err
	}
	if err := t.readableEdge(id); err != nil {
		return err
	}
	e, err := t.ownEdge(id)
	if err != nil {
		return err
	}
	e.props = e.props.with(t.g.names.intern(key), val)
	t.record(Delta{Op: OpSetEdgeProp, ID: id, Key: key, Value: val})
	return nil
}

func (t *Txn) readableEdge(id int64) error {
	if err := t.writable(); err != nil {
		return err
	}
	s := t.g.edges.get(id)
	if s == nil || t.view().edge(s.head.Load()) == nil {
		return notFound("edge", id)
	}
	return nil
}

// checkStorable rejects values that cannot be properties: graph elements,
// paths, and Go types outside the value model.
func checkStorable(v value.Value) error {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, []byte, value.Date, value.LocalTime, value.Time,
		value.LocalDateTime, value.DateTime, value.Duration, value.Point:
		return nil
	case value.List:
		for _, e := range x {
			if e == nil {
				return fmt.Errorf("%w: null inside a list", ErrInvalidValue)
			}
			if err := checkStorable(e); err != nil {
				return err
			}
		}
		return nil
	case value.Map:
		for _, k := range sortedKeys(x) {
			if err := checkStorable(x[k]); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: %T", ErrInvalidValue, v)
}
