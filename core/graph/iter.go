package graph

import "github.com/quiverdb/quiver/core/value"

// VertexIter walks vertices. Use it as: for it.Next() { id := it.ID() }.
// Vertices created after the iterator was made are not visited; changes
// the transaction makes to vertices not yet visited are seen.
type VertexIter struct {
	t    *Txn
	mode uint8 // iterEmpty, iterScan or iterList
	id   int64 // next ID to look at (scan)
	end  int64 // IDs from here on were created after the iterator
	node *skipNode
	cur  int64

	label   uint32 // required label, when byLabel
	byLabel bool
	key     uint32 // required property, when byProp
	byProp  bool
	lower   *Bound // property range, when byProp
	upper   *Bound
	eq      value.Value // property value, when byProp and byEq
	eqp     probe       // eq, prepared for comparisons with entries
	byEq    bool
	entry   *propIndex // entries must match the vertex (label+property index)

	ver   *vver       // the version of cur that Next found
	keys  [4]resolved // Property's resolved keys
	nkeys int         // how many of keys are set
}

// resolved is a property key name and its interned ID.
type resolved struct {
	name string
	id   uint32
}

const (
	iterEmpty uint8 = iota
	iterScan
	iterList
)

// Next advances to the next vertex; it reports false at the end.
func (it *VertexIter) Next() bool {
	switch it.mode {
	case iterScan:
		for ; it.id < it.end; it.id++ {
			if v := it.t.vertex(it.id); v != nil && it.accept(v) {
				it.cur, it.ver = it.id, v
				it.id++
				return true
			}
		}
	case iterList:
		for n := it.node; n != nil; n = n.after() {
			if it.entry != nil && it.byEq {
				if it.eqp.compareKey(n) != 0 {
					break
				}
				if n.id >= it.end {
					if !n.same.Load() {
						break
					}
					continue
				}
				if v := it.t.vertex(n.id); v != nil && it.acceptEq(v, n) {
					it.cur, it.ver = n.id, v
					it.node = nil
					if n.same.Load() {
						it.node = n.after()
					}
					return true
				}
				if !n.same.Load() {
					break
				}
				continue
			}
			if it.entry != nil && !it.byEq && !inRange(n.key, it.lower, it.upper) {
				if pastRange(n.key, it.lower, it.upper) {
					break
				}
				continue
			}
			if n.id >= it.end {
				continue
			}
			v := it.t.vertex(n.id)
			if v == nil || !it.accept(v) || (it.entry != nil && !it.entry.matches(v, n.key)) {
				continue
			}
			it.cur, it.ver = n.id, v
			it.node = n.after()
			return true
		}
	}
	it.mode, it.ver = iterEmpty, nil
	return false
}

// acceptEq is accept and the index entry's check for an equality seek,
// whose entry n has a key equal to eq: an integer property equal to an
// integer eq passes both at once; anything else takes the general checks.
func (it *VertexIter) acceptEq(v *vver, n *skipNode) bool {
	if it.eqp.isInt {
		val, ok := v.props.get(it.key)
		if x, isInt := val.(int64); ok && isInt {
			return x == it.eqp.ikey && v.labels.has(it.label)
		}
	}
	return it.accept(v) && it.entry.matches(v, n.key)
}

// accept applies the label and property filters to a visible version.
func (it *VertexIter) accept(v *vver) bool {
	if it.byLabel && !v.labels.has(it.label) {
		return false
	}
	if it.byProp && (it.entry == nil || it.byEq) {
		val, ok := v.props.get(it.key)
		if it.byEq {
			return ok && value.Equal(val, it.eq).IsTrue()
		}
		return ok && inRange(val, it.lower, it.upper)
	}
	return true
}

// ID returns the current vertex.
func (it *VertexIter) ID() int64 { return it.cur }

// Property returns a property of the current vertex as Next found it (nil
// when absent), without looking the vertex up again: a scan that reads a
// few properties of every vertex pays for one lookup per vertex. The key's
// interned ID is remembered for the next call.
func (it *VertexIter) Property(key string) value.Value {
	if it.ver == nil {
		return nil
	}
	id, ok := it.keyID(key)
	if !ok {
		return nil
	}
	v, _ := it.ver.props.get(id)
	return v
}

