package graph

import (
	"slices"

	"github.com/quiverdb/quiver/core/value"
)

// Direction selects which edges of a vertex to follow.
type Direction uint8

// Directions.
const (
	Out  Direction = iota + 1 // edges starting at the vertex
	In                        // edges ending at the vertex
	Both                      // both; a self-loop is reported once
)

// EdgeRef is an edge without its properties.
type EdgeRef struct {
	ID   int64
	From int64
	To   int64
	Type string
}

// Other returns the endpoint of e that is not v (v itself for a self-loop).
func (e EdgeRef) Other(v int64) int64 {
	if e.From == v {
		return e.To
	}
	return e.From
}

// vertex returns the visible version of vertex id, or nil.
func (t *Txn) vertex(id int64) *vver {
	s := t.g.vertices.get(id)
	if s == nil {
		return nil
	}
	return t.view().vertex(s.head.Load())
}

func (t *Txn) edge(id int64) *ever {
	s := t.g.edges.get(id)
	if s == nil {
		return nil
	}
	return t.view().edge(s.head.Load())
}

func (t *Txn) readVertex(id int64) (*vver, error) {
	if t.state == txDone {
		return nil, ErrTxDone
	}
	v := t.vertex(id)
	if v == nil {
		return nil, notFound("vertex", id)
	}
	return v, nil
}

func (t *Txn) readEdge(id int64) (*ever, error) {
	if t.state == txDone {
		return nil, ErrTxDone
	}
	e := t.edge(id)
	if e == nil {
		return nil, notFound("edge", id)
	}
	return e, nil
}

// HasVertex reports whether the vertex exists in the transaction's view.
func (t *Txn) HasVertex(id int64) bool {
	return t.state != txDone && t.vertex(id) != nil
}

// HasEdge reports whether the edge exists in the transaction's view.
func (t *Txn) HasEdge(id int64) bool {
	return t.state != txDone && t.edge(id) != nil
}

// Vertex returns the vertex as a Cypher node (labels sorted by name).
func (t *Txn) Vertex(id int64) (value.Node, error) {
	v, err := t.readVertex(id)
	if err != nil {
		return value.Node{}, err
	}
	return value.Node{ID: id, Labels: t.labelNames(v.labels), Props: t.propMap(v.props)}, nil
}

// VertexLabels returns the vertex's labels sorted by name.
func (t *Txn) VertexLabels(id int64) ([]string, error) {
	v, err := t.readVertex(id)
	if err != nil {
		return nil, err
	}
	return t.labelNames(v.labels), nil
}

// HasLabel reports whether the vertex has the label.
func (t *Txn) HasLabel(id int64, label string) (bool, error) {
	v, err := t.readVertex(id)
	if err != nil {
		return false, err
	}
	lid, ok := t.g.names.lookup(label)
	return ok && v.labels.has(lid), nil
}

// VertexProperty returns a property of the vertex, nil when it is absent.
func (t *Txn) VertexProperty(id int64, key string) (value.Value, error) {
	v, err := t.readVertex(id)
	if err != nil {
		return nil, err
	}
	return t.propGet(v.props, key), nil
}

// VertexProperties returns all properties of the vertex.
func (t *Txn) VertexProperties(id int64) (value.Map, error) {
	v, err := t.readVertex(id)
	if err != nil {
		return nil, err
	}
	return t.propMap(v.props), nil
}

// Edge returns the edge as a Cypher relationship.
func (t *Txn) Edge(id int64) (value.Relationship, error) {
	e, err := t.readEdge(id)
	if err != nil {
		return value.Relationship{}, err
	}
	return value.Relationship{ID: id, StartID: e.from, EndID: e.to,
		Type: t.g.names.name(e.typ), Props: t.propMap(e.props)}, nil
}

// EdgeRef returns the edge's endpoints and type.
func (t *Txn) EdgeRef(id int64) (EdgeRef, error) {
	e, err := t.readEdge(id)
	if err != nil {
		return EdgeRef{}, err
	}
	return EdgeRef{ID: id, From: e.from, To: e.to, Type: t.g.names.name(e.typ)}, nil
}

