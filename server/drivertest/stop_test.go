package drivertest

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/server"
)

// stopShapes are queries of every kind that holds or generates rows; each
// would run for minutes. The hub graph (stopGraph) feeds the expansion.
var stopShapes = []struct{ name, query string }{
	{"sort", "UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y WITH x, y ORDER BY x DESC, y DESC RETURN x, y LIMIT 1"},
	{"aggregation", "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y RETURN count(*) AS c"},
	{"distinct", "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y WITH DISTINCT x % 10 AS v RETURN count(*) AS c"},
	{"collect", "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y RETURN size(collect(y)) AS c"},
	{"nested unwind", "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y WITH x, y WHERE x < 0 RETURN x"},
	{"expansion", "MATCH (:Hub)-[:R]->(a) MATCH (a)<-[:R]-(:Hub)-[:R]->(b) MATCH (b)<-[:R]-(:Hub)-[:R]->(c) RETURN count(*) AS c"},
	{"write", "UNWIND range(1, 10000) AS x UNWIND range(1, 10000) AS y CREATE (:W {x: x, y: y})"},
}

// stopGraph creates the hub the expansion shape walks.
func stopGraph(t testing.TB, d neo4j.DriverWithContext) {
	_, err := neo4j.ExecuteQuery(ctx(t), d, "CREATE (h:Hub) WITH h UNWIND range(1, 500) AS i CREATE (h)-[:R]->(:N {i: i})", nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
}

// running waits until SHOW TRANSACTIONS lists query (true) or no longer
// lists it (false), polling every few milliseconds, and returns when it saw
// that.
func running(t testing.TB, d neo4j.DriverWithContext, query string, want bool) time.Time {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if found := txID(t, d, query) != ""; found == want {
			return time.Now()
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("%q: still listed=%v after 20 s", query, !want)
	return time.Time{}
}

// txID returns the id SHOW TRANSACTIONS gives the transaction running
// query, or "". It asks in an auto-commit transaction, which the server
// answers whatever runs on its loop.
func txID(t testing.TB, d neo4j.DriverWithContext, query string) string {
	sess := d.NewSession(ctx(t), neo4j.SessionConfig{})
	defer sess.Close(ctx(t))
	res, err := sess.Run(ctx(t), "SHOW TRANSACTIONS", nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := res.Collect(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if l, _ := r.Values[2].([]any); len(l) == 1 && l[0] == query {
			return r.Values[1].(string)
		}
	}
	return ""
}

// rawBolt is a bare Bolt 5.0 client, for what drivers do not expose: a RESET
// during a running query and a connection dropped mid-query.
type rawBolt struct {
	t  testing.TB
	nc net.Conn
	r  *bolt.ChunkReader
}

func dialBolt(t testing.TB, addr string) *rawBolt {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	hs := []byte{0x60, 0x60, 0xB0, 0x17, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := nc.Write(hs); err != nil {
		t.Fatal(err)
	}
	v := make([]byte, 4)
	if _, err := nc.Read(v); err != nil || v[3] != 5 {
		t.Fatalf("handshake: %v %v", v, err)
	}
	b := &rawBolt{t: t, nc: nc, r: bolt.NewChunkReader(bufio.NewReader(nc), 1<<24)}
	b.send(bolt.MsgHello, value.Map{"user_agent": "stoptest/1", "scheme": "none"})
	if tag := b.recv(); tag != bolt.MsgSuccess {
		t.Fatalf("HELLO answered %#x", tag)
	}
	return b
}

func (b *rawBolt) send(tag byte, fields ...value.Value) {
	var e bolt.Encoder
	if err := bolt.AppendRequest(&e, tag, fields...); err != nil {
		b.t.Fatal(err)
	}
	if err := bolt.WriteMessage(b.nc, e.Buf); err != nil {
		b.t.Fatal(err)
	}
}

// recv returns the tag of the next message.
func (b *rawBolt) recv() byte {
	_ = b.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	msg, err := b.r.Read()
	if err != nil {
		b.t.Fatalf("reading a reply: %v", err)
	}
	return msg[1]
}

// runPull starts query with RUN and PULL without waiting for a reply.
func (b *rawBolt) runPull(query string) {
	b.send(bolt.MsgRun, query, value.Map{}, value.Map{})
	b.send(bolt.MsgPull, value.Map{"n": int64(-1)})
}

// stopWay stops a running query one way and returns the time from the
// request to the query's end.
type stopWay struct {
	name string
	cfg  func(*server.Config)
	stop func(t testing.TB, s *server.Server, d neo4j.DriverWithContext, query string, explicit bool) time.Duration
}

// driverQuery runs query on its own session, in an auto-commit
// transaction or (explicit) in a managed one, and reports its error on the
// channel.
func driverQuery(t testing.TB, d neo4j.DriverWithContext, query string, explicit bool) <-chan error {
	done := make(chan error, 1)
	go func() {
		c := context.Background()
		sess := d.NewSession(c, neo4j.SessionConfig{})
		defer sess.Close(c)
		if explicit {
			tx, err := sess.BeginTransaction(c)
			if err == nil {
				var res neo4j.ResultWithContext
				if res, err = tx.Run(c, query, nil); err == nil {
					_, err = res.Consume(c)
				}
				_ = tx.Rollback(c)
			}
			done <- err
			return
		}
		res, err := sess.Run(c, query, nil)
		if err == nil {
			_, err = res.Consume(c)
		}
		done <- err
	}()
	return done
}

// wantStopped waits for a query stopped with code and returns when it ended.
func wantStopped(t testing.TB, done <-chan error, codes ...string) time.Time {
	select {
	case err := <-done:
		end := time.Now()
		for _, c := range codes {
			if code(err) == c {
				return end
			}
		}
		t.Fatalf("the query ended with %v, want one of %v", err, codes)
		return end
	case <-time.After(20 * time.Second):
		t.Fatal("the query did not stop within 20 s")
	}
	return time.Time{}
}

// queryTimeout is the server's timeout in the timeout way; the graph
// (stopGraph) must be created within it, under the race detector too.
const queryTimeout = time.Second

var stopWays = []stopWay{
	{"timeout", func(c *server.Config) { c.QueryTimeout = queryTimeout },
		func(t testing.TB, _ *server.Server, d neo4j.DriverWithContext, q string, explicit bool) time.Duration {
			start := time.Now()
			end := wantStopped(t, driverQuery(t, d, q, explicit), "Neo.ClientError.Transaction.TransactionTimedOut")
			return end.Sub(start) - queryTimeout
		}},
	{"terminate", nil, func(t testing.TB, _ *server.Server, d neo4j.DriverWithContext, q string, explicit bool) time.Duration {
		done := driverQuery(t, d, q, explicit)
		running(t, d, q, true)
		id := txID(t, d, q)
		start := time.Now()
		sess := d.NewSession(ctx(t), neo4j.SessionConfig{})
		defer sess.Close(ctx(t))
		if _, err := sess.Run(ctx(t), "TERMINATE TRANSACTIONS '"+id+"'", nil); err != nil {
			t.Fatal(err)
		}
		return wantStopped(t, done, "Neo.ClientError.Transaction.Terminated").Sub(start)
	}},
	{"reset", nil, func(t testing.TB, s *server.Server, d neo4j.DriverWithContext, q string, explicit bool) time.Duration {
		b := dialBolt(t, s.BoltAddr())
		b.runPull(q)
		running(t, d, q, true)
		start := time.Now()
		b.send(bolt.MsgReset)
		// One summary each for RUN, PULL and RESET, RESET's last.
		var last byte
		for n := 0; n < 3; {
			if last = b.recv(); last != bolt.MsgRecord {
				n++
			}
		}
		end := time.Now()
		if last != bolt.MsgSuccess {
			t.Fatalf("RESET answered %#x", last)
		}
		running(t, d, q, false)
		return end.Sub(start)
	}},
	{"disconnect", nil, func(t testing.TB, s *server.Server, d neo4j.DriverWithContext, q string, explicit bool) time.Duration {
		b := dialBolt(t, s.BoltAddr())
		b.runPull(q)
		running(t, d, q, true)
		start := time.Now()
		b.nc.Close()
		return running(t, d, q, false).Sub(start)
	}},
	{"shutdown", nil, func(t testing.TB, s *server.Server, d neo4j.DriverWithContext, q string, explicit bool) time.Duration {
		done := driverQuery(t, d, q, explicit)
		running(t, d, q, true)
		// The server has stopped once every session ended, the query's
		// included, and the database closed (its shutdown snapshot
		// written): that is when Stop returns.
		start := time.Now()
		s.Stop()
		took := time.Since(start)
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("the query succeeded through a shutdown")
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the client never learnt of the shutdown")
		}
		return took
	}},
}

// TestStopEveryWay stops every query shape in every way a query can be
// stopped, checks that the query's transaction rolled back and that the
// server serves other sessions meanwhile, and logs how long each stop took.
func TestStopEveryWay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server per way of stopping")
	}
	for _, w := range stopWays {
		t.Run(w.name, func(t *testing.T) {
			var s *server.Server
			var d neo4j.DriverWithContext
			fresh := func() {
				s = startServer(t, w.cfg)
				d = driver(t, s, neo4j.AuthToken{})
				stopGraph(t, d)
			}
			fresh()
			for i, sh := range stopShapes {
				if w.name == "shutdown" {
					fresh()
				}
				explicit := i%2 == 1
				took := w.stop(t, s, d, sh.query, explicit)
				t.Logf("%-10s %-13s explicit=%-5v stopped %v after the request", w.name, sh.name, explicit, took.Round(time.Millisecond))
				if took > 5*time.Second {
					t.Errorf("%s: %s took %v to stop", w.name, sh.name, took)
				}
				if w.name == "shutdown" {
					continue
				}
				res, err := neo4j.ExecuteQuery(ctx(t), d, "MATCH (w:W) RETURN count(w) AS c", nil, neo4j.EagerResultTransformer)
				if err != nil {
					t.Fatal(err)
				}
				if n := res.Records[0].Values[0].(int64); n != 0 {
					t.Fatalf("%s: %d nodes of the stopped write are visible", sh.name, n)
				}
			}
		})
	}
}

// TestMemoryLimits: a query over --query-memory-limit or QUERY MEMORY LIMIT
// fails with an error naming the limit, so does one that would take the
// instance past --memory-limit, and the server keeps serving.
func TestMemoryLimits(t *testing.T) {
	s := startServer(t, func(c *server.Config) { c.QueryMemoryLimit = 4 })
	d := driver(t, s, neo4j.AuthToken{})
	const big = "UNWIND range(1, 300000) AS x RETURN size(collect(x)) AS n"
	_, err := neo4j.ExecuteQuery(ctx(t), d, big, nil, neo4j.EagerResultTransformer)
	if code(err) != "Neo.ClientError.General.TransactionOutOfMemoryError" || !contains(err, "--query-memory-limit of 4.0 MiB") {
		t.Fatalf("over --query-memory-limit: %v", err)
	}
	res, err := neo4j.ExecuteQuery(ctx(t), d, big+" QUERY MEMORY LIMIT 100 MB", nil, neo4j.EagerResultTransformer)
	if err != nil || res.Records[0].Values[0] != int64(300000) {
		t.Fatalf("under QUERY MEMORY LIMIT 100 MB: %v", err)
	}
	_, err = neo4j.ExecuteQuery(ctx(t), d, "UNWIND range(1, 100000) AS x RETURN collect(x) QUERY MEMORY LIMIT 512 KB", nil, neo4j.EagerResultTransformer)
	if !contains(err, "QUERY MEMORY LIMIT of 512.0 KiB") {
		t.Fatalf("over QUERY MEMORY LIMIT 512 KB: %v", err)
	}
	// The rows an eager write clause holds count too (a lone CREATE from
	// UNWIND streams instead: stream_test.go).
	_, err = neo4j.ExecuteQuery(ctx(t), d, "UNWIND range(1, 50000) AS x CREATE (n:M {x: x}) SET n.y = x RETURN n", nil, neo4j.EagerResultTransformer)
	if code(err) != "Neo.ClientError.General.TransactionOutOfMemoryError" {
		t.Fatalf("a write over the limit: %v", err)
	}

	s2 := startServer(t, func(c *server.Config) { c.MemoryLimit = 256 })
	d2 := driver(t, s2, neo4j.AuthToken{})
	// The pool's error is transient (the driver would retry it): run it once.
	c := ctx(t)
	sess := d2.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	res2, err := sess.Run(c, "UNWIND range(1, 10000000) AS x RETURN size(collect(x)) AS n", nil)
	if err == nil {
		_, err = res2.Consume(c)
	}
	if code(err) != "Neo.TransientError.General.MemoryPoolOutOfMemoryError" || !contains(err, "--memory-limit of 256.0 MiB") {
		t.Fatalf("over --memory-limit: %v", err)
	}
	for _, dd := range []neo4j.DriverWithContext{d, d2} {
		res, err := neo4j.ExecuteQuery(ctx(t), dd, "MATCH (n:M) RETURN count(n) AS c", nil, neo4j.EagerResultTransformer)
		if err != nil || res.Records[0].Values[0] != int64(0) {
			t.Fatalf("after the failures: %v %v", res, err)
		}
	}
}

func contains(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }

// TestClientTxTimeout: a transaction timeout the client sets (Bolt's
// tx_timeout) stops a query that holds rows, with the client-configuration
// timeout code.
func TestClientTxTimeout(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	sess := d.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	start := time.Now()
	res, err := sess.Run(c, stopShapes[1].query, nil, neo4j.WithTxTimeout(300*time.Millisecond))
	if err == nil {
		_, err = res.Consume(c)
	}
	if code(err) != "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration" {
		t.Fatalf("got %v, want the client's timeout", err)
	}
	t.Logf("stopped %v after the client's 300 ms timeout", (time.Since(start) - 300*time.Millisecond).Round(time.Millisecond))
}
