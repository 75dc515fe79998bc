package drivertest

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/server"
)

// BenchmarkReplication measures durable auto-commit writes from 12 Go-driver
// sessions on a MAIN with no replicas, two ASYNC, two SYNC and two
// STRICT_SYNC replicas (in-process servers replicating over loopback TCP),
// as ratios to the no-replica case, beside the loopback round trip and the
// fsync time measured in the same run, and the CPU per write of the whole
// process (client, MAIN and replicas share it, and the machine's cores).
// A STRICT_SYNC write takes a round trip more than a SYNC one (the votes,
// before MAIN commits and ships it).
// Per case it also prints the WAL fsyncs per write on MAIN and on each
// replica (group commit's batching), how long commits waited for the
// replicas after MAIN's own fsync (quiver_replication_wait_seconds: the
// issue's target is one round trip plus a replica's apply and fsync for
// SYNC), and for replicas the replication lag MAIN exports
// (quiver_replica_behind_transactions and quiver_replica_lag_seconds),
// sampled every 20 ms: mean and max over both replicas (an ASYNC replica
// holds its Acks up to replication.Tuning.AsyncAckDelay, 5 ms by default,
// which its lag includes).
// MAIN|ratio|repl is MAIN's own CPU per write (the samples of a CPU
// profile taken during the case whose goroutines carry the server=main
// label), its ratio to the no-replica case's (the ASYNC target is
// under 1.10 of it: a deployment with replicas on other machines sees
// MAIN's CPU, not this shared process's), and one replica's CPU per write.
// The split needs the benchmark's own profile, so it shows "-" under
// go test -cpuprofile; cases of 10 s or more keep its sampling error
// within a few percent.
// Run: go test -run '^$' -bench Replication -benchtime 1x ./server/drivertest/
// (QUIVER_BENCH_SECONDS sets each case's duration, default 3;
// QUIVER_BENCH_MODES picks cases, e.g. "SYNC" or "none,ASYNC", for profiling
// one of them; QUIVER_BENCH_REPLICA_DIR puts the replicas' data directories
// under another folder, e.g. /dev/shm, so that their fsyncs stop sharing
// MAIN's disk).
func BenchmarkReplication(b *testing.B) {
	dur := time.Duration(envInt("QUIVER_BENCH_SECONDS", 3)) * time.Second
	rtt, fsync := loopbackRTT(b), fsyncTime(b)
	b.Logf("loopback round trip p50 %.3f ms; fsync p50 %.3f ms", ms(rtt), ms(fsync))
	w := workload{name: "write", query: "CREATE (:W {i: $i})",
		params: func(r *rand.Rand) map[string]any { return map[string]any{"i": r.Int63()} }}
	var base, baseMain float64
	b.Logf("%-13s %9s %8s %8s %7s %6s %12s %18s %12s %22s %18s", "replicas", "qps", "p50 ms", "p99 ms", "ratio", "errors",
		"CPU µs/write", "MAIN|ratio|repl", "fsync/w M|R", "lag txns|ms mean/max", "wait ms mean|p50")
	for _, mode := range benchModes() {
		c := replicatedMain(b, mode)
		syncs0 := c.fsyncs(b)
		lag := c.sampleLag(b)
		cpu0, prof := cpuTime(), startLabelCPU("server")
		qps, p50, p99, errs := run12(context.Background(), c.driver, w, dur)
		cpu := cpuTime() - cpu0 // client, MAIN and replicas: one process
		byServer, profErr := prof.stop()
		lagStats := lag()
		syncs1 := c.fsyncs(b)
		if mode == "" {
			base = qps
		}
		name := "none"
		if mode != "" {
			name = "2 " + mode
		}
		writes := qps * dur.Seconds()
		perWrite := func(i int) string {
			if i >= len(syncs1) {
				return "-"
			}
			return fmt.Sprintf("%.2f", (syncs1[i]-syncs0[i])/writes)
		}
		fs := perWrite(0) + "|" + perWrite(1)
		ratio := math.NaN()
		if base > 0 {
			ratio = qps / base
		}
		own := "-"
		if profErr == nil {
			mainUS := float64(byServer["main"].Microseconds()) / writes
			if mode == "" {
				baseMain = mainUS
			}
			replUS := float64(byServer["replica"].Microseconds()) / writes / float64(max(len(c.replicas), 1))
			ratio := math.NaN() // no "none" case ran
			if baseMain > 0 {
				ratio = mainUS / baseMain
			}
			own = fmt.Sprintf("%.0f|%.2f|%.0f", mainUS, ratio, replUS)
		}
		b.Logf("%-13s %9.0f %8.2f %8.2f %7.2f %6d %12.0f %18s %12s %22s %18s", name, qps, ms(p50), ms(p99), ratio, errs,
			float64(cpu.Microseconds())/writes, own, fs, lagStats, c.waitAfterFsync(b))
		b.ReportMetric(qps, strings.ReplaceAll(name, " ", "_")+"_qps")
	}
}

