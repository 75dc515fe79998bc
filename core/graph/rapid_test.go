package graph

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/quiverdb/quiver/core/value"
	"pgregory.net/rapid"
)

// The model: plain maps of vertices and edges, a snapshot copy per open
// transaction, and the snapshot-isolation conflict rule spelled out directly.

type mVertex struct {
	labels map[string]bool
	props  map[string]value.Value
}

type mEdge struct {
	from, to int64
	typ      string
	props    map[string]value.Value
}

type mState struct {
	v map[int64]*mVertex
	e map[int64]*mEdge
}

func (s mState) clone() mState {
	c := mState{v: map[int64]*mVertex{}, e: map[int64]*mEdge{}}
	for id, v := range s.v {
		c.v[id] = nil // a deleted entry of a change set
		if v != nil {
			c.v[id] = &mVertex{labels: maps.Clone(v.labels), props: maps.Clone(v.props)}
		}
	}
	for id, e := range s.e {
		c.e[id] = nil
		if e == nil {
			continue
		}
		ce := *e
		ce.props = maps.Clone(e.props)
		c.e[id] = &ce
	}
	return c
}

type mTx struct {
	tx       *Txn
	prepared int  // the reserved commit timestamp once prepared
	rc       bool // READ_COMMITTED: view = latest commits + own writes
	view     mState
	start    int
	written  map[string]bool
}

type machine struct {
	g          *Graph
	committed  mState         // the latest committed state
	changes    map[int]mState // commit timestamp -> the objects it wrote (nil: deleted)
	ack        int            // the highest timestamp acknowledged
	seq        int            // the last commit timestamp assigned
	lastCommit map[string]int
	owner      map[string]*mTx
	txs        []*mTx
	ends       map[int64][2]int64 // every edge ever created: its endpoints
	exist      map[[2]string]bool
	unique     map[[2]string]bool
	schemas    []mSchema       // every schema version, oldest first
	replica    *Graph          // applies every commit's deltas in timestamp order
	log        map[int][]Delta // commits not yet applied to the replica
	readers    []*mReader      // open read-only transactions
	kinds      []uint8         // the schema kinds schemaOp draws from
}

// mSchema is the model's schema version from commit timestamp ts on.
type mSchema struct {
	ts    int
	items map[SchemaItem]bool
}

// mReader is an open read-only transaction and its snapshot.
type mReader struct {
	tx    *Txn
	rc    bool
	start int
}

var (
	mLabels = []string{"A", "B"}
	mKeys   = []string{"k", "j"}
	mTypes  = []string{"R", "S"}
	mValues = []value.Value{int64(0), int64(1), 1.0, int64(2), "x", true}
)

func vkey(id int64) string { return fmt.Sprintf("v%d", id) }
func ekey(id int64) string { return fmt.Sprintf("e%d", id) }

func newMachine() *machine {
	return &machine{
		g:          New(Options{}),
		replica:    New(Options{}),
		log:        map[int][]Delta{},
		committed:  mState{v: map[int64]*mVertex{}, e: map[int64]*mEdge{}},
		changes:    map[int]mState{},
		lastCommit: map[string]int{},
		owner:      map[string]*mTx{},
		ends:       map[int64][2]int64{},
		exist:      map[[2]string]bool{},
		unique:     map[[2]string]bool{},
		schemas:    []mSchema{{items: map[SchemaItem]bool{}}},
		kinds:      []uint8{KindLabelIndex, KindLabelPropertyIndex, KindEdgeTypeIndex, KindExistence, KindUnique},
	}
}

// schemaAt is the index of the model's schema version at snapshot ts.
func (m *machine) schemaAt(ts int) int {
	i := len(m.schemas) - 1
	for m.schemas[i].ts > ts {
		i--
	}
	return i
}

// usable predicts whether a transaction reading at snapshot ts walks the
// index item: it is in the schema at ts and, for a write transaction, has
// stayed in every version since (a drop, even followed by a new create,
// ends the list the writer could use).
func (m *machine) usable(item SchemaItem, ts int, write bool) bool {
	i := m.schemaAt(ts)
	if !m.schemas[i].items[item] {
		return false
	}
	for _, s := range m.schemas[i:] {
		if write && !s.items[item] {
			return false
		}
	}
	return true
}

// horizon is the oldest snapshot any transaction may read.
func (m *machine) horizon() int {
	h := m.visible()
	for _, tx := range m.txs {
		h = min(h, tx.start)
	}
	for _, r := range m.readers {
		h = min(h, r.start)
	}
	return h
}

// conflicts reports whether tx may not write obj, as snapshot isolation says.
func (m *machine) conflicts(tx *mTx, obj string) bool {
	if o := m.owner[obj]; o != nil && o != tx {
		return true
	}
	if tx.rc {
		return m.lastCommit[obj] > m.visible()
	}
	return m.lastCommit[obj] > tx.start
}

func (m *machine) claim(tx *mTx, obj string) {
	m.owner[obj] = tx
	tx.written[obj] = true
}

func (m *machine) drop(tx *mTx) {
	for obj := range tx.written {
		if m.owner[obj] == tx {
			delete(m.owner, obj)
		}
	}
	m.txs = slices.DeleteFunc(m.txs, func(x *mTx) bool { return x == tx })
}

