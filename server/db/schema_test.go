package db

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/value"
)

// runAll runs q as an auto-commit query to its end and returns its rows
// and summary.
func runAll(t *testing.T, s bolt.Session, q string) ([][]value.Value, bolt.Summary) {
	t.Helper()
	ctx := context.Background()
	r, err := s.Run(ctx, q, nil, bolt.TxMeta{})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var rows [][]value.Value
	for {
		row, err := r.Next(ctx)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if row == nil {
			break
		}
		rows = append(rows, row)
	}
	sum, err := r.Summary(ctx)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	r.Close()
	return rows, sum
}

func bookmarkTS(t *testing.T, b string) uint64 {
	ts, err := strconv.ParseUint(strings.TrimPrefix(b, "quiver:"), 10, 64)
	if err != nil {
		t.Fatalf("bookmark %q: %v", b, err)
	}
	return ts
}

// TestSchemaChangeBookmarkIsItsOwn is bug 1 of issue 8 seen through Bolt:
// CREATE INDEX answered with a bookmark older than the change (the
// visible timestamp before its WAL record was synced).
func TestSchemaChangeBookmarkIsItsOwn(t *testing.T) {
	d, err := Open(Config{Dir: t.TempDir(), WAL: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := d.Open(bolt.ConnInfo{ID: "t"})
	defer s.Close()
	_, w := runAll(t, s, "CREATE (:L {p: 1})")
	_, ix := runAll(t, s, "CREATE INDEX ON :L(p)")
	if bookmarkTS(t, ix.Bookmark) <= bookmarkTS(t, w.Bookmark) {
		t.Fatalf("CREATE INDEX bookmark %s is not after the earlier write's %s", ix.Bookmark, w.Bookmark)
	}
	_, c := runAll(t, s, "CREATE CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE")
	if bookmarkTS(t, c.Bookmark) <= bookmarkTS(t, ix.Bookmark) {
		t.Fatalf("CREATE CONSTRAINT bookmark %s is not after CREATE INDEX's %s", c.Bookmark, ix.Bookmark)
	}
}

// TestSchemaChangeInRolledBackTransaction is bug 2 of issue 8 seen through
// Bolt: an index created in an explicit transaction that rolled back stayed
// live. Now the statement is refused and nothing changes.
func TestSchemaChangeInRolledBackTransaction(t *testing.T) {
	d, err := Open(Config{Dir: t.TempDir(), WAL: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := d.Open(bolt.ConnInfo{ID: "t"})
	defer s.Close()
	ctx := context.Background()
	tx, err := s.Begin(ctx, bolt.TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tx.Run(ctx, "CREATE INDEX ON :L(p)", nil)
	if err == nil {
		_, err = r.Summary(ctx)
	}
	if err == nil {
		t.Error("CREATE INDEX accepted in an explicit transaction")
	} else if code, _ := bolt.Classify(err); code != "Neo.ClientError.Transaction.ForbiddenDueToTransactionType" {
		t.Errorf("CREATE INDEX in an explicit transaction: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if rows, _ := runAll(t, s, "SHOW INDEX INFO"); len(rows) != 0 {
		t.Fatalf("index live after its transaction rolled back: %v", rows)
	}
}