// benchModes is the cases to run: QUIVER_BENCH_MODES (comma-separated,
// "none" for no replicas) or all four.
func benchModes() []string {
	v := os.Getenv("QUIVER_BENCH_MODES")
	if v == "" {
		return []string{"", "ASYNC", "SYNC", "STRICT_SYNC"}
	}
	var out []string
	for _, m := range strings.Split(v, ",") {
		if m = strings.ToUpper(strings.TrimSpace(m)); m == "NONE" {
			m = ""
		}
		out = append(out, m)
	}
	return out
}

// replCase is a MAIN, the driver to it and its replicas (none or two).
type replCase struct {
	main     *server.Server
	driver   neo4j.DriverWithContext
	replicas []*server.Server
}

// replicatedMain starts a MAIN with two replicas of mode (none when mode
// is empty) and returns it with a driver to the MAIN.
// Each server starts under a pprof label (server=main or server=replica),
// which the goroutines it starts inherit, so a CPU profile of the benchmark
// splits MAIN's CPU from the replicas' (go tool pprof -tagfocus).
func replicatedMain(b *testing.B, mode string) replCase {
	start := func(role string) (s *server.Server) {
		mod := func(c *server.Config) {
			c.ReplicationAddress = "127.0.0.1:0"
			if base := os.Getenv("QUIVER_BENCH_REPLICA_DIR"); base != "" && role == "replica" {
				c.DataDirectory = replicaDir(b, base)
			}
		}
		pprof.Do(context.Background(), pprof.Labels("server", role), func(context.Context) { s = startServer(b, mod) })
		return s
	}
	main := start("main")
	c := replCase{main: main, driver: driver(b, main, neo4j.AuthToken{})}
	if mode == "" {
		return c
	}
	for i := 1; i <= 2; i++ {
		r := start("replica")
		port := r.ReplicationAddr()[strings.LastIndexByte(r.ReplicationAddr(), ':')+1:]
		mustRun(b, driver(b, r, neo4j.AuthToken{}), "SET REPLICATION ROLE TO REPLICA WITH PORT "+port)
		mustRun(b, c.driver, fmt.Sprintf(`REGISTER REPLICA r%d %s TO "%s"`, i, mode, r.ReplicationAddr()))
		c.replicas = append(c.replicas, r)
	}
	return c
}