func (m *machine) pickTx(t *rapid.T) *mTx {
	if len(m.txs) == 0 {
		t.Skip("no open transaction")
	}
	tx := m.pickAny(t)
	if tx.prepared != 0 {
		t.Skip("prepared transactions only commit or abort")
	}
	return tx
}

func (m *machine) pickAny(t *rapid.T) *mTx {
	if len(m.txs) == 0 {
		t.Skip("no open transaction")
	}
	tx := m.txs[rapid.IntRange(0, len(m.txs)-1).Draw(t, "tx")]
	m.refresh(tx)
	return tx
}

// visible is the snapshot new readers get: the acknowledged timestamp, held
// below the oldest prepared transaction.
func (m *machine) visible() int {
	v := m.ack
	for _, tx := range m.txs {
		if tx.prepared != 0 && tx.prepared <= v {
			v = tx.prepared - 1
		}
	}
	return v
}

// stateAt rebuilds the committed state at timestamp ts.
func (m *machine) stateAt(ts int) mState {
	st := mState{v: map[int64]*mVertex{}, e: map[int64]*mEdge{}}
	for _, c := range slices.Sorted(maps.Keys(m.changes)) {
		if c > ts {
			break
		}
		for id, v := range m.changes[c].v {
			st.v[id] = v
			if v == nil {
				delete(st.v, id)
			}
		}
		for id, e := range m.changes[c].e {
			st.e[id] = e
			if e == nil {
				delete(st.e, id)
			}
		}
	}
	return st.clone()
}

// refresh rebuilds a READ_COMMITTED transaction's view: the latest commits
// with its own writes on top.
func (m *machine) refresh(tx *mTx) {
	if !tx.rc {
		return
	}
	v := m.stateAt(m.visible())
	for obj := range tx.written {
		var id int64
		if _, err := fmt.Sscanf(obj, "v%d", &id); err == nil {
			delete(v.v, id)
			if x := tx.view.v[id]; x != nil {
				v.v[id] = x
			}
		} else if _, err := fmt.Sscanf(obj, "e%d", &id); err == nil {
			delete(v.e, id)
			if x := tx.view.e[id]; x != nil {
				v.e[id] = x
			}
		}
	}
	tx.view = v
}

// pickID draws an ID the view knows most of the time, else any small ID.
func pickID[T any](t *rapid.T, view map[int64]T, name string) int64 {
	ids := slices.Sorted(maps.Keys(view))
	if len(ids) > 0 && rapid.IntRange(0, 9).Draw(t, name+"known") > 0 {
		return rapid.SampledFrom(ids).Draw(t, name)
	}
	return rapid.Int64Range(0, 30).Draw(t, name)
}

// expect checks a graph error against the model's prediction: nil, a
// conflict (after which the transaction is aborted) or a sentinel.
func (m *machine) expect(t *rapid.T, tx *mTx, err error, conflict bool, want error) bool {
	if conflict {
		if !errors.Is(err, ErrSerialization) {
			t.Fatalf("want conflict, got %v", err)
		}
		tx.tx.Abort()
		m.drop(tx)
		return false
	}
	if want != nil {
		if !errors.Is(err, want) {
			t.Fatalf("want %v, got %v", want, err)
		}
		return false
	}
	if err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	return true
}

func (m *machine) begin(t *rapid.T) {
	if len(m.txs) >= 3 {
		t.Skip("enough transactions")
	}
	rc := rapid.IntRange(0, 3).Draw(t, "rc") == 0
	opts := TxOptions{}
	if rc {
		opts.Isolation = ReadCommitted
	}
	m.txs = append(m.txs, &mTx{tx: m.g.Begin(opts), rc: rc, view: m.stateAt(m.visible()), start: m.visible(), written: map[string]bool{}})
}

func (m *machine) createVertex(t *rapid.T) {
	tx := m.pickTx(t)
	id, err := tx.tx.CreateVertex()
	if err != nil {
		t.Fatal(err)
	}
	if _, dup := m.committed.v[id]; dup || m.owner[vkey(id)] != nil {
		t.Fatalf("vertex id %d reused", id)
	}
	tx.view.v[id] = &mVertex{labels: map[string]bool{}, props: map[string]value.Value{}}
	m.claim(tx, vkey(id))
}

func (m *machine) label(t *rapid.T) {
	tx := m.pickTx(t)
	id := pickID(t, tx.view.v, "v")
	l := rapid.SampledFrom(mLabels).Draw(t, "label")
	add := rapid.Bool().Draw(t, "add")
	var err error
	if add {
		err = tx.tx.AddLabel(id, l)
	} else {
		err = tx.tx.RemoveLabel(id, l)
	}
	v := tx.view.v[id]
	if v == nil {
		m.expect(t, tx, err, false, ErrNotFound)
		return
	}
	if v.labels[l] == add {
		m.expect(t, tx, err, false, nil)
		return
	}
	if m.expect(t, tx, err, m.conflicts(tx, vkey(id)), nil) {
		m.claim(tx, vkey(id))
		if add {
			v.labels[l] = true
		} else {
			delete(v.labels, l)
		}
	}
}

func drawValue(t *rapid.T) value.Value {
	if rapid.IntRange(0, 5).Draw(t, "null") == 0 {
		return nil
	}
	return rapid.SampledFrom(mValues).Draw(t, "value")
}

func setProp(props map[string]value.Value, k string, val value.Value) {
	if val == nil {
		delete(props, k)
	} else {
		props[k] = val
	}
}

