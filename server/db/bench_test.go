package db

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/value"
)

// BenchmarkAutoCommitWrite12 runs the mgbench single-vertex write as
// auto-commit queries from 12 sessions against the DB directly (no Bolt
// connection), with group commit: the server side of the write path.
func BenchmarkAutoCommitWrite12(b *testing.B) {
	d, err := Open(Config{Dir: b.TempDir(), WAL: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(d.Close)
	const sessions = 12
	per := b.N/sessions + 1
	st0 := d.fs.Stats()
	var g0 instance.GroupStats
	d.loop.Do(func() { g0 = d.in.GroupStats() })
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < sessions; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := d.Open(bolt.ConnInfo{ID: "bench"})
			ctx := context.Background()
			for i := 0; i < per; i++ {
				r, err := s.Run(ctx, "CREATE (n:UserTemp {id: $id}) RETURN n", value.Map{"id": int64(i)}, bolt.TxMeta{})
				if err == nil {
					_, err = r.Next(ctx)
				}
				if err == nil {
					_, err = r.Summary(ctx)
				}
				if err != nil {
					b.Error(err)
					return
				}
				r.Close()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	n := per * sessions
	b.ReportMetric(float64(n)/elapsed.Seconds(), "tx/s")
	st := d.fs.Stats()
	if f := st.Fsyncs - st0.Fsyncs; f > 0 {
		b.ReportMetric(float64(n)/float64(f), "tx/fsync")
		b.ReportMetric(float64((st.FsyncTime-st0.FsyncTime).Microseconds())/float64(f), "µs/fsync")
	}
	var g instance.GroupStats
	d.loop.Do(func() { g = d.in.GroupStats() })
	if full, timeout := g.GatherFull-g0.GatherFull, g.GatherTimeout-g0.GatherTimeout; full+timeout > 0 {
		b.ReportMetric(float64(timeout)/float64(full+timeout), "gather-timeouts/window")
	}
}
