package drivertest

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"path/filepath"
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
// Run: go test -run '^$' -bench Replication -benchtime 1x ./server/drivertest/
// (QUIVER_BENCH_SECONDS sets each case's duration, default 3).
func BenchmarkReplication(b *testing.B) {
	dur := time.Duration(envInt("QUIVER_BENCH_SECONDS", 3)) * time.Second
	rtt, fsync := loopbackRTT(b), fsyncTime(b)
	b.Logf("loopback round trip p50 %.3f ms; fsync p50 %.3f ms", ms(rtt), ms(fsync))
	w := workload{name: "write", query: "CREATE (:W {i: $i})",
		params: func(r *rand.Rand) map[string]any { return map[string]any{"i": r.Int63()} }}
	var base float64
	b.Logf("%-13s %9s %8s %8s %7s %6s %12s", "replicas", "qps", "p50 ms", "p99 ms", "ratio", "errors", "CPU µs/write")
	for _, mode := range []string{"", "ASYNC", "SYNC", "STRICT_SYNC"} {
		d := replicatedMain(b, mode)
		cpu0 := cpuTime()
		qps, p50, p99, errs := run12(context.Background(), d, w, dur)
		cpu := cpuTime() - cpu0 // client, MAIN and replicas: one process
		if mode == "" {
			base = qps
		}
		name := "none"
		if mode != "" {
			name = "2 " + mode
		}
		b.Logf("%-13s %9.0f %8.2f %8.2f %7.2f %6d %12.0f", name, qps, ms(p50), ms(p99), qps/base, errs,
			float64(cpu.Microseconds())/(qps*dur.Seconds()))
		b.ReportMetric(qps, strings.ReplaceAll(name, " ", "_")+"_qps")
	}
}

// replicatedMain starts a MAIN with two replicas of mode (none when mode
// is empty) and returns a driver to the MAIN.
func replicatedMain(b *testing.B, mode string) neo4j.DriverWithContext {
	withRepl := func(c *server.Config) { c.ReplicationAddress = "127.0.0.1:0" }
	main := startServer(b, withRepl)
	dm := driver(b, main, neo4j.AuthToken{})
	if mode == "" {
		return dm
	}
	for i := 1; i <= 2; i++ {
		r := startServer(b, withRepl)
		port := r.ReplicationAddr()[strings.LastIndexByte(r.ReplicationAddr(), ':')+1:]
		mustRun(b, driver(b, r, neo4j.AuthToken{}), "SET REPLICATION ROLE TO REPLICA WITH PORT "+port)
		mustRun(b, dm, fmt.Sprintf(`REGISTER REPLICA r%d %s TO "%s"`, i, mode, r.ReplicationAddr()))
	}
	return dm
}

func mustRun(b *testing.B, d neo4j.DriverWithContext, q string) {
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
