package instance

import (
	"context"
	"math/rand/v2"
	"runtime/pprof"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/disk/osfs"
	srvloop "github.com/quiverdb/quiver/server/loop"
)

// realInstance starts an instance on a real directory, driven by a real
// event loop as the server runs it.
func realInstance(b *testing.B, cfg Config) (*Instance, *srvloop.Loop, *osfs.FS) {
	l := srvloop.New()
	fs, err := osfs.New(b.TempDir(), l.PostFunc())
	if err != nil {
		b.Fatal(err)
	}
	if cfg.Durability.Defer == nil { // as server/db does
		cfg.Durability.Defer = func(f func()) { l.Post(f) }
	}
	in := New(cfg)
	env := node.Env{Clock: clock.NewReal(l.PostFunc()), FS: fs, Log: zap.NewNop()}
	l.Do(func() { err = in.Start(env) })
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stopped := make(chan error, 1)
		l.Post(func() { in.Stop(func(err error) { stopped <- err }) })
		<-stopped // the shutdown's syncs post back to the loop
		l.Stop()
		fs.Close()
	})
	return in, l, fs
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report prints tx/s (wall clock) and tx per CPU-second, which does not
// depend on how much of the shared machine other processes took meanwhile.
func report(b *testing.B, n int, wall, cpu time.Duration) {
	b.ReportMetric(float64(n)/wall.Seconds(), "tx/s")
	b.ReportMetric(float64(n)/cpu.Seconds(), "tx/cpu-s")
}

// writeOne commits a transaction creating one vertex with a label and a
// property; done runs on the loop when the commit completes.
func writeOne(b *testing.B, in *Instance, done func()) {
	tx := in.Begin(graph.TxOptions{})
	v, err := tx.CreateVertex()
	if err == nil {
		err = tx.AddLabel(v, "User")
	}
	if err == nil {
		err = tx.SetVertexProperty(v, "id", v)
	}
	if err != nil {
		b.Error(err)
	}
	in.Commit(tx, func(_ uint64, err error) {
		if err != nil {
			b.Error(err)
		}
		done()
	})
}

// benchWriters runs b.N single-vertex write transactions from writers
// concurrent client goroutines, each posting its transaction onto the
// node's loop and waiting for the commit to complete, as Bolt sessions do.
func benchWriters(b *testing.B, cfg Config, writers int) {
	in, l, fs := realInstance(b, cfg)
	st0 := fs.Stats()
	var g0 durability.GroupStats
	l.Do(func() { g0 = in.GroupStats() })
	var next sync.WaitGroup
	per := b.N/writers + 1
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for w := 0; w < writers; w++ {
		next.Add(1)
		go func() {
			defer next.Done()
			ch := make(chan struct{}, 1)
			for i := 0; i < per; i++ {
				l.Post(func() { writeOne(b, in, func() { ch <- struct{}{} }) })
				<-ch
			}
		}()
	}
	next.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	report(b, per*writers, elapsed, cpu)
	reportSyncs(b, per*writers, fs.Stats(), st0)
	var g durability.GroupStats
	l.Do(func() { g = in.GroupStats() })
	reportGather(b, g, g0)
}

// reportGather prints the share of gathering windows that ended at their
// deadline rather than with every released commit back.
func reportGather(b *testing.B, g, g0 durability.GroupStats) {
	full, timeout := g.GatherFull-g0.GatherFull, g.GatherTimeout-g0.GatherTimeout
	if full+timeout > 0 {
		b.ReportMetric(float64(timeout)/float64(full+timeout), "gather-timeouts/window")
	}
}

// reportSyncs prints how many transactions each fsync covered and the mean
// fsync time, which bound group-commit throughput: tx/s ≤ tx/fsync ÷ fsync
// cycle.
func reportSyncs(b *testing.B, n int, st, st0 osfs.Stats) {
	if fsyncs := st.Fsyncs - st0.Fsyncs; fsyncs > 0 {
		b.ReportMetric(float64(n)/float64(fsyncs), "tx/fsync")
		b.ReportMetric(float64((st.FsyncTime-st0.FsyncTime).Microseconds())/float64(fsyncs), "µs/fsync")
	}
}

// BenchmarkWriteGroupCommit8: group commit (every commit waits for the fsync
// that covers it) with 8 concurrent writers on a real file.
func BenchmarkWriteGroupCommit8(b *testing.B) {
	benchWriters(b, Config{}, 8)
}

// BenchmarkWriteGroupCommit8Depth1 is BenchmarkWriteGroupCommit8 with one
// fsync at a time (the default keeps two in flight), for comparison in one
// run.
func BenchmarkWriteGroupCommit8Depth1(b *testing.B) {
	benchWriters(b, Config{Durability: durability.Options{SyncDepth: 1}}, 8)
}

// BenchmarkWriteGroupCommit8Depth4 keeps up to four fsyncs in flight.
func BenchmarkWriteGroupCommit8Depth4(b *testing.B) {
	benchWriters(b, Config{Durability: durability.Options{SyncDepth: 4}}, 8)
}