func (m *machine) setVertexProp(t *rapid.T) {
	tx := m.pickTx(t)
	id := pickID(t, tx.view.v, "v")
	k, val := rapid.SampledFrom(mKeys).Draw(t, "key"), drawValue(t)
	err := tx.tx.SetVertexProperty(id, k, val)
	v := tx.view.v[id]
	if v == nil {
		m.expect(t, tx, err, false, ErrNotFound)
		return
	}
	if m.expect(t, tx, err, m.conflicts(tx, vkey(id)), nil) {
		m.claim(tx, vkey(id))
		setProp(v.props, k, val)
	}
}

// deletedElsewhere reports whether vertex v, which tx sees, was deleted by
// another transaction: one still open (it owns v and its view lacks it) or
// a commit tx's view does not include (v is gone from the latest state).
func (m *machine) deletedElsewhere(tx *mTx, v int64) bool {
	if o := m.owner[vkey(v)]; o != nil && o != tx {
		return o.view.v[v] == nil
	}
	return !tx.written[vkey(v)] && m.committed.v[v] == nil
}

// createEdge attaches an edge: it writes only the edge, so it conflicts
// with nothing but a deletion of an endpoint by another transaction.
func (m *machine) createEdge(t *rapid.T) {
	tx := m.pickTx(t)
	from, to := pickID(t, tx.view.v, "from"), pickID(t, tx.view.v, "to")
	typ := rapid.SampledFrom(mTypes).Draw(t, "type")
	id, err := tx.tx.CreateEdge(from, to, typ)
	if tx.view.v[from] == nil || tx.view.v[to] == nil {
		m.expect(t, tx, err, false, ErrNotFound)
		return
	}
	if m.expect(t, tx, err, m.deletedElsewhere(tx, from) || m.deletedElsewhere(tx, to), nil) {
		if _, dup := m.ends[id]; dup {
			t.Fatalf("edge id %d reused", id)
		}
		m.ends[id] = [2]int64{from, to}
		m.claim(tx, ekey(id))
		tx.view.e[id] = &mEdge{from: from, to: to, typ: typ, props: map[string]value.Value{}}
	}
}

// unseenEdge reports whether an edge at v that tx does not see was written
// by another open transaction or by a commit tx's view does not include:
// deleting v would leave that edge dangling.
func (m *machine) unseenEdge(tx *mTx, v int64) bool {
	for _, eid := range slices.Sorted(maps.Keys(m.ends)) {
		ends := m.ends[eid]
		if (ends[0] != v && ends[1] != v) || tx.view.e[eid] != nil || tx.written[ekey(eid)] {
			continue
		}
		if m.conflicts(tx, ekey(eid)) {
			return true
		}
	}
	return false
}

func (m *machine) setEdgeProp(t *rapid.T) {
	tx := m.pickTx(t)
	id := pickID(t, tx.view.e, "e")
	k, val := rapid.SampledFrom(mKeys).Draw(t, "key"), drawValue(t)
	err := tx.tx.SetEdgeProperty(id, k, val)
	e := tx.view.e[id]
	if e == nil {
		m.expect(t, tx, err, false, ErrNotFound)
		return
	}
	if m.expect(t, tx, err, m.conflicts(tx, ekey(id)), nil) {
		m.claim(tx, ekey(id))
		setProp(e.props, k, val)
	}
}

func (m *machine) deleteEdge(t *rapid.T) {
	tx := m.pickTx(t)
	id := pickID(t, tx.view.e, "e")
	err := tx.tx.DeleteEdge(id)
	if tx.view.e[id] == nil {
		m.expect(t, tx, err, false, ErrNotFound)
		return
	}
	if m.expect(t, tx, err, m.conflicts(tx, ekey(id)), nil) {
		m.claim(tx, ekey(id))
		delete(tx.view.e, id)
	}
}

func (m *machine) deleteVertex(t *rapid.T) {
	tx := m.pickTx(t)
	id := pickID(t, tx.view.v, "v")
	detach := rapid.Bool().Draw(t, "detach")
	err := tx.tx.DeleteVertex(id, detach)
	if tx.view.v[id] == nil {
		m.expect(t, tx, err, false, ErrNotFound)
		return
	}
	var edges []int64
	for eid, e := range tx.view.e {
		if e.from == id || e.to == id {
			edges = append(edges, eid)
		}
	}
	if len(edges) > 0 && !detach {
		m.expect(t, tx, err, false, ErrHasEdges)
		return
	}
	conflict := m.conflicts(tx, vkey(id)) || m.unseenEdge(tx, id)
	for _, eid := range edges {
		conflict = conflict || m.conflicts(tx, ekey(eid))
	}
	if m.expect(t, tx, err, conflict, nil) {
		m.claim(tx, vkey(id))
		for _, eid := range edges {
			m.claim(tx, ekey(eid))
			delete(tx.view.e, eid)
		}
		delete(tx.view.v, id)
	}
}

// fallback reports whether a prepared transaction holds vertex id, and if
// so returns the committed vertex it would leave behind by aborting (nil if
// none): a constraint must allow it as well as the prepared version.
func (m *machine) fallback(id int64) (*mVertex, bool) {
	if o := m.owner[vkey(id)]; o != nil && o.prepared != 0 {
		return m.committed.v[id], true
	}
	return nil, false
}

