package graph

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/quiverdb/quiver/core/value"
)

// SchemaItem names an index or a constraint. Kind is one of the Kind
// constants; Name is the label (or the edge type for KindEdgeTypeIndex); Key
// is the property ("" for label and edge-type indexes). Alias is the name
// the user gave it at creation ("" for none); it does not take part in
// identifying the item (HasSchema, drops), but no two items share an alias.
type SchemaItem struct {
	Kind  uint8
	Name  string
	Key   string
	Alias string
}

// String describes the item as Cypher users name it.
func (s SchemaItem) String() string {
	switch s.Kind {
	case KindLabelIndex:
		return fmt.Sprintf("index :%s", s.Name)
	case KindLabelPropertyIndex:
		return fmt.Sprintf("index :%s(%s)", s.Name, s.Key)
	case KindEdgeTypeIndex:
		return fmt.Sprintf("edge index :%s", s.Name)
	case KindExistence:
		return fmt.Sprintf("existence constraint :%s(%s)", s.Name, s.Key)
	case KindUnique:
		return fmt.Sprintf("unique constraint :%s(%s)", s.Name, s.Key)
	}
	return fmt.Sprintf("schema kind %d", s.Kind)
}

func cmpChain(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

// compareItems orders items by kind, label and property; the alias does not
// count, so an item is found (has, drops) without it.
func compareItems(a, b SchemaItem) int {
	return cmpChain(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Key, b.Key))
}

// propIndex is a (value, vertex) list for one label and property: a user's
// label+property index or a uniqueness constraint's own list.
type propIndex struct {
	label uint32
	key   uint32
	list  *skipList
}

// schema is one version of the indexes and constraints, valid from commit
// timestamp ts until the next version. Versions are immutable once
// published and chained newest first (Graph.schema is the newest); a reader
// at snapshot S uses the newest version with ts <= S, and GC unlinks the
// versions older than that at the oldest snapshot. The lists inside are
// shared between versions and updated in place by the owner.
type schema struct {
	ts       uint64                 // commit timestamp of the change that made this version
	prev     atomic.Pointer[schema] // the version before, until GC unlinks it
	items    []SchemaItem
	labelIdx map[uint32]*skipList
	typeIdx  map[uint32]*skipList
	propIdx  map[[2]uint32]*propIndex
	unique   map[[2]uint32]*propIndex
	exist    [][2]uint32
	maint    []*propIndex // every propIndex to maintain on writes
}

// clone copies the maps so that a change can be published as a new
// version (ts and prev are set when it is).
func (s *schema) clone() *schema {
	n := &schema{
		items:    slices.Clone(s.items),
		labelIdx: map[uint32]*skipList{},
		typeIdx:  map[uint32]*skipList{},
		propIdx:  map[[2]uint32]*propIndex{},
		unique:   map[[2]uint32]*propIndex{},
		exist:    slices.Clone(s.exist),
	}
	for k, v := range s.labelIdx {
		n.labelIdx[k] = v
	}
	for k, v := range s.typeIdx {
		n.typeIdx[k] = v
	}
	for k, v := range s.propIdx {
		n.propIdx[k] = v
	}
	for k, v := range s.unique {
		n.unique[k] = v
	}
	return n
}

