package graph

import (
	"sync/atomic"

	"github.com/quiverdb/quiver/core/value"
)

// txBit marks a version's ts as uncommitted: ts = txBit | transaction ID.
// Committed versions carry their commit timestamp.
const txBit = uint64(1) << 63

// prop is one property: an interned key and a value.
type prop struct {
	key uint32
	val value.Value
}

// propSet is an immutable (once committed) list of properties sorted by key.
type propSet struct {
	kv []prop
}

func (p *propSet) get(key uint32) (value.Value, bool) {
	if p == nil {
		return nil, false
	}
	for _, kv := range p.kv {
		if kv.key == key {
			return kv.val, true
		}
	}
	return nil, false
}

// with returns a copy of p with key set to val (val nil removes it).
func (p *propSet) with(key uint32, val value.Value) *propSet {
	var cur []prop
	if p != nil {
		cur = p.kv
	}
	ps := newPropSet(len(cur) + 1)
	out := ps.kv
	done := false
	for _, kv := range cur {
		if kv.key == key {
			if val != nil {
				out = append(out, prop{key, val})
			}
			done = true
			continue
		}
		if !done && key < kv.key && val != nil {
			out = append(out, prop{key, val})
			done = true
		}
		out = append(out, kv)
	}
	if !done && val != nil {
		out = append(out, prop{key, val})
	}
	if len(out) == 0 {
		return nil
	}
	ps.kv = out
	return ps
}

// newPropSet returns an empty set with room for n properties, allocated
// with its array in one object when n is small.
func newPropSet(n int) *propSet {
	switch {
	case n <= 1:
		x := &struct {
			p propSet
			a [1]prop
		}{}
		x.p.kv = x.a[:0]
		return &x.p
	case n <= 2:
		x := &struct {
			p propSet
			a [2]prop
		}{}
		x.p.kv = x.a[:0]
		return &x.p
	case n <= 4:
		x := &struct {
			p propSet
			a [4]prop
		}{}
		x.p.kv = x.a[:0]
		return &x.p
	}
	return &propSet{kv: make([]prop, 0, n)}
}

// vver is one version of a vertex. Fields other than ts and prev are written
// only while the version is uncommitted (by its owner transaction) and read by
// other goroutines only after they observed a committed ts.
type vver struct {
	ts      atomic.Uint64
	prev    atomic.Pointer[vver]
	labels  *labelSet
	props   *propSet
	deleted bool
	packed  bool // a copy made by garbage collection's packing (gc.go)
}

// ever is one version of an edge; the same rules as vver apply.
type ever struct {
	ts      atomic.Uint64
	prev    atomic.Pointer[ever]
	from    int64
	to      int64
	props   *propSet
	typ     uint32
	deleted bool
}

// view is what a reader needs to pick versions: its snapshot and its own
// uncommitted mark.
type view struct {
	snap uint64
	mark uint64
}

// visible reports whether a version with timestamp ts is in the view.
func (w view) visible(ts uint64) bool {
	if ts&txBit != 0 {
		return ts == w.mark
	}
	return ts <= w.snap
}

func (w view) vertex(head *vver) *vver {
	for v := head; v != nil; v = v.prev.Load() {
		if w.visible(v.ts.Load()) {
			if v.deleted {
				return nil
			}
			return v
		}
	}
	return nil
}

func (w view) edge(head *ever) *ever {
	for e := head; e != nil; e = e.prev.Load() {
		if w.visible(e.ts.Load()) {
			if e.deleted {
				return nil
			}
			return e
		}
	}
	return nil
}
