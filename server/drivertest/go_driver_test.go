package drivertest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/quiverdb/quiver/server"
)

// code returns the Neo4j status code of a driver error, or "".
func code(err error) string {
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		return ne.Code
	}
	return ""
}

// TestValueRoundTrip sends every value type as a parameter and checks it
// comes back unchanged.
func TestValueRoundTrip(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	vals := map[string]any{
		"null": nil, "bool": true, "int": int64(-1 << 40), "float": 2.5, "string": "héllo",
		"bytes": []byte{0, 1, 255}, "list": []any{int64(1), "a", nil}, "map": map[string]any{"k": int64(1)},
		"date":          dbtype.Date(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)),
		"localtime":     dbtype.LocalTime(time.Date(0, 1, 1, 13, 14, 15, 16, time.UTC)),
		"time":          dbtype.Time(time.Date(0, 1, 1, 13, 14, 15, 16, time.FixedZone("", 3600))),
		"localdatetime": dbtype.LocalDateTime(time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC)),
		"datetime":      time.Date(2020, 1, 2, 3, 4, 5, 6, time.FixedZone("Offset", -5*3600)),
		"datetimezone":  time.Date(2021, 7, 1, 12, 0, 0, 0, berlin),
		"duration":      dbtype.Duration{Months: 14, Days: 3, Seconds: 61, Nanos: 9},
		"point2d":       dbtype.Point2D{SpatialRefId: 7203, X: 1.5, Y: -2},
		"point3d":       dbtype.Point3D{SpatialRefId: 9157, X: 1, Y: 2, Z: 3},
	}
	for name, v := range vals {
		res, err := neo4j.ExecuteQuery(c, d, "RETURN $v AS v", map[string]any{"v": v}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := res.Records[0].Values[0]
		if gt, ok := got.(time.Time); ok {
			want := v.(time.Time)
			if !gt.Equal(want) || gt.Location().String() != want.Location().String() && name == "datetimezone" {
				t.Errorf("%s: got %v, want %v", name, gt, want)
			}
			continue
		}
		if diff := cmp.Diff(v, got, temporalComparers...); diff != "" {
			t.Errorf("%s: %s", name, diff)
		}
	}
}

// sameInstant compares times by instant and UTC offset.
func sameInstant(a, b time.Time) bool {
	_, oa := a.Zone()
	_, ob := b.Zone()
	return a.Equal(b) && oa == ob
}

// sameClock compares times of day and their UTC offsets.
func sameClock(a, b time.Time) bool {
	_, oa := a.Zone()
	_, ob := b.Zone()
	return a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second() &&
		a.Nanosecond() == b.Nanosecond() && oa == ob
}

var temporalComparers = []cmp.Option{
	cmp.Comparer(func(a, b dbtype.Date) bool { return sameInstant(time.Time(a), time.Time(b)) }),
	cmp.Comparer(func(a, b dbtype.LocalTime) bool { return sameClock(time.Time(a), time.Time(b)) }),
	cmp.Comparer(func(a, b dbtype.Time) bool { return sameClock(time.Time(a), time.Time(b)) }),
	cmp.Comparer(func(a, b dbtype.LocalDateTime) bool { return sameInstant(time.Time(a), time.Time(b)) }),
}

