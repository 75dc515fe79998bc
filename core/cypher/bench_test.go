package cypher_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// pokecSize gives the generated graph's shape: mgbench's "small" pokec
// (10k users, 121k friendships) by default, "medium" (100k, 1.77M) with
// QUIVER_POKEC=medium.
func pokecSize() (int64, int64) {
	if os.Getenv("QUIVER_POKEC") == "medium" {
		return 100_000, 1_768_515
	}
	return 10_000, 121_716
}

// loadPokec builds a pokec-shaped graph straight through core/graph: :User
// vertices with id, age, completion_percentage and gender, and :Friend
// edges between random users, with a label+property index on :User(id).
func loadPokec(b *testing.B) *graph.Graph {
	b.Helper()
	nv, ne := pokecSize()
	g := graph.New(graph.Options{ImmediateVisibility: true})
	if _, _, err := g.CreateIndex(graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: "User", Key: "id"}); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 10_000
	for lo := int64(0); lo < nv; lo += batch {
		tx := g.Begin(graph.TxOptions{})
		for i := lo; i < min(lo+batch, nv); i++ {
			id, _ := tx.CreateVertex()
			must(b, tx.AddLabel(id, "User"))
			must(b, tx.SetVertexProperty(id, "id", i))
			must(b, tx.SetVertexProperty(id, "age", 15+rng.Int64N(60)))
			must(b, tx.SetVertexProperty(id, "completion_percentage", rng.Int64N(101)))
			must(b, tx.SetVertexProperty(id, "gender", []string{"man", "woman"}[rng.IntN(2)]))
		}
		if _, _, err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	for lo := int64(0); lo < ne; lo += batch {
		tx := g.Begin(graph.TxOptions{})
		for i := lo; i < min(lo+batch, ne); i++ {
			if _, err := tx.CreateEdge(rng.Int64N(nv), rng.Int64N(nv), "Friend"); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return g
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

var mgbenchQueries = []struct {
	name, query string
}{
	{"PointLookup", "MATCH (n:User {id: $id}) RETURN n"},
	{"Expand1", "MATCH (s:User {id: $id})-->(n:User) RETURN n.id"},
	{"Expand2", "MATCH (s:User {id: $id})-->()-->(n:User) RETURN DISTINCT n.id"},
	{"Expand3", "MATCH (s:User {id: $id})-->()-->()-->(n:User) RETURN DISTINCT n.id"},
	{"AggregateAge", "MATCH (n:User) RETURN n.age, count(*)"},
	{"FilterRange", "MATCH (n:User) WHERE n.id >= $id AND n.id < $id + 100 RETURN count(n)"},
}

// BenchmarkMgbench runs mgbench-style queries on the pokec-shaped graph
// through the whole engine (plan cache warm), reporting rows per query and
// the CPU time per query (garbage collection included).
func BenchmarkMgbench(b *testing.B) {
	g := loadPokec(b)
	nv, _ := pokecSize()
	for _, q := range mgbenchQueries {
		b.Run(q.name, func(b *testing.B) {
			e := cypher.NewEngine(cypher.Options{})
			rng := rand.New(rand.NewPCG(3, 4))
			rows := 0
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				tx := g.Begin(graph.TxOptions{ReadOnly: true})
				res, err := e.Run(cypher.NewGraphTx(g, tx), q.query, map[string]value.Value{"id": rng.Int64N(nv)})
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, ok, err := res.Next()
					if err != nil {
						b.Fatal(err)
					}
					if !ok {
						break
					}
					rows++
				}
				tx.Abort()
			}
			b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the process's user+system CPU time in nanoseconds: on a
// machine shared with other work it measures a query's cost more steadily
// than the wall clock does.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

var typicalQueries = []string{
	"MATCH (n:User {id: $id}) RETURN n",
	"MATCH (s:User {id: $id})-->()-->(n:User) RETURN DISTINCT n.id",
	"MATCH (a:Person)-[r:KNOWS*1..3]->(b) WHERE a.age > 30 AND b.name STARTS WITH 'A' RETURN a.name, count(DISTINCT b) AS c ORDER BY c DESC LIMIT 10",
	"UNWIND $rows AS row MERGE (n:User {id: row.id}) ON CREATE SET n += row.props ON MATCH SET n.seen = true RETURN n",
	"MATCH (n) WHERE n.x IN [1, 2, 3] WITH n, [x IN n.list WHERE x > 0 | x * 2] AS l RETURN n{.name, l: l}, CASE WHEN size(l) > 2 THEN 'big' ELSE 'small' END",
}

// BenchmarkParsePlan measures parsing, checking and planning without the
// plan cache, and a cache hit for comparison.
func BenchmarkParsePlan(b *testing.B) {
	b.Run("cold", func(b *testing.B) {
		for range b.N {
			e := cypher.NewEngine(cypher.Options{})
			for _, q := range typicalQueries {
				if _, err := e.Prepare(q); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typicalQueries)), "ns/query")
	})
	b.Run("cached", func(b *testing.B) {
		e := cypher.NewEngine(cypher.Options{})
		for range b.N {
			for _, q := range typicalQueries {
				if _, err := e.Prepare(q); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typicalQueries)), "ns/query")
	})
}

// BenchmarkUnwindLoad runs the bulk edge-load pattern (UNWIND a batch of
// 5,000 id pairs, MATCH both ends through the :User(id) index, CREATE the
// edge) on the pokec-shaped graph, one committed transaction per batch,
// and reports edges per second of CPU time.
func BenchmarkUnwindLoad(b *testing.B) {
	g := loadPokec(b)
	nv, _ := pokecSize()
	e := cypher.NewEngine(cypher.Options{})
	rng := rand.New(rand.NewPCG(5, 6))
	const batch = 5000
	q := "UNWIND $batch AS row MATCH (a:User {id: row.a}), (b:User {id: row.b}) CREATE (a)-[:Friend]->(b)"
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		rows := make(value.List, batch)
		for i := range rows {
			rows[i] = value.Map{"a": rng.Int64N(nv), "b": rng.Int64N(nv)}
		}
		tx := g.Begin(graph.TxOptions{})
		res, err := e.Run(cypher.NewGraphTx(g, tx), q, map[string]value.Value{"batch": rows})
		if err != nil {
			b.Fatal(err)
		}
		if err := res.Consume(); err != nil {
			b.Fatal(err)
		}
		if res.Stats().RelationshipsCreated != batch {
			b.Fatalf("created %d relationships, want %d", res.Stats().RelationshipsCreated, batch)
		}
		if _, _, err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "edges/s")
	b.ReportMetric(float64(b.N*batch)/(float64(cpuTime()-cpu0)/1e9), "edges/cpu-s")
}

// BenchmarkFunctionCalls evaluates a scalar function on 10,000 rows: the
// function is resolved when the query is planned, not per row.
func BenchmarkFunctionCalls(b *testing.B) {
	g := graph.New(graph.Options{ImmediateVisibility: true})
	e := cypher.NewEngine(cypher.Options{})
	cpu0 := cpuTime()
	for range b.N {
		tx := g.Begin(graph.TxOptions{ReadOnly: true})
		res, err := e.Run(cypher.NewGraphTx(g, tx), "UNWIND range(1, 10000) AS i RETURN count(toString(i)) AS n", nil)
		if err != nil {
			b.Fatal(err)
		}
		rec, ok, err := res.Next()
		if err != nil || !ok || rec[0] != int64(10000) {
			b.Fatalf("got %v %v %v", rec, ok, err)
		}
		tx.Abort()
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkAggregateScan runs mgbench's aggregate, MATCH (n:User) RETURN
// n.age, count(*), through the engine over 100,000 :User vertices with age
// in 0..99 and four other properties (no edges, so the graph builds fast and
// the heap holds little else), reporting queries per second and nanoseconds
// per vertex, wall and CPU (garbage collection included).
func BenchmarkAggregateScan(b *testing.B) { aggregateScan(b, false) }

// BenchmarkAggregateScanLabelIndex is BenchmarkAggregateScan with a label
// index on :User, as Memgraph's guides create one (CREATE INDEX ON :User).
func BenchmarkAggregateScanLabelIndex(b *testing.B) { aggregateScan(b, true) }

// aggregateScan runs BenchmarkAggregateScan, with a label index on :User
// when labelIndex.
func aggregateScan(b *testing.B, labelIndex bool) {
	const users = 100_000
	g := graph.New(graph.Options{ImmediateVisibility: true})
	if labelIndex {
		if _, _, err := g.CreateIndex(graph.SchemaItem{Kind: graph.KindLabelIndex, Name: "User"}); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for lo := int64(0); lo < users; lo += 10_000 {
		tx := g.Begin(graph.TxOptions{})
		for i := lo; i < lo+10_000; i++ {
			id, _ := tx.CreateVertex()
			must(b, tx.AddLabel(id, "User"))
			must(b, tx.SetVertexProperty(id, "id", i))
			must(b, tx.SetVertexProperty(id, "age", rng.Int64N(100)))
			must(b, tx.SetVertexProperty(id, "name", "u"+string(rune('a'+i%26))))
			must(b, tx.SetVertexProperty(id, "completion_percentage", rng.Int64N(101)))
			must(b, tx.SetVertexProperty(id, "gender", []string{"man", "woman"}[rng.IntN(2)]))
		}
		if _, _, err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	e := cypher.NewEngine(cypher.Options{})
	g.CollectGarbage() // as a server does periodically
	runtime.GC()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		tx := g.Begin(graph.TxOptions{ReadOnly: true})
		res, err := e.Run(cypher.NewGraphTx(g, tx), "MATCH (n:User) RETURN n.age, count(*)", nil)
		if err != nil {
			b.Fatal(err)
		}
		rows, total := 0, int64(0)
		for {
			r, ok, err := res.Next()
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
			rows++
			total += r[1].(int64)
		}
		tx.Abort()
		if rows != 100 || total != users {
			b.Fatalf("%d groups counting %d vertices, want 100 counting %d", rows, total, users)
		}
	}
	cpu := float64(cpuTime()-cpu0) / float64(b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "qps")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/users, "ns/vertex")
	b.ReportMetric(cpu/users, "cpu-ns/vertex")
}