// replicaDir makes a replica's data directory under base
// (QUIVER_BENCH_REPLICA_DIR): on a disk of its own, or tmpfs, it stands in
// for a replica on another machine, whose fsyncs do not queue behind MAIN's
// on one device as they do when every instance shares this machine's disk.
func replicaDir(b *testing.B, base string) string {
	dir, err := os.MkdirTemp(base, "quiver-bench-replica-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// fsyncs returns the WAL fsyncs so far of MAIN and of the replicas (summed).
func (c replCase) fsyncs(b *testing.B) []float64 {
	out := []float64{histCount(b, c.main, "quiver_wal_fsync_duration_seconds")}
	if len(c.replicas) > 0 {
		var n float64
		for _, r := range c.replicas {
			n += histCount(b, r, "quiver_wal_fsync_duration_seconds")
		}
		out = append(out, n/float64(len(c.replicas)))
	}
	return out
}

// sampleLag samples MAIN's replica lag (what its quiver_replica_* gauges
// export, read without a whole registry Gather) every 20 ms until the
// returned function is called, which gives "mean/max txns | mean/max ms".
func (c replCase) sampleLag(b *testing.B) func() string {
	if len(c.replicas) == 0 {
		return func() string { return "-" }
	}
	stop, done := make(chan struct{}), make(chan string)
	go func() {
		var n, sumT, maxT, sumS, maxS float64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				if n == 0 {
					done <- "-"
					return
				}
				done <- fmt.Sprintf("%.1f/%.0f|%.2f/%.2f", sumT/n, maxT, 1000*sumS/n, 1000*maxS)
				return
			case <-tick.C:
			}
			for _, r := range c.main.Replicas() {
				n++
				t, l := float64(r.Behind), r.Lag.Seconds()
				sumT, maxT = sumT+t, max(maxT, t)
				sumS, maxS = sumS+l, max(maxS, l)
			}
		}
	}()
	return func() string {
		close(stop)
		return <-done
	}
}

// waitAfterFsync is how long MAIN's acknowledged commits waited for the
// replicas after its own fsync (quiver_replication_wait_seconds): mean and
// an estimate of the median from the histogram's buckets, in ms.
func (c replCase) waitAfterFsync(b *testing.B) string {
	mfs, err := c.main.Registry().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "quiver_replication_wait_seconds" || len(mf.Metric) == 0 {
			continue
		}
		h := mf.Metric[0].GetHistogram()
		n := float64(h.GetSampleCount())
		if n == 0 {
			return "-"
		}
		p50, prevUpper, prevCount := 0.0, 0.0, 0.0
		for _, bk := range h.GetBucket() {
			if cnt := float64(bk.GetCumulativeCount()); cnt >= n/2 {
				p50 = prevUpper + (bk.GetUpperBound()-prevUpper)*(n/2-prevCount)/max(cnt-prevCount, 1)
				break
			} else {
				prevUpper, prevCount = bk.GetUpperBound(), cnt
			}
		}
		return fmt.Sprintf("%.2f|%.2f", 1000*h.GetSampleSum()/n, 1000*p50)
	}
	return "-"
}

// histCount is the sample count of a histogram in s's registry.
func histCount(b *testing.B, s *server.Server, name string) float64 {
	mfs, err := s.Registry().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.Metric) > 0 {
			return float64(mf.Metric[0].GetHistogram().GetSampleCount())
		}
	}
	return 0
}

func mustRun(b testing.TB, d neo4j.DriverWithContext, q string) {
	c := context.Background()
	s := d.NewSession(c, neo4j.SessionConfig{})
	defer s.Close(c)
	res, err := s.Run(c, q, nil)
	if err == nil {
		_, err = res.Consume(c)
	}
	if err != nil {
		b.Fatalf("%s: %v", q, err)
	}
}

// loopbackRTT is the median round trip of 64 bytes over a loopback TCP
// connection.
func loopbackRTT(b *testing.B) time.Duration {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64)
	var ds []time.Duration
	for range 2000 {
		t0 := time.Now()
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	return median(ds)
}

// fsyncTime is the median time to append 100 bytes and fsync.
func fsyncTime(b *testing.B) time.Duration {
	f, err := os.Create(filepath.Join(b.TempDir(), "sync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rec := make([]byte, 100)
	var ds []time.Duration
	for range 200 {
		t0 := time.Now()
		if _, err := f.Write(rec); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	return median(ds)
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}
