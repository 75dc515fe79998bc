package graph

import (
	"math/bits"
	"slices"
	"sync/atomic"

	"github.com/quiverdb/quiver/core/value"
)

// Columns of packed runs. When garbage collection packs a run of quiet
// vertices (gc.go), it also copies their properties into one column per
// property key: the values of an integer-only key in a []int64, any other
// key's values in a []value.Value, with presence bits when some vertices
// lack the key. A label scan that reaches the run reads whole stretches of
// it from the columns (VertexIter.NextBlock) instead of searching every
// vertex's property list.
//
// A column answers for vertex lo+i only while the reader would see the
// run's packed version of it: the reader's snapshot is at or after the
// run's newest commit timestamp, and no transaction has written the vertex
// since the packing. The one place a write replaces a committed head,
// ownVertex, first sets the vertex's bit in its run's dirty bits (before
// it publishes the new head), so a reader that finds the bit clear after
// taking its snapshot knows every version it could see of the vertex is
// the packed one; a set bit sends the vertex the ordinary way, version by
// version. Bits are never cleared (an aborted write leaves its vertex to
// the ordinary path), and a run whose bits are all set is dropped when
// runs are next added.

// colRun holds the columns of one packed run, immutable once published.
type colRun struct {
	lo     int64     // ID of the run's first vertex (vers[0])
	vers   []vver    // the packed versions, in ID order
	maxTS  uint64    // newest commit timestamp among vers
	labels *labelSet // shared by every version of the run; nil when they differ
	keys   []uint32  // property keys with a column, ascending
	cols   []column  // cols[k] holds keys[k]
	// dirty has bit i set once a transaction wrote vertex lo+i after the
	// packing (set by the owner, read anywhere).
	dirty []atomic.Uint64
}

// column holds one property key's values over a run.
type column struct {
	ints []int64       // every present value is an int64 (vals is nil)
	vals []value.Value // otherwise, nil where absent
	has  []uint64      // presence bits (bit i: vertex lo+i has the key); nil when all have it
}

// runPiece is the part lo..hi-1 of a run whose vertices the run answers
// for: a later run that packs some of them again takes them over.
type runPiece struct {
	lo, hi int64
	run    *colRun
}

// newColRun builds the columns of the packed versions vers of vertices
// lo, lo+1, ...
func newColRun(lo int64, vers []vver) *colRun {
	r := &colRun{lo: lo, vers: vers, labels: vers[0].labels, dirty: make([]atomic.Uint64, (len(vers)+63)/64)}
	var keys []uint32
	for i := range vers {
		v := &vers[i]
		r.maxTS = max(r.maxTS, v.ts.Load())
		if v.labels != r.labels {
			r.labels = nil
		}
		if v.props != nil {
			for _, kv := range v.props.kv {
				keys = append(keys, kv.key)
			}
		}
	}
	slices.Sort(keys)
	r.keys = slices.Compact(keys)
	r.cols = make([]column, len(r.keys))
	for k, key := range r.keys {
		r.cols[k] = buildColumn(vers, key)
	}
	return r
}

// buildColumn copies key's values out of vers.
func buildColumn(vers []vver, key uint32) column {
	var c column
	allInts, all := true, true
	for i := range vers {
		val, ok := vers[i].props.get(key)
		if !ok {
			all = false
			continue
		}
		if _, isInt := val.(int64); !isInt {
			allInts = false
		}
	}
	if !all {
		c.has = make([]uint64, (len(vers)+63)/64)
	}
	if allInts {
		c.ints = make([]int64, len(vers))
	} else {
		c.vals = make([]value.Value, len(vers))
	}
	for i := range vers {
		val, ok := vers[i].props.get(key)
		if !ok {
			continue
		}
		if c.has != nil {
			c.has[i/64] |= 1 << (i % 64)
		}
		if allInts {
			c.ints[i] = val.(int64)
		} else {
			c.vals[i] = val
		}
	}
	return c
}

