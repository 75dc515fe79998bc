package graph

import (
	"encoding/binary"
	"hash/fnv"
	"slices"

	"github.com/quiverdb/quiver/core/value"
)

// ContentHash is a canonical hash of the data the transaction sees: every
// vertex in ID order with its sorted labels and its properties (in key
// order), then every edge in ID order with its endpoints, type and
// properties. Indexes, constraints, timestamps and how the data came to be
// (commit order, versions, garbage) do not count, so two graphs that hold
// the same data hash the same: a restarted instance and a replay of its WAL,
// or a replica and its MAIN once converged.
func (t *Txn) ContentHash() uint64 {
	h := fnv.New64a()
	var buf []byte
	flush := func() {
		h.Write(buf)
		buf = buf[:0]
	}
	word := func(x uint64) { buf = binary.LittleEndian.AppendUint64(buf, x) }
	str := func(s string) {
		word(uint64(len(s)))
		buf = append(buf, s...)
	}
	props := func(m value.Map, err error) {
		if err != nil {
			str("error: " + err.Error())
			return
		}
		buf = value.AppendValue(buf, m)
	}
	for it := t.Vertices(); it.Next(); {
		id := it.ID()
		word('v')
		word(uint64(id))
		labels, err := t.VertexLabels(id)
		if err != nil {
			str("error: " + err.Error())
		}
		slices.Sort(labels)
		word(uint64(len(labels)))
		for _, l := range labels {
			str(l)
		}
		props(t.VertexProperties(id))
		flush()
	}
	for it := t.AllEdges(); it.Next(); {
		e := it.Edge()
		word('e')
		word(uint64(e.ID))
		word(uint64(e.From))
		word(uint64(e.To))
		str(e.Type)
		props(t.EdgeProperties(e.ID))
		flush()
	}
	return h.Sum64()
}

// VisibleHash is the ContentHash of the graph at its visible timestamp: what
// a new reader sees.
func (g *Graph) VisibleHash() uint64 {
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	return tx.ContentHash()
}
