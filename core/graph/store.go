package graph

import "sync/atomic"

const (
	chunkBits = 10
	chunkSize = 1 << chunkBits
)

// vslot is a vertex's place in the vertex store: its version chain and its
// adjacency. Adjacency is not versioned: it lists every edge ever attached
// that garbage collection has not removed, and readers filter by the edges'
// own visibility.
type vslot struct {
	head atomic.Pointer[vver]
	out  atomic.Pointer[adjList]
	in   atomic.Pointer[adjList]
}

// eslot is an edge's place in the edge store: the head of its version chain.
type eslot struct {
	head atomic.Pointer[ever]
}

// store is a chunked array indexed by ID. Readers on any goroutine load the
// chunk table atomically; only the owner grows it (copy on grow).
type store[T any] struct {
	chunks atomic.Pointer[[]*[chunkSize]T]
}

// get returns the slot for id, or nil when id is outside the store.
func (s *store[T]) get(id int64) *T {
	if id < 0 {
		return nil
	}
	cs := s.chunks.Load()
	if cs == nil {
		return nil
	}
	c := id >> chunkBits
	if c >= int64(len(*cs)) {
		return nil
	}
	return &(*cs)[c][id&(chunkSize-1)]
}

// ensure returns the slot for id, growing the store (owner only).
func (s *store[T]) ensure(id int64) *T {
	if p := s.get(id); p != nil {
		return p
	}
	var old []*[chunkSize]T
	if cs := s.chunks.Load(); cs != nil {
		old = *cs
	}
	need := int(id>>chunkBits) + 1
	grown := make([]*[chunkSize]T, need, max(need, 2*len(old)))
	copy(grown, old)
	for i := len(old); i < need; i++ {
		grown[i] = new([chunkSize]T)
	}
	s.chunks.Store(&grown)
	return s.get(id)
}

// adjList is an append-only list of edge IDs. The owner appends in place
// (writing the element before publishing the new length); readers load n and
// read ids[:n]. Removal copies the list (garbage collection only).
type adjList struct {
	n   atomic.Int64
	ids []int64
}

// view returns the IDs a reader may look at.
func (a *adjList) view() []int64 {
	if a == nil {
		return nil
	}
	return a.ids[:a.n.Load()]
}

// appendAdj appends id to the list in p (owner only).
func appendAdj(p *atomic.Pointer[adjList], id int64) {
	a := p.Load()
	if a != nil {
		n := a.n.Load()
		if int(n) < len(a.ids) {
			a.ids[n] = id
			a.n.Store(n + 1)
			return
		}
	}
	var cur []int64
	if a != nil {
		cur = a.ids[:a.n.Load()]
	}
	capacity := 4
	if len(cur) > 0 {
		capacity = len(cur) * 2
		if len(cur) >= 256 {
			capacity = len(cur) + len(cur)/4
		}
	}
	na := &adjList{ids: make([]int64, capacity)}
	copy(na.ids, cur)
	na.ids[len(cur)] = id
	na.n.Store(int64(len(cur) + 1))
	p.Store(na)
}

// removeAdj removes the IDs in drop from the list in p, copying it (owner only).
func removeAdj(p *atomic.Pointer[adjList], drop map[int64]bool) {
	a := p.Load()
	if a == nil {
		return
	}
	cur := a.view()
	kept := make([]int64, 0, len(cur))
	for _, id := range cur {
		if !drop[id] {
			kept = append(kept, id)
		}
	}
	if len(kept) == len(cur) {
		return
	}
	if len(kept) == 0 {
		p.Store(nil)
		return
	}
	na := &adjList{ids: kept}
	na.n.Store(int64(len(kept)))
	p.Store(na)
}