// violates predicts tx's commit: a constraint failure (bad) against the
// committed and prepared versions, else a retryable conflict when a vertex
// that a prepared transaction moves away from tx's unique value would keep
// it if that transaction aborted.
func (m *machine) violates(tx *mTx) (bad, conflict bool) {
	latest := func(id int64) *mVertex {
		if tx.written[vkey(id)] {
			return tx.view.v[id]
		}
		if o := m.owner[vkey(id)]; o != nil && o.prepared != 0 {
			return o.view.v[id]
		}
		return m.committed.v[id]
	}
	ids := slices.Collect(maps.Keys(m.committed.v))
	for _, o := range m.txs {
		if o == tx || o.prepared != 0 {
			for id := range o.view.v {
				if o.written[vkey(id)] {
					ids = append(ids, id)
				}
			}
		}
	}
	for obj := range tx.written {
		var id int64
		if _, err := fmt.Sscanf(obj, "v%d", &id); err != nil {
			continue
		}
		v := tx.view.v[id]
		if v == nil {
			continue
		}
		for c := range m.exist {
			if _, has := v.props[c[1]]; v.labels[c[0]] && !has {
				return true, false
			}
		}
		for c := range m.unique {
			val, has := v.props[c[1]]
			if !has || !v.labels[c[0]] {
				continue
			}
			for _, o := range ids {
				if o == id {
					continue
				}
				if hasValue(latest(o), c, val) {
					return true, false
				}
				if fb, held := m.fallback(o); held && hasValue(fb, c, val) {
					conflict = true
				}
			}
		}
	}
	return false, conflict
}

// hasValue reports whether v has label c[0] and property c[1] equal to val.
func hasValue(v *mVertex, c [2]string, val value.Value) bool {
	return v != nil && v.labels[c[0]] && v.props[c[1]] != nil && compareKeys(v.props[c[1]], val) == 0
}

func (m *machine) prepare(t *rapid.T) {
	tx := m.pickTx(t)
	bad, conflict := m.violates(tx)
	ts, _, err := tx.tx.Prepare()
	if !bad && conflict {
		m.expect(t, tx, err, true, nil)
		return
	}
	if bad {
		var ce *ConstraintError
		if !errors.As(err, &ce) {
			t.Fatalf("want constraint violation at prepare, got %v", err)
		}
		m.drop(tx)
		return
	}
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if len(tx.tx.Deltas()) == 0 {
		if ts != 0 {
			t.Fatalf("empty prepare got timestamp %d", ts)
		}
		return
	}
	if m.seq++; ts != uint64(m.seq) {
		t.Fatalf("prepare timestamp %d, want %d", ts, m.seq)
	}
	tx.prepared = m.seq
}

func (m *machine) commit(t *rapid.T) {
	tx := m.pickAny(t)
	var bad, conflict bool
	if tx.prepared == 0 {
		bad, conflict = m.violates(tx)
	}
	ts, ds, err := tx.tx.Commit()
	if !bad && conflict {
		m.expect(t, tx, err, true, nil)
		return
	}
	if bad {
		var ce *ConstraintError
		if !errors.As(err, &ce) {
			t.Fatalf("want constraint violation, got %v", err)
		}
		m.drop(tx)
		return
	}
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	if len(tx.tx.Deltas()) == 0 {
		m.drop(tx)
		return
	}
	want := tx.prepared
	if want == 0 {
		m.seq++
		want = m.seq
	}
	if ts != uint64(want) {
		t.Fatalf("commit timestamp %d, want %d", ts, want)
	}
	m.committed = m.committed.clone()
	change := mState{v: map[int64]*mVertex{}, e: map[int64]*mEdge{}}
	for obj := range tx.written {
		m.lastCommit[obj] = want
		var id int64
		if _, err := fmt.Sscanf(obj, "v%d", &id); err == nil {
			change.v[id] = tx.view.v[id]
			m.committed.v[id] = tx.view.v[id]
			if tx.view.v[id] == nil {
				delete(m.committed.v, id)
			}
		} else if _, err := fmt.Sscanf(obj, "e%d", &id); err == nil {
			change.e[id] = tx.view.e[id]
			m.committed.e[id] = tx.view.e[id]
			if tx.view.e[id] == nil {
				delete(m.committed.e, id)
			}
		}
	}
	m.changes[want] = change.clone()
	m.log[want] = slices.Clone(ds)
	m.drop(tx)
}

// acknowledge makes a random prefix of the commits visible.
func (m *machine) acknowledge(t *rapid.T) {
	if m.ack == m.seq {
		t.Skip("all acknowledged")
	}
	ts := rapid.IntRange(m.ack+1, m.seq).Draw(t, "ack")
	if err := m.g.MarkAcknowledged(uint64(ts)); err != nil {
		t.Fatal(err)
	}
	m.ack = ts
	if got := m.g.VisibleTS(); got != uint64(m.visible()) {
		t.Fatalf("visible %d after acknowledging %d, want %d", got, ts, m.visible())
	}
}

func (m *machine) abort(t *rapid.T) {
	tx := m.pickAny(t)
	tx.tx.Abort()
	m.drop(tx)
}