// NextProps advances over up to len(ids) vertices at once: it stores each
// one's ID in ids and the values of the named properties in vals (row i's
// value of keys[j] at vals[i*len(keys)+j], nil when absent) and returns how
// many it stored, 0 at the end. vals must hold len(ids)*len(keys) values.
// The vertices and values are those Next and Property would give; the
// block's visible versions are all found before any property is read, so
// the memory loads of different vertices overlap instead of waiting on one
// another. After it, Property reads the block's last vertex.
func (it *VertexIter) NextProps(keys []string, ids []int64, vals []value.Value) int {
	return it.nextProps(keys, ids, vals, it.end)
}

// nextProps is NextProps stopping a scan before ID stop (a list walk
// ignores stop).
func (it *VertexIter) nextProps(keys []string, ids []int64, vals []value.Value, stop int64) int {
	var vers [propBlock]*vver
	want := min(len(ids), len(vers))
	n := 0
	if it.mode == iterScan {
		n = it.scanBlock(ids[:want], vers[:want], stop)
		for ; n < want && it.id < stop; it.id++ {
			if v := it.t.vertex(it.id); v != nil && it.accept(v) {
				ids[n], vers[n] = it.id, v
				n++
			}
		}
		if it.id >= it.end {
			it.mode = iterEmpty
		}
	} else {
		for n < want && it.Next() {
			ids[n], vers[n] = it.cur, it.ver
			n++
		}
	}
	if n == 0 {
		return 0
	}
	for j, key := range keys {
		kid, ok := it.keyID(key)
		for i, v := range vers[:n] {
			var val value.Value
			if ok {
				val, _ = v.props.get(kid)
			}
			vals[i*len(keys)+j] = val
		}
	}
	it.cur, it.ver = ids[n-1], vers[n-1]
	return n
}

// scanBlock is Next for a block of a scan, in a loop small enough for the
// processor to look up several vertices' versions at once: the view is taken
// once and the slots are walked chunk by chunk. It stops early at ID stop,
// at the end of the scan or at an ID outside the chunk table, which the
// caller then handles.
func (it *VertexIter) scanBlock(ids []int64, vers []*vver, stop int64) int {
	cp := it.t.g.vertices.chunks.Load()
	if cp == nil {
		return 0
	}
	stop = min(stop, it.end)
	cs, w, n := *cp, it.t.view(), 0
	for n < len(ids) && it.id < stop {
		c := it.id >> chunkBits
		if c >= int64(len(cs)) {
			break
		}
		chunk, cstop := cs[c], min(stop, (c+1)<<chunkBits)
		for ; it.id < cstop && n < len(ids); it.id++ {
			v := w.vertex(chunk[it.id&(chunkSize-1)].head.Load())
			if v != nil && it.accept(v) {
				ids[n], vers[n] = it.id, v
				n++
			}
		}
	}
	return n
}

// propBlock is the most vertices NextProps handles at once: enough for many
// loads in flight, few enough for its versions to stay in cache.
const propBlock = 256

// keyID returns the interned ID of property key, remembering it for the
// next call; false when no vertex has had the key yet (not remembered: it
// may come).
func (it *VertexIter) keyID(key string) (uint32, bool) {
	for _, k := range it.keys[:it.nkeys] {
		if k.name == key {
			return k.id, true
		}
	}
	id, ok := it.t.g.names.lookup(key)
	if !ok {
		return 0, false
	}
	if it.nkeys < len(it.keys) {
		it.keys[it.nkeys] = resolved{key, id}
		it.nkeys++
	}
	return id, true
}

// Collect drains the iterator into a slice (handy in tests and small scans).
func (it *VertexIter) Collect() []int64 {
	var out []int64
	for it.Next() {
		out = append(out, it.ID())
	}
	return out
}

func (t *Txn) vertexIter(mode uint8) *VertexIter {
	if t.state == txDone {
		return &VertexIter{}
	}
	return &VertexIter{t: t, mode: mode, end: t.g.nextVID.Load()}
}

// Vertices walks every vertex in ID order.
func (t *Txn) Vertices() *VertexIter { return t.vertexIter(iterScan) }

