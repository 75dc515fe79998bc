package instance

import (
	"sync/atomic"

	"github.com/quiverdb/quiver/core/graph"
)

// graphRef holds the instance's graph. A replica that installs a snapshot
// from MAIN replaces its whole graph at once (built aside, then swapped),
// while readers off the loop begin transactions on it; so the pointer is
// atomic, and every reader works on the one graph it loaded: a
// transaction begun before the swap goes on reading the old graph, which
// stays whole, and one begun after sees only the new one.
type graphRef struct{ p atomic.Pointer[graph.Graph] }

func newGraphRef(g *graph.Graph) *graphRef {
	r := &graphRef{}
	r.p.Store(g)
	return r
}

// load returns the current graph.
func (r *graphRef) load() *graph.Graph { return r.p.Load() }

// swap makes g the graph (on the loop).
func (r *graphRef) swap(g *graph.Graph) { r.p.Store(g) }

// The methods below forward to the current graph.

// Begin starts a transaction on the current graph.
func (r *graphRef) Begin(opts graph.TxOptions) *graph.Txn { return r.load().Begin(opts) }

// VisibleTS is the current graph's visible timestamp.
func (r *graphRef) VisibleTS() uint64 { return r.load().VisibleTS() }

// LastCommitTS is the current graph's last commit timestamp.
func (r *graphRef) LastCommitTS() uint64 { return r.load().LastCommitTS() }

// MarkAcknowledged acknowledges commits on the current graph.
func (r *graphRef) MarkAcknowledged(ts uint64) error { return r.load().MarkAcknowledged(ts) }

// Apply replays a transaction on the current graph.
func (r *graphRef) Apply(ts uint64, ds []graph.Delta) error { return r.load().Apply(ts, ds) }

// NextIDs are the current graph's next IDs.
func (r *graphRef) NextIDs() (int64, int64) { return r.load().NextIDs() }

// CollectGarbage collects the current graph's garbage.
func (r *graphRef) CollectGarbage() graph.GCStats { return r.load().CollectGarbage() }

// Stats are the current graph's counts.
func (r *graphRef) Stats() graph.Stats { return r.load().Stats() }

// VisibleHash hashes the current graph's visible state.
func (r *graphRef) VisibleHash() uint64 { return r.load().VisibleHash() }
