package importdir

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
)

const benchRows = 1_000_000

// BenchmarkLoadCSV streams a generated file of a million rows through LOAD
// CSV WITH HEADER from a real import directory and reports rows/s.
func BenchmarkLoadCSV(b *testing.B) {
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.csv"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "id,name,score,city")
	for i := 0; i < benchRows; i++ {
		fmt.Fprintf(w, "%d,user %d,%d.5,\"City, %d\"\n", i, i, i%1000, i%97)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	d, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	e := cypher.NewEngine(cypher.Options{Files: d})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.Run(cyphertest.New(), "LOAD CSV FROM 'big.csv' WITH HEADER AS row RETURN count(row.id) AS n", nil)
		if err != nil {
			b.Fatal(err)
		}
		rec, _, err := res.Next()
		if err != nil || rec[0] != int64(benchRows) {
			b.Fatalf("counted %v rows: %v", rec, err)
		}
		res.Close()
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
