package instance

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// streamRows is the bulk-write shape of the streaming tests: n vertices
// created and returned, from inner lists of 1,000 (so the input holds
// little) with i counting 0, 1, 2, ...
func streamRows(n int) string {
	return fmt.Sprintf("UNWIND range(0, %d) AS a UNWIND range(0, 999) AS b CREATE (s:S {i: a * 1000 + b}) RETURN s.i AS i", n/1000-1)
}

// TestWriteStreamsInBoundedMemory: a write returning a million rows,
// pulled in batches of 1,000, holds only the batch the client has not
// pulled: it succeeds under a 4 MiB query memory limit that the million
// rows (over 100 MiB) would break, the guard's peak stays under 1 MiB, its
// rows come in order, nothing is visible to another session until the
// last Pull, and then all of it is.
func TestWriteStreamsInBoundedMemory(t *testing.T) {
	const total = 1_000_000
	w := newWorld(31)
	in := readyInstance(t, w, Config{QueryMemoryLimit: 4 << 20})
	c, other := w.client(t, in), w.client(t, in)
	res, err := c.start(streamRows(total), nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	next := int64(0)
	for more := true; more; {
		var rows [][]value.Value
		rows, more, err = c.pull(res, 1000)
		if err != nil {
			t.Fatalf("after %d rows: %v", next, err)
		}
		if len(rows) > 1000 {
			t.Fatalf("a batch of %d rows", len(rows))
		}
		for _, r := range rows {
			if r[0] != next {
				t.Fatalf("row %d is %v", next, r[0])
			}
			next++
		}
		if more && next == total/2 {
			if n := other.count(); n != 0 {
				t.Fatalf("another session sees %d vertices mid-stream", n)
			}
		}
	}
	if next != total {
		t.Fatalf("%d rows", next)
	}
	if p := res.g.Peak(); p > 1<<20 {
		t.Fatalf("the guard counted a peak of %d bytes", p)
	}
	t.Logf("guard peak %d KiB for %d rows", res.g.Peak()>>10, total)
	if sum := res.Summary(); sum.Stats.NodesCreated != total || sum.Bookmark == "" {
		t.Fatalf("summary %+v", sum)
	}
	if n := other.count(); n != total {
		t.Fatalf("%d vertices after the commit", n)
	}
}

// TestStreamedWritePausesUntilPulled: between two Pulls a streaming write
// does no work (the loop goes idle), and a Pull resumes it.
func TestStreamedWritePausesUntilPulled(t *testing.T) {
	w := newWorld(32)
	in := readyInstance(t, w, Config{WriteStep: 64})
	c := w.client(t, in)
	res, err := c.start(streamRows(20_000), nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, more, err := c.pull(res, 10); err != nil || !more {
		t.Fatalf("more %v err %v", more, err)
	}
	w.l.runFor(time.Second)
	if made := res.res.Stats().NodesCreated; made > 64 {
		t.Fatalf("%d vertices created while nobody pulled", made)
	}
	rows, more, err := c.pull(res, 500)
	if err != nil || !more || len(rows) != 500 || rows[499][0] != int64(509) {
		t.Fatalf("%d rows, more %v, err %v", len(rows), more, err)
	}
	if made := res.res.Stats().NodesCreated; made < 510 || made > 510+64 {
		t.Fatalf("%d vertices created for 510 rows pulled", made)
	}
	rows, more, err = c.pull(res, -1)
	if err != nil || more || len(rows) != 20_000-510 {
		t.Fatalf("%d rows, more %v, err %v", len(rows), more, err)
	}
}

// TestStreamedWriteCommitFailure: a constraint that only the commit checks
// fails a write after thousands of its rows were streamed; the last Pull
// reports the error and nothing of the write is visible.
func TestStreamedWriteCommitFailure(t *testing.T) {
	w := newWorld(33)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	c.must("CREATE CONSTRAINT ON (e:E) ASSERT EXISTS (e.i)")
	res, err := c.start("UNWIND range(1, 5000) AS i CREATE (e:E {i: CASE WHEN i = 4999 THEN null ELSE i END}) RETURN i", nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	streamed := 0
	for {
		rows, more, err := c.pull(res, 1000)
		streamed += len(rows)
		if err != nil {
			if code(err) != CodeConstraint {
				t.Fatalf("error %v", err)
			}
			break
		}
		if !more {
			t.Fatal("the write succeeded")
		}
	}
	if streamed < 4000 {
		t.Fatalf("only %d rows streamed before the commit failed", streamed)
	}
	if rows, _ := c.must("MATCH (e:E) RETURN count(e)"); rows[0][0] != int64(0) {
		t.Fatalf("%v vertices visible after the failed commit", rows[0][0])
	}
	if _, _, err := c.pull(res, 10); err == nil {
		t.Fatal("a Pull after the failure succeeded")
	}
}

// TestStreamedWriteInExplicitTransaction: a streaming write's rows that
// the client did not pull when it runs the next statement wait in its
// result (Bolt keeps several results of a transaction open) and are all
// there afterwards; the commit makes the write visible.
func TestStreamedWriteInExplicitTransaction(t *testing.T) {
	w := newWorld(34)
	in := readyInstance(t, w, Config{WriteStep: 100})
	c := w.client(t, in)
	if err := c.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	first, err := c.start(streamRows(3000), nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := c.pull(first, 100)
	if err != nil || len(rows) != 100 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	second, err := c.start("MATCH (s:S) RETURN count(s)", nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if rows, _, err := c.pull(second, -1); err != nil || rows[0][0] != int64(3000) {
		t.Fatalf("the next statement saw %v (%v)", rows, err)
	}
	rest, more, err := c.pull(first, -1)
	if err != nil || more || len(rest) != 2900 || rest[0][0] != int64(100) {
		t.Fatalf("%d rows left, more %v, err %v", len(rest), more, err)
	}
	if _, err := c.commit(); err != nil {
		t.Fatal(err)
	}
	if n := c.count(); n != 3000 {
		t.Fatalf("%d vertices after commit", n)
	}
}

// TestStreamedWriteResetRollsBack: a session reset while a streaming
// auto-commit write is paused between Pulls rolls it back.
func TestStreamedWriteResetRollsBack(t *testing.T) {
	w := newWorld(35)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	res, err := c.start(streamRows(5000), nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.pull(res, 100); err != nil {
		t.Fatal(err)
	}
	c.s.Reset()
	if _, _, err := c.pull(res, 100); code(err) != CodeTerminated {
		t.Fatalf("pull after reset: %v", err)
	}
	if n := c.count(); n != 0 {
		t.Fatalf("%d vertices after the reset", n)
	}
	if rows := in.txs.show(); len(rows) != 0 {
		t.Fatalf("transactions left registered: %v", rows)
	}
}

// TestCallInTransactionsCommitsEachBatch: 10,000 rows IN TRANSACTIONS OF
// 1,000 ROWS are ten durable commits, each visible before the next batch
// begins (a MERGE in every batch finds the one node of the batches
// before).
func TestCallInTransactionsCommitsEachBatch(t *testing.T) {
	w := newWorld(36)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	before := in.Graph().LastCommitTS()
	_, sum := c.must("UNWIND range(1, 10000) AS i CALL { WITH i CREATE (:L {i: i}) MERGE (k:Counter) SET k.n = coalesce(k.n, 0) + 1 } IN TRANSACTIONS OF 1000 ROWS")
	if n := in.Graph().LastCommitTS() - before; n != 10 {
		t.Fatalf("%d commits, want 10", n)
	}
	if ts := bookmarkTS(t, sum.Bookmark); ts != in.Graph().VisibleTS() {
		t.Fatalf("bookmark %s, visible %d", sum.Bookmark, in.Graph().VisibleTS())
	}
	if sum.Stats.NodesCreated != 10001 {
		t.Fatalf("summary %+v", sum)
	}
	rows, _ := c.must("MATCH (k:Counter) WITH count(k) AS ks, sum(k.n) AS n MATCH (l:L) RETURN ks, n, count(l)")
	if rows[0][0] != int64(1) || rows[0][1] != int64(10000) || rows[0][2] != int64(10000) {
		t.Fatalf("counters, n, vertices: %v", rows[0])
	}
}

// TestCallInTransactionsFailingBatch: a batch that fails is rolled back
// and named in the error; the batches before it stay committed and
// durable (they survive a restart).
func TestCallInTransactionsFailingBatch(t *testing.T) {
	w := newWorld(37)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	_, _, err := c.run("UNWIND range(1, 10000) AS i CALL { WITH i CREATE (:L {v: 10 / (i - 5500)}) } IN TRANSACTIONS OF 1000 ROWS", nil, TxMeta{})
	if err == nil || !strings.Contains(err.Error(), "batch 6 (input rows 5001 to 6000) failed") || code(err) != "Neo.ClientError.Statement.ArgumentError" {
		t.Fatalf("error %v", err)
	}
	if n := c.count(); n != 5000 {
		t.Fatalf("%d vertices after the failure, want the five batches' 5000", n)
	}
	if rows := in.txs.show(); len(rows) != 0 {
		t.Fatalf("transactions left registered: %v", rows)
	}
	stopped := false
	in.Stop(func(error) { stopped = true })
	c.wait(&stopped)
	in2 := readyInstance(t, w, Config{})
	if n := w.client(t, in2).count(); n != 5000 {
		t.Fatalf("%d vertices after a restart", n)
	}
}

// TestCallInTransactionsRefusedInExplicitTransaction: Neo4j's error, and
// the transaction is failed.
func TestCallInTransactionsRefusedInExplicitTransaction(t *testing.T) {
	w := newWorld(38)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	if err := c.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.start("UNWIND range(1, 10) AS i CALL { WITH i CREATE (:L) } IN TRANSACTIONS OF 2 ROWS", nil, TxMeta{})
	if code(err) != CodeTxStartFailed || !strings.Contains(err.Error(), "implicit transaction") {
		t.Fatalf("error %v", err)
	}
	if _, err := c.commit(); err == nil {
		t.Fatal("the failed transaction committed")
	}
	if n := c.count(); n != 0 {
		t.Fatalf("%d vertices", n)
	}
}

// csvFiles serves LOAD CSV from memory.
type csvFiles map[string]string

func (f csvFiles) Open(name string) (io.ReadCloser, error) {
	s, ok := f[name]
	if !ok {
		return nil, fmt.Errorf("no file %s", name)
	}
	return io.NopCloser(strings.NewReader(s)), nil
}

// TestLoadCSVInTransactions: the bulk-load pattern, LOAD CSV feeding CALL
// { } IN TRANSACTIONS, commits a transaction per batch; a bad row fails its
// batch only.
func TestLoadCSVInTransactions(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&b, "%d,n%d\n", i, i)
	}
	good := b.String()
	w := newWorld(39)
	in := readyInstance(t, w, Config{Files: csvFiles{"people.csv": good, "bad.csv": good + "x\n" + "2502,z\n"}})
	c := w.client(t, in)
	before := in.Graph().LastCommitTS()
	c.must("LOAD CSV FROM 'people.csv' WITH HEADER AS row CALL { WITH row CREATE (:P {id: toInteger(row.id), name: row.name}) } IN TRANSACTIONS OF 1000 ROWS")
	if n := in.Graph().LastCommitTS() - before; n != 3 {
		t.Fatalf("%d commits, want 3", n)
	}
	if rows, _ := c.must("MATCH (p:P) RETURN count(p), sum(p.id)"); rows[0][0] != int64(2500) || rows[0][1] != int64(2500*2501/2) {
		t.Fatalf("loaded %v", rows[0])
	}
	_, _, err := c.run("LOAD CSV FROM 'bad.csv' WITH HEADER AS row CALL { WITH row CREATE (:Q {id: row.id}) } IN TRANSACTIONS OF 1000 ROWS", nil, TxMeta{})
	if err == nil || !strings.Contains(err.Error(), "batch 3") {
		t.Fatalf("bad row: %v", err)
	}
	if rows, _ := c.must("MATCH (q:Q) RETURN count(q)"); rows[0][0] != int64(2000) {
		t.Fatalf("%v rows loaded before the bad batch, want 2000", rows[0][0])
	}
}

// TestSettledRowsLetGoWithTheirTransaction: rows of a streaming write that
// the client left unpulled when it ran its next statement give their
// memory back to the host's pool when the transaction commits or rolls
// back, pulled or not.
func TestSettledRowsLetGoWithTheirTransaction(t *testing.T) {
	for _, end := range []string{"commit", "rollback"} {
		var pool int64
		w := newWorld(40)
		in := readyInstance(t, w, Config{Reserve: func(d int64) error { pool += d; return nil }})
		c := w.client(t, in)
		if err := c.begin(TxMeta{}); err != nil {
			t.Fatal(err)
		}
		res, err := c.start(streamRows(3000), nil, TxMeta{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.pull(res, 100); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.run("RETURN 1", nil, TxMeta{}); err != nil {
			t.Fatal(err)
		}
		if pool == 0 {
			t.Fatalf("%s: the 2900 unpulled rows hold nothing of the pool", end)
		}
		if end == "commit" {
			_, err = c.commit()
		} else {
			err = c.rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		if pool != 0 {
			t.Fatalf("%s: %d bytes of the pool still held", end, pool)
		}
	}
}

// TestCallInTransactionsReturnsRows: rows returned from the batches come
// out whole after the last one, entities read as committed.
func TestCallInTransactionsReturnsRows(t *testing.T) {
	w := newWorld(41)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	before := in.Graph().LastCommitTS()
	rows, _ := c.must("UNWIND range(1, 5) AS i CALL { WITH i CREATE (n:N {i: i}) RETURN n } IN TRANSACTIONS OF 2 ROWS RETURN n.i AS i, n")
	if n := in.Graph().LastCommitTS() - before; n != 3 {
		t.Fatalf("%d commits, want 3", n)
	}
	if len(rows) != 5 {
		t.Fatalf("rows %v", rows)
	}
	for k, r := range rows {
		if r[0] != int64(k+1) || r[1].(value.Node).Props["i"] != int64(k+1) {
			t.Fatalf("row %d: %v", k, r)
		}
	}
}

// TestCallInTransactionsStreamsGraphInput: a graph-reading input to CALL
// { } IN TRANSACTIONS is read lazily from the snapshot the statement began
// at, a batch at a time, not held whole: 100,000 matched vertices (the
// held input alone is over 4 MiB) are updated in 100 batches under a 4 MiB
// query memory limit with a guard peak under 1 MiB. The snapshot is the
// statement's start: the :User vertices the batches create are not in the
// input (each matched vertex gets exactly one copy, and the statement
// ends), nor is one another session committed after the statement began.
func TestCallInTransactionsStreamsGraphInput(t *testing.T) {
	const users = 100_000
	w := newWorld(42)
	in := readyInstance(t, w, Config{QueryMemoryLimit: 4 << 20})
	c, other := w.client(t, in), w.client(t, in)
	c.must(fmt.Sprintf("UNWIND range(0, %d) AS i CREATE (:User {i: i})", users-1))
	res, err := c.start("MATCH (n:User) CALL { WITH n SET n.seen = true CREATE (:User {i: -n.i - 1, copy: true}) } IN TRANSACTIONS OF 1000 ROWS", nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	other.must("CREATE (:User {i: 1000000, late: true})")
	before := in.Graph().LastCommitTS()
	if _, more, err := c.pull(res, -1); err != nil || more {
		t.Fatalf("more %v, err %v", more, err)
	}
	if n := in.Graph().LastCommitTS() - before; n != users/1000 {
		t.Fatalf("%d commits, want %d", n, users/1000)
	}
	if p := res.g.Peak(); p > 1<<20 {
		t.Fatalf("the guard counted a peak of %d bytes", p)
	}
	t.Logf("guard peak %d KiB for %d input rows", res.g.Peak()>>10, users)
	rows, _ := other.must("MATCH (u:User) RETURN count(u.seen), count(u.copy), count(u.late), count(u)")
	if want := []value.Value{int64(users), int64(users), int64(1), int64(2*users + 1)}; fmt.Sprint(rows[0]) != fmt.Sprint(want) {
		t.Fatalf("seen, copies, late, all: %v, want %v", rows[0], want)
	}
	if rows, _ := other.must("MATCH (u:User {late: true}) RETURN u.seen"); rows[0][0] != nil {
		t.Fatalf("the vertex committed after the statement began was in its input: %v", rows[0])
	}
}

// TestCallInTransactionsStreamsRows: rows returned from CALL { } IN
// TRANSACTIONS reach the client batch by batch, each only once its batch
// has committed: 200,000 rows pulled 1,000 at a time under a 4 MiB query
// memory limit (the rows held whole pass it) come in order with a guard
// peak under 1 MiB, and at every pull another session already sees every
// vertex whose row was pulled.
func TestCallInTransactionsStreamsRows(t *testing.T) {
	const total = 200_000
	w := newWorld(43)
	in := readyInstance(t, w, Config{QueryMemoryLimit: 4 << 20})
	c, other := w.client(t, in), w.client(t, in)
	res, err := c.start(fmt.Sprintf("UNWIND range(0, %d) AS a UNWIND range(0, 999) AS b WITH a * 1000 + b AS i CALL { WITH i CREATE (s:S {i: i}) RETURN s.i AS j } IN TRANSACTIONS OF 1000 ROWS RETURN j", total/1000-1), nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	next, pulls := int64(0), 0
	for more := true; more; pulls++ {
		var rows [][]value.Value
		rows, more, err = c.pull(res, 1000)
		if err != nil {
			t.Fatalf("after %d rows: %v", next, err)
		}
		for _, r := range rows {
			if r[0] != next {
				t.Fatalf("row %d is %v", next, r[0])
			}
			next++
		}
		if more && pulls%40 == 0 {
			if seen := other.count(); seen < next {
				t.Fatalf("%d rows pulled, %d vertices committed", next, seen)
			}
		}
	}
	if next != total {
		t.Fatalf("%d rows", next)
	}
	if p := res.g.Peak(); p > 1<<20 {
		t.Fatalf("the guard counted a peak of %d bytes", p)
	}
	t.Logf("guard peak %d KiB for %d rows", res.g.Peak()>>10, total)
	if sum := res.Summary(); sum.Stats.NodesCreated != total {
		t.Fatalf("summary %+v", sum)
	}
}

// TestCallInTransactionsRowsOfFailedBatch: when a batch fails, the client
// has been given the rows of the committed batches, and only those; the
// error follows.
func TestCallInTransactionsRowsOfFailedBatch(t *testing.T) {
	w := newWorld(44)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	res, err := c.start("UNWIND range(1, 5000) AS i CALL { WITH i CREATE (s:S {v: 10 / (i - 3500)}) RETURN i AS j } IN TRANSACTIONS OF 1000 ROWS RETURN j", nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	pulled := 0
	for {
		rows, more, err := c.pull(res, 100)
		pulled += len(rows)
		if err != nil {
			if !strings.Contains(err.Error(), "batch 4") {
				t.Fatalf("error %v", err)
			}
			break
		}
		if !more {
			t.Fatal("the write succeeded")
		}
	}
	if pulled != 3000 {
		t.Fatalf("%d rows pulled, want the 3000 of the committed batches", pulled)
	}
	if n := c.count(); n != 3000 {
		t.Fatalf("%d vertices, want the three batches' 3000", n)
	}
}

// TestUnionOfWritesStreams: a UNION ALL of two writes, each creating
// 100,000 vertices in a per-row CALL { }, streams: 200,000 rows pulled in
// batches of 1,000 under a 4 MiB query memory limit, with a guard peak
// under 1 MiB; the first part's rows come first, and the second part has
// written nothing while they are pulled; all of it commits at once.
func TestUnionOfWritesStreams(t *testing.T) {
	const each = 100_000
	part := func(label string, base int) string {
		return fmt.Sprintf("UNWIND range(0, %d) AS a UNWIND range(0, 999) AS b CALL { WITH a, b CREATE (s:%s {i: %d + a * 1000 + b}) RETURN s.i AS i } RETURN i", each/1000-1, label, base)
	}
	w := newWorld(45)
	in := readyInstance(t, w, Config{QueryMemoryLimit: 4 << 20, WriteStep: 256})
	c, other := w.client(t, in), w.client(t, in)
	res, err := c.start(part("S", 0)+" UNION ALL "+part("T", each), nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	next := int64(0)
	for more := true; more; {
		var rows [][]value.Value
		rows, more, err = c.pull(res, 1000)
		if err != nil {
			t.Fatalf("after %d rows: %v", next, err)
		}
		for _, r := range rows {
			if r[0] != next {
				t.Fatalf("row %d is %v", next, r[0])
			}
			next++
		}
		if next == each/2 {
			st := res.res.Stats()
			if st.NodesCreated > each/2+1000 {
				t.Fatalf("%d vertices created for %d rows pulled", st.NodesCreated, next)
			}
			if n := other.count(); n != 0 {
				t.Fatalf("another session sees %d vertices mid-stream", n)
			}
		}
	}
	if next != 2*each {
		t.Fatalf("%d rows", next)
	}
	if p := res.g.Peak(); p > 1<<20 {
		t.Fatalf("the guard counted a peak of %d bytes", p)
	}
	t.Logf("guard peak %d KiB for %d rows", res.g.Peak()>>10, 2*each)
	if n := other.count(); n != 2*each {
		t.Fatalf("%d vertices after the commit", n)
	}
}

// TestPausedWriteTimesOut: the transaction timeout counts from the
// statement's start, client idle time included (as Neo4j's
// db.transaction.timeout and Memgraph's --query-execution-timeout-sec
// do), and a streaming auto-commit write paused between Pulls is rolled
// back when it expires, while the client is still away: its writes and
// snapshot are let go, it leaves SHOW TRANSACTIONS, and the next Pull
// reports the timeout. A write that finishes within the timeout is not
// touched by it.
func TestPausedWriteTimesOut(t *testing.T) {
	w := newWorld(46)
	in := readyInstance(t, w, Config{QueryTimeout: 10 * time.Second})
	c, other := w.client(t, in), w.client(t, in)
	for _, q := range []string{streamRows(5000), "UNWIND range(1, 5000) AS i CALL { WITH i CREATE (s:S {i: i}) RETURN s.i AS j } IN TRANSACTIONS OF 1000 ROWS RETURN j"} {
		res, err := c.start(q, nil, TxMeta{})
		if err != nil {
			t.Fatal(err)
		}
		if _, more, err := c.pull(res, 100); err != nil || !more {
			t.Fatalf("%s: more %v, err %v", q, more, err)
		}
		before := other.count()
		w.l.runFor(5 * time.Second)
		if rows := in.txs.show(); len(rows) != 1 {
			t.Fatalf("%s: %d transactions registered within the timeout", q, len(rows))
		}
		w.l.runFor(6 * time.Second)
		if rows := in.txs.show(); len(rows) != 0 {
			t.Fatalf("%s: the paused write is still registered after its timeout: %v", q, rows)
		}
		if _, _, err := c.pull(res, 100); code(err) != CodeTimedOut {
			t.Fatalf("%s: pull after the timeout: %v", q, err)
		}
		if n := other.count(); n != before {
			t.Fatalf("%s: %d vertices after the timeout, %d before", q, n, before)
		}
	}
	res, err := c.start(streamRows(3000), nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if rows, more, err := c.pull(res, -1); err != nil || more || len(rows) != 3000 {
		t.Fatalf("%d rows, more %v, err %v", len(rows), more, err)
	}
	w.l.runFor(20 * time.Second)
	if _, more, err := c.pull(res, 10); err != nil || more {
		t.Fatalf("a finished write after its timeout: more %v, err %v", more, err)
	}
}
