package graph

import "slices"

// GCStats counts what one garbage collection freed.
type GCStats struct {
	Versions int // old versions unlinked
	Vertices int // deleted vertices removed
	Edges    int // deleted edges removed
	Entries  int // index entries removed
	Schemas  int // old schema versions unlinked
}

// CollectGarbage frees versions that no open or future transaction can see
// (owner only): for every object written since the last collection, the
// versions older than the newest one at or below the oldest registered
// snapshot, deleted objects entirely, and index and adjacency entries left
// without a version; likewise the schema versions older than the one the
// oldest snapshot uses (with them the lists of dropped indexes). Objects
// whose versions are still needed stay queued.
func (g *Graph) CollectGarbage() GCStats {
	st, _ := g.CollectGarbageStep(-1)
	return st
}

// CollectGarbageStep is CollectGarbage cut into steps for an event loop: it
// looks at no more than budget queued objects (all of them when budget < 0)
// and reports whether queued objects were left unexamined, in which case the
// host calls it again later.
func (g *Graph) CollectGarbageStep(budget int) (GCStats, bool) {
	h := g.horizon()
	st := GCStats{Schemas: g.gcSchema(h)}
	drops := map[int64]map[int64]bool{}
	var more bool
	g.eDirty, budget, more = collectDirty(g.eDirty, budget, func(id int64) bool { return g.gcEdge(id, h, &st, drops) })
	ends := make([]int64, 0, len(drops))
	for v := range drops {
		ends = append(ends, v)
	}
	slices.Sort(ends)
	for _, v := range ends {
		if s := g.vertices.get(v); s != nil {
			removeAdj(&s.out, drops[v])
			removeAdj(&s.in, drops[v])
		}
	}
	var moreV bool
	var quiet []int64 // ascending: collectDirty visits ids in order
	written := false
	g.vDirty, _, moreV = collectDirty(g.vDirty, budget, func(id int64) bool {
		written = true
		keep := g.gcVertex(id, h, &st)
		if !keep && packable(g.vertices.get(id).head.Load(), h) {
			quiet = append(quiet, id)
		}
		return keep
	})
	if !g.packRuns(quiet) && written {
		g.dropDeadRuns() // writes may have left runs with no vertex to answer for
	}
	return st, more || moreV
}

// gcSchema unlinks the schema versions older than the one readers at
// snapshot h use, and returns how many it unlinked.
func (g *Graph) gcSchema(h uint64) int {
	keep := g.schemaAt(h)
	n := 0
	for p := keep.prev.Load(); p != nil; p = p.prev.Load() {
		n++
	}
	if n > 0 {
		keep.prev.Store(nil)
	}
	return n
}

// collectDirty runs gc on up to budget of the queued ids (all when budget <
// 0; sorted and deduplicated) and returns the new queue (the unexamined ids,
// then those gc wants to keep), the budget left, and whether ids were left
// unexamined.
func collectDirty(ids []int64, budget int, gc func(int64) bool) ([]int64, int, bool) {
	n := len(ids)
	if budget >= 0 && budget < n {
		n = budget
	}
	batch := slices.Clone(ids[:n])
	rest := ids[n:]
	slices.Sort(batch)
	batch = slices.Compact(batch)
	queue := make([]int64, 0, len(rest)+len(batch)/8)
	queue = append(queue, rest...)
	for _, id := range batch {
		if gc(id) {
			queue = append(queue, id)
		}
	}
	if budget >= 0 {
		budget -= n
	}
	return slices.Clip(queue), budget, len(rest) > 0
}

// gcEdge trims edge id; it reports whether the edge needs another pass.
func (g *Graph) gcEdge(id int64, h uint64, st *GCStats, drops map[int64]map[int64]bool) bool {
	s := g.edges.get(id)
	head := s.head.Load()
	var cut *ever
	for e := head; e != nil; e = e.prev.Load() {
		if ts := e.ts.Load(); ts&txBit == 0 && ts <= h {
			cut = e
			break
		}
	}
	if cut == nil {
		return head != nil
	}
	for e := cut.prev.Load(); e != nil; e = e.prev.Load() {
		st.Versions++
	}
	cut.prev.Store(nil)
	if cut != head {
		return true
	}
	if head.deleted {
		s.head.Store(nil)
		st.Edges++
		for _, v := range []int64{head.from, head.to} {
			if drops[v] == nil {
				drops[v] = map[int64]bool{}
			}
			drops[v][id] = true
		}
		if l := g.schema.Load().typeIdx[head.typ]; l != nil && l.remove(nil, id) {
			st.Entries++
		}
	}
	return false
}

// gcVertex trims vertex id; it reports whether it needs another pass.
func (g *Graph) gcVertex(id int64, h uint64, st *GCStats) bool {
	s := g.vertices.get(id)
	head := s.head.Load()
	var cut *vver
	for v := head; v != nil; v = v.prev.Load() {
		if ts := v.ts.Load(); ts&txBit == 0 && ts <= h {
			cut = v
			break
		}
	}
	if cut == nil {
		return head != nil
	}
	var dropped []*vver
	for v := cut.prev.Load(); v != nil; v = v.prev.Load() {
		dropped = append(dropped, v)
	}
	st.Versions += len(dropped)
	cut.prev.Store(nil)
	if cut == head && head.deleted {
		s.head.Store(nil)
		s.out.Store(nil)
		s.in.Store(nil)
		st.Vertices++
	}
	st.Entries += g.pruneVertexEntries(id, dropped)
	return cut != head
}