func (m *machine) schemaOp(t *rapid.T) {
	kind := rapid.SampledFrom(m.kinds).Draw(t, "kind")
	item := SchemaItem{Kind: kind, Name: rapid.SampledFrom(mLabels).Draw(t, "label")}
	switch kind {
	case KindEdgeTypeIndex:
		item.Name = rapid.SampledFrom(mTypes).Draw(t, "type")
	case KindLabelPropertyIndex, KindExistence, KindUnique:
		item.Key = rapid.SampledFrom(mKeys).Draw(t, "key")
	}
	constraint := kind == KindExistence || kind == KindUnique
	exists := m.schemas[len(m.schemas)-1].items[item]
	if m.g.HasSchema(item) != exists {
		t.Fatalf("%v: graph lists it %v, model %v", item, m.g.HasSchema(item), exists)
	}
	last := m.g.LastCommitTS()
	var ts uint64
	var ds []Delta
	var err error
	switch {
	case constraint && exists:
		ts, ds, err = m.g.DropConstraint(item)
	case constraint:
		ts, ds, err = m.g.CreateConstraint(item)
	case exists:
		ts, ds, err = m.g.DropIndex(item)
	default:
		ts, ds, err = m.g.CreateIndex(item)
	}
	c := [2]string{item.Name, item.Key}
	violation, conflict := m.constraintOutcome(kind, c)
	if constraint && !exists && (violation || conflict) {
		if violation && !errors.As(err, new(*ConstraintError)) {
			t.Fatalf("%v over violating data: %v", item, err)
		}
		if !violation && !errors.Is(err, ErrSerialization) {
			t.Fatalf("%v while a prepared transaction could violate it: want a conflict, got %v", item, err)
		}
		if m.g.HasSchema(item) || m.g.LastCommitTS() != last {
			t.Fatalf("the failed %v left itself or timestamp %d behind", item, m.g.LastCommitTS())
		}
		return
	}
	if err != nil {
		t.Fatalf("%v: %v", item, err)
	}
	m.schemaCommitted(t, ts, item, !exists)
	m.log[m.seq] = ds
	switch {
	case kind == KindExistence && exists:
		delete(m.exist, c)
	case kind == KindUnique && exists:
		delete(m.unique, c)
	case kind == KindExistence:
		m.exist[c] = true
	case kind == KindUnique:
		m.unique[c] = true
	}
}

// schemaCommitted records a schema change as a new version at its
// timestamp.
func (m *machine) schemaCommitted(t *rapid.T, ts uint64, item SchemaItem, create bool) {
	if m.seq++; ts != uint64(m.seq) {
		t.Fatalf("%v at timestamp %d, want %d", item, ts, m.seq)
	}
	items := maps.Clone(m.schemas[len(m.schemas)-1].items)
	if create {
		items[item] = true
	} else {
		delete(items, item)
	}
	m.schemas = append(m.schemas, mSchema{ts: m.seq, items: items})
}

// constraintOutcome predicts the creation of a constraint. A violation in
// the committed state with prepared transactions' writes on top (they
// commit without another check) fails it with a constraint error. Else a
// violation that takes a committed vertex a prepared transaction would
// restore by aborting fails it with a conflict: the constraint must hold
// whichever way the prepared transaction is decided.
func (m *machine) constraintOutcome(kind uint8, c [2]string) (violation, conflict bool) {
	st := m.latestState()
	var vs []*mVertex
	var ids []int64
	for _, id := range slices.Sorted(maps.Keys(st.v)) {
		vs, ids = append(vs, st.v[id]), append(ids, id)
	}
	if !holds(kind, c, vs, ids) {
		return true, false
	}
	for _, id := range slices.Sorted(maps.Keys(m.committed.v)) {
		if fb, held := m.fallback(id); held && fb != nil {
			vs, ids = append(vs, fb), append(ids, id)
		}
	}
	return false, !holds(kind, c, vs, ids)
}

// latestState is the committed state with prepared transactions' writes on
// top.
func (m *machine) latestState() mState {
	st := m.committed.clone()
	for _, tx := range m.txs {
		if tx.prepared == 0 {
			continue
		}
		for obj := range tx.written {
			var id int64
			if _, err := fmt.Sscanf(obj, "v%d", &id); err == nil {
				delete(st.v, id)
				if x := tx.view.v[id]; x != nil {
					st.v[id] = x
				}
			}
		}
	}
	return st
}

// holds checks constraint c of kind on vertices vs (ids[i] is vs[i]'s ID;
// a vertex may be listed twice, as its prepared and its committed version,
// and never conflicts with itself).
func holds(kind uint8, c [2]string, vs []*mVertex, ids []int64) bool {
	for i, v := range vs {
		if !v.labels[c[0]] {
			continue
		}
		val, has := v.props[c[1]]
		if kind == KindExistence && !has {
			return false
		}
		if kind != KindUnique || !has {
			continue
		}
		for j, w := range vs[:i] {
			if ids[j] != ids[i] && hasValue(w, c, val) {
				return false
			}
		}
	}
	return true
}

// checkConstraints checks that the committed state satisfies every
// constraint of the newest schema: whatever prepared transactions decide,
// the graph never commits a state its constraints reject.
func (m *machine) checkConstraints(t *rapid.T) {
	ids := slices.Sorted(maps.Keys(m.committed.v))
	vs := make([]*mVertex, len(ids))
	for i, id := range ids {
		vs[i] = m.committed.v[id]
	}
	for c := range m.exist {
		if !holds(KindExistence, c, vs, ids) {
			t.Fatalf("committed state violates existence constraint %v", c)
		}
	}
	for c := range m.unique {
		if !holds(KindUnique, c, vs, ids) {
			t.Fatalf("committed state violates unique constraint %v", c)
		}
	}
}