// seal recomputes the derived fields in a deterministic order.
func (s *schema) seal() {
	slices.SortFunc(s.items, compareItems)
	s.maint = s.maint[:0]
	for _, m := range []map[[2]uint32]*propIndex{s.propIdx, s.unique} {
		keys := make([][2]uint32, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]uint32) int { return cmpChain(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
		for _, k := range keys {
			s.maint = append(s.maint, m[k])
		}
	}
}

// has reports whether the version holds the index or constraint.
func (s *schema) has(item SchemaItem) bool {
	_, found := slices.BinarySearchFunc(s.items, item, compareItems)
	return found
}

// aliased returns the item the user named alias, if any ("" names none).
func (s *schema) aliased(alias string) (SchemaItem, bool) {
	if alias == "" {
		return SchemaItem{}, false
	}
	for _, it := range s.items {
		if it.Alias == alias {
			return it, true
		}
	}
	return SchemaItem{}, false
}

// schemaAt returns the schema version a reader at snapshot ts sees: the
// newest one committed at or before ts. Safe on any goroutine for a
// registered snapshot (GC keeps that version).
func (g *Graph) schemaAt(ts uint64) *schema {
	s := g.schema.Load()
	for s.ts > ts {
		p := s.prev.Load()
		if p == nil {
			panic(fmt.Sprintf("graph: no schema version at or before %d (oldest %d)", ts, s.ts))
		}
		s = p
	}
	return s
}

// publishSchema makes s the newest schema version, committed at ts (owner
// only). Readers see it once ts is visible; writers maintain its indexes and
// commits after ts are checked against its constraints from now on.
func (g *Graph) publishSchema(s *schema, ts uint64) {
	s.ts = ts
	s.prev.Store(g.schema.Load())
	g.schema.Store(s)
}

// Schema returns the newest schema, sorted: every index and constraint
// created, including changes not yet acknowledged. Transactions read with
// the schema of their snapshot instead (Txn.Schema). Safe on any goroutine.
func (g *Graph) Schema() []SchemaItem { return slices.Clone(g.schema.Load().items) }

// HasSchema reports whether the index or constraint exists in the newest
// schema (acknowledged or not). Safe on any goroutine.
func (g *Graph) HasSchema(item SchemaItem) bool { return g.schema.Load().has(item) }

// Schema returns the indexes and constraints as of the transaction's
// snapshot (for ReadCommitted, as of the latest visible commit), sorted.
func (t *Txn) Schema() []SchemaItem { return slices.Clone(t.rschema().items) }

// HasSchema reports whether the index or constraint exists as of the
// transaction's snapshot.
func (t *Txn) HasSchema(item SchemaItem) bool { return t.rschema().has(item) }

// rschema is the schema version the transaction reads with: the one at its
// snapshot (ReadCommitted: at the visible timestamp now).
func (t *Txn) rschema() *schema {
	switch {
	case t.replay:
		return t.wschema()
	case t.opts.Isolation == ReadCommitted && t.state != txDone:
		return t.g.schemaAt(t.g.visibleTS.Load())
	}
	return t.sc
}

// wschema is the schema writes maintain: the newest version, or during
// Apply the version the replayed schema deltas are building.
func (t *Txn) wschema() *schema {
	if t.pending != nil {
		return t.pending
	}
	return t.g.schema.Load()
}

// usable reports whether a reader may walk list l of its snapshot's schema.
// A read-only transaction always may: every version it sees was indexed
// while the list was maintained. A write transaction may only while the
// list is still maintained (in the newest schema), since its own writes
// after a drop no longer reach it; otherwise it scans.
func (t *Txn) usable(l *skipList, newest func(*schema) *skipList) bool {
	return l != nil && (t.mark == 0 || t.replay || newest(t.g.schema.Load()) == l)
}

// labelIndex returns the label index the transaction may read, or nil.
func (t *Txn) labelIndex(lid uint32) *skipList {
	pick := func(s *schema) *skipList { return s.labelIdx[lid] }
	if l := pick(t.rschema()); t.usable(l, pick) {
		return l
	}
	return nil
}

// typeIndex returns the edge-type index the transaction may read, or nil.
func (t *Txn) typeIndex(tid uint32) *skipList {
	pick := func(s *schema) *skipList { return s.typeIdx[tid] }
	if l := pick(t.rschema()); t.usable(l, pick) {
		return l
	}
	return nil
}

// propIndex returns the label+property index the transaction may read, or
// nil.
func (t *Txn) propIndex(lid, kid uint32) *propIndex {
	pi := t.rschema().propIdx[[2]uint32{lid, kid}]
	if pi == nil {
		return nil
	}
	pick := func(s *schema) *skipList {
		if p := s.propIdx[[2]uint32{lid, kid}]; p != nil {
			return p.list
		}
		return nil
	}
	if t.usable(pi.list, pick) {
		return pi
	}
	return nil
}

// CreateIndex creates a label, label+property or edge-type index over the
// existing data as a commit of its own. An item with an Alias that another
// index or constraint already has is refused (ErrSchema). It returns the commit timestamp and
// the delta for the WAL. Writes maintain the index at once; transactions
// use it from snapshots at or after the timestamp, that is once the host
// acknowledges it (MarkAcknowledged).
func (g *Graph) CreateIndex(item SchemaItem) (uint64, []Delta, error) {
	return g.schemaChange(Delta{Op: OpCreateIndex, Name: item.Name, Key: item.Key, Kind: item.Kind, Alias: item.Alias})
}

// DropIndex drops an index as a commit of its own. Read-only transactions
// whose snapshot is older than the drop keep using the index; write
// transactions stop using it at once and scan instead.
func (g *Graph) DropIndex(item SchemaItem) (uint64, []Delta, error) {
	return g.schemaChange(Delta{Op: OpDropIndex, Name: item.Name, Key: item.Key, Kind: item.Kind})
}

// CreateConstraint creates an existence or uniqueness constraint as a commit
// of its own, after checking the committed and prepared data; a violation
// returns a *ConstraintError and changes nothing (no timestamp is used).
// Every commit after its timestamp is checked against it.
func (g *Graph) CreateConstraint(item SchemaItem) (uint64, []Delta, error) {
	return g.schemaChange(Delta{Op: OpCreateConstraint, Name: item.Name, Key: item.Key, Kind: item.Kind, Alias: item.Alias})
}

// DropConstraint drops a constraint as a commit of its own: commits after
// its timestamp are no longer checked against it.
func (g *Graph) DropConstraint(item SchemaItem) (uint64, []Delta, error) {
	return g.schemaChange(Delta{Op: OpDropConstraint, Name: item.Name, Key: item.Key, Kind: item.Kind})
}

// schemaChange applies d as a new schema version with the next commit
// timestamp.
func (g *Graph) schemaChange(d Delta) (uint64, []Delta, error) {
	if err := g.schemaBusy(); err != nil {
		return 0, nil, err
	}
	s, err := g.changeSchema(g.schema.Load(), d, true)
	if err != nil {
		return 0, nil, err
	}
	g.lastTS++
	ts := g.lastTS
	g.publishSchema(s, ts)
	if g.opts.ImmediateVisibility {
		_ = g.MarkAcknowledged(ts)
	}
	return ts, []Delta{d}, nil
}

func validItem(d Delta) error {
	item := SchemaItem{Kind: d.Kind, Name: d.Name, Key: d.Key}
	index := d.Op == OpCreateIndex || d.Op == OpDropIndex
	switch {
	case d.Name == "":
		return fmt.Errorf("%w: %v without a name", ErrSchema, item)
	case index && (d.Kind == KindLabelIndex || d.Kind == KindEdgeTypeIndex) && d.Key != "":
		return fmt.Errorf("%w: %v takes no property", ErrSchema, item)
	case index && d.Kind == KindLabelPropertyIndex, !index && (d.Kind == KindExistence || d.Kind == KindUnique):
		if d.Key == "" {
			return fmt.Errorf("%w: %v needs a property", ErrSchema, item)
		}
	case index && (d.Kind == KindLabelIndex || d.Kind == KindEdgeTypeIndex):
	default:
		return fmt.Errorf("%w: kind %d is not valid for this operation", ErrSchema, d.Kind)
	}
	return nil
}

// changeSchema returns a new, unpublished version: base with the schema
// delta d performed, building a created index or constraint over the
// existing data (owner only). base is left unchanged. With validate set a
// created constraint is first checked against the data (checkNewConstraint);
// Apply clears it, because it replays a decision the source already made.
func (g *Graph) changeSchema(base *schema, d Delta, validate bool) (*schema, error) {
	if err := validItem(d); err != nil {
		return nil, err
	}
	create := d.Op == OpCreateIndex || d.Op == OpCreateConstraint
	item := SchemaItem{Kind: d.Kind, Name: d.Name, Key: d.Key}
	if create {
		item.Alias = d.Alias
	}
	exists := base.has(item)
	if create == exists {
		if exists {
			return nil, fmt.Errorf("%w: %v already exists", ErrSchema, item)
		}
		return nil, fmt.Errorf("%w: %v does not exist", ErrSchema, item)
	}
	if other, taken := base.aliased(item.Alias); create && taken {
		return nil, fmt.Errorf("%w: an index or constraint named %q already exists (%v)", ErrSchema, item.Alias, other)
	}
	s := base.clone()
	name := g.names.intern(d.Name)
	var key uint32
	if d.Key != "" {
		key = g.names.intern(d.Key)
	}
	pk := [2]uint32{name, key}
	if create {
		if err := g.build(s, item, name, key, validate); err != nil {
			return nil, err
		}
		s.items = append(s.items, item)
	} else {
		switch d.Kind {
		case KindLabelIndex:
			delete(s.labelIdx, name)
		case KindEdgeTypeIndex:
			delete(s.typeIdx, name)
		case KindLabelPropertyIndex:
			delete(s.propIdx, pk)
		case KindUnique:
			delete(s.unique, pk)
		case KindExistence:
			s.exist = slices.DeleteFunc(s.exist, func(e [2]uint32) bool { return e == pk })
		}
		s.items = slices.DeleteFunc(s.items, func(i SchemaItem) bool { return compareItems(i, item) == 0 })
	}
	s.seal()
	return s, nil
}

// build creates the structure for a new item in s, over existing data,
// checking a new constraint against it when validate is set.
func (g *Graph) build(s *schema, item SchemaItem, name, key uint32, validate bool) error {
	pk := [2]uint32{name, key}
	switch item.Kind {
	case KindLabelIndex:
		l := newSkipList(g.nextSeed())
		g.eachVersion(func(id int64, v *vver) {
			if v.labels.has(name) {
				l.insert(nil, id)
			}
		})
		s.labelIdx[name] = l
	case KindEdgeTypeIndex:
		l := newSkipList(g.nextSeed())
		for id := int64(0); id < g.nextEID.Load(); id++ {
			s := g.edges.get(id) // nil past the store when ReserveIDs raised nextEID
			if h := headOf(s); h != nil && h.typ == name {
				l.insert(nil, id)
			}
		}
		s.typeIdx[name] = l
	case KindLabelPropertyIndex, KindUnique:
		pi := g.buildProp(name, key)
		if item.Kind == KindUnique {
			if validate {
				if err := g.checkUniqueAll(item, pi); err != nil {
					return err
				}
			}
			s.unique[pk] = pi
		} else {
			s.propIdx[pk] = pi
		}
	case KindExistence:
		if validate {
			if err := g.checkExistAll(item, name, key); err != nil {
				return err
			}
		}
		s.exist = append(s.exist, pk)
	}
	return nil
}

func (g *Graph) buildProp(label, key uint32) *propIndex {
	pi := &propIndex{label: label, key: key, list: newSkipList(g.nextSeed())}
	g.eachVersion(func(id int64, v *vver) {
		if val, ok := v.props.get(key); ok && v.labels.has(label) {
			pi.list.insert(val, id)
		}
	})
	pi.list.rebuildEq(int(pi.list.distinct.Load()))
	return pi
}

// eachVersion calls f for every live version of every vertex (owner only).
func (g *Graph) eachVersion(f func(int64, *vver)) {
	for id := int64(0); id < g.nextVID.Load(); id++ {
		s := g.vertices.get(id) // nil past the store when ReserveIDs raised nextVID
		if s == nil {
			continue
		}
		for v := s.head.Load(); v != nil; v = v.prev.Load() {
			if !v.deleted {
				f(id, v)
			}
		}
	}
}

// latest returns the newest committed or prepared version of a vertex (or
// the transaction's own uncommitted one when mark matches), nil if deleted or
// absent. Constraints are checked against it, so two transactions that
// prepare conflicting values cannot both commit.
func (g *Graph) latest(id int64) *vver { return g.latestFor(id, 0) }

func (g *Graph) latestFor(id int64, mark uint64) *vver {
	s := g.vertices.get(id)
	if s == nil {
		return nil
	}
	for v := s.head.Load(); v != nil; v = v.prev.Load() {
		ts := v.ts.Load()
		if ts&txBit == 0 || (mark != 0 && ts == mark) || g.pmarks[ts] {
			if v.deleted {
				return nil
			}
			return v
		}
	}
	return nil
}

// undecided reports whether a prepared transaction holds vertex id, and if
// so returns the newest committed version below its write (nil when the
// vertex was deleted or did not exist before it): the version the vertex
// falls back to if that transaction aborts. A prepared transaction commits
// without another check, so a constraint must allow both its version and
// this one.
func (g *Graph) undecided(id int64) (*vver, bool) {
	s := g.vertices.get(id)
	if s == nil || s.head.Load() == nil || !g.pmarks[s.head.Load().ts.Load()] {
		return nil, false
	}
	for v := s.head.Load().prev.Load(); v != nil; v = v.prev.Load() {
		if v.ts.Load()&txBit == 0 {
			if v.deleted {
				return nil, true
			}
			return v, true
		}
	}
	return nil, true
}

// The checks of a new constraint (checkExistAll, checkUniqueAll) see every
// state the data may commit to. Committed and prepared versions count as
// committed (latest): a violation there is a *ConstraintError. A prepared
// transaction may still abort, though, and bring back the committed version
// it replaced: a violation that only such a version takes part in depends on
// an undecided transaction, and is a retryable *ConflictError naming the
// vertex. Both orders of the prepared transaction's decision and the new
// constraint must be valid histories, since a replica applies the
// constraint without checking it again (Apply). Open, unprepared
// transactions need no care: they are checked at their own commit, which
// follows the constraint. A *ConstraintError wins over a *ConflictError.

// checkExistAll checks a new existence constraint on label name and
// property key against every state the data may commit to.
func (g *Graph) checkExistAll(item SchemaItem, name, key uint32) error {
	lacks := func(v *vver) bool {
		if v == nil || !v.labels.has(name) {
			return false
		}
		_, ok := v.props.get(key)
		return !ok
	}
	var conflict error
	for id := int64(0); id < g.nextVID.Load(); id++ {
		if lacks(g.latest(id)) {
			return &ConstraintError{Kind: KindExistence, Label: item.Name, Property: item.Key, VertexID: id}
		}
		if c, held := g.undecided(id); held && conflict == nil && lacks(c) {
			conflict = &ConflictError{Object: "vertex", ID: id}
		}
	}
	return conflict
}

// checkUniqueAll checks a new uniqueness constraint against every state the
// data may commit to. The list holds an entry for every live version, so
// equal values form one run; a run is a violation when two vertices match
// it with their latest versions, and a conflict when two match it counting
// the committed versions below prepared writes too.
func (g *Graph) checkUniqueAll(item SchemaItem, pi *propIndex) error {
	var conflict error
	var runKey value.Value
	var sure, maybe []int64 // vertices matching the run: latest, either version
	for n := pi.list.first(); n != nil; n = n.after() {
		if len(sure)+len(maybe) == 0 || compareKeys(runKey, n.key) != 0 {
			runKey, sure, maybe = n.key, sure[:0], maybe[:0]
		}
		c, held := g.undecided(n.id)
		latest := pi.matches(g.latest(n.id), n.key)
		if !latest && !(held && pi.matches(c, n.key)) {
			continue
		}
		if latest && !slices.Contains(sure, n.id) {
			if sure = append(sure, n.id); len(sure) > 1 {
				return &ConstraintError{Kind: KindUnique, Label: item.Name, Property: item.Key, VertexID: n.id}
			}
		}
		if !slices.Contains(maybe, n.id) {
			if maybe = append(maybe, n.id); len(maybe) > 1 && conflict == nil {
				conflict = &ConflictError{Object: "vertex", ID: n.id}
			}
		}
	}
	return conflict
}

// matches reports whether version v carries the entry key.
func (pi *propIndex) matches(v *vver, key value.Value) bool {
	if v == nil || !v.labels.has(pi.label) {
		return false
	}
	val, ok := v.props.get(pi.key)
	return ok && compareKeys(val, key) == 0
}

// indexLabel maintains indexes after vertex id (version v) gained label lid.
func (t *Txn) indexLabel(id int64, v *vver, lid uint32) {
	s := t.wschema()
	if l := s.labelIdx[lid]; l != nil && l.insert(nil, id) {
		t.idx = append(t.idx, idxEntry{list: l, label: lid, id: id})
	}
	for _, pi := range s.maint {
		if pi.label == lid {
			if val, ok := v.props.get(pi.key); ok {
				t.insertProp(pi, val, id)
			}
		}
	}
}

// indexProp maintains indexes after vertex id (version v) set key to val.
func (t *Txn) indexProp(id int64, v *vver, key uint32, val value.Value) {
	for _, pi := range t.wschema().maint {
		if pi.key == key && v.labels.has(pi.label) {
			t.insertProp(pi, val, id)
		}
	}
}

func (t *Txn) insertProp(pi *propIndex, val value.Value, id int64) {
	if pi.list.insert(val, id) {
		t.idx = append(t.idx, idxEntry{list: pi.list, label: pi.label, key: pi.key, prop: true, val: val, id: id})
	}
}

// indexEdge maintains the edge-type index for a new edge.
func (t *Txn) indexEdge(id int64, typ uint32) {
	if l := t.wschema().typeIdx[typ]; l != nil && l.insert(nil, id) {
		t.idx = append(t.idx, idxEntry{list: l, edge: true, id: id})
	}
}

// pruneEntries removes the entries this transaction inserted that no
// remaining version justifies.
func (t *Txn) pruneEntries() {
	for _, e := range t.idx {
		if !t.g.entryLive(e) {
			e.list.remove(e.val, e.id)
		}
	}
	t.idx = nil
}

// entryLive reports whether some version still justifies index entry e.
func (g *Graph) entryLive(e idxEntry) bool {
	if e.edge {
		s := g.edges.get(e.id)
		return s != nil && s.head.Load() != nil
	}
	pi := propIndex{label: e.label, key: e.key}
	for v := g.vertices.get(e.id).head.Load(); v != nil; v = v.prev.Load() {
		if v.deleted || !v.labels.has(e.label) {
			continue
		}
		if !e.prop || pi.matches(v, e.val) {
			return true
		}
	}
	return false
}

// checkConstraints checks the transaction's vertices at commit against the
// newest schema: the commit's timestamp will follow every published change.
// A *ConstraintError wins over a *ConflictError (checkUnique), so the
// outcome does not depend on the order the vertices were written in.
func (t *Txn) checkConstraints() error {
	s := t.g.schema.Load()
	if len(s.exist) == 0 && len(s.unique) == 0 {
		return nil
	}
	var conflict error
	for _, id := range t.vw {
		v := t.g.latestFor(id, t.mark)
		if v == nil {
			continue
		}
		for _, ek := range s.exist {
			if _, ok := v.props.get(ek[1]); v.labels.has(ek[0]) && !ok {
				return &ConstraintError{Kind: KindExistence, Label: t.g.names.name(ek[0]), Property: t.g.names.name(ek[1]), VertexID: id}
			}
		}
		for _, pi := range s.maint {
			if s.unique[[2]uint32{pi.label, pi.key}] != pi {
				continue
			}
			err := t.checkUnique(pi, id, v)
			if errors.As(err, new(*ConstraintError)) {
				return err
			}
			if conflict == nil {
				conflict = err
			}
		}
	}
	return conflict
}

// checkUnique looks for another vertex with v's value. One whose latest
// committed or prepared version has it is a *ConstraintError. One that a
// prepared transaction moves away from the value (changes, unlabels,
// deletes) still has it if that transaction aborts, so it is a retryable
// *ConflictError: committing now could leave a duplicate behind.
func (t *Txn) checkUnique(pi *propIndex, id int64, v *vver) error {
	val, ok := v.props.get(pi.key)
	if !ok || !v.labels.has(pi.label) {
		return nil
	}
	var conflict error
	for n := pi.list.seek(val, false); n != nil && compareKeys(n.key, val) == 0; n = n.after() {
		if n.id == id {
			continue
		}
		if pi.matches(t.g.latestFor(n.id, t.mark), val) {
			return &ConstraintError{Kind: KindUnique, Label: t.g.names.name(pi.label), Property: t.g.names.name(pi.key), VertexID: id}
		}
		if c, held := t.g.undecided(n.id); held && conflict == nil && pi.matches(c, val) {
			conflict = &ConflictError{Object: "vertex", ID: n.id}
		}
	}
	return conflict
}

// Bound is one end of a property range.
type Bound struct {
	Value     value.Value
	Inclusive bool
}

// pastRange reports whether key (in list order) is beyond the range, so the
// walk can stop.
func pastRange(key value.Value, lower, upper *Bound) bool {
	if upper != nil {
		c := compareKeys(key, upper.Value)
		return c > 0 || (c == 0 && !upper.Inclusive)
	}
	if lower != nil {
		return rankOf(key) != rankOf(lower.Value)
	}
	return false
}

// headOf is an edge slot's newest version, or nil for a missing slot.
func headOf(s *eslot) *ever {
	if s == nil {
		return nil
	}
	return s.head.Load()
}
