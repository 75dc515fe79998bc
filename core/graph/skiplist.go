package graph

import (
	"cmp"
	"sync/atomic"

	"github.com/quiverdb/quiver/core/value"
)

const skipMaxLevel = 24

// skipNode is one index entry: a key (nil for label and edge-type indexes)
// and an object ID.
type skipNode struct {
	key   value.Value
	id    int64
	ikey  int64 // key when it is an int64 (isInt), compared without unboxing
	isInt bool
	// same: the next entry has the same key (kept by the owner; an
	// equality seek stops at an entry without it instead of reading the
	// next one, a cache miss on a big list).
	same   atomic.Bool
	levels int
	low    [skipInline]atomic.Pointer[skipNode] // the lowest levels, inline: one cache line per visit
	high   []atomic.Pointer[skipNode]           // levels from skipInline up, for tall nodes
}

// skipInline levels are stored in the node itself (with p = 1/4, all but
// one node in 256 fit).
const skipInline = 4

// link returns the pointer to the next node at level lvl.
func (n *skipNode) link(lvl int) *atomic.Pointer[skipNode] {
	if lvl < skipInline {
		return &n.low[lvl]
	}
	return &n.high[lvl-skipInline]
}

// after returns the next node at level 0.
func (n *skipNode) after() *skipNode { return n.low[0].Load() }

func newSkipNode(key value.Value, id int64, p probe, levels int) *skipNode {
	n := &skipNode{key: key, id: id, ikey: p.ikey, isInt: p.isInt, levels: levels}
	if levels > skipInline {
		n.high = make([]atomic.Pointer[skipNode], levels-skipInline)
	}
	return n
}

// probe is a search key prepared once per search.
type probe struct {
	key   value.Value
	ikey  int64
	isInt bool
}

func newProbe(key value.Value) probe {
	i, ok := key.(int64)
	return probe{key: key, ikey: i, isInt: ok}
}

// compareKey orders the probe against n's key.
func (p probe) compareKey(n *skipNode) int {
	if p.isInt && n.isInt {
		return cmp.Compare(p.ikey, n.ikey)
	}
	return compareKeys(p.key, n.key)
}

// skipList is an ordered set of (key, id) entries with one writer (the owner)
// and any number of concurrent readers: nodes are fully built before they are
// linked, and links are atomic.
type skipList struct {
	head  skipNode
	level atomic.Int32 // highest level in use
	rng   uint64
	// n counts the entries and distinct the distinct keys (planner
	// statistics; the owner writes them, anyone may read them).
	n        atomic.Int64
	distinct atomic.Int64
	// eq, set on property index lists, finds a key's first entry by hash
	// (eqtable.go).
	eq atomic.Pointer[eqTable]
}

func newSkipList(seed uint64) *skipList {
	s := &skipList{rng: seed | 1}
	s.head.levels = skipMaxLevel
	s.head.high = make([]atomic.Pointer[skipNode], skipMaxLevel-skipInline)
	return s
}

func compareEntry(p probe, id int64, n *skipNode) int {
	if c := p.compareKey(n); c != 0 {
		return c
	}
	return cmp.Compare(id, n.id)
}

// randomLevel draws a level with p = 1/4 from a deterministic generator.
func (s *skipList) randomLevel() int {
	s.rng ^= s.rng << 13
	s.rng ^= s.rng >> 7
	s.rng ^= s.rng << 17
	r := s.rng
	lvl := 1
	for lvl < skipMaxLevel && r&3 == 0 {
		lvl++
		r >>= 2
	}
	return lvl
}

// preds fills p with the last node before (key, id) at every level.
func (s *skipList) preds(key probe, id int64, p *[skipMaxLevel]*skipNode) *skipNode {
	x := &s.head
	for lvl := skipMaxLevel - 1; lvl >= 0; lvl-- {
		if lvl >= int(s.level.Load()) {
			p[lvl] = x
			continue
		}
		for {
			nx := x.link(lvl).Load()
			if nx == nil || compareEntry(key, id, nx) <= 0 {
				break
			}
			x = nx
		}
		p[lvl] = x
	}
	return p[0].after()
}

// insert adds (key, id); it reports false when the entry exists (owner only).
func (s *skipList) insert(key value.Value, id int64) bool {
	var p [skipMaxLevel]*skipNode
	pr := newProbe(key)
	nx := s.preds(pr, id, &p)
	if nx != nil && compareEntry(pr, id, nx) == 0 {
		return false
	}
	first := !sameKey(pr, p[0], &s.head)
	if first && !sameKey(pr, nx, nil) {
		s.distinct.Add(1)
	}
	lvl := s.randomLevel()
	n := newSkipNode(key, id, pr, lvl)
	n.same.Store(sameKey(pr, nx, nil))
	for i := 0; i < lvl; i++ {
		n.link(i).Store(p[i].link(i).Load())
	}
	for i := 0; i < lvl; i++ {
		p[i].link(i).Store(n)
	}
	if !first {
		p[0].same.Store(true)
	}
	if int32(lvl) > s.level.Load() {
		s.level.Store(int32(lvl))
	}
	s.n.Add(1)
	if first {
		s.eqFirst(pr, n)
	}
	return true
}

// remove deletes (key, id); it reports whether it was there (owner only).
// Readers standing on the removed node can still follow its links.
func (s *skipList) remove(key value.Value, id int64) bool {
	var p [skipMaxLevel]*skipNode
	pr := newProbe(key)
	n := s.preds(pr, id, &p)
	if n == nil || compareEntry(pr, id, n) != 0 {
		return false
	}
	if !sameKey(pr, p[0], &s.head) {
		if next := n.after(); sameKey(pr, next, nil) {
			s.eqFirst(pr, next)
		} else {
			s.distinct.Add(-1)
			s.eqFirst(pr, nil)
		}
	}
	for i := n.levels - 1; i >= 0; i-- {
		if p[i].link(i).Load() == n {
			p[i].link(i).Store(n.link(i).Load())
		}
	}
	if p[0] != &s.head && p[0].same.Load() {
		p[0].same.Store(n.same.Load()) // p[0] and n share a key
	}
	s.n.Add(-1)
	return true
}

// sameKey reports whether n is an entry (not nil, not head) whose key
// equals the probe's.
func sameKey(p probe, n, head *skipNode) bool {
	return n != nil && n != head && p.compareKey(n) == 0
}

// first returns the first entry.
func (s *skipList) first() *skipNode { return s.head.after() }

// seek returns the first entry with key >= key (or > key when strict).
func (s *skipList) seek(key value.Value, strict bool) *skipNode {
	p := newProbe(key)
	x := &s.head
	for lvl := int(s.level.Load()) - 1; lvl >= 0; lvl-- {
		for {
			nx := x.link(lvl).Load()
			if nx == nil {
				break
			}
			c := p.compareKey(nx)
			if c < 0 || (c == 0 && !strict) {
				break
			}
			x = nx
		}
	}
	return x.after()
}

// seekWith returns the first entry whose key is not before the target; the
// keys for which before is true must form a prefix of the list.
func (s *skipList) seekWith(before func(value.Value) bool) *skipNode {
	x := &s.head
	for lvl := int(s.level.Load()) - 1; lvl >= 0; lvl-- {
		for {
			nx := x.link(lvl).Load()
			if nx == nil || !before(nx.key) {
				break
			}
			x = nx
		}
	}
	return x.after()
}