// BenchmarkWriteGroupCommit12: 12 writers, as mgbench's Bolt clients, without
// Bolt: the storage path's ceiling for single_vertex_write (about 12 ÷ the
// fsync time).
func BenchmarkWriteGroupCommit12(b *testing.B) {
	benchWriters(b, Config{}, 12)
}

// BenchmarkWriteGroupCommit12Depth1 is BenchmarkWriteGroupCommit12 with one
// fsync at a time.
func BenchmarkWriteGroupCommit12Depth1(b *testing.B) {
	benchWriters(b, Config{Durability: durability.Options{SyncDepth: 1}}, 12)
}

// BenchmarkWriteGroupCommit64: group commit with 64 concurrent writers:
// more commits share each fsync.
func BenchmarkWriteGroupCommit64(b *testing.B) {
	benchWriters(b, Config{}, 64)
}

// BenchmarkWriteNoFsync8: the WAL is written but never fsynced, 8 writers.
func BenchmarkWriteNoFsync8(b *testing.B) {
	benchWriters(b, Config{Durability: durability.Options{SyncEvery: -1}}, 8)
}

// BenchmarkWriteNoFsyncOnLoop: the WAL is written but never fsynced, and
// the transactions are issued on the loop itself: the engine's own cost
// (graph commit, record encoding, write syscall, visibility) without the
// client goroutine handoff.
func BenchmarkWriteNoFsyncOnLoop(b *testing.B) {
	in, l, _ := realInstance(b, Config{Durability: durability.Options{SyncEvery: -1}, NoSnapshotOnStop: true})
	l.Do(func() { writeOne(b, in, func() {}) }) // creates the first segment
	time.Sleep(20 * time.Millisecond)           // its directory sync posts back
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	// Chunks of 1000 per loop turn, so the loop also runs what others post.
	for done := 0; done < b.N; done += 1000 {
		n := min(1000, b.N-done)
		l.Do(func() {
			for i := 0; i < n; i++ {
				writeOne(b, in, func() {})
			}
		})
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	report(b, b.N, elapsed, cpu)
}

// runWait runs query as an auto-commit transaction on s through the loop,
// as a Bolt session does, and waits until its outcome is final (after the
// commit's fsync for a write).
func runWait(l *srvloop.Loop, s *Session, query string, params value.Map) error {
	ch := make(chan error, 1)
	l.Post(func() {
		s.Run(query, params, TxMeta{}, func(r *Result, err error) {
			if err != nil {
				ch <- err
				return
			}
			r.Pull(-1, func(_ [][]value.Value, _ bool, err error) { ch <- err })
		})
	})
	return <-ch
}

// BenchmarkUnwindEdgeLoad runs the bulk edge-load pattern Memgraph and
// Neo4j guides teach, UNWIND $batch AS row MATCH (a:User {id: row.a}),
// (b:User {id: row.b}) CREATE (a)-[:Friend]->(b), in batches of 5,000
// random pairs over 100,000 :User vertices indexed on id, through the
// instance's entry point with the WAL on a real file and group commit
// (every batch waits for its fsync): everything of the Bolt path but the
// socket and PackStream. Run: go test -run '^$' -bench UnwindEdgeLoad
// -benchtime 20x ./core/instance/
func BenchmarkUnwindEdgeLoad(b *testing.B) {
	const users, batch = 100_000, 5000
	in, l, _ := realInstance(b, Config{NoSnapshotOnStop: true})
	s := in.OpenSession(SessionInfo{User: "bench", Client: "bench"})
	if err := runWait(l, s, "CREATE INDEX ON :User(id)", nil); err != nil {
		b.Fatal(err)
	}
	for lo := int64(0); lo < users; lo += 10_000 {
		if err := runWait(l, s, "UNWIND range($a, $b) AS i CREATE (:User {id: i})", value.Map{"a": lo, "b": lo + 9_999}); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	batches := make([]value.List, b.N)
	for i := range batches {
		rows := make(value.List, batch)
		for j := range rows {
			rows[j] = value.Map{"a": rng.Int64N(users), "b": rng.Int64N(users)}
		}
		batches[i] = rows
	}
	const q = "UNWIND $batch AS row MATCH (a:User {id: row.a}), (b:User {id: row.b}) CREATE (a)-[:Friend]->(b)"
	// The loop's samples in a CPU profile carry phase=load from here
	// (go tool pprof -tagfocus phase=load).
	l.Do(func() {
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("phase", "load")))
	})
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for _, rows := range batches {
		if err := runWait(l, s, q, value.Map{"batch": rows}); err != nil {
			b.Fatal(err)
		}
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	edges := float64(b.N * batch)
	b.ReportMetric(edges/elapsed.Seconds(), "edges/s")
	b.ReportMetric(edges/cpu.Seconds(), "edges/cpu-s")
}
