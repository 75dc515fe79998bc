package drivertest

import (
	"context"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// BenchmarkWriteStream streams the rows of one auto-commit write of a
// million vertices (UNWIND into CREATE ... RETURN) to the Go driver in
// batches of 1,000, against an in-process server, and reports the peak
// live heap over the run (sampled as the rows arrive; it includes the
// write's own million vertices), rows/s and rows per CPU second of the
// process (server and client); then the wall and CPU time of a 10,000-row
// CALL { } IN TRANSACTIONS OF 1000 ROWS load (ten durable commits), in ms.
// Run it with: go test -run '^$' -bench WriteStream -benchtime 1x ./server/drivertest/
func BenchmarkWriteStream(b *testing.B) {
	const total = 1_000_000
	s := startServer(b, nil)
	d := driver(b, s, neo4j.AuthToken{})
	c, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	live := func() int64 {
		metrics.Read(sample)
		return int64(sample[0].Value.Uint64())
	}
	runtime.GC()
	base, peak := live(), int64(0)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		sess := d.NewSession(c, neo4j.SessionConfig{FetchSize: 1000})
		res, err := sess.Run(c, bulkRows(total)+" // "+time.Now().String(), nil)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for res.Next(c) {
			if n++; n%10_000 == 0 {
				peak = max(peak, live())
			}
		}
		if err := res.Err(); err != nil || n != total {
			b.Fatalf("%d rows: %v", n, err)
		}
		sess.Close(c)
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64((peak-base)>>20), "peak-live-MiB")
	b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(total*b.N)/cpu.Seconds(), "rows/cpu-s")
	sess := d.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	start, cpu0 = time.Now(), cpuTime()
	res, err := sess.Run(c, "UNWIND range(1, 10000) AS i CALL { WITH i CREATE (:L {i: i}) } IN TRANSACTIONS OF 1000 ROWS", nil)
	if err == nil {
		_, err = res.Consume(c)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "in-tx-10k-ms")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000, "in-tx-10k-cpu-ms")
}