// column returns the column of key, or nil when no vertex of the run has it.
func (r *colRun) column(key uint32) *column {
	if k, ok := slices.BinarySearch(r.keys, key); ok {
		return &r.cols[k]
	}
	return nil
}

// addRuns publishes the columns of newly packed runs (ascending, not
// overlapping one another): each takes its vertices over from the pieces
// of older runs, and pieces whose vertices have all been written since
// their packing are dropped, freeing their columns (owner only).
func (g *Graph) addRuns(runs []*colRun) {
	var old []runPiece
	if p := g.runs.Load(); p != nil {
		old = *p
	}
	pieces := make([]runPiece, 0, len(old)+len(runs))
	for _, r := range runs {
		pieces = append(pieces, runPiece{lo: r.lo, hi: r.lo + int64(len(r.vers)), run: r})
	}
	for _, p := range old {
		pieces = appendUncovered(pieces, p, runs)
	}
	pieces = slices.DeleteFunc(pieces, deadPiece)
	slices.SortFunc(pieces, func(a, b runPiece) int { return int(a.lo - b.lo) })
	g.runs.Store(&pieces)
}

// appendUncovered appends the parts of p that none of runs covers.
func appendUncovered(pieces []runPiece, p runPiece, runs []*colRun) []runPiece {
	for _, r := range runs {
		lo, hi := r.lo, r.lo+int64(len(r.vers))
		if hi <= p.lo || lo >= p.hi {
			continue
		}
		if p.lo < lo {
			pieces = append(pieces, runPiece{lo: p.lo, hi: lo, run: p.run})
		}
		p.lo = hi
		if p.lo >= p.hi {
			return pieces
		}
	}
	return append(pieces, p)
}

// dropDeadRuns drops the pieces whose vertices have all been written
// since their packing (owner only).
func (g *Graph) dropDeadRuns() {
	pp := g.runs.Load()
	if pp == nil || !slices.ContainsFunc(*pp, deadPiece) {
		return
	}
	pieces := slices.DeleteFunc(slices.Clone(*pp), deadPiece)
	g.runs.Store(&pieces)
}

// deadPiece reports whether every vertex of p was written since its
// packing.
func deadPiece(p runPiece) bool {
	r := p.run
	for id := p.lo; id < p.hi; {
		i := id - r.lo
		if i%64 == 0 && id+64 <= p.hi {
			if r.dirty[i/64].Load() != ^uint64(0) {
				return false
			}
			id += 64
			continue
		}
		if !r.isDirty(i) {
			return false
		}
		id++
	}
	return true
}

// isDirty reports whether vertex lo+i was written since the packing.
func (r *colRun) isDirty(i int64) bool {
	return r.dirty[i/64].Load()&(1<<(i%64)) != 0
}

// markWritten records that a transaction is replacing head, the packed
// head of vertex id, with a version of its own (owner only; before the new
// head is published).
func (g *Graph) markWritten(id int64, head *vver) {
	pp := g.runs.Load()
	if pp == nil {
		return
	}
	p, ok := pieceAt(*pp, id)
	if !ok {
		return
	}
	i := id - p.run.lo
	if &p.run.vers[i] == head {
		p.run.dirty[i/64].Or(1 << (i % 64))
	}
}

// pieceAt returns the piece holding vertex id among pieces (sorted), or
// false.
func pieceAt(pieces []runPiece, id int64) (runPiece, bool) {
	i, _ := slices.BinarySearchFunc(pieces, id, func(p runPiece, id int64) int {
		switch {
		case p.hi <= id:
			return -1
		case p.lo > id:
			return 1
		}
		return 0
	})
	if i < len(pieces) && pieces[i].lo <= id && id < pieces[i].hi {
		return pieces[i], true
	}
	return runPiece{}, false
}

