package graph

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// A generated graph shaped like the pokec benchmark data: 100k :User
// vertices with id, age and name, about 1.7M :Friend edges. Built once per
// benchmark process.
const (
	pokecVertices = 100_000
	pokecEdges    = 1_700_000
	loadBatch     = 10_000
)

var (
	pokecOnce  sync.Once
	pokecGraph *Graph
)

func pokec(b *testing.B) *Graph {
	pokecOnce.Do(func() {
		g := New(Options{ImmediateVisibility: true})
		if _, _, err := g.CreateIndex(SchemaItem{Kind: KindLabelPropertyIndex, Name: "User", Key: "id"}); err != nil {
			b.Fatal(err)
		}
		loadGraph(b, g, true)
		pokecGraph = g
	})
	return pokecGraph
}

// loadGraph creates the vertices and edges in batches of loadBatch per
// transaction, collecting garbage after each.
func loadGraph(b *testing.B, g *Graph, props bool) {
	rng := rand.New(rand.NewPCG(7, 11))
	for lo := 0; lo < pokecVertices; lo += loadBatch {
		tx := g.Begin(TxOptions{})
		for i := lo; i < lo+loadBatch; i++ {
			id, err := tx.CreateVertex()
			if err == nil {
				err = tx.AddLabel(id, "User")
			}
			if err == nil && props {
				err = tx.SetVertexProperty(id, "id", int64(i))
				if err == nil {
					err = tx.SetVertexProperty(id, "age", int64(15+rng.IntN(60)))
				}
				if err == nil {
					err = tx.SetVertexProperty(id, "name", fmt.Sprintf("user%d", i))
				}
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		g.CollectGarbage()
	}
	for lo := 0; lo < pokecEdges; lo += loadBatch {
		tx := g.Begin(TxOptions{})
		for i := lo; i < lo+loadBatch; i++ {
			from, to := rng.Int64N(pokecVertices), rng.Int64N(pokecVertices)
			if _, err := tx.CreateEdge(from, to, "Friend"); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		g.CollectGarbage()
	}
}

func BenchmarkPointLookup(b *testing.B) {
	g := pokec(b)
	rng := rand.New(rand.NewPCG(1, 1))
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	b.ResetTimer()
	for b.Loop() {
		it := tx.VerticesByProperty("User", "id", rng.Int64N(pokecVertices))
		if !it.Next() {
			b.Fatal("user not found")
		}
		if _, err := tx.VertexProperty(it.ID(), "age"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func BenchmarkExpand1Hop(b *testing.B) {
	g := pokec(b)
	rng := rand.New(rand.NewPCG(2, 2))
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	edges := 0
	b.ResetTimer()
	for b.Loop() {
		for it := tx.Edges(rng.Int64N(pokecVertices), Out, "Friend"); it.Next(); {
			edges++
		}
	}
	b.ReportMetric(float64(edges)/float64(b.N), "edges/op")
	b.ReportMetric(float64(edges)/b.Elapsed().Seconds(), "edges/s")
}

func BenchmarkExpand2Hop(b *testing.B) {
	g := pokec(b)
	rng := rand.New(rand.NewPCG(3, 3))
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	edges := 0
	b.ResetTimer()
	for b.Loop() {
		for it := tx.Edges(rng.Int64N(pokecVertices), Out, "Friend"); it.Next(); {
			for it2 := tx.Edges(it.Edge().To, Out, "Friend"); it2.Next(); {
				edges++
			}
		}
	}
	b.ReportMetric(float64(edges)/float64(b.N), "edges/op")
	b.ReportMetric(float64(edges)/b.Elapsed().Seconds(), "edges/s")
}

func BenchmarkLabelScan(b *testing.B) {
	g := pokec(b)
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	n := 0
	b.ResetTimer()
	for b.Loop() {
		for it := tx.VerticesByLabel("User"); it.Next(); {
			n++
		}
	}
	if n != b.N*pokecVertices {
		b.Fatalf("scanned %d, want %d", n, b.N*pokecVertices)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "vertices/s")
}

// BenchmarkMemory measures heap bytes per vertex and per edge of a pokec-
// shaped graph without properties and without indexes.
func BenchmarkMemory(b *testing.B) {
	for b.Loop() {
		before := heap()
		g := New(Options{})
		rng := rand.New(rand.NewPCG(5, 5))
		for lo := 0; lo < pokecVertices; lo += loadBatch {
			tx := g.Begin(TxOptions{})
			for range loadBatch {
				id, _ := tx.CreateVertex()
				if err := tx.AddLabel(id, "User"); err != nil {
					b.Fatal(err)
				}
			}
			ack(b, g, tx)
		}
		afterV := heap()
		for lo := 0; lo < pokecEdges; lo += loadBatch {
			tx := g.Begin(TxOptions{})
			for range loadBatch {
				if _, err := tx.CreateEdge(rng.Int64N(pokecVertices), rng.Int64N(pokecVertices), "Friend"); err != nil {
					b.Fatal(err)
				}
			}
			ack(b, g, tx)
		}
		afterE := heap()
		b.ReportMetric(float64(afterV-before)/pokecVertices, "B/vertex")
		b.ReportMetric(float64(afterE-afterV)/pokecEdges, "B/edge")
		runtime.KeepAlive(g)
	}
}

func ack(b *testing.B, g *Graph, tx *Txn) {
	ts, _, err := tx.Commit()
	if err == nil {
		err = g.MarkAcknowledged(ts)
	}
	if err != nil {
		b.Fatal(err)
	}
	g.CollectGarbage()
}

func heap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// BenchmarkWriteTx commits single-vertex transactions in memory (no WAL):
// create a :User with an id property.
func BenchmarkWriteTx(b *testing.B) {
	g := New(Options{ImmediateVisibility: true})
	i := int64(0)
	for b.Loop() {
		tx := g.Begin(TxOptions{})
		id, err := tx.CreateVertex()
		if err == nil {
			err = tx.AddLabel(id, "User")
		}
		if err == nil {
			err = tx.SetVertexProperty(id, "id", i)
		}
		if err == nil {
			_, _, err = tx.Commit()
		}
		if err != nil {
			b.Fatal(err)
		}
		if i++; i%10_000 == 0 {
			g.CollectGarbage()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}
