package instance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/value"
)

// client drives one session of the world's instance, running the loop
// until each callback arrives.
type client struct {
	t *testing.T
	w *world
	s *Session
}

func (w *world) client(t *testing.T, in *Instance) *client {
	return &client{t: t, w: w, s: in.OpenSession(SessionInfo{User: "u", Client: "c"})}
}

// readyInstance starts an instance and runs the loop until it is ready.
func readyInstance(t *testing.T, w *world, cfg Config) *Instance {
	in := w.start(t, cfg)
	w.l.runFor(time.Second)
	if !in.Ready() {
		t.Fatal("not ready")
	}
	return in
}

// wait runs the loop until *got.
func (c *client) wait(got *bool) {
	c.t.Helper()
	end := c.w.l.now + time.Minute
	for !*got && c.w.l.now < end && c.w.l.step() {
	}
	if !*got {
		c.t.Fatal("the callback never came")
	}
}

// start runs query and returns its result.
func (c *client) start(q string, params value.Map, meta TxMeta) (*Result, error) {
	c.t.Helper()
	var res *Result
	var err error
	got := false
	c.s.Run(q, params, meta, func(r *Result, e error) { res, err, got = r, e, true })
	c.wait(&got)
	return res, err
}

// pull pulls n rows.
func (c *client) pull(r *Result, n int) ([][]value.Value, bool, error) {
	c.t.Helper()
	var rows [][]value.Value
	var more bool
	var err error
	got := false
	r.Pull(n, func(rs [][]value.Value, m bool, e error) { rows, more, err, got = rs, m, e, true })
	c.wait(&got)
	return rows, more, err
}

// run runs query to its end.
func (c *client) run(q string, params value.Map, meta TxMeta) ([][]value.Value, Summary, error) {
	c.t.Helper()
	res, err := c.start(q, params, meta)
	if err != nil {
		return nil, Summary{}, err
	}
	rows, more, err := c.pull(res, -1)
	if err == nil && more {
		c.t.Fatal("Pull(-1) left rows")
	}
	return rows, res.Summary(), err
}

// must runs query and fails the test on an error.
func (c *client) must(q string) ([][]value.Value, Summary) {
	c.t.Helper()
	rows, sum, err := c.run(q, nil, TxMeta{})
	if err != nil {
		c.t.Fatalf("%s: %v", q, err)
	}
	return rows, sum
}

func (c *client) begin(meta TxMeta) error {
	var err error
	got := false
	c.s.Begin(meta, func(e error) { err, got = e, true })
	c.wait(&got)
	return err
}

func (c *client) commit() (string, error) {
	var bm string
	var err error
	got := false
	c.s.Commit(func(b string, e error) { bm, err, got = b, e, true })
	c.wait(&got)
	return bm, err
}

func (c *client) rollback() error {
	var err error
	got := false
	c.s.Rollback(func(e error) { err, got = e, true })
	c.wait(&got)
	return err
}

// count is MATCH (n) RETURN count(n).
func (c *client) count() int64 {
	c.t.Helper()
	rows, _ := c.must("MATCH (n) RETURN count(n)")
	return rows[0][0].(int64)
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "not an *instance.Error: " + errString(err)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func bookmarkTS(t *testing.T, b string) uint64 {
	ts, ok := parseBookmark(b)
	if !ok {
		t.Fatalf("bad bookmark %q", b)
	}
	return ts
}

func TestAutoCommitWriteIsDurableBeforeItsLastPull(t *testing.T) {
	w := newWorld(11)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	res, err := c.start("CREATE (n:P {k: $k}) RETURN n.k AS k", value.Map{"k": int64(7)}, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"k"}, res.Columns()); d != "" {
		t.Fatal(d)
	}
	var rows [][]value.Value
	more, got := true, false
	res.Pull(-1, func(rs [][]value.Value, m bool, e error) {
		if e != nil {
			t.Error(e)
		}
		rows, more, got = rs, m, true
		if in.Graph().VisibleTS() == 0 {
			t.Error("the final Pull reported before the commit was visible")
		}
	})
	if got {
		t.Fatal("the write's final Pull reported before its fsync")
	}
	c.wait(&got)
	sum := res.Summary()
	if more || len(rows) != 1 || rows[0][0] != int64(7) || sum.Stats.NodesCreated != 1 || sum.Type != "w" {
		t.Fatalf("rows %v more %v summary %+v", rows, more, sum)
	}
	if ts := bookmarkTS(t, sum.Bookmark); ts != in.Graph().VisibleTS() || ts == 0 {
		t.Fatalf("bookmark %s, visible %d", sum.Bookmark, in.Graph().VisibleTS())
	}
	rows, rsum := c.must("MATCH (n:P) RETURN n.k")
	if len(rows) != 1 || rows[0][0] != int64(7) || rsum.Type != "r" || rsum.Bookmark != sum.Bookmark {
		t.Fatalf("read %v %+v", rows, rsum)
	}
}

