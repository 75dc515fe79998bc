package drivertest

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/server"
)

// workload is one mgbench-style isolated workload.
type workload struct {
	name   string
	query  string
	params func(r *rand.Rand) map[string]any
}

// BenchmarkMgbench runs the mgbench isolated workloads on a pokec-shaped
// graph with 12 concurrent Go-driver sessions against an in-process server
// (group commit on), and RETURN 1 as the ceiling of the driver and protocol
// path. Run it with: go test -run '^$' -bench Mgbench -benchtime 1x ./server/drivertest/
// QUIVER_BENCH_SECONDS (default 3) sets each workload's duration;
// QUIVER_BENCH_USERS (default 10000) the graph size; QUIVER_BENCH_ADDR
// (host:port) targets a running `quiver serve` with an empty database
// instead of the in-process server (the CPU column then counts the client
// only; QUIVER_BENCH_PID, the server's pid, adds its CPU per query);
// QUIVER_BENCH_FLAGS adds `quiver serve` flags to the in-process server
// (e.g. --storage-wal-sync-depth=1); QUIVER_BENCH_PROFILE (a directory)
// writes a CPU profile of each workload's run there, and allocation
// profiles before and after it (<name>.allocs0.pprof, .allocs1.pprof);
// with QUIVER_BENCH_TRACE set too, an execution trace (<name>.trace)
// instead of the CPU profile;
// QUIVER_BENCH_ONLY (comma-separated names) runs only those
// workloads besides return_1; QUIVER_BENCH_CSV (a directory) also writes
// the generated graph there as users.csv and friends.csv, the very data
// bench/kuzu loads into Kuzu for a side-by-side run. Loading the graph is measured too: the
// unwind_load line gives the edges per second of the UNWIND bulk load.
func BenchmarkMgbench(b *testing.B) {
	secs := envInt("QUIVER_BENCH_SECONDS", 3)
	users := envInt("QUIVER_BENCH_USERS", 10000)
	var d neo4j.DriverWithContext
	var srv *server.Server // nil against QUIVER_BENCH_ADDR
	if addr := os.Getenv("QUIVER_BENCH_ADDR"); addr != "" {
		var err error
		if d, err = neo4j.NewDriverWithContext("bolt://"+addr, neo4j.NoAuth()); err != nil {
			b.Fatal(err)
		}
		defer d.Close(context.Background())
	} else {
		srv = startServer(b, nil, strings.Fields(os.Getenv("QUIVER_BENCH_FLAGS"))...)
		d = driver(b, srv, neo4j.AuthToken{})
	}
	c := context.Background()
	edges := pokecEdges(users)
	if dir := os.Getenv("QUIVER_BENCH_CSV"); dir != "" {
		if err := writePokecCSV(dir, users, edges); err != nil {
			b.Fatal(err)
		}
	}
	fmt.Printf("mgbench: %d users, %d Friend edges, 12 clients over Bolt, %d s per workload\n", users, len(edges), secs)
	eps, cpuPerEdge := loadPokec(b, d, users, edges)
	b.ReportMetric(eps, "unwind_load_edges/s")
	fmt.Printf("%-20s %9.0f edges/s  cpu %6.1f us/edge (client+server; UNWIND $batch AS row MATCH (a:User {id: row.a}), (b:User {id: row.b}) CREATE (a)-[:Friend]->(b), batches of 5,000)\n",
		"unwind_load", eps, cpuPerEdge)
	id := func(r *rand.Rand) any { return int64(r.Intn(users)) }
	var seq atomic.Int64
	wls := []workload{
		{"return_1", "RETURN 1", nil},
		{"single_vertex_write", "CREATE (n:UserTemp {id: $id}) RETURN n", func(*rand.Rand) map[string]any {
			return map[string]any{"id": seq.Add(1)}
		}},
		{"single_edge_write", "MATCH (n:User {id: $from}), (m:User {id: $to}) CREATE (n)-[e:Temp]->(m) RETURN e",
			func(r *rand.Rand) map[string]any { return map[string]any{"from": id(r), "to": id(r)} }},
		{"single_vertex_read", "MATCH (n:User {id: $id}) RETURN n", func(r *rand.Rand) map[string]any {
			return map[string]any{"id": id(r)}
		}},
		{"expansion_1", "MATCH (s:User {id: $id})-->(n:User) RETURN n.id", func(r *rand.Rand) map[string]any {
			return map[string]any{"id": id(r)}
		}},
		{"expansion_2", "MATCH (s:User {id: $id})-->()-->(n:User) RETURN DISTINCT n.id", func(r *rand.Rand) map[string]any {
			return map[string]any{"id": id(r)}
		}},
		{"expansion_3", "MATCH (s:User {id: $id})-->()-->()-->(n:User) RETURN DISTINCT n.id", func(r *rand.Rand) map[string]any {
			return map[string]any{"id": id(r)}
		}},
		{"aggregate", "MATCH (n:User) RETURN n.age, count(*)", nil},
	}
	var ceiling float64
	only := os.Getenv("QUIVER_BENCH_ONLY")
	for _, w := range wls {
		if only != "" && w.name != "return_1" && !strings.Contains(only, w.name) {
			continue
		}
		stopProfile := profileWorkload(b, w.name)
		g0 := groupStats(srv)
		cpu0, srv0 := cpuTime(), serverCPU()
		qps, p50, p99, errs := run12(c, d, w, time.Duration(secs)*time.Second)
		stopProfile()
		cpuPerQ := float64((cpuTime() - cpu0).Microseconds()) / (qps * float64(secs))
		srvPerQ := float64((serverCPU() - srv0).Microseconds()) / (qps * float64(secs))
		if w.name == "return_1" {
			ceiling = qps
		}
		b.ReportMetric(qps, w.name+"_qps")
		fmt.Printf("%-20s %9.0f qps  p50 %7.2f ms  p99 %7.2f ms  ratio %.3f  cpu %6.0f us/query (client+server)  errors %d",
			w.name, qps, ms(p50), ms(p99), qps/ceiling, cpuPerQ, errs)
		if srv0 >= 0 {
			fmt.Printf("  server %6.0f us/query", srvPerQ)
		}
		fmt.Println()
		printGroupCommit(groupStats(srv).Sub(g0), time.Duration(secs)*time.Second)
	}
}

