package replication

import (
	"testing"

	"github.com/quiverdb/quiver/core/graph"
)

// benchAppend is an Append of 64 transactions of 4 deltas each.
func benchAppend() *Append {
	a := &Append{Header: hdr, Session: 1, Seq: 1}
	for i := range 64 {
		ts := uint64(100 + i)
		a.Txns = append(a.Txns, Txn{Epoch: hdr.Epoch, TS: ts, PrevTS: ts - 1, Deltas: []graph.Delta{
			{Op: graph.OpCreateVertex, ID: int64(ts)},
			{Op: graph.OpAddLabel, ID: int64(ts), Name: "Account"},
			{Op: graph.OpSetVertexProp, ID: int64(ts), Key: "balance", Value: int64(ts * 10)},
			{Op: graph.OpSetVertexProp, ID: int64(ts), Key: "owner", Value: "someone"},
		}})
	}
	return a
}

// BenchmarkEncodeAppend measures encoding a 64-transaction Append whose
// deltas MAIN has not encoded before.
func BenchmarkEncodeAppend(b *testing.B) {
	a := benchAppend()
	b.ReportAllocs()
	for b.Loop() {
		_ = Encode(a)
	}
	b.SetBytes(int64(len(Encode(a).Body)))
}

// BenchmarkEncodeAppendCached measures it as MAIN sends and resends: with
// each transaction's deltas encoded once at commit.
func BenchmarkEncodeAppendCached(b *testing.B) {
	a := benchAppend()
	for i := range a.Txns {
		a.Txns[i].encodeFrame()
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Encode(a)
	}
	b.SetBytes(int64(len(Encode(a).Body)))
}

// BenchmarkDecodeAppend measures decoding it, as a replica does.
func BenchmarkDecodeAppend(b *testing.B) {
	w := Encode(benchAppend())
	b.ReportAllocs()
	b.SetBytes(int64(len(w.Body)))
	for b.Loop() {
		if _, err := Decode(w); err != nil {
			b.Fatal(err)
		}
	}
}