func TestPullInBatches(t *testing.T) {
	w := newWorld(12)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	for _, q := range []string{"UNWIND range(1, 10) AS x RETURN x", "UNWIND range(1, 10) AS x CREATE (n {x: x}) RETURN n.x"} {
		res, err := c.start(q, nil, TxMeta{})
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		var all []value.Value
		for more := true; more; {
			var rows [][]value.Value
			rows, more, err = c.pull(res, 3)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(rows))
			for _, r := range rows {
				all = append(all, r[0])
			}
		}
		if d := cmp.Diff([]int{3, 3, 3, 1}, sizes); d != "" && !cmp.Equal([]int{3, 3, 3, 1, 0}, sizes) {
			t.Errorf("%s: batch sizes %v", q, sizes)
		}
		if len(all) != 10 || all[0] != int64(1) || all[9] != int64(10) {
			t.Errorf("%s: rows %v", q, all)
		}
	}
}

func TestExplicitTransactionCommitAndRollback(t *testing.T) {
	w := newWorld(13)
	in := readyInstance(t, w, Config{})
	a, b := w.client(t, in), w.client(t, in)
	if err := a.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	a.must("CREATE (:T {v: 1})")
	if rows, _ := a.must("MATCH (n:T) RETURN n.v"); len(rows) != 1 {
		t.Fatalf("the transaction does not see its own write: %v", rows)
	}
	if n := b.count(); n != 0 {
		t.Fatalf("uncommitted write visible to another session: %d", n)
	}
	bm, err := a.commit()
	if err != nil || bookmarkTS(t, bm) == 0 {
		t.Fatalf("commit: %q %v", bm, err)
	}
	if n := b.count(); n != 1 {
		t.Fatalf("committed write not visible: %d", n)
	}
	if err := a.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	a.must("CREATE (:T {v: 2})")
	if err := a.rollback(); err != nil {
		t.Fatal(err)
	}
	if n := b.count(); n != 1 {
		t.Fatalf("rolled back write visible: %d", n)
	}
	// Reset aborts an open transaction and the session stays usable.
	if err := a.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	a.must("CREATE (:T {v: 3})")
	a.s.Reset()
	if n := a.count(); n != 1 {
		t.Fatalf("after reset: %d vertices, want 1", n)
	}
	if rows := in.txs.show(); len(rows) != 0 {
		t.Fatalf("transactions still registered: %v", rows)
	}
}

func TestBookmarks(t *testing.T) {
	w := newWorld(14)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	_, sum := c.must("CREATE ()")
	ts := bookmarkTS(t, sum.Bookmark)
	if _, _, err := c.run("MATCH (n) RETURN n", nil, TxMeta{Bookmarks: []string{sum.Bookmark}}); err != nil {
		t.Fatalf("a visible bookmark: %v", err)
	}
	_, _, err := c.run("MATCH (n) RETURN n", nil, TxMeta{Bookmarks: []string{bookmark(ts + 1)}})
	if code(err) != CodeBookmarkTimeout || !Retryable(err) {
		t.Fatalf("a future bookmark: %v", err)
	}
	if err := c.begin(TxMeta{Bookmarks: []string{"neo4j:bookmark:v1:x"}}); code(err) != CodeInvalidBookmark {
		t.Fatalf("a foreign bookmark: %v", err)
	}
	if _, _, err := c.run("RETURN 1", nil, TxMeta{DB: "other"}); code(err) != CodeDatabaseNotFound {
		t.Fatalf("unknown database: %v", err)
	}
}

