package cypher_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
	"github.com/quiverdb/quiver/core/value"
)

// guardGraph is a hub with 3000 neighbours, enough for expansions that run
// long.
func guardGraph(t *testing.T) (*cypher.Engine, *cyphertest.Graph) {
	t.Helper()
	e, g := cypher.NewEngine(cypher.Options{}), cyphertest.New()
	out := run(t, e, g, "CREATE (h:Hub) WITH h UNWIND range(1, 3000) AS i CREATE (h)-[:R]->(:N {i: i})")
	if strings.Contains(out, "error") {
		t.Fatal(out)
	}
	return e, g
}

// drainGuarded runs query under g and pulls every row; it returns the rows
// pulled and the error that ended the result.
func drainGuarded(e *cypher.Engine, tx cypher.Tx, query string, g *cypher.Guard) (int, error) {
	p, err := e.Prepare(query)
	if err != nil {
		return 0, err
	}
	res, err := e.ExecuteGuarded(tx, p, map[string]value.Value{}, g)
	if err != nil {
		return 0, err
	}
	defer g.Release()
	n := 0
	for {
		_, ok, err := res.Next()
		if err != nil || !ok {
			return n, err
		}
		n++
	}
}

// shapes are queries of every kind that holds or generates rows, each far
// longer than the guard's check interval.
var shapes = []struct{ name, query string }{
	{"sort", "UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y WITH x, y ORDER BY x DESC, y DESC RETURN x, y LIMIT 1"},
	{"aggregation", "UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y RETURN x % 10 AS k, count(*)"},
	{"distinct", "UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y RETURN DISTINCT x * 3000 + y AS v"},
	{"collect", "UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y RETURN collect(y) AS l"},
	{"nested unwind", "UNWIND range(1, 3000) AS x UNWIND range(1, 3000) AS y WITH x, y WHERE x < 0 RETURN x"},
	{"expansion", "MATCH (:Hub)-[:R]->(n) MATCH (n)<-[:R]-(:Hub)-[:R]->(m) RETURN n.i, m.i ORDER BY n.i, m.i"},
	{"variable length", "MATCH (a:N)-[*]-(b) RETURN count(*)"},
	{"write", "UNWIND range(1, 1000000) AS x CREATE (:W {x: x})"},
	{"write result", "UNWIND range(1, 1000000) AS x CREATE (w:W {x: x}) RETURN w.x"},
	{"filtered scan", "MATCH (a), (b) WHERE a.i = -1 RETURN a"},
	{"scan aggregation", "MATCH (n:N) RETURN n.i % 10 AS k, count(*) AS c"},
	{"pattern comprehension", "MATCH (n) RETURN size([(n)-[:R]-()-[:R]-(m) | m.i]) AS s"},
	{"list comprehension", "RETURN size([x IN range(1, 1000000) WHERE x % 2 = 0]) AS s"},
	{"breadth-first search", "MATCH (h:Hub)-[*BFS]-(m) RETURN count(*)"},
	{"weighted shortest paths", "MATCH (h:Hub)-[*WSHORTEST (e, n | 1) total]-(m) RETURN count(*)"},
}

var errStop = errors.New("stopped by the host")

// Every query shape stops with the host's error at the first check after
// the host asks (every shape runs past 1024 rows).
func TestGuardInterruptsEveryShape(t *testing.T) {
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			e, g := guardGraph(t)
			calls, ticksAfterStop := 0, 0
			gd := &cypher.Guard{Interrupt: func() error {
				calls++
				if calls > 1 { // the check before the first row passes
					ticksAfterStop++
					return errStop
				}
				return nil
			}}
			rows, err := drainGuarded(e, g, s.query, gd)
			if !errors.Is(err, errStop) {
				t.Fatalf("%s: got %d rows and error %v, want the host's error", s.query, rows, err)
			}
			if ticksAfterStop != 1 {
				t.Fatalf("the guard was asked %d times after it said stop", ticksAfterStop)
			}
		})
	}
}