// TestGraphValues returns nodes, relationships and paths.
func TestGraphValues(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	res, err := neo4j.ExecuteQuery(c, d, "CREATE p = (a:A {x: 1})-[r:R {w: 2}]->(b:B) RETURN a, r, b, p", nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Records[0]
	a, r, b, p := rec.Values[0].(dbtype.Node), rec.Values[1].(dbtype.Relationship), rec.Values[2].(dbtype.Node), rec.Values[3].(dbtype.Path)
	if a.Labels[0] != "A" || a.Props["x"] != int64(1) || r.Type != "R" || r.StartElementId != a.ElementId || r.EndElementId != b.ElementId {
		t.Errorf("graph values: %+v %+v %+v", a, r, b)
	}
	if len(p.Nodes) != 2 || len(p.Relationships) != 1 || p.Relationships[0].Props["w"] != int64(2) {
		t.Errorf("path: %+v", p)
	}
	if n := res.Summary.Counters().NodesCreated(); n != 2 || res.Summary.Counters().RelationshipsCreated() != 1 {
		t.Errorf("counters: nodes %d", n)
	}
}

func TestTransactions(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	sess := d.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	tx, err := sess.BeginTransaction(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Run(c, "CREATE (:T {v: 1})", nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Fatal(err)
	}
	tx, _ = sess.BeginTransaction(c)
	r1, err := tx.Run(c, "UNWIND range(1, 3) AS x RETURN x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Run(c, "CREATE (:T {v: 2})", nil); err != nil {
		t.Fatal(err)
	}
	recs, err := r1.Collect(c)
	if err != nil || len(recs) != 3 {
		t.Fatalf("first result in tx: %d records, %v", len(recs), err)
	}
	if err := tx.Commit(c); err != nil {
		t.Fatal(err)
	}
	got, err := neo4j.ExecuteRead(c, sess, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(c, "MATCH (n:T) RETURN n.v AS v", nil)
		if err != nil {
			return nil, err
		}
		recs, err := r.Collect(c)
		var vs []any
		for _, rec := range recs {
			vs = append(vs, rec.Values[0])
		}
		return vs, err
	})
	if err != nil || !cmp.Equal(got, []any{int64(2)}) {
		t.Fatalf("after rollback and commit: %v, %v", got, err)
	}
	_, err = neo4j.ExecuteWrite(c, sess, func(tx neo4j.ManagedTransaction) (any, error) {
		_, err := tx.Run(c, "MATCH (n:T) SET n.v = 3", nil)
		return "done", err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A write in a read transaction fails.
	_, err = neo4j.ExecuteRead(c, sess, func(tx neo4j.ManagedTransaction) (any, error) {
		_, err := tx.Run(c, "CREATE (:X)", nil)
		return "done", err
	})
	if code(err) != "Neo.ClientError.Statement.AccessMode" {
		t.Errorf("write in read tx: %v", err)
	}
}

func TestErrorCodes(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	// In order: the constraint is created before the duplicate write.
	for _, tc := range []struct {
		q      string
		params map[string]any
		want   string
	}{
		{"RETRN 1", nil, "Neo.ClientError.Statement.SyntaxError"},
		{"RETURN x", nil, "Neo.ClientError.Statement.SyntaxError"},
		// A type error the compiler cannot see: it surfaces at run time.
		{"RETURN 1 + $s * 2", map[string]any{"s": "a"}, "Neo.ClientError.Statement.TypeError"},
		{"CREATE (:U {id: 1})", nil, ""},
		// ExecuteQuery runs in an explicit transaction: schema changes are
		// refused there, as in Memgraph, and run as auto-commit queries.
		{"CREATE CONSTRAINT ON (n:U) ASSERT n.id IS UNIQUE", nil, "Neo.ClientError.Transaction.ForbiddenDueToTransactionType"},
		{"auto: CREATE CONSTRAINT ON (n:U) ASSERT n.id IS UNIQUE", nil, ""},
		{"CREATE (:U {id: 1}) RETURN 1", nil, "Neo.ClientError.Schema.ConstraintValidationFailed"},
	} {
		var err error
		if q, ok := strings.CutPrefix(tc.q, "auto: "); ok {
			err = autoCommit(c, d, q, tc.params)
		} else {
			_, err = neo4j.ExecuteQuery(c, d, tc.q, tc.params, neo4j.EagerResultTransformer)
		}
		if got := code(err); got != tc.want && !(tc.want == "Neo.ClientError.Statement.SyntaxError" && got == "Neo.ClientError.Statement.SemanticError") {
			t.Errorf("%s: got %q (%v), want %s", tc.q, got, err, tc.want)
		}
	}
	// The session recovers after a failure.
	res, err := neo4j.ExecuteQuery(c, d, "RETURN 1 AS one", nil, neo4j.EagerResultTransformer)
	if err != nil || res.Records[0].Values[0] != int64(1) {
		t.Fatalf("after errors: %v", err)
	}
}

func TestBookmarksAndBatches(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	w := d.NewSession(c, neo4j.SessionConfig{})
	if _, err := neo4j.ExecuteWrite(c, w, func(tx neo4j.ManagedTransaction) (any, error) {
		_, err := tx.Run(c, "UNWIND range(1, 5000) AS i CREATE (:Big {i: i})", nil)
		return "done", err
	}); err != nil {
		t.Fatal(err)
	}
	bms := w.LastBookmarks()
	w.Close(c)
	if len(bms) == 0 {
		t.Fatal("no bookmark after a write")
	}
	r := d.NewSession(c, neo4j.SessionConfig{Bookmarks: bms, FetchSize: 100, AccessMode: neo4j.AccessModeRead})
	defer r.Close(c)
	res, err := r.Run(c, "MATCH (n:Big) RETURN n.i AS i", nil)
	if err != nil {
		t.Fatal(err)
	}
	n, sum := 0, int64(0)
	for res.Next(c) {
		n++
		sum += res.Record().Values[0].(int64)
	}
	if res.Err() != nil || n != 5000 || sum != 5000*5001/2 {
		t.Fatalf("streamed %d records, sum %d, err %v", n, sum, res.Err())
	}
	bad := d.NewSession(c, neo4j.SessionConfig{Bookmarks: neo4j.BookmarksFromRawValues("nonsense")})
	defer bad.Close(c)
	if _, err := bad.Run(c, "RETURN 1", nil); code(err) != "Neo.ClientError.Transaction.InvalidBookmark" {
		t.Errorf("bad bookmark: %v", err)
	}
}

func TestAuth(t *testing.T) {
	s := startServer(t, func(c *server.Config) { c.AuthUser, c.AuthPassword = "quiver", "s3cret" })
	c := ctx(t)
	good := driver(t, s, neo4j.BasicAuth("quiver", "s3cret", ""))
	if _, err := neo4j.ExecuteQuery(c, good, "RETURN 1", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatalf("right password: %v", err)
	}
	for _, a := range []neo4j.AuthToken{neo4j.BasicAuth("quiver", "wrong", ""), neo4j.NoAuth(), neo4j.BasicAuth("x", "s3cret", "")} {
		bad := driver(t, s, a)
		_, err := neo4j.ExecuteQuery(c, bad, "RETURN 1", nil, neo4j.EagerResultTransformer)
		if code(err) != "Neo.ClientError.Security.Unauthorized" {
			t.Errorf("auth %v: %v", a.Tokens["scheme"], err)
		}
	}
}

func TestConcurrentSessions(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	// The driver sets its connection supplier lazily on the first connect
	// without a lock (neo4j-go-driver v5.28.4, connector.go:55); one serial
	// query first keeps the race detector on our code, not the driver's.
	if _, err := neo4j.ExecuteQuery(c, d, "RETURN 1", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess := d.NewSession(c, neo4j.SessionConfig{})
			defer sess.Close(c)
			for i := range 50 {
				if _, err := sess.Run(c, "CREATE (:C {w: $w, i: $i})", map[string]any{"w": w, "i": i}); err != nil {
					errs <- err
					return
				}
				r, err := sess.Run(c, "MATCH (n:C {w: $w}) RETURN count(n) AS n", map[string]any{"w": w})
				if err != nil {
					errs <- err
					return
				}
				rec, err := r.Single(c)
				if err != nil || rec.Values[0] != int64(i+1) {
					errs <- fmt.Errorf("worker %d sees %v after %d writes (%v)", w, rec, i+1, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestQueryTimeoutAndTerminate(t *testing.T) {
	s := startServer(t, func(c *server.Config) { c.QueryTimeout = 300 * time.Millisecond })
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	_, err := neo4j.ExecuteQuery(c, d, "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y RETURN x, y", nil, neo4j.EagerResultTransformer)
	if code(err) != "Neo.ClientError.Transaction.TransactionTimedOut" {
		t.Errorf("long query: %v", err)
	}
	sess := d.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	tx, err := sess.BeginTransaction(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Run(c, "CREATE (:Y)", nil); err != nil {
		t.Fatal(err)
	}
	res, err := neo4j.ExecuteQuery(c, d, "SHOW TRANSACTIONS", nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, r := range res.Records {
		if q, _ := r.Values[2].([]any); len(q) == 1 && q[0] == "CREATE (:Y)" {
			id = r.Values[1].(string)
		}
	}
	if id == "" {
		t.Fatalf("SHOW TRANSACTIONS does not list the open transaction: %v", res.Records)
	}
	if _, err := neo4j.ExecuteQuery(c, d, "TERMINATE TRANSACTIONS '"+id+"'", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	// The Go driver reports Neo.TransientError.Transaction.Terminated as a
	// ClientError (it must not be retried).
	if err := tx.Commit(c); code(err) != "Neo.ClientError.Transaction.Terminated" {
		t.Errorf("commit after TERMINATE: %v", err)
	}
}

// TestConflict: a write that collides with an open transaction fails with a
// transient (retryable) code, in auto-commit and explicit transactions, and
// ExecuteWrite retries it to success once the other side commits.
func TestConflict(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	if _, err := neo4j.ExecuteQuery(c, d, "CREATE (:X {v: 0})", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	s1 := d.NewSession(c, neo4j.SessionConfig{})
	defer s1.Close(c)
	tx1, err := s1.BeginTransaction(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx1.Run(c, "MATCH (n:X) SET n.v = 1", nil); err != nil {
		t.Fatal(err)
	}
	s2 := d.NewSession(c, neo4j.SessionConfig{})
	defer s2.Close(c)
	_, err = s2.Run(c, "MATCH (n:X) SET n.v = 2", nil)
	if got := code(err); got != "Neo.TransientError.Transaction.Outdated" {
		t.Fatalf("auto-commit conflict: %q (%v)", got, err)
	}
	tx2, _ := s2.BeginTransaction(c)
	if _, err := tx2.Run(c, "MATCH (n:X) SET n.v = 3", nil); code(err) != "Neo.TransientError.Transaction.Outdated" {
		t.Fatalf("explicit conflict: %v", err)
	}
	_ = tx2.Rollback(c)
	committed := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		committed <- tx1.Commit(c)
	}()
	_, err = neo4j.ExecuteWrite(c, s2, func(tx neo4j.ManagedTransaction) (any, error) {
		_, err := tx.Run(c, "MATCH (n:X) SET n.v = n.v + 10", nil)
		return "done", err
	})
	// s1 is closed by a deferred call: the commit must be over before it.
	if cerr := <-committed; cerr != nil {
		t.Fatalf("tx1 commit: %v", cerr)
	}
	if err != nil {
		t.Fatalf("ExecuteWrite did not retry to success: %v", err)
	}
	res, err := neo4j.ExecuteQuery(c, d, "MATCH (n:X) RETURN n.v AS v", nil, neo4j.EagerResultTransformer)
	if err != nil || res.Records[0].Values[0] != int64(11) {
		t.Fatalf("final value %v, %v; want 11", res.Records, err)
	}
}

// TestRouting uses neo4j:// (ROUTE, then reads and writes through the
// returned table) and explicit database names.
func TestRouting(t *testing.T) {
	s := startServer(t, nil)
	d, err := neo4j.NewDriverWithContext("neo4j://"+s.BoltAddr(), neo4j.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	defer d.Close(c)
	if _, err := neo4j.ExecuteQuery(c, d, "CREATE (:R)", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	res, err := neo4j.ExecuteQuery(c, d, "MATCH (n:R) RETURN count(n) AS c", nil, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithReadersRouting(), neo4j.ExecuteQueryWithDatabase("memgraph"))
	if err != nil || res.Records[0].Values[0] != int64(1) {
		t.Fatalf("routed read: %v %v", res, err)
	}
	_, err = neo4j.ExecuteQuery(c, d, "RETURN 1", nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("nope"))
	if code(err) != "Neo.ClientError.Database.DatabaseNotFound" {
		t.Errorf("unknown database: %v", err)
	}
}

// TestClockAndRandomness checks that the server gives the engine the wall
// clock (date() is today) and a seeded source (rand() differs per session).
func TestClockAndRandomness(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	res, err := neo4j.ExecuteQuery(c, d, "RETURN date() AS d", nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := res.Records[0].Values[0].(neo4j.Date)
	today := time.Now()
	if !ok || got.Time().Year() != today.Year() || got.Time().YearDay() < today.YearDay()-1 {
		t.Fatalf("date() = %#v, want about %s", res.Records[0].Values[0], today.Format("2006-01-02"))
	}
	seen := map[float64]bool{}
	for i := 0; i < 5; i++ {
		res, err := neo4j.ExecuteQuery(c, d, "RETURN rand() AS r", nil, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		r := res.Records[0].Values[0].(float64)
		if r < 0 || r >= 1 {
			t.Fatalf("rand() = %v", r)
		}
		seen[r] = true
	}
	if len(seen) < 2 {
		t.Fatalf("rand() returned the same value in every session: %v", seen)
	}
}

// TestTerminateAutoCommitRead: TERMINATE TRANSACTIONS stops a streaming
// auto-commit read (which runs on its session's goroutine, outside the loop)
// at its next batch.
func TestTerminateAutoCommitRead(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	sess := d.NewSession(c, neo4j.SessionConfig{FetchSize: 100})
	defer sess.Close(c)
	const q = "UNWIND range(1, 1000000) AS x RETURN x"
	res, err := sess.Run(c, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Next(c) {
		t.Fatalf("no first record: %v", res.Err())
	}
	shown, err := neo4j.ExecuteQuery(c, d, "SHOW TRANSACTIONS", nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, r := range shown.Records {
		if l, _ := r.Values[2].([]any); len(l) == 1 && l[0] == q {
			id = r.Values[1].(string)
		}
	}
	if id == "" {
		t.Fatalf("SHOW TRANSACTIONS does not list the read: %v", shown.Records)
	}
	if _, err := neo4j.ExecuteQuery(c, d, "TERMINATE TRANSACTIONS '"+id+"'", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	n := 1
	for res.Next(c) {
		n++
	}
	if code(res.Err()) != "Neo.ClientError.Transaction.Terminated" || n >= 1000000 {
		t.Errorf("after TERMINATE: %d records, err %v", n, res.Err())
	}
}
