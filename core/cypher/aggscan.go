package cypher

import (
	"slices"

	"github.com/quiverdb/quiver/core/value"
)

// Aggregation straight over a scan: for MATCH (n:L) RETURN n.p, count(*),
// sum(n.q), ... the aggregation pulls vertex ids from the scan's iterator
// and reads the named properties directly, with no row per vertex: group
// keys and arguments are properties of the scanned node, the node itself or
// literals. Any other shape (or PROFILE, which counts the scan's rows) takes
// the row-at-a-time path.

// scanRead is how one grouping item or aggregate argument is read from a
// scanned vertex.
type scanRead struct {
	kind uint8 // readProp, readNode or readLit
	key  string
	lit  value.Value
}

const (
	readProp uint8 = iota + 1
	readNode
	readLit
)

// scanReadOf returns how e is read from vertex variable name, or false.
func scanReadOf(e Expr, name string) (scanRead, bool) {
	switch x := e.(type) {
	case *PropAccess:
		if v, ok := x.X.(*Var); ok && v.Name == name {
			return scanRead{kind: readProp, key: x.Key}, true
		}
	case *Var:
		if x.Name == name {
			return scanRead{kind: readNode}, true
		}
	case *Literal:
		return scanRead{kind: readLit, lit: x.Val}, true
	}
	return scanRead{}, false
}

// fusedScan returns the scan this aggregation can read directly and the
// reads of its grouping items and aggregate arguments, or nil.
func (o *aggOp) fusedScan(c *execCtx) (*scanOp, []scanRead, [][]scanRead) {
	if c.plan.profile || c.plan.writes || c.ftx == nil {
		return nil, nil, nil
	}
	in := o.in
	if co, ok := in.(*countOp); ok {
		in = co.in
	}
	s, ok := in.(*scanOp)
	if !ok || s.np.Props != nil {
		return nil, nil, nil
	}
	src := s.in
	if co, ok := src.(*countOp); ok {
		src = co.in
	}
	if a, ok := src.(*argOp); !ok || a.done || a.r.bound() != 0 {
		return nil, nil, nil // only a first clause, fed one empty row
	}
	keys := make([]scanRead, len(o.groups))
	for i, gi := range o.groups {
		if keys[i], ok = scanReadOf(o.items[gi].Expr, s.name); !ok {
			return nil, nil, nil
		}
	}
	args := make([][]scanRead, len(o.aggs))
	for i, f := range o.aggs {
		args[i] = make([]scanRead, len(f.Args))
		for j, a := range f.Args {
			if args[i][j], ok = scanReadOf(a, s.name); !ok {
				return nil, nil, nil
			}
		}
	}
	return s, keys, args
}

// scanValue evaluates r for vertex id, the current vertex of pit when pit
// is not nil, as the row path would (a property of a vertex that is no
// longer visible is an error).
func (c *execCtx) scanValue(r scanRead, id int64, pit PropIter) (value.Value, error) {
	switch r.kind {
	case readProp:
		if pit != nil {
			return pit.Property(r.key), nil
		}
		v, ok := c.ftx.VertexPropOK(id, r.key)
		if !ok {
			return nil, runtimeErr(CodeEntityNotFound, "DeletedEntityAccess", "node %d was deleted", id)
		}
		return v, nil
	case readNode:
		return nodeRef{id}, nil
	}
	return r.lit, nil
}

