package graph

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Options configure a Graph.
type Options struct {
	// ImmediateVisibility acknowledges every commit at once (Commit calls
	// MarkAcknowledged itself). For tests and purely in-memory use; a host with
	// durability or replication leaves it off and acknowledges explicitly.
	ImmediateVisibility bool
}

// Graph is the in-memory MVCC property graph. One owner goroutine makes all
// calls except read-only transactions, which may begin and run on any
// goroutine.
type Graph struct {
	opts     Options
	vertices store[vslot]
	edges    store[eslot]
	names    *names
	lsets    labelSets
	schema   atomic.Pointer[schema]

	// nextVID and nextEID are the next IDs to allocate; readers bound scans
	// by them.
	nextVID atomic.Int64
	nextEID atomic.Int64

	lastTS    uint64          // last commit timestamp assigned (owner)
	ackTS     uint64          // highest timestamp the host acknowledged (owner)
	visibleTS atomic.Uint64   // the snapshot new readers take
	prepared  map[uint64]bool // prepared, undecided commit timestamps (owner)
	pmarks    map[uint64]bool // the marks of prepared transactions (owner)
	held      *heldSchema     // a schema change held undecided (owner)
	nextTx    uint64          // last transaction ID (owner)
	seed      uint64          // seeds skip lists (owner)
	regMu     sync.Mutex      // guards active, topTS and topN
	active    map[uint64]int  // snapshot timestamp -> open transactions, below topTS
	topTS     uint64          // the newest registered snapshot timestamp
	topN      int             // open transactions at topTS (the common case, no map)
	vDirty    []int64         // vertices with versions GC may trim (owner)
	slab      []Delta         // carved into small first delta buffers (owner)
	nVertices int64           // live vertices after the last commit (owner)
	nEdges    int64           // live edges after the last commit (owner)
	eDirty    []int64         // edges with versions GC may trim (owner)

	// runs holds the pieces of packed runs whose columns answer for their
	// vertices, sorted by ID (columns.go): written by the owner at garbage
	// collection, read by scans anywhere.
	runs atomic.Pointer[[]runPiece]

	// Planner statistics (stats.go): written by the owner, read anywhere.
	lcounts atomic.Pointer[labelCounts] // live vertices per label
	vcount  atomic.Int64                // nVertices, for readers
}

// New returns an empty graph.
func New(opts Options) *Graph {
	g := &Graph{
		opts:     opts,
		names:    newNames(),
		lsets:    labelSets{sets: map[string]*labelSet{}},
		prepared: map[uint64]bool{},
		pmarks:   map[uint64]bool{},
		active:   map[uint64]int{},
		seed:     0x9E3779B97F4A7C15,
	}
	g.schema.Store(&schema{})
	return g
}

// LastCommitTS returns the highest commit timestamp assigned or applied.
func (g *Graph) LastCommitTS() uint64 { return g.lastTS }

// VisibleTS returns the timestamp new transactions take their snapshot at:
// the highest acknowledged timestamp below any prepared, undecided commit.
// Safe on any goroutine.
func (g *Graph) VisibleTS() uint64 { return g.visibleTS.Load() }

// MarkAcknowledged makes every commit with a timestamp <= ts visible to
// transactions that begin afterwards (commits become visible in timestamp
// order). A prepared transaction that is not yet decided holds visibility
// below its timestamp until it commits or aborts. ts beyond LastCommitTS is
// an error: a replica passes min(MAIN's watermark, LastCommitTS()).
func (g *Graph) MarkAcknowledged(ts uint64) error {
	if ts > g.lastTS {
		return fmt.Errorf("%w: acknowledging %d past the last commit %d", ErrTimestamp, ts, g.lastTS)
	}
	if ts > g.ackTS {
		g.ackTS = ts
	}
	g.refreshVisible()
	return nil
}

// refreshVisible recomputes visibleTS from ackTS and the prepared set.
func (g *Graph) refreshVisible() {
	v := g.ackTS
	for ts := range g.prepared {
		if ts <= v {
			v = ts - 1
		}
	}
	if v > g.visibleTS.Load() {
		g.visibleTS.Store(v)
	}
}

// register records a new snapshot at the current visible timestamp; the load
// and the registration happen under one lock so GC never passes it. Most
// transactions share the newest timestamp, counted without the map.
func (g *Graph) register() uint64 {
	g.regMu.Lock()
	ts := g.visibleTS.Load()
	if ts != g.topTS {
		if g.topN > 0 {
			g.active[g.topTS] += g.topN
		}
		g.topTS, g.topN = ts, 0
	}
	g.topN++
	g.regMu.Unlock()
	return ts
}

func (g *Graph) release(ts uint64) {
	g.regMu.Lock()
	if ts == g.topTS && g.topN > 0 {
		g.topN--
	} else if g.active[ts]--; g.active[ts] <= 0 {
		delete(g.active, ts)
	}
	g.regMu.Unlock()
}

// horizon is the oldest snapshot any open or future transaction may read.
func (g *Graph) horizon() uint64 {
	g.regMu.Lock()
	h := g.visibleTS.Load()
	if g.topN > 0 {
		h = min(h, g.topTS)
	}
	for ts := range g.active {
		h = min(h, ts)
	}
	g.regMu.Unlock()
	return h
}

// openSnapshots counts the transactions that have not ended.
func (g *Graph) openSnapshots() int {
	g.regMu.Lock()
	n := g.topN
	for _, c := range g.active {
		n += c
	}
	g.regMu.Unlock()
	return n
}

// nextSeed returns a fresh deterministic seed for a skip list.
func (g *Graph) nextSeed() uint64 {
	g.seed += 0x9E3779B97F4A7C15
	z := g.seed
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// deltaBuf returns an empty delta slice with room for a small transaction,
// carved from a shared slab to save an allocation per transaction (append
// moves a bigger transaction's deltas out).
func (g *Graph) deltaBuf() []Delta {
	const per, slab = 4, 1024
	if len(g.slab) < per {
		g.slab = make([]Delta, slab)
	}
	b := g.slab[:0:per]
	g.slab = g.slab[per:]
	return b
}

// count keeps the vertex and edge totals from a committed transaction.
func (g *Graph) count(ds []Delta) {
	for _, d := range ds {
		switch d.Op {
		case OpCreateVertex:
			g.nVertices++
		case OpDeleteVertex:
			g.nVertices--
		case OpCreateEdge:
			g.nEdges++
		case OpDeleteEdge:
			g.nEdges--
		}
	}
	g.vcount.Store(g.nVertices)
}
