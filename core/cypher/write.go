package cypher

import (
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// Stats counts a query's updates, under Neo4j's summary keys.
type Stats struct {
	NodesCreated         int64
	NodesDeleted         int64
	RelationshipsCreated int64
	RelationshipsDeleted int64
	PropertiesSet        int64
	LabelsAdded          int64
	LabelsRemoved        int64
	IndexesAdded         int64
	IndexesRemoved       int64
	ConstraintsAdded     int64
	ConstraintsRemoved   int64
}

// Map returns the non-zero counters under Neo4j's keys (nodes-created, ...).
func (s Stats) Map() map[string]int64 {
	m := map[string]int64{}
	add := func(k string, v int64) {
		if v != 0 {
			m[k] = v
		}
	}
	add("nodes-created", s.NodesCreated)
	add("nodes-deleted", s.NodesDeleted)
	add("relationships-created", s.RelationshipsCreated)
	add("relationships-deleted", s.RelationshipsDeleted)
	add("properties-set", s.PropertiesSet)
	add("labels-added", s.LabelsAdded)
	add("labels-removed", s.LabelsRemoved)
	add("indexes-added", s.IndexesAdded)
	add("indexes-removed", s.IndexesRemoved)
	add("constraints-added", s.ConstraintsAdded)
	add("constraints-removed", s.ConstraintsRemoved)
	return m
}

// ContainsUpdates reports whether any counter is non-zero.
func (s Stats) ContainsUpdates() bool { return len(s.Map()) > 0 }

func wrapTxErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*Error); ok {
		return err
	}
	return &Error{Code: CodeConstraint, Detail: "ConstraintVerificationFailed", Phase: PhaseRuntime, Msg: err.Error()}
}

func (c *execCtx) evalProps(e Expr, r row) (value.Map, error) {
	if e == nil {
		return nil, nil
	}
	v, err := c.eval(e, r)
	if err != nil {
		return nil, err
	}
	m, ok := v.(value.Map)
	if !ok {
		if v == nil {
			return nil, nil
		}
		return nil, typeErr("properties must be a map, got %s", typeName(v))
	}
	out := value.Map{}
	for k, x := range m {
		if x == nil {
			continue
		}
		if err := checkPropValue(x); err != nil {
			return nil, err
		}
		out[k] = toStorable(x)
	}
	return out, nil
}

// checkPropValue rejects values that cannot be stored as properties.
func checkPropValue(v value.Value) error {
	switch x := v.(type) {
	case value.Map, nodeRef, relRef, pathRef:
		return runtimeErr(CodeTypeError, "InvalidPropertyType", "cannot store a %s as a property", typeName(v))
	case value.List:
		for _, e := range x {
			if e == nil {
				continue
			}
			switch e.(type) {
			case value.List, value.Map, nodeRef, relRef, pathRef:
				return runtimeErr(CodeTypeError, "InvalidPropertyType", "cannot store a list of %s as a property", typeName(e))
			}
		}
	}
	return nil
}

func toStorable(v value.Value) value.Value { return v }

// createPath creates the unbound elements of a pattern for one row, whose
// slots are ps; it returns r, or a copy of it with the new elements bound.
func (c *execCtx) createPath(r row, pp *PathPattern, ps *patternSlots) (row, error) {
	copied := false
	bind := func(slot int, v value.Value) {
		if !copied {
			r, copied = r.clone(), true
		}
		r[slot] = v
	}
	for i, np := range pp.Nodes {
		if r.has(ps.nodes[i]) {
			continue
		}
		props, err := c.evalProps(np.Props, r)
		if err != nil {
			return nil, err
		}
		id, err := c.tx.CreateVertex(np.Labels, props)
		if err != nil {
			return nil, wrapTxErr(err)
		}
		c.stats.NodesCreated++
		c.stats.LabelsAdded += int64(len(uniq(np.Labels)))
		c.stats.PropertiesSet += int64(len(props))
		bind(ps.nodes[i], nodeRef{id})
	}
	for i, rp := range pp.Rels {
		a, okA := r[ps.nodes[i]].(nodeRef)
		b, okB := r[ps.nodes[i+1]].(nodeRef)
		if !okA || !okB {
			return nil, runtimeErr(CodeSemanticError, "InvalidArgumentValue", "cannot create a relationship to a null node")
		}
		if rp.Dir == DirIn {
			a, b = b, a
		}
		props, err := c.evalProps(rp.Props, r)
		if err != nil {
			return nil, err
		}
		id, err := c.tx.CreateEdge(a.id, b.id, rp.Types[0], props)
		if err != nil {
			return nil, wrapTxErr(err)
		}
		c.stats.RelationshipsCreated++
		c.stats.PropertiesSet += int64(len(props))
		if pp.Var != "" || !strings.HasPrefix(rp.Var, " ") {
			// An anonymous relationship outside a named path is never
			// read again: no later clause can name it.
			bind(ps.rels[i], relRef{id})
		}
	}
	if pp.Var != "" {
		p, _ := c.buildPath(r, ps.walk)
		bind(ps.path, p)
	}
	return r, nil
}

func uniq(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	j := 0
	for i := range out {
		if i == 0 || out[i] != out[i-1] {
			out[j] = out[i]
			j++
		}
	}
	return out[:j]
}