// gc collects garbage; every collection, however small its budget, leaves
// exactly the schema versions from the one at the horizon on.
func (m *machine) gc(t *rapid.T) {
	if budget := rapid.IntRange(-1, 3).Draw(t, "budget"); budget >= 0 {
		m.g.CollectGarbageStep(budget)
	} else {
		m.g.CollectGarbage()
	}
	if got, want := schemaChain(m.g), len(m.schemas)-m.schemaAt(m.horizon()); got != want {
		t.Fatalf("%d schema versions after GC at horizon %d, want %d", got, m.horizon(), want)
	}
}

// read begins a read-only transaction.
func (m *machine) read(t *rapid.T) {
	if len(m.readers) >= 3 {
		t.Skip("enough readers")
	}
	rc := rapid.IntRange(0, 3).Draw(t, "rc") == 0
	opts := TxOptions{ReadOnly: true}
	if rc {
		opts.Isolation = ReadCommitted
	}
	m.readers = append(m.readers, &mReader{tx: m.g.Begin(opts), rc: rc, start: m.visible()})
}

// endRead ends a read-only transaction.
func (m *machine) endRead(t *rapid.T) {
	if len(m.readers) == 0 {
		t.Skip("no reader")
	}
	i := rapid.IntRange(0, len(m.readers)-1).Draw(t, "reader")
	m.readers[i].tx.Abort()
	m.readers = slices.Delete(m.readers, i, i+1)
}

// snapshot writes a reader's snapshot, loads it into an empty graph and
// checks that it holds exactly the state and schema at the reader's
// timestamp.
func (m *machine) snapshot(t *rapid.T) {
	if len(m.readers) == 0 {
		t.Skip("no reader")
	}
	r := m.readers[rapid.IntRange(0, len(m.readers)-1).Draw(t, "reader")]
	at := r.start
	if r.rc {
		at = m.visible()
	}
	var ds []Delta
	if err := r.tx.SnapshotDeltas(func(d Delta) error { ds = append(ds, d); return nil }); err != nil {
		t.Fatal(err)
	}
	fresh := New(Options{})
	if err := fresh.Apply(1, ds); err != nil {
		t.Fatalf("loading the snapshot at %d: %v", at, err)
	}
	if err := fresh.MarkAcknowledged(1); err != nil {
		t.Fatal(err)
	}
	tx := fresh.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	checkView(t, tx, m.stateAt(at))
	m.checkSchema(t, tx, fresh.schemaAt(1).items, m.schemas[m.schemaAt(at)].items)
}

// checkReplica applies the decided commits to the replica in timestamp
// order (up to the oldest undecided prepared one), acknowledges what the
// primary has acknowledged, and checks that a reader there sees the state
// and the schema at that timestamp.
func (m *machine) checkReplica(t *rapid.T) {
	limit := m.seq + 1
	for _, tx := range m.txs {
		if tx.prepared != 0 {
			limit = min(limit, tx.prepared)
		}
	}
	for _, ts := range slices.Sorted(maps.Keys(m.log)) {
		if ts >= limit {
			break
		}
		if err := m.replica.Apply(uint64(ts), m.log[ts]); err != nil {
			t.Fatalf("replica: applying %d: %v", ts, err)
		}
		delete(m.log, ts)
	}
	at := min(m.visible(), int(m.replica.LastCommitTS()))
	if err := m.replica.MarkAcknowledged(uint64(at)); err != nil {
		t.Fatal(err)
	}
	if got := m.replica.VisibleTS(); got != uint64(at) {
		t.Fatalf("replica visible at %d, want %d", got, at)
	}
	r := m.replica.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	checkView(t, r, m.stateAt(at))
	m.checkSchema(t, r, r.Schema(), m.schemas[m.schemaAt(at)].items)
	m.checkIndexUse(t, r, at, false)
}

// checkSchema compares a schema listing with the model's.
func (m *machine) checkSchema(t *rapid.T, tx *Txn, got []SchemaItem, want map[SchemaItem]bool) {
	w := slices.SortedFunc(maps.Keys(want), compareItems)
	if slices.Equal(w, got) {
		return
	}
	if d := cmp.Diff(w, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%v schema:\n%s", tx, d)
	}
}

// checkIndexUse checks which scans of tx walk an index: exactly those the
// model's schema at snapshot ts makes usable.
func (m *machine) checkIndexUse(t *rapid.T, tx *Txn, ts int, write bool) {
	for _, l := range mLabels {
		want := m.usable(SchemaItem{Kind: KindLabelIndex, Name: l}, ts, write)
		if got := tx.VerticesByLabel(l).mode == iterList; got != want {
			t.Fatalf("%v at %d: label %s via index %v, want %v", tx, ts, l, got, want)
		}
		for _, k := range mKeys {
			want := m.usable(SchemaItem{Kind: KindLabelPropertyIndex, Name: l, Key: k}, ts, write)
			if got := tx.VerticesByProperty(l, k, int64(1)).mode == iterList; got != want {
				t.Fatalf("%v at %d: :%s(%s) via index %v, want %v", tx, ts, l, k, got, want)
			}
		}
	}
	for _, ty := range mTypes {
		want := m.usable(SchemaItem{Kind: KindEdgeTypeIndex, Name: ty}, ts, write)
		if got := tx.EdgesByType(ty).mode == iterList; got != want {
			t.Fatalf("%v at %d: type %s via index %v, want %v", tx, ts, ty, got, want)
		}
	}
}