// nextPieceLo returns the first ID at or after id where a piece starts or
// lies, or end.
func nextPieceLo(pieces []runPiece, id, end int64) int64 {
	i, _ := slices.BinarySearchFunc(pieces, id, func(p runPiece, id int64) int {
		if p.hi <= id {
			return -1
		}
		return 1
	})
	if i < len(pieces) {
		return min(max(pieces[i].lo, id), end)
	}
	return end
}

// ColumnKind says how a Column holds its values.
type ColumnKind uint8

const (
	// ColumnNone: no vertex of the block has the property.
	ColumnNone ColumnKind = iota
	// ColumnInts: every present value is an int64, in Ints.
	ColumnInts
	// ColumnValues: the values are in Vals (nil where absent).
	ColumnValues
)

// Column is one property over the vertices of a column block.
type Column struct {
	Kind ColumnKind
	Ints []int64       // ColumnInts: vertex i's value at Ints[i], when present
	Vals []value.Value // ColumnValues: vertex i's value at Vals[i], nil when absent
	// Has marks which vertices have the property: vertex i has it when bit
	// Off+i of Has is set. Nil when every vertex of the block has it.
	Has []uint64
	Off int
}

// Present reports whether vertex i of the block has the property.
func (c *Column) Present(i int) bool {
	switch c.Kind {
	case ColumnNone:
		return false
	case ColumnValues:
		return c.Vals[i] != nil
	}
	if c.Has == nil {
		return true
	}
	b := c.Off + i
	return c.Has[b/64]&(1<<(b%64)) != 0
}

// PropBlock is a block of vertices that VertexIter.NextBlock read with some
// of their properties, in one of two forms. In row form (Columnar false)
// the caller's IDs and Vals hold them as NextProps stores them. In column
// form the vertices are First, First+1, ..., and Cols holds one Column per
// key; Value reads any of them boxed, as row form would give it.
type PropBlock struct {
	IDs  []int64       // row form: the vertices (the caller sizes it: the block's capacity)
	Vals []value.Value // row form: len(IDs)*len(keys) values, row-major
	// Columnar says which form the last NextBlock used.
	Columnar bool
	First    int64    // column form: the first vertex's ID
	Cols     []Column // column form: one per key
	vers     []vver   // column form: the block's versions
	kids     []uint32 // column form: the keys' interned IDs (absent keys: any)
	nkeys    int
}

// Value returns property j (of the keys NextBlock was given) of the
// block's i-th vertex, nil when absent.
func (b *PropBlock) Value(i, j int) value.Value {
	if !b.Columnar {
		return b.Vals[i*b.nkeys+j]
	}
	c := &b.Cols[j]
	switch c.Kind {
	case ColumnNone:
		return nil
	case ColumnValues:
		return c.Vals[i]
	}
	v, _ := b.vers[i].props.get(b.kids[j]) // the boxed value the version holds
	return v
}

// ID returns the block's i-th vertex.
func (b *PropBlock) ID(i int) int64 {
	if b.Columnar {
		return b.First + int64(i)
	}
	return b.IDs[i]
}

// columnLimit bounds a column block: the caller's loop over it checks for
// interruption between blocks.
const columnLimit = 4096

// NextBlock advances over the next block of vertices and reads the named
// properties, like NextProps, and returns how many vertices it covers (0
// at the end). Where the scan reaches a packed run whose columns answer for
// this reader, the block comes in column form, else in row form (into
// b.IDs and b.Vals, which the caller sizes). The vertices, their order and
// the values are those Next and Property would give. A walk of the label
// index over a label most vertices carry turns into a scan of the store.
func (it *VertexIter) NextBlock(keys []string, b *PropBlock) int {
	b.nkeys = len(keys)
	if it.mode == iterList && it.byLabel && !it.byProp && it.t.g.denseLabel(it.label, it.end) {
		it.scanFromNode()
	}
	for {
		stop := it.end
		if it.mode == iterScan && !it.byProp {
			n, next := it.columnBlock(keys, b)
			if n > 0 {
				b.Columnar = true
				return n
			}
			stop = next
		}
		b.Columnar = false
		// A scan stopped before a run may find nothing before it: go on.
		if n := it.nextProps(keys, b.IDs, b.Vals, stop); n > 0 || it.mode != iterScan {
			return n
		}
	}
}

