package graph

import (
	"math"
	"sync/atomic"

	"github.com/quiverdb/quiver/core/value"
)

// eqTable is a hash table beside a property index's skip list that finds
// the first entry of a key in one or two memory reads instead of a walk
// down the list's levels (the bulk-load pattern seeks an index twice per
// row, and on a big index the walk is a chain of cache misses). Only
// integer keys (and floats with an integer value, which equal them) and
// strings are hashed; other keys use the list.
//
// Each slot holds the first node, in list order, of one key. The owner
// keeps that true as entries come and go (skipList.insert and remove) and
// is the only writer; readers load slots atomically and then walk the
// list from the node they found, so what they see is what a list seek at
// that moment would have found. A table that fills is rebuilt at twice
// the size and published whole.
type eqTable struct {
	slots []atomic.Pointer[skipNode] // open addressing, linear probing
	mask  uint64
	used  int // slots not empty, tombstones included (owner)
	live  int // slots holding a node (owner)
	// tomb marks a slot whose key went away (probes continue past it): the
	// list's head, which is never an entry.
	tomb *skipNode
}

// eqHash returns the hash of a key the table takes, and false for keys it
// does not.
func eqHash(k value.Value) (uint64, bool) {
	switch x := k.(type) {
	case int64:
		return mix(uint64(x)), true
	case float64:
		if x >= -(1<<63) && x < 1<<63 && x == math.Trunc(x) {
			return mix(uint64(int64(x))), true
		}
	case string:
		h := uint64(14695981039346656037) // FNV-1a
		for i := 0; i < len(x); i++ {
			h ^= uint64(x[i])
			h *= 1099511628211
		}
		return mix(h ^ 0x5bd1e995), true
	}
	return 0, false
}

// mix is splitmix64's finalizer.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func newEqTable(size int, tomb *skipNode) *eqTable {
	n := 16
	for n < size {
		n <<= 1
	}
	return &eqTable{slots: make([]atomic.Pointer[skipNode], n), mask: uint64(n - 1), tomb: tomb}
}

// find returns key's first node, or nil (any goroutine).
func (t *eqTable) find(p probe, h uint64) *skipNode {
	_, n := t.lookup(p, h)
	return n
}

// slot returns the index of the slot holding key, or -1 (owner).
func (t *eqTable) slot(p probe, h uint64) int {
	i, _ := t.lookup(p, h)
	return i
}

// lookup returns the index of the slot holding key and the node it holds,
// or -1 and nil: the one probe behind find and slot, loading each slot once.
func (t *eqTable) lookup(p probe, h uint64) (int, *skipNode) {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		n := t.slots[i].Load()
		if n == nil {
			return -1, nil
		}
		if n != t.tomb && p.compareKey(n) == 0 {
			return int(i), n
		}
	}
}

// add stores n as the first node of a key the table lacks (owner).
func (t *eqTable) add(n *skipNode, h uint64) {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		cur := t.slots[i].Load()
		if cur == nil || cur == t.tomb {
			if cur == nil {
				t.used++
			}
			t.live++
			t.slots[i].Store(n)
			return
		}
	}
}

// eqFirst keeps the table current after the first node of n's key changed
// to first (nil: the key is gone). Called by the owner from insert and
// remove.
func (s *skipList) eqFirst(p probe, first *skipNode) {
	t := s.eq.Load()
	if t == nil {
		return
	}
	h, ok := eqHash(p.key)
	if !ok {
		return
	}
	if i := t.slot(p, h); i >= 0 {
		if first == nil {
			t.slots[i].Store(t.tomb)
			t.live--
		} else {
			t.slots[i].Store(first)
		}
		return
	}
	if first == nil {
		return
	}
	if (t.used+1)*4 > len(t.slots)*3 {
		s.rebuildEq(t.live + 1) // the new table holds first already
		return
	}
	t.add(first, h)
}

// rebuildEq publishes a new table sized for at least n keys, holding the
// first node of every hashable key in the list (owner).
func (s *skipList) rebuildEq(n int) *eqTable {
	t := newEqTable(n*2, &s.head)
	for x := s.first(); x != nil; x = x.after() {
		h, ok := eqHash(x.key)
		if !ok {
			continue
		}
		if t.find(newProbe(x.key), h) == nil {
			t.add(x, h)
		}
	}
	s.eq.Store(t)
	return t
}

// seekEq returns the first entry whose key equals key, or, when the list
// has no table or the key is not hashable, the first entry with a key >=
// key, as seek does (any goroutine). Callers stop at the first entry
// whose key differs.
func (s *skipList) seekEq(key value.Value) *skipNode {
	if t := s.eq.Load(); t != nil {
		if h, ok := eqHash(key); ok {
			return t.find(newProbe(key), h)
		}
	}
	return s.seek(key, false)
}