func TestErrorsCarryStatusCodes(t *testing.T) {
	w := newWorld(15)
	in := readyInstance(t, w, Config{})
	a, b := w.client(t, in), w.client(t, in)
	_, _, err := a.run("MATCH (n RETURN n", nil, TxMeta{})
	if code(err) != "Neo.ClientError.Statement.SyntaxError" || !strings.Contains(err.Error(), "line 1, column") || Retryable(err) {
		t.Fatalf("syntax error: %v", err)
	}
	if _, _, err := a.run("CREATE ()", nil, TxMeta{ReadOnly: true}); code(err) != CodeAccessMode {
		t.Fatalf("write in read mode: %v", err)
	}
	a.must("CREATE CONSTRAINT ON (n:U) ASSERT n.id IS UNIQUE")
	a.must("CREATE (:U {id: 1})")
	_, _, err = a.run("CREATE (:U {id: 1})", nil, TxMeta{})
	if code(err) != CodeConstraint || Retryable(err) || OutcomeUnknown(err) {
		t.Fatalf("constraint violation: %v", err)
	}
	// A write-write conflict is retryable.
	if err := a.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	a.must("MATCH (n:U) SET n.v = 1")
	_, _, err = b.run("MATCH (n:U) SET n.v = 2", nil, TxMeta{})
	if code(err) != CodeOutdated || !Retryable(err) {
		t.Fatalf("conflict: %v", err)
	}
	if _, err := a.commit(); err != nil {
		t.Fatal(err)
	}
	// The WAL failing after the commit was applied: outcome unknown; then
	// every write is refused, certainly not committed.
	w.fs.FailNextSync(errors.New("EIO"))
	_, _, err = a.run("CREATE ()", nil, TxMeta{})
	if !OutcomeUnknown(err) || Retryable(err) {
		t.Fatalf("WAL failure: %v", err)
	}
	_, _, err = a.run("CREATE ()", nil, TxMeta{})
	if code(err) != CodeUnavailable || OutcomeUnknown(err) {
		t.Fatalf("write after a WAL failure: %v", err)
	}
	if rows, _ := a.must("MATCH (n:U) RETURN n.v"); len(rows) != 1 || rows[0][0] != int64(1) {
		t.Fatalf("reads after a WAL failure: %v", rows)
	}
}

func TestAdminStatements(t *testing.T) {
	w := newWorld(16)
	in := readyInstance(t, w, Config{})
	a, b := w.client(t, in), w.client(t, in)
	if err := a.begin(TxMeta{Metadata: value.Map{"app": "x"}}); err != nil {
		t.Fatal(err)
	}
	a.must("CREATE (:Y)")
	rows, _ := b.must("SHOW TRANSACTIONS")
	if len(rows) != 1 || rows[0][0] != "u" || !cmp.Equal(rows[0][2], value.List{"CREATE (:Y)"}) || !cmp.Equal(rows[0][3], value.Map{"app": "x"}) {
		t.Fatalf("SHOW TRANSACTIONS: %v", rows)
	}
	id := rows[0][1].(string)
	rows, _, err := b.run("TERMINATE TRANSACTIONS $id, 'nope'", value.Map{"id": id}, TxMeta{})
	if err != nil || !cmp.Equal(rows, [][]value.Value{{id, true}, {"nope", false}}) {
		t.Fatalf("TERMINATE: %v %v", rows, err)
	}
	if _, err := a.commit(); code(err) != CodeTerminated {
		t.Fatalf("commit of a terminated transaction: %v", err)
	}
	if n := b.count(); n != 0 {
		t.Fatalf("a terminated transaction committed: %d", n)
	}
	b.must("CREATE (:Z)")
	b.must("CREATE SNAPSHOT")
	if snaps, _ := w.fs.List("snapshots"); len(snaps) == 0 {
		t.Fatal("CREATE SNAPSHOT wrote no snapshot")
	}
}

// TestSchemaChangeIsDurableWithItsBookmark is bug 1 of issue 8: CREATE
// INDEX was acknowledged before its WAL record was synced, with a bookmark
// older than the change. Now its Run reports only once it is durable, its
// bookmark is its own timestamp, and a crash right after keeps it.
func TestSchemaChangeIsDurableWithItsBookmark(t *testing.T) {
	w := newWorld(17)
	cfg := Config{NoSnapshotOnStop: true}
	in := readyInstance(t, w, cfg)
	c := w.client(t, in)
	_, before := c.must("CREATE (:L {p: 1})")
	for _, q := range []string{"CREATE INDEX ON :L(p)", "CREATE CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE"} {
		var res *Result
		got := false
		c.s.Run(q, nil, TxMeta{}, func(r *Result, err error) {
			if err != nil {
				t.Fatal(err)
			}
			res, got = r, true
		})
		if got {
			t.Fatalf("%s acknowledged before its fsync", q)
		}
		c.wait(&got)
		if _, _, err := c.pull(res, -1); err != nil {
			t.Fatal(err)
		}
		sum := res.Summary()
		if sum.Type != "s" || bookmarkTS(t, sum.Bookmark) <= bookmarkTS(t, before.Bookmark) ||
			bookmarkTS(t, sum.Bookmark) != in.Graph().VisibleTS() {
			t.Fatalf("%s: summary %+v after the write at %s (visible %d)", q, sum, before.Bookmark, in.Graph().VisibleTS())
		}
		before = sum
	}
	w.fs.Crash(false) // unsynced data is lost
	w.l.clear()
	in2 := readyInstance(t, w, cfg)
	c2 := w.client(t, in2)
	rows, _ := c2.must("SHOW INDEX INFO")
	if len(rows) != 1 {
		t.Fatalf("index lost in the crash: %v", rows)
	}
	if _, _, err := c2.run("CREATE (:L {p: 1})", nil, TxMeta{}); code(err) != CodeConstraint {
		t.Fatalf("constraint lost in the crash: %v", err)
	}
}