// VerticesByLabel walks the vertices with the label (through the label index
// when one exists as of the transaction's snapshot, else a full scan; ID
// order either way).
func (t *Txn) VerticesByLabel(label string) *VertexIter {
	lid, ok := t.g.names.lookup(label)
	if !ok {
		return &VertexIter{}
	}
	it := t.vertexIter(iterScan)
	if it.mode == iterEmpty {
		return it
	}
	it.label, it.byLabel = lid, true
	if l := t.labelIndex(lid); l != nil {
		it.mode, it.node = iterList, l.first()
	}
	return it
}

// VerticesByProperty walks the vertices with the label whose property
// equals val (Cypher equality: 1 = 1.0). With a label+property index they
// come in value order, else in ID order.
func (t *Txn) VerticesByProperty(label, key string, val value.Value) *VertexIter {
	return t.VerticesByPropertyInto(nil, label, key, val)
}

// VerticesByPropertyInto is VerticesByProperty reusing it (nil: a new
// iterator), which the caller no longer reads: a caller seeking once per
// row allocates one iterator, not one per seek.
func (t *Txn) VerticesByPropertyInto(it *VertexIter, label, key string, val value.Value) *VertexIter {
	if it == nil {
		it = &VertexIter{}
	} else {
		*it = VertexIter{}
	}
	lid, ok1 := t.g.names.lookup(label)
	kid, ok2 := t.g.names.lookup(key)
	if !ok1 || !ok2 || val == nil || containsNaN(val) {
		return it
	}
	if t.state == txDone {
		return it
	}
	it.t, it.mode, it.end = t, iterScan, t.g.nextVID.Load()
	it.label, it.byLabel, it.key, it.byProp, it.eq, it.byEq = lid, true, kid, true, val, true
	it.eqp = newProbe(val)
	if pi := t.propIndex(lid, kid); pi != nil {
		it.mode, it.entry, it.node = iterList, pi, pi.list.seekEq(val)
	}
	return it
}

// VerticesByPropertyRange walks the vertices with the label whose property
// lies between the bounds (nil: unbounded). Only values of the bounds' kind
// match (numbers with numbers, strings with strings, ...); with no bound at
// all, every vertex that has the property matches. With a label+property
// index they come in value order, else in ID order.
func (t *Txn) VerticesByPropertyRange(label, key string, lower, upper *Bound) *VertexIter {
	lid, ok1 := t.g.names.lookup(label)
	kid, ok2 := t.g.names.lookup(key)
	if !ok1 || !ok2 || !validRange(lower, upper) {
		return &VertexIter{}
	}
	it := t.vertexIter(iterScan)
	if it.mode == iterEmpty {
		return it
	}
	it.label, it.byLabel, it.key, it.byProp, it.lower, it.upper = lid, true, kid, true, lower, upper
	pi := t.propIndex(lid, kid)
	if pi == nil {
		return it
	}
	it.mode, it.entry = iterList, pi
	switch {
	case lower != nil:
		it.node = pi.list.seek(lower.Value, !lower.Inclusive)
	case upper != nil:
		r := rankOf(upper.Value)
		it.node = pi.list.seekWith(func(k value.Value) bool { return rankOf(k) != r && compareKeys(k, upper.Value) < 0 })
	default:
		it.node = pi.list.first()
	}
	return it
}

// validRange reports whether anything can lie between the bounds.
func validRange(lower, upper *Bound) bool {
	for _, b := range []*Bound{lower, upper} {
		if b != nil && (b.Value == nil || containsNaN(b.Value)) {
			return false
		}
	}
	return lower == nil || upper == nil || rankOf(lower.Value) == rankOf(upper.Value)
}

// inRange reports whether v lies between the bounds as Cypher's comparison
// operators say (values incomparable with a bound do not match).
func inRange(v value.Value, lower, upper *Bound) bool {
	if lower != nil {
		c := value.Compare(v, lower.Value)
		if c == value.CmpUnordered || c == value.CmpNull || c < 0 || (c == 0 && !lower.Inclusive) {
			return false
		}
	}
	if upper != nil {
		c := value.Compare(v, upper.Value)
		if c == value.CmpUnordered || c == value.CmpNull || c > 0 || (c == 0 && !upper.Inclusive) {
			return false
		}
	}
	return true
}