// profileWorkload writes a CPU profile of one workload's run to
// QUIVER_BENCH_PROFILE/<name>.pprof when that directory is set (the load
// and the other workloads stay out of it, as they do not under
// -cpuprofile), or its execution trace to <name>.trace when
// QUIVER_BENCH_TRACE is set too. It returns the function that stops it.
func profileWorkload(b *testing.B, name string) func() {
	dir := os.Getenv("QUIVER_BENCH_PROFILE")
	if dir == "" || name == "return_1" {
		return func() {}
	}
	if os.Getenv("QUIVER_BENCH_TRACE") != "" {
		return traceWorkload(b, filepath.Join(dir, name+".trace"))
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	writeAllocs(b, filepath.Join(dir, name+".allocs0.pprof"))
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		writeAllocs(b, filepath.Join(dir, name+".allocs1.pprof"))
	}
}

// traceWorkload writes an execution trace (go tool trace) of one workload's
// run to path instead of its CPU profile (QUIVER_BENCH_TRACE set): where
// requests wait, which a CPU profile does not show. It returns the
// function that stops it.
func traceWorkload(b *testing.B, path string) func() {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		trace.Stop()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// writeAllocs writes the allocation profile so far to path (the workload's
// own allocations are the difference of two: go tool pprof -base).
func writeAllocs(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// groupStats reads the in-process server's group-commit counts (zero
// without one).
func groupStats(srv *server.Server) instance.GroupStats {
	if srv == nil {
		return instance.GroupStats{}
	}
	return srv.GroupStats()
}

// printGroupCommit prints how a workload's commits waited for their WAL
// fsync (nothing for a workload that wrote nothing): commits per fsync,
// each commit's wait from its WAL record's append to its completion, the
// part of it before its batch's fsync started, the fsyncs' durations, and
// the share of the run during which commits were buffered while an fsync
// could have started (IdleWait).
func printGroupCommit(g instance.GroupStats, dur time.Duration) {
	if g.Batches == 0 {
		return
	}
	q := func(h instance.Histogram) string {
		return fmt.Sprintf("p50 %.3f p99 %.3f mean %.3f ms", ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Mean()))
	}
	fmt.Printf("  group commit: %.1f commits/fsync (%d fsyncs)  wait %s  before fsync %s  fsync %s\n",
		float64(g.Commits)/float64(g.Batches), g.Batches, q(g.Wait), q(g.Queue), q(g.Sync))
	fmt.Printf("  group commit: fsync slot idle with commits buffered %.1f%% of the run; gather windows full %d timeout %d; held beside a nearly done fsync %d; fsyncs back before an earlier one %d\n",
		100*g.IdleWait.Seconds()/dur.Seconds(), g.GatherFull, g.GatherTimeout, g.NearlyDoneHolds, g.SyncedEarly)
}

// cpuTime is this process's user+system CPU time (driver and server both
// run here), so CPU per query shows what the machine could do unshared.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU is the user+system CPU time of the process QUIVER_BENCH_PID
// names (a `quiver serve` that QUIVER_BENCH_ADDR targets), read from
// /proc, or -1 without one: with it the report splits a query's CPU
// between the driver (cpu column) and the server.
func serverCPU() time.Duration {
	pid := os.Getenv("QUIVER_BENCH_PID")
	if pid == "" {
		return -1
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return -1
	}
	// Fields after the parenthesised command: utime and stime are the
	// 12th and 13th, in clock ticks (USER_HZ, 100 on Linux).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// pokecEdges draws the Friend edges of a pokec-shaped graph: ten per user,
// both ends uniform over the user ids, from a fixed seed, so every run (and
// the CSV files that bench/kuzu loads) holds the same graph.
func pokecEdges(users int) [][2]int64 {
	r := rand.New(rand.NewSource(1))
	edges := make([][2]int64, users*10)
	for i := range edges {
		edges[i] = [2]int64{int64(r.Intn(users)), int64(r.Intn(users))}
	}
	return edges
}

// writePokecCSV writes the graph that loadPokec loads as users.csv
// (id,age,name) and friends.csv (a,b) in dir, for other engines to load
// the very same data (bench/kuzu does).
func writePokecCSV(dir string, users int, edges [][2]int64) error {
	var ub, eb strings.Builder
	ub.WriteString("id,age,name\n")
	for i := range users {
		fmt.Fprintf(&ub, "%d,%d,u%d\n", i, i%80, i)
	}
	eb.WriteString("a,b\n")
	for _, e := range edges {
		fmt.Fprintf(&eb, "%d,%d\n", e[0], e[1])
	}
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte(ub.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "friends.csv"), []byte(eb.String()), 0o644)
}

// loadPokec creates users with an index on :User(id) and the edges of
// pokecEdges, the edges with the bulk-load pattern Memgraph and Neo4j
// guides teach (UNWIND a batch of 5,000 id pairs, MATCH both ends by the
// index, CREATE the edge), and returns the edges loaded per second and the
// CPU microseconds per edge. Users get age id % 80 and name "u" + id.
func loadPokec(b *testing.B, d neo4j.DriverWithContext, users int, edges [][2]int64) (float64, float64) {
	c := context.Background()
	must := func(q string, p map[string]any) {
		if _, err := neo4j.ExecuteQuery(c, d, q, p, neo4j.EagerResultTransformer); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	if err := autoCommit(c, d, "CREATE INDEX ON :User(id)", nil); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < users; start += 1000 {
		must("UNWIND range($a, $b) AS i CREATE (:User {id: i, age: i % 80, name: 'u' + toString(i)})",
			map[string]any{"a": start, "b": min(start+999, users-1)})
	}
	const batch = 5000
	t0, cpu0 := time.Now(), cpuTime()
	for start := 0; start < len(edges); start += batch {
		rows := make([]any, 0, batch)
		for _, e := range edges[start:min(start+batch, len(edges))] {
			rows = append(rows, map[string]any{"a": e[0], "b": e[1]})
		}
		must("UNWIND $batch AS row MATCH (a:User {id: row.a}), (b:User {id: row.b}) CREATE (a)-[:Friend]->(b)",
			map[string]any{"batch": rows})
	}
	n := float64(len(edges))
	return n / time.Since(t0).Seconds(), float64((cpuTime() - cpu0).Microseconds()) / n
}

// run12 runs w on 12 sessions for dur and returns QPS and latency quantiles.
func run12(c context.Context, d neo4j.DriverWithContext, w workload, dur time.Duration) (float64, time.Duration, time.Duration, int64) {
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(dur)
	start := time.Now()
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(g)))
			sess := d.NewSession(c, neo4j.SessionConfig{})
			defer sess.Close(c)
			var mine []time.Duration
			for time.Now().Before(deadline) {
				var p map[string]any
				if w.params != nil {
					p = w.params(r)
				}
				t0 := time.Now()
				res, err := sess.Run(c, w.query, p)
				if err == nil {
					_, err = res.Consume(c)
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return 0, 0, 0, errs.Load()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(len(lat)) / elapsed.Seconds(), lat[len(lat)/2], lat[len(lat)*99/100], errs.Load()
}