// A guard that says stop before the first row stops the execution at once.
func TestGuardStopsBeforeStart(t *testing.T) {
	e, g := guardGraph(t)
	gd := &cypher.Guard{Interrupt: func() error { return errStop }}
	if _, err := drainGuarded(e, g, "RETURN 1", gd); !errors.Is(err, errStop) {
		t.Fatalf("got %v, want the host's error", err)
	}
}

// Every shape that holds rows fails with an error naming the limit when it
// would hold more than the limit, and the same query without a limit does
// not.
func TestGuardMemoryLimitEveryShape(t *testing.T) {
	held := []struct{ name, query string }{
		{"sort", "UNWIND range(1, 3000) AS x UNWIND range(1, 10) AS y WITH x, y ORDER BY x DESC, y DESC RETURN x, y LIMIT 1"},
		{"aggregation", "UNWIND range(1, 30000) AS x RETURN x, count(*) AS c ORDER BY c LIMIT 1"},
		{"distinct", "UNWIND range(1, 30000) AS x WITH DISTINCT x RETURN count(*)"},
		{"collect", "UNWIND range(1, 300) AS x UNWIND range(1, 100) AS y RETURN size(collect(y)) AS s"},
		{"count distinct", "UNWIND range(1, 30000) AS x RETURN count(DISTINCT x) AS c"},
		{"unwind list", "UNWIND range(1, 200000) AS x RETURN count(*)"},
		{"function list", "RETURN size(range(1, 200000)) AS n"},
		{"write", "UNWIND range(1, 3000) AS x CREATE (:W {x: x}) CREATE (:V)"},
		{"write result", "UNWIND range(1, 3000) AS x CREATE (w:W {x: x}) SET w.y = x RETURN w.x"},
		{"pattern comprehension", "MATCH (h:Hub) RETURN size([(h)-[:R]->(m) | 'a string long enough that three thousand of them hold well over the limit: ' + m.i]) AS s"},
		{"list comprehension", "WITH 'a long string to make the list big' AS s RETURN size([x IN range(1, 10000) | s + x]) AS n"},
		{"breadth-first search", "MATCH (h:Hub)-[*BFS]-(m) RETURN count(*)"},
		{"weighted shortest paths", "MATCH (h:Hub)-[*WSHORTEST (e, n | 1) total]-(m) RETURN count(*)"},
		{"all shortest paths", "MATCH (h:Hub)-[*ALLSHORTEST (e, n | 1) total]-(m) RETURN count(*)"},
	}
	for _, s := range held {
		t.Run(s.name, func(t *testing.T) {
			e, g := guardGraph(t)
			if _, err := drainGuarded(e, g, s.query, &cypher.Guard{}); err != nil {
				t.Fatalf("without a limit: %v", err)
			}
			gd := &cypher.Guard{Limit: 256 << 10, LimitName: "--query-memory-limit"}
			_, err := drainGuarded(e, g, s.query, gd)
			var ce *cypher.Error
			if !errors.As(err, &ce) || ce.Code != cypher.CodeMemoryLimit {
				t.Fatalf("got %v, want a memory limit error", err)
			}
			if !strings.Contains(ce.Msg, "--query-memory-limit of 256.0 KiB") {
				t.Fatalf("the error does not name the limit: %q", ce.Msg)
			}
		})
	}
}

// Shapes that stream hold only what the current row needs: an expansion
// holds one vertex's edges (the hub's 3,000, about 120 KiB), not a row per
// edge, so it runs under a limit that rows per edge would exceed; the
// guard still sees the edge list (a smaller limit stops it).
func TestGuardStreamingExpansion(t *testing.T) {
	for _, q := range []string{
		"MATCH (:Hub)-[:R]->(n) RETURN count(n)",
		"MATCH (:Hub)-[:R]->(n) RETURN n.i",
		"MATCH (h:Hub) RETURN size([(h)-[:R]->(m) | m.i]) AS s",
	} {
		e, g := guardGraph(t)
		if _, err := drainGuarded(e, g, q, &cypher.Guard{Limit: 256 << 10, LimitName: "--query-memory-limit"}); err != nil {
			t.Fatalf("%s under 256 KiB: %v", q, err)
		}
		_, err := drainGuarded(e, g, q, &cypher.Guard{Limit: 64 << 10, LimitName: "--query-memory-limit"})
		var ce *cypher.Error
		if !errors.As(err, &ce) || ce.Code != cypher.CodeMemoryLimit {
			t.Fatalf("%s under 64 KiB: got %v, want a memory limit error", q, err)
		}
	}
}

