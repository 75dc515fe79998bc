package instance

import (
	"slices"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// snapJob writes one snapshot a step at a time: each step walks up to
// Config.SnapshotStep vertices or edges of a read-only transaction's
// snapshot and then yields to the loop, so commits, fsync completions and
// timers keep running while a big graph is written.
type snapJob struct {
	in    *Instance
	tx    *graph.Txn
	w     *durability.SnapshotWriter
	ts    uint64
	vit   *graph.VertexIter
	eit   *graph.EdgeIter
	dones []func(error)
	// finishing: the file is being synced and renamed; the job can no
	// longer be abandoned.
	finishing bool
}

// snapshot starts a snapshot at the visible timestamp; periodic ones
// (onlyIfChanged) skip when nothing changed since the last. It holds the
// schema as of that timestamp (the read transaction's), whatever schema
// changes are still waiting for their fsync.
func (in *Instance) snapshot(onlyIfChanged bool, done func(error)) {
	switch {
	case in.failed != nil:
		done(in.failed)
		return
	case in.job != nil && onlyIfChanged:
		done(nil)
		return
	case in.job != nil:
		done(durability.ErrSnapshotInProgress)
		return
	}
	tx := in.g.Begin(graph.TxOptions{ReadOnly: true})
	ts := tx.StartTS()
	if ts == 0 || onlyIfChanged && ts == in.lastSnapTS {
		tx.Abort()
		done(nil)
		return
	}
	nv, ne := in.g.NextIDs()
	w, err := in.st.BeginSnapshot(durability.SnapshotInfo{Epoch: in.epochOf(ts), TS: ts, NextVertexID: nv, NextEdgeID: ne})
	if err != nil {
		tx.Abort()
		done(err)
		return
	}
	j := &snapJob{in: in, tx: tx, w: w, ts: ts, vit: tx.Vertices(), eit: tx.AllEdges(), dones: []func(error){done}}
	in.job = j
	for _, d := range tx.SchemaDeltas() {
		_ = w.Add(d) // errors surface at Finish
	}
	j.step()
}

// epochOf is the epoch number of the commit at ts, what a snapshot at ts
// records (recovery reports it as the epoch of the last commit when no WAL
// record follows the snapshot): the term of the current epoch history that
// holds ts, else the epoch counter, which commits outside every term of
// the history are written with. The counter alone is wrong on a replica,
// whose commits carry their MAINs' epochs while its counter may be ahead
// of them (a restart moves it past its history).
func (in *Instance) epochOf(ts uint64) uint64 {
	h := in.hist
	switch {
	case in.main != nil:
		h = in.main.History()
	case in.replica != nil:
		h = in.replica.History()
	}
	for _, e := range h {
		if e.LastTS >= ts {
			return e.Epoch.Num
		}
	}
	return in.epoch
}

// step walks the next slice of the graph, then yields or finishes.
func (j *snapJob) step() {
	if j.in.job != j {
		return // abandoned (a snapshot from MAIN replaces the state)
	}
	for n := 0; n < j.in.cfg.SnapshotStep; n++ {
		var err error
		switch {
		case j.vit != nil && j.vit.Next():
			err = j.vertex(j.vit.ID())
		case j.vit != nil:
			j.vit = nil
		case j.eit.Next():
			err = j.edge(j.eit.Edge())
		default:
			j.finish()
			return
		}
		if err != nil {
			j.w.Abort()
			j.end(err)
			return
		}
	}
	j.in.env.Clock.AfterFunc(0, j.step)
}

func (j *snapJob) vertex(id int64) error {
	n, err := j.tx.Vertex(id)
	if err != nil {
		return err
	}
	if err := j.w.Add(graph.Delta{Op: graph.OpCreateVertex, ID: id}); err != nil {
		return err
	}
	for _, l := range n.Labels {
		if err := j.w.Add(graph.Delta{Op: graph.OpAddLabel, ID: id, Name: l}); err != nil {
			return err
		}
	}
	return j.props(graph.OpSetVertexProp, id, n.Props)
}

func (j *snapJob) edge(e graph.EdgeRef) error {
	props, err := j.tx.EdgeProperties(e.ID)
	if err != nil {
		return err
	}
	if err := j.w.Add(graph.Delta{Op: graph.OpCreateEdge, ID: e.ID, From: e.From, To: e.To, Name: e.Type}); err != nil {
		return err
	}
	return j.props(graph.OpSetEdgeProp, e.ID, props)
}

// props adds one delta per property, in key order.
func (j *snapJob) props(op graph.DeltaOp, id int64, m value.Map) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := j.w.Add(graph.Delta{Op: op, ID: id, Key: k, Value: m[k]}); err != nil {
			return err
		}
	}
	return nil
}

func (j *snapJob) finish() {
	j.finishing = true
	j.w.Finish(func(err error) {
		if err == nil && j.ts > j.in.lastSnapTS {
			j.in.lastSnapTS = j.ts
		}
		j.end(err)
	})
}

// end releases the job and reports to everyone waiting on it.
func (j *snapJob) end(err error) {
	j.tx.Abort()
	j.in.job = nil
	if err != nil {
		j.in.log.Warn("snapshot failed", zap.Uint64("ts", j.ts), zap.Error(err))
	}
	for _, done := range j.dones {
		done(err)
	}
}
