package durability

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/sim/simdisk"
)

// sched is a virtual-time event queue driving simdisk's completions.
type sched struct {
	now time.Duration
	seq int
	q   evq
}

type ev struct {
	at  time.Duration
	seq int
	f   func()
}

type evq []ev

func (q evq) Len() int { return len(q) }
func (q evq) Less(i, j int) bool {
	return q[i].at < q[j].at || q[i].at == q[j].at && q[i].seq < q[j].seq
}
func (q evq) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *evq) Push(x any)   { *q = append(*q, x.(ev)) }
func (q *evq) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func (s *sched) After(d time.Duration, f func()) {
	s.seq++
	heap.Push(&s.q, ev{at: s.now + d, seq: s.seq, f: f})
}

// step runs the next event and reports whether there was one.
func (s *sched) step() bool {
	if len(s.q) == 0 {
		return false
	}
	e := heap.Pop(&s.q).(ev)
	s.now = e.at
	e.f()
	return true
}

func (s *sched) drain() {
	for s.step() {
	}
}

// model is a tiny graph: vertex -> properties. It is the Target recovery
// fills, and the source of snapshots.
type model struct {
	v      map[int64]value.Map
	lastTS uint64
	snapTS uint64
}

func newModel() *model { return &model{v: map[int64]value.Map{}} }

func (m *model) apply(ds []graph.Delta) error {
	for _, d := range ds {
		switch d.Op {
		case graph.OpCreateVertex:
			if m.v[d.ID] != nil {
				return fmt.Errorf("vertex %d exists", d.ID)
			}
			m.v[d.ID] = value.Map{}
		case graph.OpSetVertexProp:
			p := m.v[d.ID]
			if p == nil {
				return fmt.Errorf("no vertex %d", d.ID)
			}
			p[d.Key] = d.Value
		default:
			return fmt.Errorf("unexpected op %d", d.Op)
		}
	}
	return nil
}

func (m *model) LoadSnapshot(info SnapshotInfo, ds []graph.Delta) error {
	m.lastTS, m.snapTS = info.TS, info.TS
	return m.apply(ds)
}

func (m *model) ApplyCommit(r *Record) error {
	if r.TS <= m.lastTS {
		return fmt.Errorf("commit %d after %d", r.TS, m.lastTS)
	}
	m.lastTS = r.TS
	return m.apply(r.Deltas)
}

// source emits the deltas that rebuild m, in vertex order.
func (m *model) source() SnapshotSource {
	ids := make([]int64, 0, len(m.v))
	for id := range m.v {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var ds []graph.Delta
	for _, id := range ids {
		ds = append(ds, graph.Delta{Op: graph.OpCreateVertex, ID: id})
		keys := make([]string, 0, len(m.v[id]))
		for k := range m.v[id] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ds = append(ds, graph.Delta{Op: graph.OpSetVertexProp, ID: id, Key: k, Value: m.v[id][k]})
		}
	}
	return func(emit func(graph.Delta) error) error {
		for _, d := range ds {
			if err := emit(d); err != nil {
				return err
			}
		}
		return nil
	}
}

// txDeltas is commit number i of a history: it creates vertex i and
// overwrites a property of an earlier vertex, so both a missing commit and
// a reordering change the final state.
func txDeltas(i int64) []graph.Delta {
	ds := []graph.Delta{
		{Op: graph.OpCreateVertex, ID: i},
		{Op: graph.OpSetVertexProp, ID: i, Key: "n", Value: i},
	}
	if i > 1 {
		ds = append(ds, graph.Delta{Op: graph.OpSetVertexProp, ID: i / 2, Key: "last", Value: value.List{i, "x"}})
	}
	return ds
}

// prefixState is the model after commits 1..k.
func prefixState(k int64) *model {
	m := newModel()
	for i := int64(1); i <= k; i++ {
		if err := m.apply(txDeltas(i)); err != nil {
			panic(err)
		}
	}
	m.lastTS = uint64(k)
	return m
}

func newSimFS(seed uint64) (*simdisk.FS, *sched, *rand.Rand) {
	s := &sched{}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	fs := simdisk.New(s, rand.New(rand.NewPCG(seed^0xd15c, seed)))
	return fs, s, rng
}

func nopLog() *zap.Logger { return zap.NewNop() }

// fsT is the FS the tests open stores on.
type fsT = *simdisk.FS