// QUERY MEMORY LIMIT replaces the host's limit, UNLIMITED lifts it, and the
// error names the statement's limit.
func TestQueryMemoryLimitSuffix(t *testing.T) {
	e, g := guardGraph(t)
	q := "UNWIND range(1, 30000) AS x RETURN collect(x) AS l"
	_, err := drainGuarded(e, g, q+" QUERY MEMORY LIMIT 100 KB", &cypher.Guard{})
	if err == nil || !strings.Contains(err.Error(), "QUERY MEMORY LIMIT of 100.0 KiB") {
		t.Fatalf("got %v, want the statement's limit", err)
	}
	if _, err := drainGuarded(e, g, q+" QUERY MEMORY LIMIT 10 MB;", &cypher.Guard{Limit: 1 << 10}); err != nil {
		t.Fatalf("a larger statement limit: %v", err)
	}
	if _, err := drainGuarded(e, g, q+" QUERY MEMORY UNLIMITED", &cypher.Guard{Limit: 1 << 10}); err != nil {
		t.Fatalf("UNLIMITED: %v", err)
	}
	for _, bad := range []string{"RETURN 1 QUERY MEMORY LIMIT 5 GB", "RETURN 1 QUERY MEMORY LIMIT 0 KB", "RETURN 1 QUERY MEMORY LIMIT x MB"} {
		if _, err := e.Prepare(bad); err == nil {
			t.Fatalf("%s: no syntax error", bad)
		}
	}
}

// The host's pool sees memory taken in whole chunks and gets all of it back
// on Release; a pool that refuses fails the query with the pool's error.
func TestGuardReservesFromPool(t *testing.T) {
	e, g := guardGraph(t)
	var pool, most int64
	gd := &cypher.Guard{Reserve: func(d int64) error {
		pool += d
		most = max(most, pool)
		return nil
	}}
	if _, err := drainGuarded(e, g, "UNWIND range(1, 100000) AS x RETURN collect(x) AS l", gd); err != nil {
		t.Fatal(err)
	}
	if pool != 0 || most < 1<<20 || most%(1<<20) != 0 {
		t.Fatalf("pool holds %d after release, at most %d", pool, most)
	}
	errFull := errors.New("instance memory limit")
	gd = &cypher.Guard{Reserve: func(d int64) error {
		if pool+d > 2<<20 {
			return errFull
		}
		pool += d
		return nil
	}}
	if _, err := drainGuarded(e, g, "UNWIND range(1, 1000000) AS x RETURN collect(x) AS l", gd); !errors.Is(err, errFull) {
		t.Fatalf("got %v, want the pool's error", err)
	}
	if pool != 0 {
		t.Fatalf("pool holds %d after release", pool)
	}
}

// BenchmarkGuard prints what the guard costs per query shape: the same
// query without a guard and with one that checks an interrupt callback and
// accounts memory against a limit it never reaches.
func BenchmarkGuard(b *testing.B) {
	e, g := cypher.NewEngine(cypher.Options{}), cyphertest.New()
	queries := map[string]string{
		"sort":     "UNWIND range(1, 20000) AS x WITH x ORDER BY x DESC RETURN count(*)",
		"group":    "UNWIND range(1, 20000) AS x RETURN x % 100 AS k, collect(x) AS l",
		"distinct": "UNWIND range(1, 20000) AS x RETURN count(DISTINCT x) AS c",
	}
	for _, name := range []string{"sort", "group", "distinct"} {
		for _, guarded := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/guard=%v", name, guarded), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var gd *cypher.Guard
					if guarded {
						gd = &cypher.Guard{Interrupt: func() error { return nil }, Limit: 1 << 40, LimitName: "bench"}
					}
					if _, err := drainGuarded(e, g, queries[name], gd); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
