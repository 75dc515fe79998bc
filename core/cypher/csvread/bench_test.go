package csvread

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// BenchmarkRead reads 100,000 generated rows (some quoted) and reports
// rows/s of the reader alone.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	const rows = 100_000
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&buf, "%d,user %d,%d.5,\"City, %d\"\n", i, i, i%1000, i%97)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, _ := New(bytes.NewReader(data), ',', '"')
		n := 0
		for {
			_, _, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
