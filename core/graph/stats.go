package graph

import "sync/atomic"

// Statistics for the query planner: how many vertices carry each label,
// how many vertices there are, and for each label+property index its
// entries and distinct values. They describe the newest committed state
// (the owner updates them at commit, from the versions a transaction
// wrote, and in the index lists as they change), not any snapshot: a
// planner uses them to choose an order or an access path, never to
// decide a result. Reading them is a few atomic loads, safe on any
// goroutine; they depend only on the sequence of calls into the graph, so
// a simulated run reads the same figures every time.
//
// Index figures count the list's entries, which may briefly include
// entries no committed version justifies (an open transaction's writes, an
// old value not yet pruned): estimates, not counts of visible vertices.

// labelCounts holds a live-vertex count per interned name ID; the owner
// grows it copy-on-write and is its only writer.
type labelCounts struct {
	n []atomic.Int64
}

// addLabelCount adds d to the count of label lid (owner only).
func (g *Graph) addLabelCount(lid uint32, d int64) {
	lc := g.lcounts.Load()
	if lc == nil || int(lid) >= len(lc.n) {
		grown := &labelCounts{n: make([]atomic.Int64, max(int(lid)+1, 2*lenCounts(lc), 8))}
		if lc != nil {
			for i := range lc.n {
				grown.n[i].Store(lc.n[i].Load())
			}
		}
		g.lcounts.Store(grown)
		lc = grown
	}
	lc.n[lid].Add(d)
}

func lenCounts(lc *labelCounts) int {
	if lc == nil {
		return 0
	}
	return len(lc.n)
}

// countLabels updates the label counts for the vertices a committing
// transaction wrote: each version's labels against the committed version
// below it. Label sets are interned, so an unchanged set costs one
// comparison.
func (t *Txn) countLabels() {
	for _, id := range t.vw {
		head := t.g.vertices.get(id).head.Load()
		var now, was *labelSet
		if !head.deleted {
			now = head.labels
		}
		if prev := head.prev.Load(); prev != nil && !prev.deleted {
			was = prev.labels
		}
		if now == was {
			continue
		}
		if was != nil {
			for _, l := range was.ids {
				if !now.has(l) {
					t.g.addLabelCount(l, -1)
				}
			}
		}
		if now != nil {
			for _, l := range now.ids {
				if !was.has(l) {
					t.g.addLabelCount(l, 1)
				}
			}
		}
	}
}

// LabelCount returns the number of vertices carrying label after the last
// commit. Safe on any goroutine.
func (g *Graph) LabelCount(label string) int64 {
	lid, ok := g.names.lookup(label)
	if !ok {
		return 0
	}
	lc := g.lcounts.Load()
	if lc == nil || int(lid) >= len(lc.n) {
		return 0
	}
	return lc.n[lid].Load()
}

// VertexCount returns the number of vertices after the last commit. Safe
// on any goroutine.
func (g *Graph) VertexCount() int64 { return g.vcount.Load() }

// IndexStats returns the entries and distinct values of the label+property
// index on label and key that t may read (as of its snapshot), and false
// when there is none. entries / distinct estimates how many vertices an
// equality seek finds. Safe on any goroutine that may use t.
func (t *Txn) IndexStats(label, key string) (entries, distinct int64, ok bool) {
	lid, ok1 := t.g.names.lookup(label)
	kid, ok2 := t.g.names.lookup(key)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	pi := t.propIndex(lid, kid)
	if pi == nil {
		return 0, 0, false
	}
	return pi.list.n.Load(), pi.list.distinct.Load(), true
}