// EdgeProperty returns a property of the edge, nil when it is absent.
func (t *Txn) EdgeProperty(id int64, key string) (value.Value, error) {
	e, err := t.readEdge(id)
	if err != nil {
		return nil, err
	}
	return t.propGet(e.props, key), nil
}

// EdgeProperties returns all properties of the edge.
func (t *Txn) EdgeProperties(id int64) (value.Map, error) {
	e, err := t.readEdge(id)
	if err != nil {
		return nil, err
	}
	return t.propMap(e.props), nil
}

func (t *Txn) labelNames(s *labelSet) []string {
	if s == nil {
		return []string{}
	}
	out := make([]string, len(s.ids))
	for i, id := range s.ids {
		out[i] = t.g.names.name(id)
	}
	slices.Sort(out)
	return out
}

func (t *Txn) propGet(p *propSet, key string) value.Value {
	k, ok := t.g.names.lookup(key)
	if !ok {
		return nil
	}
	v, _ := p.get(k)
	return v
}

func (t *Txn) propMap(p *propSet) value.Map {
	m := value.Map{}
	if p != nil {
		for _, kv := range p.kv {
			m[t.g.names.name(kv.key)] = kv.val
		}
	}
	return m
}

// VertexIter walks vertices. Use it as: for it.Next() { id := it.ID() }.
// Vertices created after the iterator was made are not visited; changes
// the transaction makes to vertices not yet visited are seen.
type VertexIter struct {
	next func() (int64, bool)
	cur  int64
}

// Next advances to the next vertex; it reports false at the end.
func (it *VertexIter) Next() bool {
	if it.next == nil {
		return false
	}
	id, ok := it.next()
	if !ok {
		it.next = nil
		return false
	}
	it.cur = id
	return true
}

// ID returns the current vertex.
func (it *VertexIter) ID() int64 { return it.cur }

// Collect drains the iterator into a slice (handy in tests and small scans).
func (it *VertexIter) Collect() []int64 {
	var out []int64
	for it.Next() {
		out = append(out, it.ID())
	}
	return out
}

// scanVertices walks the vertex store in ID order, yielding vertices whose
// visible version passes keep.
func (t *Txn) scanVertices(keep func(*vver) bool) *VertexIter {
	if t.state == txDone {
		return &VertexIter{}
	}
	end := t.g.nextVID.Load()
	id := int64(0)
	return &VertexIter{next: func() (int64, bool) {
		for ; id < end; id++ {
			if v := t.vertex(id); v != nil && (keep == nil || keep(v)) {
				id++
				return id - 1, true
			}
		}
		return 0, false
	}}
}

// Vertices walks every vertex in ID order.
func (t *Txn) Vertices() *VertexIter { return t.scanVertices(nil) }

// VerticesByLabel walks the vertices with the label (through the label index
// when one exists, else a full scan; ID order either way).
func (t *Txn) VerticesByLabel(label string) *VertexIter {
	lid, ok := t.g.names.lookup(label)
	if !ok || t.state == txDone {
		return &VertexIter{}
	}
	keep := func(v *vver) bool { return v.labels.has(lid) }
	if l := t.g.schema.Load().labelIdx[lid]; l != nil {
		return t.listVertices(l.first(), func(_ *skipNode, v *vver) bool { return keep(v) }, nil)
	}
	return t.scanVertices(keep)
}

// listVertices walks index entries from n, yielding entries whose vertex's
// visible version passes keep; stop, when given, ends the walk.
func (t *Txn) listVertices(n *skipNode, keep func(*skipNode, *vver) bool, stop func(*skipNode) bool) *VertexIter {
	end := t.g.nextVID.Load()
	return &VertexIter{next: func() (int64, bool) {
		for ; n != nil; n = n.next[0].Load() {
			if stop != nil && stop(n) {
				return 0, false
			}
			if n.id >= end {
				continue
			}
			if v := t.vertex(n.id); v != nil && keep(n, v) {
				id := n.id
				n = n.next[0].Load()
				return id, true
			}
		}
		return 0, false
	}}
}

// EdgeIter walks edges. Use it as: for it.Next() { e := it.Edge() }.
type EdgeIter struct {
	next func() (EdgeRef, bool)
	cur  EdgeRef
}

