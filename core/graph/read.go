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
