package cypher

import (
	"slices"
	"strings"

	"github.com/quiverdb/quiver/core/graph"

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

// ColumnIter is a BlockPropIter that also reads blocks in column form
// where it can (core/graph's VertexIter.NextBlock): runs of packed
// vertices, property by property.
type ColumnIter interface {
	BlockPropIter
	NextBlock(keys []string, b *graph.PropBlock) int
}

// blockScan is the state of runBlocks: the groups so far and, for a
// count by one integer property, counts not yet added to their groups.
type blockScan struct {
	o      *aggOp
	name   string // the scanned node's variable
	groups keyTable[*group]
	order  []*group
	key    value.List // scratch
	pv     []value.Value
	// counts[k] rows with the integer key k were counted by column and
	// not yet added to group k's counts (countByColumn).
	counts []int64
}

// runBlocks is runFused over an iterator that reads blocks of vertices with
// their properties: the graph's loads for a block overlap, and the loop
// over the block only groups and accumulates. Blocks in column form are
// counted by column when the query counts rows by one integer property.
func (o *aggOp) runBlocks(c *execCtx, s *scanOp, it BlockPropIter, keyReads []scanRead, argReads [][]scanRead) ([]*group, error) {
	var keys []string
	keySlots := blockSlots(keyReads, &keys)
	argSlots := make([][]int, len(argReads))
	for i, rs := range argReads {
		argSlots[i] = blockSlots(rs, &keys)
	}
	blk := graph.PropBlock{IDs: make([]int64, scanBlock), Vals: make([]value.Value, scanBlock*len(keys))}
	bs := &blockScan{o: o, name: s.name, key: make(value.List, len(keyReads)), pv: make([]value.Value, len(keys))}
	cit, _ := it.(ColumnIter)
	counts := countsRows(o.aggs, argReads)
	byColumn := counts && len(keyReads) == 1 && keyReads[0].kind == readProp
	for {
		var n int
		if cit != nil {
			n = cit.NextBlock(keys, &blk)
		} else {
			n = it.NextProps(keys, blk.IDs, blk.Vals)
		}
		if n == 0 {
			return bs.order, bs.flushCounts()
		}
		var err error
		switch {
		case !blk.Columnar:
			err = bs.addRows(c, keyReads, keySlots, argReads, argSlots, blk.IDs[:n], blk.Vals, len(keys))
		case byColumn && blk.Cols[keySlots[0]].Kind == graph.ColumnInts:
			err = bs.countByColumn(c, keySlots[0], &blk, n)
		case counts && len(keyReads) == 0:
			err = bs.countBlock(c, &blk, n)
		default:
			err = bs.addColumns(c, keyReads, keySlots, argReads, argSlots, &blk, n)
		}
		if err != nil {
			return nil, err
		}
	}
}

// countsRows reports whether every aggregate counts rows: count(*) or
// count of the scanned node (never null), without DISTINCT.
func countsRows(aggs []*FuncCall, argReads [][]scanRead) bool {
	for i, f := range aggs {
		if !strings.EqualFold(f.Name, "count") || f.Distinct {
			return false
		}
		if len(argReads[i]) > 0 && argReads[i][0].kind != readNode {
			return false
		}
	}
	return true
}

// addRows groups and accumulates a block in row form: vertex ids[i] has
// property values vals[i*nkeys:(i+1)*nkeys].
func (bs *blockScan) addRows(c *execCtx, keyReads []scanRead, keySlots []int, argReads [][]scanRead, argSlots [][]int, ids []int64, vals []value.Value, nkeys int) error {
	for i, id := range ids {
		if err := c.guard.Tick(); err != nil {
			return err
		}
		if err := bs.addVertex(c, keyReads, keySlots, argReads, argSlots, id, vals[i*nkeys:(i+1)*nkeys]); err != nil {
			return err
		}
	}
	return nil
}

// addColumns groups and accumulates a block in column form, vertex by
// vertex, with the values the versions hold.
func (bs *blockScan) addColumns(c *execCtx, keyReads []scanRead, keySlots []int, argReads [][]scanRead, argSlots [][]int, blk *graph.PropBlock, n int) error {
	if err := c.guard.TickN(n); err != nil {
		return err
	}
	for i := range n {
		for j := range bs.pv {
			bs.pv[j] = blk.Value(i, j)
		}
		if err := bs.addVertex(c, keyReads, keySlots, argReads, argSlots, blk.ID(i), bs.pv); err != nil {
			return err
		}
	}
	return nil
}

// addVertex adds vertex id, whose property values are pv, to its group.
func (bs *blockScan) addVertex(c *execCtx, keyReads []scanRead, keySlots []int, argReads [][]scanRead, argSlots [][]int, id int64, pv []value.Value) error {
	for j := range keyReads {
		bs.key[j] = blockValue(&keyReads[j], keySlots[j], id, pv)
	}
	g, err := bs.o.scanGroup(c, &bs.groups, &bs.order, bs.name, bs.key, id)
	if err != nil {
		return err
	}
	for j, st := range g.states {
		if err := st.addBlock(c, argReads[j], argSlots[j], id, pv); err != nil {
			return err
		}
	}
	return nil
}

// countByColumn counts the vertices of a column-form block by the integer
// property in column slot, for a query whose aggregates all count rows: a small
// non-negative key is counted in bs.counts (its group made the first time
// it is met, so groups come in the order the row path makes them); any
// other key, and a vertex without the property (the null key), goes
// through addVertex.
func (bs *blockScan) countByColumn(c *execCtx, slot int, blk *graph.PropBlock, n int) error {
	col := &blk.Cols[slot]
	if err := c.guard.TickN(n); err != nil {
		return err
	}
	if bs.counts == nil {
		bs.counts = make([]int64, denseKeys)
	}
	counts := bs.counts
	for i := 0; i < n; i++ {
		if col.Has == nil { // every vertex has the key: the loop that matters
			for ; i < n; i++ {
				k := col.Ints[i]
				if uint64(k) >= uint64(len(counts)) || counts[k] == 0 {
					break
				}
				counts[k]++
			}
			if i == n {
				break
			}
		} else if k := col.Ints[i]; uint64(k) < uint64(len(counts)) && counts[k] != 0 && col.Present(i) {
			counts[k]++
			continue
		}
		if err := bs.countSlow(c, slot, blk, i); err != nil {
			return err
		}
	}
	return nil
}

// countBlock counts the n vertices of a column-form block at once, for a
// query without grouping keys whose aggregates all count rows.
func (bs *blockScan) countBlock(c *execCtx, blk *graph.PropBlock, n int) error {
	if err := c.guard.TickN(n); err != nil {
		return err
	}
	g, err := bs.o.scanGroup(c, &bs.groups, &bs.order, bs.name, bs.key, blk.First)
	if err != nil {
		return err
	}
	for _, st := range g.states {
		st.acc.(rowCounter).AddCount(int64(n))
	}
	return nil
}

// countSlow is countByColumn for a key met for the first time, a key
// outside bs.counts, or a vertex without the property.
func (bs *blockScan) countSlow(c *execCtx, slot int, blk *graph.PropBlock, i int) error {
	col, id := &blk.Cols[slot], blk.ID(i)
	if !col.Present(i) {
		bs.key[0] = nil
	} else {
		bs.key[0] = blk.Value(i, slot)
	}
	g, err := bs.o.scanGroup(c, &bs.groups, &bs.order, bs.name, bs.key, id)
	if err != nil {
		return err
	}
	if k := col.Ints[i]; bs.key[0] != nil && uint64(k) < denseKeys {
		bs.counts[k]++
		return nil
	}
	for _, st := range g.states {
		if err := fromCyerr(st.acc.Add(nil)); err != nil {
			return err
		}
	}
	return nil
}

// flushCounts adds the counts countByColumn kept to their groups.
func (bs *blockScan) flushCounts() error {
	for k, n := range bs.counts {
		if n == 0 {
			continue
		}
		bs.key[0] = int64(k)
		g, _ := bs.groups.get(bs.key)
		for _, st := range g.states {
			st.acc.(rowCounter).AddCount(n)
		}
	}
	return nil
}

// rowCounter is the count accumulator's way to count many rows at once.
type rowCounter interface{ AddCount(n int64) }

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