// TestSchemaChangeRefusedInExplicitTransaction is bug 2 of issue 8: an
// index created in an explicit transaction that rolled back stayed live
// and never reached the WAL. Now the statement is refused, as Memgraph
// does, and nothing changes.
func TestSchemaChangeRefusedInExplicitTransaction(t *testing.T) {
	w := newWorld(18)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	for _, q := range []string{"CREATE INDEX ON :L(p)", "CREATE CONSTRAINT ON (n:L) ASSERT EXISTS (n.p)", "DROP INDEX ON :L"} {
		if err := c.begin(TxMeta{}); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.run(q, nil, TxMeta{})
		if code(err) != CodeForbiddenInTx || !strings.Contains(err.Error(), "auto-commit") {
			t.Fatalf("%s in a transaction: %v", q, err)
		}
		if err := c.rollback(); err != nil {
			t.Fatal(err)
		}
	}
	if s := in.Graph().Schema(); len(s) != 0 {
		t.Fatalf("schema after the refused statements: %v", s)
	}
	if rows, _ := c.must("SHOW INDEX INFO"); len(rows) != 0 {
		t.Fatalf("SHOW INDEX INFO: %v", rows)
	}
}

// TestBigWriteYieldsToTheLoop: a write of many rows runs in steps; timers
// fire and other sessions read between them, and they never see part of
// it; it commits atomically at the end.
func TestBigWriteYieldsToTheLoop(t *testing.T) {
	w := newWorld(19)
	in := readyInstance(t, w, Config{WriteStep: 100})
	a, b := w.client(t, in), w.client(t, in)
	res, err := a.start("UNWIND range(1, 5000) AS i CREATE (:B {i: i})", nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	got := false
	res.Pull(-1, func(_ [][]value.Value, _ bool, e error) {
		if e != nil {
			t.Error(e)
		}
		got = true
	})
	ticks, partial := 0, 0
	lastTS := in.Graph().LastCommitTS()
	var tick func()
	tick = func() {
		if got {
			return
		}
		if in.Graph().LastCommitTS() == lastTS { // still executing
			ticks++
		}
		var n int64 = -1
		done := false
		if r, _, err := b.s.RunRead("MATCH (n:B) RETURN count(n)", nil, TxMeta{}); err == nil {
			r.Pull(-1, func(rows [][]value.Value, _ bool, _ error) { n, done = rows[0][0].(int64), true })
		}
		if !done || n != 0 {
			partial++
		}
		if in.Graph().LastCommitTS() == lastTS {
			w.l.AfterFunc(0, tick) // the next turn of the loop
		} else {
			w.l.AfterFunc(time.Millisecond, tick) // let the fsync complete
		}
	}
	w.l.AfterFunc(0, tick)
	a.wait(&got)
	if ticks < 20 || partial > 0 {
		t.Fatalf("%d loop turns ran during the write (want >= 20), %d saw part of it", ticks, partial)
	}
	if n := b.count(); n != 5000 {
		t.Fatalf("after the write: %d vertices", n)
	}
	if res.Summary().Stats.NodesCreated != 5000 {
		t.Fatalf("summary %+v", res.Summary())
	}
}

// TestRunReadNeedsTheLoopForWrites: RunRead serves reads and hands
// everything else back.
func TestRunReadNeedsTheLoopForWrites(t *testing.T) {
	w := newWorld(20)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	for q, want := range map[string]bool{"RETURN 1": true, "CREATE ()": false, "SHOW TRANSACTIONS": false,
		"SHOW INDEX INFO": false, "CREATE INDEX ON :L": false, "MATCH (n) RETURN n": true} {
		r, ok, err := c.s.RunRead(q, nil, TxMeta{})
		if ok != want || err != nil {
			t.Errorf("%s: ok %v err %v", q, ok, err)
		}
		if r != nil {
			r.Close()
		}
	}
	if rows := in.txs.show(); len(rows) != 0 {
		t.Fatalf("transactions left registered: %v", rows)
	}
}