func (c *execCtx) setProp(target value.Value, key string, v value.Value) error {
	if err := checkPropValue(v); err != nil {
		return err
	}
	switch t := target.(type) {
	case nil:
		return nil
	case nodeRef:
		if err := c.tx.SetVertexProp(t.id, key, v); err != nil {
			return wrapTxErr(err)
		}
	case relRef:
		if err := c.tx.SetEdgeProp(t.id, key, v); err != nil {
			return wrapTxErr(err)
		}
	default:
		return typeErr("cannot set a property on %s", typeName(target))
	}
	c.stats.PropertiesSet++
	return nil
}

func (c *execCtx) applySet(r row, it SetItem) error {
	switch it.Kind {
	case "prop":
		pa := it.Target.(*PropAccess)
		target, err := c.eval(pa.X, r)
		if err != nil {
			return err
		}
		v, err := c.eval(it.Val, r)
		if err != nil {
			return err
		}
		return c.setProp(target, pa.Key, v)
	case "labels":
		target, err := c.eval(it.Target, r)
		if err != nil || target == nil {
			return err
		}
		n, ok := target.(nodeRef)
		if !ok {
			return typeErr("cannot set labels on %s", typeName(target))
		}
		have := c.tx.VertexLabels(n.id)
		for _, l := range uniq(it.Labels) {
			if hasLabels(have, []string{l}) {
				continue
			}
			if err := c.tx.AddLabel(n.id, l); err != nil {
				return wrapTxErr(err)
			}
			c.stats.LabelsAdded++
		}
		return nil
	}
	// "replace" and "merge": target = map / entity
	target, err := c.eval(it.Target, r)
	if err != nil || target == nil {
		return err
	}
	v, err := c.eval(it.Val, r)
	if err != nil {
		return err
	}
	var src value.Map
	switch x := v.(type) {
	case nil:
		src = value.Map{}
	case value.Map:
		src = x
	case nodeRef, relRef:
		if src, err = c.propsOf(x); err != nil {
			return err
		}
	default:
		return typeErr("SET expects a map, got %s", typeName(v))
	}
	if it.Kind == "replace" {
		old, err := c.propsOf(target)
		if err != nil {
			return err
		}
		for _, k := range sortedKeys(old) {
			if _, keep := src[k]; !keep {
				if err := c.setProp(target, k, nil); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range sortedKeys(src) {
		if err := c.setProp(target, k, src[k]); err != nil {
			return err
		}
	}
	return nil
}

func (c *execCtx) applyRemove(r row, it SetItem) error {
	if it.Kind == "prop" {
		pa := it.Target.(*PropAccess)
		target, err := c.eval(pa.X, r)
		if err != nil || target == nil {
			return err
		}
		props, err := c.propsOf(target)
		if err != nil {
			return err
		}
		if _, has := props[pa.Key]; !has {
			return nil
		}
		return c.setProp(target, pa.Key, nil)
	}
	target, err := c.eval(it.Target, r)
	if err != nil || target == nil {
		return err
	}
	n, ok := target.(nodeRef)
	if !ok {
		return typeErr("cannot remove labels from %s", typeName(target))
	}
	have := c.tx.VertexLabels(n.id)
	for _, l := range uniq(it.Labels) {
		if !hasLabels(have, []string{l}) {
			continue
		}
		if err := c.tx.RemoveLabel(n.id, l); err != nil {
			return wrapTxErr(err)
		}
		c.stats.LabelsRemoved++
	}
	return nil
}

func (c *execCtx) deleteValue(v value.Value, detach bool) error {
	switch x := v.(type) {
	case nil:
		return nil
	case nodeRef:
		if !c.tx.VertexExists(x.id) {
			return nil
		}
		edges := c.tx.Edges(x.id, DirBoth, nil)
		if len(edges) > 0 && !detach {
			return &Error{Code: CodeConstraint, Detail: "DeleteConnectedNode", Phase: PhaseRuntime, Msg: "cannot delete a node that still has relationships; use DETACH DELETE"}
		}
		seen := map[int64]bool{}
		for _, e := range edges {
			if !seen[e.ID] {
				seen[e.ID] = true
				c.stats.RelationshipsDeleted++
			}
		}
		if err := c.tx.DeleteVertex(x.id, detach); err != nil {
			return wrapTxErr(err)
		}
		c.stats.NodesDeleted++
	case relRef:
		e, ok := c.tx.Edge(x.id)
		if !ok {
			return nil
		}
		if c.deleted == nil {
			c.deleted = map[int64]EdgeInfo{}
		}
		c.deleted[x.id] = e
		if err := c.tx.DeleteEdge(x.id); err != nil {
			return wrapTxErr(err)
		}
		c.stats.RelationshipsDeleted++
	case pathRef:
		for _, id := range x.rels {
			if err := c.deleteValue(relRef{id}, detach); err != nil {
				return err
			}
		}
		for _, id := range x.nodes {
			if err := c.deleteValue(nodeRef{id}, detach); err != nil {
				return err
			}
		}
	case value.List:
		for _, e := range x {
			if err := c.deleteValue(e, detach); err != nil {
				return err
			}
		}
	default:
		return typeErr("DELETE expects a node, relationship or path, got %s", typeName(v))
	}
	return nil
}