// EdgeIter walks edges. Use it as: for it.Next() { e := it.Edge() }.
type EdgeIter struct {
	t     *Txn
	mode  uint8      // iterEmpty, iterScan, iterList or iterAdj
	lists [2][]int64 // out and in adjacency
	pos   [2]int
	both  bool
	types []uint32  // nil: any type
	tbuf  [2]uint32 // backing for types when there are few
	id    int64
	end   int64
	node  *skipNode
	cur   EdgeRef
}

const iterAdj uint8 = 3

// Next advances to the next edge; it reports false at the end.
func (it *EdgeIter) Next() bool {
	switch it.mode {
	case iterAdj:
		for {
			li := it.pick()
			if li < 0 {
				break
			}
			id := it.lists[li][it.pos[li]]
			it.pos[li]++
			e := it.t.edge(id)
			if e == nil || !it.typeOK(e.typ) || (li == 1 && it.both && e.from == e.to) {
				continue
			}
			return it.set(id, e)
		}
	case iterScan:
		for ; it.id < it.end; it.id++ {
			if e := it.t.edge(it.id); e != nil && it.typeOK(e.typ) {
				it.id++
				return it.set(it.id-1, e)
			}
		}
	case iterList:
		for n := it.node; n != nil; n = n.after() {
			if e := it.t.edge(n.id); n.id < it.end && e != nil && it.typeOK(e.typ) {
				it.node = n.after()
				return it.set(n.id, e)
			}
		}
	}
	it.mode = iterEmpty
	return false
}

// pick chooses the list to take the next adjacency entry from: the one with
// the smaller ID, so that Both merges the two lists; -1 at the end.
func (it *EdgeIter) pick() int {
	out, in := it.pos[0] < len(it.lists[0]), it.pos[1] < len(it.lists[1])
	switch {
	case out && in:
		if it.lists[1][it.pos[1]] < it.lists[0][it.pos[0]] {
			return 1
		}
		return 0
	case out:
		return 0
	case in:
		return 1
	}
	return -1
}

func (it *EdgeIter) set(id int64, e *ever) bool {
	it.cur = EdgeRef{ID: id, From: e.from, To: e.to, Type: it.t.g.names.name(e.typ)}
	return true
}

func (it *EdgeIter) typeOK(typ uint32) bool {
	if it.types == nil {
		return true
	}
	for _, t := range it.types {
		if t == typ {
			return true
		}
	}
	return false
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

// typeFilter maps type names to IDs into buf's storage when it fits; nil
// means any type, an empty non-nil slice means none can match.
func (t *Txn) typeFilter(types []string, buf []uint32) []uint32 {
	if len(types) == 0 {
		return nil
	}
	m := buf[:0]
	for _, ty := range types {
		if id, ok := t.g.names.lookup(ty); ok {
			m = append(m, id)
		}
	}
	return m
}

// Edges walks the edges of vertex v in the given direction, optionally only
// those of the given types, in the order they were attached (ascending ID on
// the instance that created them; a replica or a recovered instance attaches
// them in commit order, which concurrent transactions may make differ; Both
// merges out and in edges by ID). With Both a self-loop is reported once.
func (t *Txn) Edges(v int64, dir Direction, types ...string) *EdgeIter {
	s := t.g.vertices.get(v)
	if s == nil || t.state == txDone {
		return &EdgeIter{}
	}
	it := &EdgeIter{t: t, mode: iterAdj, both: dir == Both}
	it.types = t.typeFilter(types, it.tbuf[:])
	if dir == Out || dir == Both {
		it.lists[0] = s.out.Load().view()
	}
	if dir == In || dir == Both {
		it.lists[1] = s.in.Load().view()
	}
	return it
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
func (t *Txn) AllEdges() *EdgeIter {
	if t.state == txDone {
		return &EdgeIter{}
	}
	return &EdgeIter{t: t, mode: iterScan, end: t.g.nextEID.Load()}
}

// EdgesByType walks the edges of one type in ID order (through the edge-type
// index when one exists, else a full scan).
func (t *Txn) EdgesByType(typ string) *EdgeIter {
	tid, ok := t.g.names.lookup(typ)
	if !ok || t.state == txDone {
		return &EdgeIter{}
	}
	it := &EdgeIter{t: t, mode: iterScan, end: t.g.nextEID.Load(), types: []uint32{tid}}
	if l := t.typeIndex(tid); l != nil {
		it.mode, it.node = iterList, l.first()
	}
	return it
}
