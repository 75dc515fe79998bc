package instance

import (
	cmpkg "cmp"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// mstate is the simple model of a graph: maps of vertices and edges, and
// the indexes and constraints (sorted as graph.Schema sorts them).
type mstate struct {
	V      map[int64]value.Node
	E      map[int64]value.Relationship
	Schema []graph.SchemaItem
}

func (m mstate) clone() mstate {
	c := mstate{V: map[int64]value.Node{}, E: map[int64]value.Relationship{}, Schema: slices.Clone(m.Schema)}
	for id, n := range m.V {
		n.Labels = slices.Clone(n.Labels)
		n.Props = maps.Clone(n.Props)
		c.V[id] = n
	}
	for id, r := range m.E {
		r.Props = maps.Clone(r.Props)
		c.E[id] = r
	}
	return c
}

// readState reads the visible graph into the model's shape.
func readState(t *rapid.T, g *graph.Graph) mstate {
	tx := g.Begin(graph.TxOptions{ReadOnly: true})
	defer tx.Abort()
	s := mstate{V: map[int64]value.Node{}, E: map[int64]value.Relationship{}, Schema: tx.Schema()}
	for it := tx.Vertices(); it.Next(); {
		n, err := tx.Vertex(it.ID())
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(n.Labels)
		s.V[n.ID] = n
	}
	for it := tx.AllEdges(); it.Next(); {
		r, err := tx.Edge(it.Edge().ID)
		if err != nil {
			t.Fatal(err)
		}
		s.E[r.ID] = r
	}
	return s
}

// crashMachine is the rapid state machine: random single-operation
// transactions and schema changes through the instance, fsync completions,
// snapshots, and crashes with restart. The model keeps the state after every commit;
// after a restart the graph must equal the model at the recovered
// timestamp, which is at least the last completed commit.
type crashMachine struct {
	w         *world
	in        *Instance
	cfg       Config
	cur       mstate            // model after the last commit
	at        map[uint64]mstate // model after each commit timestamp
	completed uint64
	crashes   int
}

func (m *crashMachine) init(t *rapid.T) {
	m.w = newWorld(rapid.Uint64().Draw(t, "seed"))
	m.cfg = Config{GCInterval: -1, SnapshotStep: rapid.IntRange(1, 10).Draw(t, "step")}
	m.cfg.Durability.SegmentSize = int64(rapid.IntRange(100, 4000).Draw(t, "segment"))
	m.cfg.Durability.SnapshotRetention = rapid.IntRange(1, 3).Draw(t, "retention")
	m.cur = mstate{V: map[int64]value.Node{}, E: map[int64]value.Relationship{}}
	m.at = map[uint64]mstate{0: m.cur.clone()}
	m.start(t)
}

func (m *crashMachine) start(t *rapid.T) {
	in := New(m.cfg)
	if err := in.Start(m.w.env()); err != nil {
		t.Fatalf("restart: %v", err)
	}
	m.in = in
}

// commit commits tx, and on success records the model after it.
func (m *crashMachine) commit(tx *graph.Txn, apply func(s *mstate)) {
	before := m.in.Graph().LastCommitTS()
	m.in.Commit(tx, func(ts uint64, err error) {
		if err == nil && ts > m.completed {
			m.completed = ts
		}
	})
	if ts := m.in.Graph().LastCommitTS(); ts > before {
		apply(&m.cur)
		m.at[ts] = m.cur.clone()
	}
}

func (m *crashMachine) liveVertex(t *rapid.T) (int64, bool) {
	if len(m.cur.V) == 0 {
		return 0, false
	}
	ids := slices.Sorted(maps.Keys(m.cur.V))
	return rapid.SampledFrom(ids).Draw(t, "v"), true
}

func (m *crashMachine) CreateVertex(t *rapid.T) {
	label := rapid.SampledFrom([]string{"", "A", "B"}).Draw(t, "label")
	val := rapid.OneOf(rapid.Just[value.Value](nil), rapid.Int64().AsAny(), rapid.String().AsAny()).Draw(t, "val")
	tx := m.in.Begin(graph.TxOptions{})
	id, err := tx.CreateVertex()
	if err == nil && label != "" {
		err = tx.AddLabel(id, label)
	}
	if err == nil && val != nil {
		err = tx.SetVertexProperty(id, "p", val)
	}
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	m.commit(tx, func(s *mstate) {
		n := value.Node{ID: id, Labels: []string{}, Props: value.Map{}}
		if label != "" {
			n.Labels = []string{label}
		}
		if val != nil {
			n.Props["p"] = val
		}
		s.V[id] = n
	})
}

func (m *crashMachine) SetProperty(t *rapid.T) {
	v, ok := m.liveVertex(t)
	if !ok {
		t.Skip("no vertex")
	}
	val := rapid.Int64().Draw(t, "x")
	tx := m.in.Begin(graph.TxOptions{})
	if err := tx.SetVertexProperty(v, "q", val); err != nil {
		tx.Abort() // not visible yet, or a conflict with an unacknowledged commit
		return
	}
	m.commit(tx, func(s *mstate) { s.V[v].Props["q"] = val })
}

func (m *crashMachine) CreateEdge(t *rapid.T) {
	a, ok := m.liveVertex(t)
	b, _ := m.liveVertex(t)
	if !ok {
		t.Skip("no vertex")
	}
	tx := m.in.Begin(graph.TxOptions{})
	id, err := tx.CreateEdge(a, b, "R")
	if err == nil {
		err = tx.SetEdgeProperty(id, "w", int64(len(m.cur.E)))
	}
	if err != nil {
		tx.Abort()
		return
	}
	w := int64(len(m.cur.E))
	m.commit(tx, func(s *mstate) {
		s.E[id] = value.Relationship{ID: id, StartID: a, EndID: b, Type: "R", Props: value.Map{"w": w}}
	})
}

func (m *crashMachine) DetachDelete(t *rapid.T) {
	v, ok := m.liveVertex(t)
	if !ok {
		t.Skip("no vertex")
	}
	tx := m.in.Begin(graph.TxOptions{})
	if err := tx.DeleteVertex(v, true); err != nil {
		tx.Abort()
		return
	}
	m.commit(tx, func(s *mstate) {
		delete(s.V, v)
		for id, e := range s.E {
			if e.StartID == v || e.EndID == v {
				delete(s.E, id)
			}
		}
	})
}

// schemaItems are the indexes and constraint the machine toggles.
var schemaItems = []graph.SchemaItem{
	{Kind: graph.KindLabelIndex, Name: "A"},
	{Kind: graph.KindLabelPropertyIndex, Name: "B", Key: "p"},
	{Kind: graph.KindEdgeTypeIndex, Name: "R"},
	{Kind: graph.KindUnique, Name: "A", Key: "p"},
}

// Schema creates or drops an index or constraint, a commit of its own that
// the model records at its timestamp. A uniqueness constraint over
// duplicates may fail, leaving nothing.
func (m *crashMachine) Schema(t *rapid.T) {
	item := rapid.SampledFrom(schemaItems).Draw(t, "item")
	g := m.in.Graph()
	has := slices.Contains(m.cur.Schema, item)
	change := g.CreateIndex
	switch constraint := item.Kind == graph.KindUnique; {
	case constraint && has:
		change = g.DropConstraint
	case constraint:
		change = g.CreateConstraint
	case has:
		change = g.DropIndex
	}
	last := g.LastCommitTS()
	ts, ds, err := change(item)
	var ce *graph.ConstraintError
	if item.Kind == graph.KindUnique && !has && errors.As(err, &ce) && g.LastCommitTS() == last {
		return
	}
	if err != nil {
		t.Fatalf("%v: %v", item, err)
	}
	if has {
		m.cur.Schema = slices.DeleteFunc(m.cur.Schema, func(i graph.SchemaItem) bool { return i == item })
	} else {
		m.cur.Schema = append(m.cur.Schema, item)
		slices.SortFunc(m.cur.Schema, func(a, b graph.SchemaItem) int {
			return cmpkg.Or(cmpkg.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name), strings.Compare(a.Key, b.Key))
		})
	}
	m.at[ts] = m.cur.clone()
	m.in.Log(ts, ds, func(ts uint64, err error) {
		if err == nil && ts > m.completed {
			m.completed = ts
		}
	})
}

