package drivertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/server"
)

// bulkRows creates n :S vertices and returns their i, 0, 1, 2, ..., from
// inner lists of 1,000 (so the input holds little).
func bulkRows(n int) string {
	return fmt.Sprintf("UNWIND range(0, %d) AS a UNWIND range(0, 999) AS b CREATE (s:S {i: a * 1000 + b}) RETURN s.i AS i", n/1000-1)
}

// count runs a count query in a session of its own.
func count(t *testing.T, c context.Context, d neo4j.DriverWithContext, q string) int64 {
	t.Helper()
	res, err := neo4j.ExecuteQuery(c, d, q, nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	return res.Records[0].Values[0].(int64)
}

// TestWriteStreamsOverBolt: an auto-commit write returning 200,000 rows,
// pulled by the Go driver in batches of 1,000, runs under a 4 MiB query
// memory limit that holding its rows would break; its rows arrive in order,
// nothing is visible before the last one, and the summary carries the
// counters and a bookmark.
func TestWriteStreamsOverBolt(t *testing.T) {
	const total = 200_000
	s := startServer(t, func(c *server.Config) { c.QueryMemoryLimit = 4 })
	d := driver(t, s, neo4j.AuthToken{})
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // a shared, loaded machine
	defer cancel()
	sess := d.NewSession(c, neo4j.SessionConfig{FetchSize: 1000})
	defer sess.Close(c)
	res, err := sess.Run(c, bulkRows(total), nil)
	if err != nil {
		t.Fatal(err)
	}
	next := int64(0)
	for res.Next(c) {
		if v := res.Record().Values[0]; v != next {
			t.Fatalf("row %d is %v", next, v)
		}
		next++
		if next == total/2 {
			if n := count(t, c, d, "MATCH (s:S) RETURN count(s)"); n != 0 {
				t.Fatalf("%d vertices visible mid-stream", n)
			}
		}
	}
	if err := res.Err(); err != nil {
		t.Fatalf("after %d rows: %v", next, err)
	}
	sum, err := res.Consume(c)
	if err != nil {
		t.Fatal(err)
	}
	if next != total || sum.Counters().NodesCreated() != total {
		t.Fatalf("%d rows, %d created", next, sum.Counters().NodesCreated())
	}
	if bm := neo4j.BookmarksToRawValues(sess.LastBookmarks()); len(bm) != 1 || !strings.HasPrefix(bm[0], "quiver:") {
		t.Fatalf("bookmarks %v", bm)
	}
	if n := count(t, c, d, "MATCH (s:S) RETURN count(s)"); n != total {
		t.Fatalf("%d vertices after the commit", n)
	}
}

// TestStreamedWriteFailsAtCommitOverBolt: a write whose commit fails (a
// constraint checked at commit) after thousands of rows were streamed
// reports the error at the end, and nothing of it is visible.
func TestStreamedWriteFailsAtCommitOverBolt(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	if err := autoCommit(c, d, "CREATE CONSTRAINT ON (e:E) ASSERT EXISTS (e.i)", nil); err != nil {
		t.Fatal(err)
	}
	sess := d.NewSession(c, neo4j.SessionConfig{FetchSize: 1000})
	defer sess.Close(c)
	res, err := sess.Run(c, "UNWIND range(1, 5000) AS i CREATE (e:E {i: CASE WHEN i = 4999 THEN null ELSE i END}) RETURN i", nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for res.Next(c) {
		rows++
	}
	if err := res.Err(); code(err) != "Neo.ClientError.Schema.ConstraintValidationFailed" {
		t.Fatalf("after %d rows: %v", rows, err)
	}
	if rows < 4000 {
		t.Fatalf("only %d rows streamed before the failure", rows)
	}
	if n := count(t, c, d, "MATCH (e:E) RETURN count(e)"); n != 0 {
		t.Fatalf("%d vertices visible after the failed commit", n)
	}
}

// bookmarkTS reads the commit timestamp of a session's last bookmark.
func bookmarkTS(t *testing.T, sess neo4j.SessionWithContext) int64 {
	t.Helper()
	bm := neo4j.BookmarksToRawValues(sess.LastBookmarks())
	if len(bm) != 1 {
		t.Fatalf("bookmarks %v", bm)
	}
	ts, err := strconv.ParseInt(strings.TrimPrefix(bm[0], "quiver:"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestCallInTransactionsOverBolt: 10,000 rows IN TRANSACTIONS OF 1,000
// ROWS are ten commits (the bookmark moves by ten); a failing batch is
// named in the error and the batches before it stay committed; an explicit
// transaction gets Neo4j's refusal.
func TestCallInTransactionsOverBolt(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	sess := d.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	run := func(q string) error {
		res, err := sess.Run(c, q, nil)
		if err == nil {
			_, err = res.Consume(c)
		}
		return err
	}
	if err := run("CREATE (:Start)"); err != nil {
		t.Fatal(err)
	}
	before := bookmarkTS(t, sess)
	start := time.Now()
	if err := run("UNWIND range(1, 10000) AS i CALL { WITH i CREATE (:L {i: i}) } IN TRANSACTIONS OF 1000 ROWS"); err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 rows IN TRANSACTIONS OF 1000 ROWS: %v", time.Since(start))
	if n := bookmarkTS(t, sess) - before; n != 10 {
		t.Fatalf("%d commits, want 10", n)
	}
	if n := count(t, c, d, "MATCH (l:L) RETURN count(l)"); n != 10000 {
		t.Fatalf("%d vertices", n)
	}
	err := run("UNWIND range(1, 10000) AS i CALL { WITH i CREATE (:F {v: 10 / (i - 5500)}) } IN TRANSACTIONS OF 1000 ROWS")
	if err == nil || !strings.Contains(err.Error(), "batch 6 (input rows 5001 to 6000) failed") {
		t.Fatalf("failing batch: %v", err)
	}
	if n := count(t, c, d, "MATCH (f:F) RETURN count(f)"); n != 5000 {
		t.Fatalf("%d vertices after the failing batch, want the 5 committed batches' 5000", n)
	}
	_, err = neo4j.ExecuteQuery(c, d, "UNWIND range(1, 10) AS i CALL { WITH i CREATE (:X) } IN TRANSACTIONS OF 2 ROWS", nil, neo4j.EagerResultTransformer)
	if code(err) != "Neo.DatabaseError.Transaction.TransactionStartFailed" || !strings.Contains(err.Error(), "implicit transaction") {
		t.Fatalf("in an explicit transaction: %v", err)
	}
}

// TestLoadCSVInTransactionsOverBolt: the bulk-load pattern from a file of
// 10,000 rows, a transaction per 1,000.
func TestLoadCSVInTransactionsOverBolt(t *testing.T) {
	imp := t.TempDir()
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= 10000; i++ {
		fmt.Fprintf(&b, "%d,user%d\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(imp, "users.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, func(c *server.Config) { c.ImportDirectory = imp })
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	sess := d.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	res, err := sess.Run(c, "CREATE (:Start)", nil)
	if err == nil {
		_, err = res.Consume(c)
	}
	if err != nil {
		t.Fatal(err)
	}
	before := bookmarkTS(t, sess)
	start := time.Now()
	res, err = sess.Run(c, "LOAD CSV FROM 'users.csv' WITH HEADER AS row CALL { WITH row CREATE (:U {id: toInteger(row.id), name: row.name}) } IN TRANSACTIONS OF 1000 ROWS", nil)
	if err == nil {
		_, err = res.Consume(c)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LOAD CSV of 10,000 rows IN TRANSACTIONS OF 1000 ROWS: %v", time.Since(start))
	if n := bookmarkTS(t, sess) - before; n != 10 {
		t.Fatalf("%d commits, want 10", n)
	}
	if n := count(t, c, d, "MATCH (u:U) RETURN sum(u.id)"); n != 10000*10001/2 {
		t.Fatalf("sum of ids %d", n)
	}
}