// check compares what every open transaction and a fresh reader see with
// the model.
func (m *machine) check(t *rapid.T) {
	m.checkConstraints(t)
	m.checkReplica(t)
	r := m.g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	checkView(t, r, m.stateAt(m.visible()))
	m.checkSchema(t, r, r.Schema(), m.schemas[m.schemaAt(m.visible())].items)
	m.checkIndexUse(t, r, m.visible(), false)
	for _, rd := range m.readers {
		at := rd.start
		if rd.rc {
			at = m.visible()
		}
		checkView(t, rd.tx, m.stateAt(at))
		m.checkSchema(t, rd.tx, rd.tx.Schema(), m.schemas[m.schemaAt(at)].items)
		m.checkIndexUse(t, rd.tx, at, false)
	}
	if st := m.g.Stats(); st.Vertices != int64(len(m.committed.v)) || st.Edges != int64(len(m.committed.e)) {
		t.Fatalf("stats count %d vertices and %d edges, model %d and %d", st.Vertices, st.Edges, len(m.committed.v), len(m.committed.e))
	}
	for _, tx := range m.txs {
		m.refresh(tx)
		checkView(t, tx.tx, tx.view)
		at := tx.start
		if tx.rc {
			at = m.visible()
		}
		m.checkSchema(t, tx.tx, tx.tx.Schema(), m.schemas[m.schemaAt(at)].items)
		m.checkIndexUse(t, tx.tx, at, true)
	}
}

func checkView(t *rapid.T, tx *Txn, s mState) {
	ids := slices.Sorted(maps.Keys(s.v))
	if got := tx.Vertices().Collect(); !slices.Equal(got, ids) {
		t.Fatalf("%v vertices %v, want %v", tx, got, ids)
	}
	for _, id := range ids {
		n, err := tx.Vertex(id)
		if err != nil {
			t.Fatal(err)
		}
		want := value.Node{ID: id, Labels: slices.Sorted(maps.Keys(s.v[id].labels)), Props: value.Map(s.v[id].props)}
		if want.Labels == nil {
			want.Labels = []string{}
		}
		if d := cmp.Diff(want, n); d != "" {
			t.Fatalf("vertex %d: %s", id, d)
		}
		for _, dir := range []Direction{Out, In, Both} {
			checkAdjacency(t, tx, s, id, dir)
		}
	}
	eids := slices.Sorted(maps.Keys(s.e))
	var got []int64
	for it := tx.AllEdges(); it.Next(); {
		got = append(got, it.Edge().ID)
	}
	if !slices.Equal(got, eids) {
		t.Fatalf("edges %v, want %v", got, eids)
	}
	for _, id := range eids {
		r, err := tx.Edge(id)
		if err != nil {
			t.Fatal(err)
		}
		e := s.e[id]
		want := value.Relationship{ID: id, StartID: e.from, EndID: e.to, Type: e.typ, Props: value.Map(e.props)}
		if d := cmp.Diff(want, r); d != "" {
			t.Fatalf("edge %d: %s", id, d)
		}
	}
	for _, typ := range mTypes {
		var got, want []int64
		for it := tx.EdgesByType(typ); it.Next(); {
			got = append(got, it.Edge().ID)
		}
		for _, id := range eids {
			if s.e[id].typ == typ {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("edges of type %s: %v, want %v", typ, got, want)
		}
	}
	checkScans(t, tx, s, ids)
}

func checkAdjacency(t *rapid.T, tx *Txn, s mState, v int64, dir Direction) {
	var got, want []int64
	for it := tx.Edges(v, dir); it.Next(); {
		got = append(got, it.Edge().ID)
	}
	for id, e := range s.e {
		if (dir != In && e.from == v) || (dir != Out && e.to == v) {
			want = append(want, id)
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	if !slices.Equal(got, want) {
		t.Fatalf("vertex %d dir %d edges %v, want %v", v, dir, got, want)
	}
}

func checkScans(t *rapid.T, tx *Txn, s mState, ids []int64) {
	for _, l := range mLabels {
		var want []int64
		for _, id := range ids {
			if s.v[id].labels[l] {
				want = append(want, id)
			}
		}
		if got := tx.VerticesByLabel(l).Collect(); !slices.Equal(got, want) {
			t.Fatalf("label %s: %v, want %v", l, got, want)
		}
		for _, k := range mKeys {
			for _, val := range mValues {
				var want []int64
				for _, id := range ids {
					if pv, has := s.v[id].props[k]; has && s.v[id].labels[l] && compareKeys(pv, val) == 0 {
						want = append(want, id)
					}
				}
				got := tx.VerticesByProperty(l, k, val).Collect()
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf(":%s(%s = %v): %v, want %v", l, k, val, got, want)
				}
			}
			var want []int64
			for _, id := range ids {
				pv, has := s.v[id].props[k]
				if has && s.v[id].labels[l] && rankOf(pv) == rankNumber && compareKeys(pv, int64(1)) > 0 {
					want = append(want, id)
				}
			}
			got := tx.VerticesByPropertyRange(l, k, &Bound{Value: int64(1)}, nil).Collect()
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf(":%s(%s > 1): %v, want %v", l, k, got, want)
			}
		}
	}
}

// run drives the machine through actions for a few rounds (rapid's
// default of 30 steps per Repeat is short for MVCC; one round under the
// race detector), then aborts every transaction and reader left open.
func (m *machine) run(t *rapid.T, actions map[string]func(*rapid.T)) {
	rounds := 4
	if raceEnabled {
		rounds = 1
	}
	for range rounds {
		t.Repeat(actions)
	}
	for _, tx := range m.txs {
		tx.tx.Abort()
	}
	for _, r := range m.readers {
		r.tx.Abort()
	}
}

func TestStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newMachine()
		actions := map[string]func(*rapid.T){
			"begin":         m.begin,
			"createVertex":  m.createVertex,
			"label":         m.label,
			"setVertexProp": m.setVertexProp,
			"createEdge":    m.createEdge,
			"setEdgeProp":   m.setEdgeProp,
			"deleteEdge":    m.deleteEdge,
			"deleteVertex":  m.deleteVertex,
			"commit":        m.commit,
			"abort":         m.abort,
			"schema":        m.schemaOp,
			"gc":            m.gc,
			"read":          m.read,
			"endRead":       m.endRead,
			"snapshot":      m.snapshot,
			"acknowledge":   m.acknowledge,
			"prepare":       m.prepare,
			"":              m.check,
		}
		m.run(t, actions)
	})
}