func (m *crashMachine) RunLoop(t *rapid.T) {
	m.w.l.runFor(time.Duration(rapid.IntRange(0, 20000).Draw(t, "us")) * time.Microsecond)
}

func (m *crashMachine) Snapshot(t *rapid.T) {
	m.in.Snapshot(func(error) {})
}

func (m *crashMachine) CrashAndRecover(t *rapid.T) {
	m.w.fs.Crash(rapid.Bool().Draw(t, "torn"))
	m.w.l.clear()
	m.start(t)
	k := m.in.Recovery().LastTS
	want, ok := m.at[k]
	if !ok || k < m.completed {
		t.Fatalf("recovered to %d (known: %v), last completed %d", k, ok, m.completed)
	}
	m.w.l.runFor(10 * time.Millisecond)
	if d := cmp.Diff(want, readState(t, m.in.Graph()), dcmp); d != "" {
		t.Fatalf("after recovery to %d (-model +graph):\n%s", k, d)
	}
	for ts := range m.at {
		if ts > k {
			delete(m.at, ts)
		}
	}
	m.cur = want.clone()
	m.completed = k
	m.crashes++
}

// Check: the visible graph is the model at the visible timestamp.
func (m *crashMachine) Check(t *rapid.T) {
	vis := m.in.Graph().VisibleTS()
	want, ok := m.at[vis]
	if !ok {
		t.Fatalf("visible timestamp %d was never committed", vis)
	}
	if d := cmp.Diff(want, readState(t, m.in.Graph()), dcmp); d != "" {
		t.Fatalf("visible state at %d (-model +graph):\n%s", vis, d)
	}
}

// TestCrashStateMachine is the rapid state-machine test of storage plus
// durability against a map model, with crash-and-recover as an action.
func TestCrashStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &crashMachine{}
		m.init(t)
		t.Repeat(rapid.StateMachineActions(m))
	})
}