// Next advances to the next edge; it reports false at the end.
func (it *EdgeIter) Next() bool {
	if it.next == nil {
		return false
	}
	e, ok := it.next()
	if !ok {
		it.next = nil
		return false
	}
	it.cur = e
	return true
}

// Edge returns the current edge.
func (it *EdgeIter) Edge() EdgeRef { return it.cur }

// Collect drains the iterator into a slice.
func (it *EdgeIter) Collect() []EdgeRef {
	var out []EdgeRef
	for it.Next() {
		out = append(out, it.Edge())
	}
	return out
}

// typeFilter maps type names to IDs; nil means any type, an empty non-nil
// set means none can match.
func (t *Txn) typeFilter(types []string) map[uint32]bool {
	if len(types) == 0 {
		return nil
	}
	m := map[uint32]bool{}
	for _, ty := range types {
		if id, ok := t.g.names.lookup(ty); ok {
			m[id] = true
		}
	}
	return m
}

// Edges walks the edges of vertex v in the given direction, optionally only
// those of the given types. Out edges come first (in creation order), then
// in edges; with Both a self-loop is reported once.
func (t *Txn) Edges(v int64, dir Direction, types ...string) *EdgeIter {
	s := t.g.vertices.get(v)
	if s == nil || t.state == txDone {
		return &EdgeIter{}
	}
	filter := t.typeFilter(types)
	var lists [2][]int64
	if dir == Out || dir == Both {
		lists[0] = s.out.Load().view()
	}
	if dir == In || dir == Both {
		lists[1] = s.in.Load().view()
	}
	li, i := 0, 0
	return &EdgeIter{next: func() (EdgeRef, bool) {
		for ; li < 2; li, i = li+1, 0 {
			for i < len(lists[li]) {
				id := lists[li][i]
				i++
				e := t.edge(id)
				if e == nil || (filter != nil && !filter[e.typ]) {
					continue
				}
				if li == 1 && dir == Both && e.from == e.to {
					continue
				}
				return EdgeRef{ID: id, From: e.from, To: e.to, Type: t.g.names.name(e.typ)}, true
			}
		}
		return EdgeRef{}, false
	}}
}

// Degree counts the edges Edges(v, dir, types...) would yield.
func (t *Txn) Degree(v int64, dir Direction, types ...string) int {
	n := 0
	for it := t.Edges(v, dir, types...); it.Next(); {
		n++
	}
	return n
}

// AllEdges walks every edge in ID order.
func (t *Txn) AllEdges() *EdgeIter { return t.scanEdges(nil) }

func (t *Txn) scanEdges(keep func(*ever) bool) *EdgeIter {
	if t.state == txDone {
		return &EdgeIter{}
	}
	end := t.g.nextEID.Load()
	id := int64(0)
	return &EdgeIter{next: func() (EdgeRef, bool) {
		for ; id < end; id++ {
			if e := t.edge(id); e != nil && (keep == nil || keep(e)) {
				id++
				return EdgeRef{ID: id - 1, From: e.from, To: e.to, Type: t.g.names.name(e.typ)}, true
			}
		}
		return EdgeRef{}, false
	}}
}

// EdgesByType walks the edges of one type in ID order (through the edge-type
// index when one exists, else a full scan).
func (t *Txn) EdgesByType(typ string) *EdgeIter {
	tid, ok := t.g.names.lookup(typ)
	if !ok || t.state == txDone {
		return &EdgeIter{}
	}
	l := t.g.schema.Load().typeIdx[tid]
	if l == nil {
		return t.scanEdges(func(e *ever) bool { return e.typ == tid })
	}
	end := t.g.nextEID.Load()
	n := l.first()
	return &EdgeIter{next: func() (EdgeRef, bool) {
		for ; n != nil; n = n.next[0].Load() {
			if n.id >= end {
				continue
			}
			if e := t.edge(n.id); e != nil && e.typ == tid {
				id := n.id
				n = n.next[0].Load()
				return EdgeRef{ID: id, From: e.from, To: e.to, Type: typ}, true
			}
		}
		return EdgeRef{}, false
	}}
}
