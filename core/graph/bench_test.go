package graph

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
)

// cpuClock reports process CPU time, so that numbers on a shared, loaded
// machine can be read as work per CPU-second rather than wall time.
type cpuClock struct{ start int64 }

func cpuNow() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func startCPU() cpuClock { return cpuClock{start: cpuNow()} }

// report adds cpu-ns/op and, when unit is set, unit per CPU-second.
func (c cpuClock) report(b *testing.B, work float64, unit string) {
	ns := float64(cpuNow() - c.start)
	if ns <= 0 {
		return
	}
	b.ReportMetric(ns/float64(b.N), "cpu-ns/op")
	if unit != "" {
		b.ReportMetric(work/(ns/1e9), unit+"/cpu-s")
	}
}

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
	cpu := startCPU()
	for b.Loop() {
		it := tx.VerticesByProperty("User", "id", rng.Int64N(pokecVertices))
		if !it.Next() {
			b.Fatal("user not found")
		}
		if _, err := tx.VertexProperty(it.ID(), "age"); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b, float64(b.N), "lookups")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func BenchmarkExpand1Hop(b *testing.B) {
	g := pokec(b)
	rng := rand.New(rand.NewPCG(2, 2))
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	edges := 0
	b.ResetTimer()
	cpu := startCPU()
	for b.Loop() {
		for it := tx.Edges(rng.Int64N(pokecVertices), Out, "Friend"); it.Next(); {
			edges++
		}
	}
	cpu.report(b, float64(edges), "edges")
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
	cpu := startCPU()
	for b.Loop() {
		for it := tx.Edges(rng.Int64N(pokecVertices), Out, "Friend"); it.Next(); {
			for it2 := tx.Edges(it.Edge().To, Out, "Friend"); it2.Next(); {
				edges++
			}
		}
	}
	cpu.report(b, float64(edges), "edges")
	b.ReportMetric(float64(edges)/float64(b.N), "edges/op")
	b.ReportMetric(float64(edges)/b.Elapsed().Seconds(), "edges/s")
}

func BenchmarkLabelScan(b *testing.B) {
	g := pokec(b)
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	n := 0
	b.ResetTimer()
	cpu := startCPU()
	for b.Loop() {
		for it := tx.VerticesByLabel("User"); it.Next(); {
			n++
		}
	}
	if n != b.N*pokecVertices {
		b.Fatalf("scanned %d, want %d", n, b.N*pokecVertices)
	}
	cpu.report(b, float64(n), "vertices")
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
	cpu := startCPU()
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
	cpu.report(b, float64(b.N), "tx")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkSnapshotLoad writes the pokec graph out as snapshot deltas and
// applies them to an empty graph (what recovery from a snapshot does).
func BenchmarkSnapshotLoad(b *testing.B) {
	g := pokec(b)
	r := g.Begin(TxOptions{ReadOnly: true})
	var ds []Delta
	if err := r.SnapshotDeltas(func(d Delta) error { ds = append(ds, d); return nil }); err != nil {
		b.Fatal(err)
	}
	r.Abort()
	b.ResetTimer()
	cpu := startCPU()
	for b.Loop() {
		fresh := New(Options{})
		if err := fresh.Apply(1, ds); err != nil {
			b.Fatal(err)
		}
		fresh.CollectGarbage()
	}
	cpu.report(b, float64(len(ds)*b.N), "deltas")
	b.ReportMetric(float64(len(ds)), "deltas/op")
}
