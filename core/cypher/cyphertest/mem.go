// Package cyphertest provides a plain in-memory, single-version graph that
// implements cypher.Tx and cypher.SchemaTx, for engine tests and the TCK
// runner until (and besides) core/graph. It has no MVCC and no rollback:
// each Graph is one long transaction.
package cyphertest

import (
	"errors"
	"fmt"
	"sort"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/value"
)

type vertex struct {
	labels []string
	props  value.Map
	out    []int64
	in     []int64
}

type edge struct {
	info  cypher.EdgeInfo
	props value.Map
}

// Graph is an in-memory graph; it is its own transaction.
type Graph struct {
	nextID      int64
	vertices    map[int64]*vertex
	edges       map[int64]*edge
	indexes     map[[2]string]string // label, property -> the name given ("" none)
	constraints []cypher.ConstraintInfo
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{vertices: map[int64]*vertex{}, edges: map[int64]*edge{}, indexes: map[[2]string]string{}}
}

// Vertices implements cypher.Tx.
func (g *Graph) Vertices() cypher.IDIter { return cypher.NewSliceIter(g.vertexIDs()) }

func (g *Graph) vertexIDs() []int64 {
	ids := make([]int64, 0, len(g.vertices))
	for id := range g.vertices {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// VerticesByLabel implements cypher.Tx.
func (g *Graph) VerticesByLabel(label string) cypher.IDIter {
	return cypher.NewSliceIter(g.labelIDs(label))
}

func (g *Graph) labelIDs(label string) []int64 {
	var ids []int64
	for _, id := range g.vertexIDs() {
		if has(g.vertices[id].labels, label) {
			ids = append(ids, id)
		}
	}
	return ids
}

// VerticesByLabelProp implements cypher.Tx; it answers only for indexed
// (label, key) pairs.
func (g *Graph) VerticesByLabelProp(label, key string, v value.Value) (cypher.IDIter, bool) {
	if _, ok := g.indexes[[2]string{label, key}]; !ok {
		return nil, false
	}
	var ids []int64
	for _, id := range g.labelIDs(label) {
		if p, ok := g.vertices[id].props[key]; ok && valueEq(p, v) {
			ids = append(ids, id)
		}
	}
	return cypher.NewSliceIter(ids), true
}

func valueEq(a, b value.Value) bool {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(float64); ok {
			return float64(x) == y
		}
	case float64:
		if y, ok := b.(int64); ok {
			return x == float64(y)
		}
	}
	return fmt.Sprintf("%T%v", a, a) == fmt.Sprintf("%T%v", b, b)
}

func has(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// VertexExists implements cypher.Tx.
func (g *Graph) VertexExists(id int64) bool { _, ok := g.vertices[id]; return ok }

// VertexLabels implements cypher.Tx.
func (g *Graph) VertexLabels(id int64) []string {
	if v, ok := g.vertices[id]; ok {
		return v.labels
	}
	return nil
}

// VertexProps implements cypher.Tx.
func (g *Graph) VertexProps(id int64) value.Map {
	if v, ok := g.vertices[id]; ok {
		return v.props
	}
	return nil
}

// Edges implements cypher.Tx.
func (g *Graph) Edges(id int64, dir cypher.Direction, types []string) []cypher.EdgeInfo {
	v, ok := g.vertices[id]
	if !ok {
		return nil
	}
	var ids []int64
	if dir&cypher.DirOut != 0 {
		ids = append(ids, v.out...)
	}
	if dir&cypher.DirIn != 0 {
		for _, e := range v.in {
			if !(dir == cypher.DirBoth && g.edges[e].info.From == id) {
				ids = append(ids, e)
			}
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []cypher.EdgeInfo
	for _, e := range ids {
		info := g.edges[e].info
		if len(types) == 0 || has(types, info.Type) {
			out = append(out, info)
		}
	}
	return out
}

// Edge implements cypher.Tx.
func (g *Graph) Edge(id int64) (cypher.EdgeInfo, bool) {
	e, ok := g.edges[id]
	if !ok {
		return cypher.EdgeInfo{}, false
	}
	return e.info, true
}

// EdgeProps implements cypher.Tx.
func (g *Graph) EdgeProps(id int64) value.Map {
	if e, ok := g.edges[id]; ok {
		return e.props
	}
	return nil
}

// CreateVertex implements cypher.Tx.
func (g *Graph) CreateVertex(labels []string, props value.Map) (int64, error) {
	id := g.nextID
	g.nextID++
	v := &vertex{props: value.Map{}}
	for _, l := range labels {
		if !has(v.labels, l) {
			v.labels = append(v.labels, l)
		}
	}
	sort.Strings(v.labels)
	for k, x := range props {
		v.props[k] = x
	}
	g.vertices[id] = v
	return id, g.checkConstraints(id)
}

// CreateEdge implements cypher.Tx.
func (g *Graph) CreateEdge(from, to int64, typ string, props value.Map) (int64, error) {
	a, ok1 := g.vertices[from]
	b, ok2 := g.vertices[to]
	if !ok1 || !ok2 {
		return 0, errors.New("endpoint does not exist")
	}
	id := g.nextID
	g.nextID++
	e := &edge{info: cypher.EdgeInfo{ID: id, From: from, To: to, Type: typ}, props: value.Map{}}
	for k, x := range props {
		e.props[k] = x
	}
	g.edges[id] = e
	a.out = append(a.out, id)
	b.in = append(b.in, id)
	return id, nil
}

// SetVertexProp implements cypher.Tx.
func (g *Graph) SetVertexProp(id int64, key string, v value.Value) error {
	x, ok := g.vertices[id]
	if !ok {
		return errors.New("vertex does not exist")
	}
	if v == nil {
		delete(x.props, key)
	} else {
		x.props[key] = v
	}
	return g.checkConstraints(id)
}

// SetEdgeProp implements cypher.Tx.
func (g *Graph) SetEdgeProp(id int64, key string, v value.Value) error {
	x, ok := g.edges[id]
	if !ok {
		return errors.New("edge does not exist")
	}
	if v == nil {
		delete(x.props, key)
	} else {
		x.props[key] = v
	}
	return nil
}

// AddLabel implements cypher.Tx.
func (g *Graph) AddLabel(id int64, label string) error {
	x, ok := g.vertices[id]
	if !ok {
		return errors.New("vertex does not exist")
	}
	if !has(x.labels, label) {
		x.labels = append(x.labels, label)
		sort.Strings(x.labels)
	}
	return g.checkConstraints(id)
}

// RemoveLabel implements cypher.Tx.
func (g *Graph) RemoveLabel(id int64, label string) error {
	x, ok := g.vertices[id]
	if !ok {
		return errors.New("vertex does not exist")
	}
	var ls []string
	for _, l := range x.labels {
		if l != label {
			ls = append(ls, l)
		}
	}
	x.labels = ls
	return nil
}

// DeleteVertex implements cypher.Tx.
func (g *Graph) DeleteVertex(id int64, detach bool) error {
	x, ok := g.vertices[id]
	if !ok {
		return nil
	}
	if !detach && len(x.in)+len(x.out) > 0 {
		return errors.New("vertex still has relationships")
	}
	for _, e := range append(append([]int64{}, x.out...), x.in...) {
		if err := g.DeleteEdge(e); err != nil {
			return err
		}
	}
	delete(g.vertices, id)
	return nil
}

// DeleteEdge implements cypher.Tx.
func (g *Graph) DeleteEdge(id int64) error {
	e, ok := g.edges[id]
	if !ok {
		return nil
	}
	delete(g.edges, id)
	if a, ok := g.vertices[e.info.From]; ok {
		a.out = without(a.out, id)
	}
	if b, ok := g.vertices[e.info.To]; ok {
		b.in = without(b.in, id)
	}
	return nil
}

func without(ids []int64, id int64) []int64 {
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// CreateIndex implements cypher.SchemaTx.
func (g *Graph) CreateIndex(label, property, name string) error {
	k := [2]string{label, property}
	if _, ok := g.indexes[k]; !ok {
		g.indexes[k] = name
	}
	return nil
}

// DropIndex implements cypher.SchemaTx.
func (g *Graph) DropIndex(label, property string) error {
	k := [2]string{label, property}
	if _, ok := g.indexes[k]; !ok {
		return errors.New("index does not exist")
	}
	delete(g.indexes, k)
	return nil
}

// CreateConstraint implements cypher.SchemaTx.
func (g *Graph) CreateConstraint(c cypher.ConstraintInfo) error {
	g.constraints = append(g.constraints, c)
	for _, id := range g.labelIDs(c.Label) {
		if err := g.checkConstraints(id); err != nil {
			g.constraints = g.constraints[:len(g.constraints)-1]
			return err
		}
	}
	return nil
}

// DropConstraint implements cypher.SchemaTx.
func (g *Graph) DropConstraint(c cypher.ConstraintInfo) error {
	for i, x := range g.constraints {
		if x.Same(c) {
			g.constraints = append(g.constraints[:i], g.constraints[i+1:]...)
			return nil
		}
	}
	return errors.New("constraint does not exist")
}

// Indexes implements cypher.SchemaTx.
func (g *Graph) Indexes() []cypher.IndexInfo {
	var out []cypher.IndexInfo
	for k, name := range g.indexes {
		n := int64(0)
		for _, id := range g.labelIDs(k[0]) {
			if _, has := g.vertices[id].props[k[1]]; has || k[1] == "" {
				n++
			}
		}
		out = append(out, cypher.IndexInfo{Label: k[0], Property: k[1], Count: n, Name: name})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Label != out[j].Label {
			return out[i].Label < out[j].Label
		}
		return out[i].Property < out[j].Property
	})
	return out
}

// Constraints implements cypher.SchemaTx.
func (g *Graph) Constraints() []cypher.ConstraintInfo {
	return append([]cypher.ConstraintInfo(nil), g.constraints...)
}

// StorageInfo implements cypher.SchemaTx.
func (g *Graph) StorageInfo() [][2]value.Value {
	return [][2]value.Value{{"vertex_count", int64(len(g.vertices))}, {"edge_count", int64(len(g.edges))}}
}

func (g *Graph) checkConstraints(id int64) error {
	v := g.vertices[id]
	for _, c := range g.constraints {
		if !has(v.labels, c.Label) {
			continue
		}
		p, ok := v.props[c.Property]
		if c.Kind == "exists" && !ok {
			return fmt.Errorf("existence constraint violated on :%s(%s)", c.Label, c.Property)
		}
		if c.Kind == "unique" && ok {
			for oid, o := range g.vertices {
				if oid != id && has(o.labels, c.Label) && o.props[c.Property] != nil && valueEq(o.props[c.Property], p) {
					return fmt.Errorf("unique constraint violated on :%s(%s)", c.Label, c.Property)
				}
			}
		}
	}
	return nil
}