// seedVertices commits and acknowledges n vertices, so that interleaved
// transactions start out sharing them.
func (m *machine) seedVertices(t *rapid.T, n int) { m.seed(t, n, false) }

// seed commits n vertices; with labelled set each may get label A and
// property k from a small set of values, so that constraints on :A(k)
// meet violations and duplicates from the start.
func (m *machine) seed(t *rapid.T, n int, labelled bool) {
	tx := m.g.Begin(TxOptions{})
	change := mState{v: map[int64]*mVertex{}, e: map[int64]*mEdge{}}
	for range n {
		id, err := tx.CreateVertex()
		if err != nil {
			t.Fatal(err)
		}
		v := &mVertex{labels: map[string]bool{}, props: map[string]value.Value{}}
		if labelled && rapid.Bool().Draw(t, "labelA") {
			if err := tx.AddLabel(id, "A"); err != nil {
				t.Fatal(err)
			}
			v.labels["A"] = true
		}
		if k := rapid.IntRange(-1, 1).Draw(t, "k"); labelled && k >= 0 {
			if err := tx.SetVertexProperty(id, "k", int64(k)); err != nil {
				t.Fatal(err)
			}
			v.props["k"] = int64(k)
		}
		change.v[id] = v
		m.lastCommit[vkey(id)] = m.seq + 1
	}
	ts, ds, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if m.seq++; ts != uint64(m.seq) {
		t.Fatalf("seed committed at %d, want %d", ts, m.seq)
	}
	if err := m.g.MarkAcknowledged(ts); err != nil {
		t.Fatal(err)
	}
	m.ack = m.seq
	m.committed = change.clone()
	m.changes[m.seq] = change.clone()
	m.log[m.seq] = slices.Clone(ds)
}

// TestEdgeCommuteStateMachine interleaves transactions that attach edges
// to a few shared vertices, delete edges and vertices, and commit, abort or
// prepare in any order, with long-lived readers and garbage collection in
// between: edge creations at one vertex never conflict with each other, a
// deletion of the vertex conflicts with every edge the deleter cannot see,
// and every transaction and snapshot sees exactly what the model says.
func TestEdgeCommuteStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newMachine()
		m.seedVertices(t, rapid.IntRange(1, 4).Draw(t, "vertices"))
		actions := map[string]func(*rapid.T){
			"begin":        m.begin,
			"createEdge":   m.createEdge,
			"createEdge2":  m.createEdge, // twice as likely as the rest
			"deleteEdge":   m.deleteEdge,
			"deleteVertex": m.deleteVertex,
			"createVertex": m.createVertex,
			"setEdgeProp":  m.setEdgeProp,
			"commit":       m.commit,
			"abort":        m.abort,
			"prepare":      m.prepare,
			"acknowledge":  m.acknowledge,
			"gc":           m.gc,
			"read":         m.read,
			"endRead":      m.endRead,
			"":             m.check,
		}
		m.run(t, actions)
	})
}

// TestConstraintStateMachine relabels, sets and deletes a few shared
// vertices in transactions that are often prepared, and creates and drops
// constraints in between: a constraint is created (and a commit passes its
// unique check) only when it holds whichever way the prepared transactions
// are decided, so the committed state always satisfies the constraints and
// the replica applies every record.
func TestConstraintStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newMachine()
		m.kinds = []uint8{KindExistence, KindUnique}
		m.seed(t, rapid.IntRange(2, 5).Draw(t, "vertices"), true)
		actions := map[string]func(*rapid.T){
			"begin":         m.begin,
			"begin2":        m.begin,
			"label":         m.label,
			"setVertexProp": m.setVertexProp,
			"createVertex":  m.createVertex,
			"deleteVertex":  m.deleteVertex,
			"commit":        m.commit,
			"abort":         m.abort,
			"prepare":       m.prepare,
			"prepare2":      m.prepare, // prepared transactions are what this is about
			"schema":        m.schemaOp,
			"schema2":       m.schemaOp,
			"acknowledge":   m.acknowledge,
			"gc":            m.gc,
			"":              m.check,
		}
		m.run(t, actions)
	})
}