// denseLabel reports whether at least half of the vertex IDs below end
// carry label lid (by the planner's label counts): a scan of the store
// then reads less than a walk of the label index, which costs a pointer
// chase per entry, and it reads packed runs by column.
func (g *Graph) denseLabel(lid uint32, end int64) bool {
	lc := g.lcounts.Load()
	return lc != nil && int(lid) < len(lc.n) && 2*lc.n[lid].Load() >= end
}

// scanFromNode turns a walk of the label index into a scan of the store
// from the walk's next entry on: both yield the vertices carrying the
// label in ID order (every vertex a reader sees with the label has an
// entry, and an entry is only a candidate), so the rest is the same.
func (it *VertexIter) scanFromNode() {
	it.mode, it.id = iterScan, it.end
	if it.node != nil {
		it.id = min(it.node.id, it.end)
	}
	it.node = nil
}

// columnBlock fills b in column form from the run at the scan's position,
// and returns its size; or returns 0 and the ID up to which the scan must
// read rows (the next vertex a column block may start at).
func (it *VertexIter) columnBlock(keys []string, b *PropBlock) (int, int64) {
	pp := it.t.g.runs.Load()
	if pp == nil || it.id >= it.end {
		return 0, it.end
	}
	p, ok := pieceAt(*pp, it.id)
	if !ok {
		return 0, nextPieceLo(*pp, it.id, it.end)
	}
	r := p.run
	hi := min(p.hi, it.end)
	// GC packs only versions at or below the horizon, so every snapshot
	// taken after the packing is at or past maxTS; the check guards the
	// columns' meaning rather than a case that arises today.
	if it.t.view().snap < r.maxTS || (it.byLabel && !r.labels.has(it.label)) {
		return 0, hi
	}
	clean := it.cleanStretch(r, min(hi, it.id+columnLimit))
	if clean == it.id {
		return 0, it.dirtyStretch(r, hi)
	}
	first, n := it.id, int(clean-it.id)
	off := int(first - r.lo)
	b.First, b.vers = first, r.vers[off:off+n]
	b.Cols, b.kids = b.Cols[:0], b.kids[:0]
	for _, key := range keys {
		var c Column
		kid, ok := it.keyID(key)
		if col := r.column(kid); ok && col != nil {
			c = sliceColumn(col, off, n)
		}
		b.Cols, b.kids = append(b.Cols, c), append(b.kids, kid)
	}
	it.id = clean
	it.cur, it.ver = clean-1, &r.vers[clean-1-r.lo]
	return n, 0
}

// sliceColumn returns vertices off..off+n-1 of col.
func sliceColumn(col *column, off, n int) Column {
	c := Column{Kind: ColumnValues, Has: col.has, Off: off}
	if col.ints != nil {
		c.Kind, c.Ints = ColumnInts, col.ints[off:off+n]
	} else {
		c.Vals = col.vals[off : off+n]
	}
	return c
}

// cleanStretch returns the first ID from the scan's position up to stop
// that was written since r's packing (stop when there is none).
func (it *VertexIter) cleanStretch(r *colRun, stop int64) int64 {
	for id := it.id; id < stop; {
		i := id - r.lo
		w := r.dirty[i/64].Load() >> (i % 64)
		if w != 0 {
			return min(stop, id+int64(bits.TrailingZeros64(w)))
		}
		id += 64 - i%64
	}
	return stop
}

// dirtyStretch returns the first ID after the scan's position, up to stop,
// that was not written since r's packing (stop when there is none).
func (it *VertexIter) dirtyStretch(r *colRun, stop int64) int64 {
	for id := it.id + 1; id < stop; id++ {
		if !r.isDirty(id - r.lo) {
			return id
		}
	}
	return stop
}
