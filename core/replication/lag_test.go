package replication

import (
	"testing"
	"time"
)

// TestStatusReportsLag: an ASYNC replica cut off from MAIN falls behind by
// the commits made since, and its lag is the age of the oldest of them;
// once the link heals both return to zero.
func TestStatusReportsLag(t *testing.T) {
	s, a := fixture(Async)
	s.write(a)
	s.step(50 * time.Millisecond)
	if st := statusOf(a.m, "r1"); st.Behind != 0 || st.Lag != 0 || st.Status != StatusReady {
		t.Fatalf("status %+v, want caught up", st)
	}
	s.cutAll(a, s.reps[0], true)
	first := s.w.now
	for range 5 {
		s.write(a)
		s.step(10 * time.Millisecond)
	}
	st := statusOf(a.m, "r1")
	if st.Behind != 5 || st.Lag != s.w.now-first {
		t.Fatalf("status %+v, want 5 behind and lag %v", st, s.w.now-first)
	}
	s.cutAll(a, s.reps[0], false)
	s.step(time.Second)
	if st := statusOf(a.m, "r1"); st.Behind != 0 || st.Lag != 0 {
		t.Fatalf("status %+v after healing, want caught up", st)
	}
}