// pruneVertexEntries removes the index entries of dropped versions that no
// remaining version of the vertex justifies.
func (g *Graph) pruneVertexEntries(id int64, dropped []*vver) int {
	sc := g.schema.Load()
	var cands []idxEntry
	head := g.vertices.get(id).head.Load()
	for _, v := range dropped {
		if v.labels == nil || sameContent(head, v) {
			continue // a version sharing labels and properties with a kept one
		}
		for _, l := range v.labels.ids {
			if li := sc.labelIdx[l]; li != nil {
				cands = append(cands, idxEntry{list: li, label: l, id: id})
			}
		}
		for _, pi := range sc.maint {
			if val, ok := v.props.get(pi.key); ok && v.labels.has(pi.label) {
				cands = append(cands, idxEntry{list: pi.list, label: pi.label, key: pi.key, prop: true, val: val, id: id})
			}
		}
	}
	n := 0
	for _, e := range cands {
		if !g.entryLive(e) && e.list.remove(e.val, e.id) {
			n++
		}
	}
	return n
}

// Stats describes the graph's bookkeeping, for metrics.
type Stats struct {
	LastCommitTS    uint64 // highest commit timestamp assigned or applied
	VisibleTS       uint64 // snapshot new transactions take
	OpenSnapshots   int    // transactions that have not ended
	OldestSnapshot  uint64 // the oldest open snapshot (VisibleTS when none)
	PendingVertices int    // vertices written since the last collection
	PendingEdges    int    // edges written since the last collection
	Prepared        int    // prepared, undecided transactions
	Vertices        int64  // vertices after the last commit (acknowledged or not)
	Edges           int64  // edges after the last commit (acknowledged or not)
	SchemaVersions  int    // schema versions kept (1 once no reader needs an older one)
}

// Stats returns the graph's bookkeeping (owner only).
func (g *Graph) Stats() Stats {
	st := Stats{
		LastCommitTS:    g.lastTS,
		VisibleTS:       g.visibleTS.Load(),
		OldestSnapshot:  g.horizon(),
		PendingVertices: len(g.vDirty),
		PendingEdges:    len(g.eDirty),
		Prepared:        len(g.prepared),
		Vertices:        g.nVertices,
		Edges:           g.nEdges,
	}
	st.OpenSnapshots = g.openSnapshots()
	for sc := g.schema.Load(); sc != nil; sc = sc.prev.Load() {
		st.SchemaVersions++
	}
	return st
}

// sameContent reports whether some version in the chain from head shares
// v's label set and property list (a write that changed neither, such as
// a label added twice, copies them unchanged).
func sameContent(head, v *vver) bool {
	for r := head; r != nil; r = r.prev.Load() {
		if !r.deleted && r.labels == v.labels && r.props == v.props {
			return true
		}
	}
	return false
}

// packRun is the fewest consecutive quiet vertices packRuns packs together.
const packRun = 64

// packable reports whether head is a vertex's only version, committed at or
// below the horizon h, live, and not packed yet.
func packable(head *vver, h uint64) bool {
	if head == nil || head.deleted || head.packed || head.prev.Load() != nil {
		return false
	}
	ts := head.ts.Load()
	return ts&txBit == 0 && ts <= h
}

// packRuns copies the versions of each run of at least packRun consecutive
// IDs in quiet (ascending) into arrays of their own, in ID order, so that a
// label scan walks memory in order instead of chasing a pointer per vertex
// to wherever its version was allocated. The copies are identical to the
// versions they replace (same timestamp, labels and properties), and readers
// holding an old one keep it, so no reader sees a difference. Only long runs
// are packed, as a bulk load or recovery writes them: an array lives as long
// as any of its versions does, so packing scattered updates would pin memory.
//
// Each packed run also gets columns of its properties (columns.go). It
// reports whether it packed any run.
func (g *Graph) packRuns(quiet []int64) bool {
	var runs []*colRun
	for lo := 0; lo < len(quiet); {
		hi := lo + 1
		for hi < len(quiet) && quiet[hi] == quiet[hi-1]+1 {
			hi++
		}
		if hi-lo >= packRun {
			runs = append(runs, newColRun(quiet[lo], g.pack(quiet[lo:hi])))
		}
		lo = hi
	}
	if len(runs) > 0 {
		g.addRuns(runs)
	}
	return len(runs) > 0
}

// pack replaces the head versions of ids with copies held in one array of
// versions, their property sets in one array and their properties in one,
// and returns the array.
func (g *Graph) pack(ids []int64) []vver {
	heads := make([]*vver, len(ids))
	nsets, nprops := 0, 0
	for i, id := range ids {
		heads[i] = g.vertices.get(id).head.Load()
		if p := heads[i].props; p != nil {
			nsets++
			nprops += len(p.kv)
		}
	}
	vers, sets, props := make([]vver, len(ids)), make([]propSet, nsets), make([]prop, nprops)
	for i, old := range heads {
		v := &vers[i]
		v.labels, v.packed = old.labels, true
		if old.props != nil {
			n := copy(props, old.props.kv)
			sets[0].kv = props[:n:n]
			v.props = &sets[0]
			sets, props = sets[1:], props[n:]
		}
		v.ts.Store(old.ts.Load())
		g.vertices.get(ids[i]).head.Store(v)
	}
	return vers
}
