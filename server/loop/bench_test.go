package loop

import "testing"

// BenchmarkPost measures posting a closure and having it run: the loop's
// cost per event when one goroutine feeds it.
func BenchmarkPost(b *testing.B) {
	l := New()
	defer l.Stop()
	n := 0
	for b.Loop() {
		l.Post(func() { n++ })
	}
	l.Do(func() {})
	if n != b.N {
		b.Fatalf("ran %d of %d", n, b.N)
	}
}

// BenchmarkDo measures a synchronous round trip onto the loop, as a Bolt
// session waiting for a result does.
func BenchmarkDo(b *testing.B) {
	l := New()
	defer l.Stop()
	for b.Loop() {
		l.Do(func() {})
	}
}
