package graph

import (
	"sync"
	"sync/atomic"
)

// names interns labels, edge types and property keys as small integers, in one
// namespace. Readers on any goroutine look names up without a shared lock;
// only the owner adds. Most names live in frozen, an immutable map replaced
// whole (a lookup there neither locks nor allocates); names added since the
// last rebuild wait in recent (sync.Map suits keys written once and read
// often) until the next rebuild folds them in. Rebuilds are geometric, so
// interning stays amortized O(1).
type names struct {
	frozen  atomic.Pointer[map[string]uint32]
	recent  atomic.Pointer[sync.Map] // string -> uint32
	pending int                      // names in recent (owner only)
	list    atomic.Pointer[[]string]
}

func newNames() *names {
	n := &names{}
	empty := []string{}
	n.list.Store(&empty)
	n.frozen.Store(&map[string]uint32{})
	n.recent.Store(&sync.Map{})
	return n
}

// lookup returns the ID of name if it was ever interned. recent is loaded
// before frozen: a rebuild stores the new frozen map before it empties
// recent, so a reader that sees the empty recent also sees the new frozen.
func (n *names) lookup(name string) (uint32, bool) {
	recent := n.recent.Load()
	if id, ok := (*n.frozen.Load())[name]; ok {
		return id, true
	}
	id, ok := recent.Load(name)
	if !ok {
		return 0, false
	}
	return id.(uint32), true
}

// intern returns the ID of name, adding it if needed (owner only).
func (n *names) intern(name string) uint32 {
	if id, ok := n.lookup(name); ok {
		return id
	}
	old := *n.list.Load()
	id := uint32(len(old))
	grown := append(old[:len(old):len(old)], name)
	n.list.Store(&grown) // before the maps, so a found ID always has a name
	n.recent.Load().Store(name, id)
	n.pending++
	if frozen := *n.frozen.Load(); len(frozen) < 256 || n.pending > len(frozen)/4 {
		next := make(map[string]uint32, len(grown))
		for i, s := range grown {
			next[s] = uint32(i)
		}
		n.frozen.Store(&next)
		n.recent.Store(&sync.Map{})
		n.pending = 0
	}
	return id
}

// name returns the name with the given ID.
func (n *names) name(id uint32) string {
	return (*n.list.Load())[id]
}

// labelSet is an interned, sorted set of label IDs. Vertex versions share
// them, so a vertex's labels cost one pointer.
type labelSet struct {
	ids []uint32
}

// has reports whether the set contains id.
func (s *labelSet) has(id uint32) bool {
	if s == nil {
		return false
	}
	for _, l := range s.ids {
		if l == id {
			return true
		}
	}
	return false
}

// labelSets interns label sets (owner only).
type labelSets struct {
	sets map[string]*labelSet
	plus map[labelStep]*labelSet // memoized with
}

// labelStep is a set and a label to add to it.
type labelStep struct {
	set   *labelSet
	label uint32
}

func (ls *labelSets) intern(ids []uint32) *labelSet {
	if len(ids) == 0 {
		return nil
	}
	key := make([]byte, 0, 4*len(ids))
	for _, id := range ids {
		key = append(key, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
	}
	if s, ok := ls.sets[string(key)]; ok {
		return s
	}
	s := &labelSet{ids: append([]uint32(nil), ids...)}
	ls.sets[string(key)] = s
	return s
}

// with returns the interned set s ∪ {id}.
func (ls *labelSets) with(s *labelSet, id uint32) *labelSet {
	if r, ok := ls.plus[labelStep{s, id}]; ok {
		return r
	}
	r := ls.union(s, id)
	if ls.plus == nil {
		ls.plus = map[labelStep]*labelSet{}
	}
	ls.plus[labelStep{s, id}] = r
	return r
}

func (ls *labelSets) union(s *labelSet, id uint32) *labelSet {
	var cur []uint32
	if s != nil {
		cur = s.ids
	}
	out := make([]uint32, 0, len(cur)+1)
	done := false
	for _, l := range cur {
		if !done && id < l {
			out = append(out, id)
			done = true
		}
		out = append(out, l)
	}
	if !done {
		out = append(out, id)
	}
	return ls.intern(out)
}

// without returns the interned set s \ {id}.
func (ls *labelSets) without(s *labelSet, id uint32) *labelSet {
	out := make([]uint32, 0, len(s.ids))
	for _, l := range s.ids {
		if l != id {
			out = append(out, l)
		}
	}
	return ls.intern(out)
}
