package durability

import (
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/disk/osfs"
	srvloop "github.com/quiverdb/quiver/server/loop"
)

// realStore opens a Store on a real directory, driven by a real event loop.
func realStore(b *testing.B, opts Options) (*Store, *srvloop.Loop) {
	l := srvloop.New()
	fs, err := osfs.New(b.TempDir(), l.PostFunc())
	if err != nil {
		b.Fatal(err)
	}
	clk := clock.NewReal(l.PostFunc())
	opts.Defer = func(f func()) { clk.AfterFunc(0, f) }
	var st *Store
	l.Do(func() { st, _, err = Open(fs, nopLog(), opts, newModel()) })
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		l.Do(func() { st.Close(func(error) {}) })
		time.Sleep(20 * time.Millisecond)
		l.Stop()
		fs.Close()
	})
	return st, l
}

// vertexTx is the WAL content of a single-vertex write transaction.
func vertexTx(id int64) []graph.Delta {
	return []graph.Delta{
		{Op: graph.OpCreateVertex, ID: id},
		{Op: graph.OpAddLabel, ID: id, Name: "User"},
		{Op: graph.OpSetVertexProp, ID: id, Key: "id", Value: id},
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchAppend logs b.N single-vertex transactions from writers concurrent
// goroutines, each posting its commit onto the loop and waiting for done.
func benchAppend(b *testing.B, opts Options, writers int) {
	st, l := realStore(b, opts)
	var ts uint64
	var wg sync.WaitGroup
	per := b.N/writers + 1
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := make(chan error, 1)
			for i := 0; i < per; i++ {
				l.Post(func() {
					ts++
					st.Append(1, ts, vertexTx(int64(ts)), func(err error) { ch <- err })
				})
				if err := <-ch; err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(per*writers)/wall.Seconds(), "tx/s")
	b.ReportMetric(float64(per*writers)/cpu.Seconds(), "tx/cpu-s")
}

// BenchmarkAppendGroupCommit8: WAL only (no graph), group commit, 8 writers.
func BenchmarkAppendGroupCommit8(b *testing.B) { benchAppend(b, Options{}, 8) }

// BenchmarkAppendGroupCommit8Depth1: the same with one fsync at a time
// (the default keeps two in flight).
func BenchmarkAppendGroupCommit8Depth1(b *testing.B) { benchAppend(b, Options{SyncDepth: 1}, 8) }

// BenchmarkAppendNoFsync8: WAL only, written but never fsynced, 8 writers.
func BenchmarkAppendNoFsync8(b *testing.B) { benchAppend(b, Options{SyncEvery: -1}, 8) }

// BenchmarkCursor reads the last 10,000 records of a 50,000-record WAL on
// the real file system with a Cursor, step by step on the loop, and
// reports records and bytes of log per second.
func BenchmarkCursor(b *testing.B) {
	st, l := realStore(b, Options{SegmentSize: 1 << 20, SyncEvery: -1})
	const total, tail = 50_000, 10_000
	l.Do(func() {
		for i := int64(1); i <= total; i++ {
			st.Append(1, uint64(i), vertexTx(i), func(error) {})
		}
		st.Flush(func(error) {})
	})
	var size int64 // of the records read
	for i := int64(total - tail + 1); i <= total; i++ {
		size += int64(len(AppendRecord(nil, &Record{Epoch: 1, TS: uint64(i), PrevTS: uint64(i - 1), Deltas: vertexTx(i)})))
	}
	b.ResetTimer()
	for range b.N {
		l.Do(func() {
			c := st.NewCursor(total-tail, 0)
			defer c.Close()
			n := 0
			for {
				recs, more, err := c.Next()
				if err != nil {
					b.Fatal(err)
				}
				n += len(recs)
				if !more {
					break
				}
			}
			if n != tail {
				b.Fatalf("read %d records, want %d", n, tail)
			}
		})
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(tail*b.N)/sec, "records/s")
	b.ReportMetric(float64(size)*float64(b.N)/sec/(1<<20), "MiB/s")
}
