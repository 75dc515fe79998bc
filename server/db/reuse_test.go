package db

import (
	"context"
	"testing"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/value"
)

// TestResultReusedOnlyAfterRelease: a session reuses a released result
// for its next query, never one still open, and the reused result
// streams the new query's rows only.
func TestResultReusedOnlyAfterRelease(t *testing.T) {
	d, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := d.Open(bolt.ConnInfo{ID: "t"})
	defer s.Close()
	ctx := context.Background()
	run := func(n int64) bolt.Result {
		t.Helper()
		r, err := s.Run(ctx, "UNWIND range(1, $n) AS x RETURN x", value.Map{"n": n}, bolt.TxMeta{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	rows := func(r bolt.Result) int {
		t.Helper()
		n := 0
		for {
			row, err := r.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if row == nil {
				return n
			}
			n++
		}
	}
	open := run(2)
	if _, err := open.Next(ctx); err != nil { // one row read, one left
		t.Fatal(err)
	}
	done := run(3)
	if done == open {
		t.Fatal("an open result was handed out again")
	}
	if n := rows(done); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
	if _, err := done.Summary(ctx); err != nil {
		t.Fatal(err)
	}
	done.(bolt.Releaser).Release()
	again := run(4)
	if again != done {
		t.Fatal("the released result was not reused")
	}
	if n := rows(again); n != 4 {
		t.Fatalf("the reused result gave %d rows, want 4", n)
	}
	if n := rows(open); n != 1 {
		t.Fatalf("the open result lost its rows to the later queries: %d left, want 1", n)
	}
}
