package value

import (
	"sort"
	"testing"
)

func benchValues() []Value {
	vals := make([]Value, 0, 1024)
	for i := 0; i < 1024; i++ {
		switch i % 4 {
		case 0:
			vals = append(vals, int64(i*7919%1024))
		case 1:
			vals = append(vals, float64(i*104729%1024)/3)
		case 2:
			vals = append(vals, string(rune('a'+i%26))+string(rune('a'+i*7%26)))
		default:
			vals = append(vals, List{int64(i % 10), "x"})
		}
	}
	return vals
}

// BenchmarkOrderSort sorts 1024 mixed values with Order (ORDER BY).
func BenchmarkOrderSort(b *testing.B) {
	src := benchValues()
	buf := make([]Value, len(src))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		copy(buf, src)
		sort.Slice(buf, func(i, j int) bool { return Order(buf[i], buf[j]) < 0 })
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(src)), "ns/value")
}

// BenchmarkAppendKey builds grouping keys (DISTINCT, aggregation).
func BenchmarkAppendKey(b *testing.B) {
	src := benchValues()
	var dst []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst = AppendKey(dst[:0], src[i%len(src)])
	}
	b.ReportMetric(float64(len(dst)), "bytes/key")
}

// BenchmarkEqual compares mixed values with the = operator.
func BenchmarkEqual(b *testing.B) {
	src := benchValues()
	n := 0
	for i := 0; i < b.N; i++ {
		if Equal(src[i%len(src)], src[(i*31)%len(src)]) == TriTrue {
			n++
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "equal/op")
}