// runFused is run for an aggregation fused with its scan.
func (o *aggOp) runFused(c *execCtx, s *scanOp, keyReads []scanRead, argReads [][]scanRead) ([]*group, error) {
	ids, err := s.candidates(c, c.lay.blank)
	if err != nil {
		return nil, err
	}
	check := !s.exact // candidates beyond the label need nodeMatches
	if bit, ok := ids.(BlockPropIter); ok && !check {
		return o.runBlocks(c, s, bit, keyReads, argReads)
	}
	pit, _ := ids.(PropIter)
	var groups keyTable[*group]
	var order []*group
	key := make(value.List, len(keyReads))
	for ids.Next() {
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		id := ids.ID()
		if check {
			ok, err := c.nodeMatches(id, s.np, c.lay.blank)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		for i, kr := range keyReads {
			if key[i], err = c.scanValue(kr, id, pit); err != nil {
				return nil, err
			}
		}
		g, err := o.scanGroup(c, &groups, &order, s.name, key, id)
		if err != nil {
			return nil, err
		}
		for i, st := range g.states {
			if err := st.addReads(c, argReads[i], id, pit); err != nil {
				return nil, err
			}
		}
	}
	return order, nil
}

// scanGroup returns the group of key, making it the first time (with the
// scanned vertex id, bound to name, as its representative row) and adding it
// to groups and order: the grouping shared by runFused and runBlocks.
func (o *aggOp) scanGroup(c *execCtx, groups *keyTable[*group], order *[]*group, name string, key value.List, id int64) (*group, error) {
	if g, ok := groups.get(key); ok {
		return g, nil
	}
	if err := c.guard.Grow(2*valuesBytes(key) + 64*int64(2+len(o.aggs))); err != nil {
		return nil, err
	}
	g := &group{key: append(value.List(nil), key...), rep: c.lay.rowOf(name, nodeRef{id}), owned: true, states: o.newStates()}
	groups.put(key, g)
	*order = append(*order, g)
	return g, nil
}

// addReads is add for an aggregation fused with its scan.
func (s *aggState) addReads(c *execCtx, reads []scanRead, id int64, pit PropIter) error {
	if s.args == nil && len(reads) > 0 {
		s.args = make([]value.Value, len(reads))
	}
	for i, r := range reads {
		v, err := c.scanValue(r, id, pit)
		if err != nil {
			return err
		}
		s.args[i] = s.arg(c, v)
	}
	if s.holds && c.guard != nil {
		if err := c.guard.Grow(valuesBytes(s.args)); err != nil {
			return err
		}
	}
	return fromCyerr(s.acc.Add(s.args))
}

// scanBlock is how many vertices runBlocks asks for at once.
const scanBlock = 256

// runBlocks is runFused over an iterator that reads blocks of vertices with
// their properties: the graph's loads for a block overlap, and the loop
// over the block only groups and accumulates.
func (o *aggOp) runBlocks(c *execCtx, s *scanOp, it BlockPropIter, keyReads []scanRead, argReads [][]scanRead) ([]*group, error) {
	var keys []string
	keySlots := blockSlots(keyReads, &keys)
	argSlots := make([][]int, len(argReads))
	for i, rs := range argReads {
		argSlots[i] = blockSlots(rs, &keys)
	}
	ids := make([]int64, scanBlock)
	vals := make([]value.Value, scanBlock*len(keys))
	var groups keyTable[*group]
	var order []*group
	key := make(value.List, len(keyReads))
	for {
		n := it.NextProps(keys, ids, vals)
		if n == 0 {
			return order, nil
		}
		for i, id := range ids[:n] {
			if err := c.guard.Tick(); err != nil {
				return nil, err
			}
			pv := vals[i*len(keys) : (i+1)*len(keys)]
			for j := range keyReads {
				key[j] = blockValue(&keyReads[j], keySlots[j], id, pv)
			}
			g, err := o.scanGroup(c, &groups, &order, s.name, key, id)
			if err != nil {
				return nil, err
			}
			for j, st := range g.states {
				if err := st.addBlock(c, argReads[j], argSlots[j], id, pv); err != nil {
					return nil, err
				}
			}
		}
	}
}

// blockSlots returns, for each read of a property, its place among keys
// (adding the key the first time), -1 for other reads.
func blockSlots(reads []scanRead, keys *[]string) []int {
	slots := make([]int, len(reads))
	for i, r := range reads {
		slots[i] = -1
		if r.kind != readProp {
			continue
		}
		slots[i] = slices.Index(*keys, r.key)
		if slots[i] < 0 {
			slots[i] = len(*keys)
			*keys = append(*keys, r.key)
		}
	}
	return slots
}

// blockValue evaluates r for vertex id whose property values are vals.
func blockValue(r *scanRead, slot int, id int64, vals []value.Value) value.Value {
	switch r.kind {
	case readProp:
		return vals[slot]
	case readNode:
		return nodeRef{id}
	}
	return r.lit
}

// addBlock is add for an aggregation over blocks of scanned vertices.
func (s *aggState) addBlock(c *execCtx, reads []scanRead, slots []int, id int64, vals []value.Value) error {
	if len(reads) == 0 {
		return fromCyerr(s.acc.Add(nil))
	}
	if s.args == nil {
		s.args = make([]value.Value, len(reads))
	}
	for i := range reads {
		s.args[i] = s.arg(c, blockValue(&reads[i], slots[i], id, vals))
	}
	if s.holds && c.guard != nil {
		if err := c.guard.Grow(valuesBytes(s.args)); err != nil {
			return err
		}
	}
	return fromCyerr(s.acc.Add(s.args))
}
