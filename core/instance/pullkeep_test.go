package instance

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

// Rows pulled in small batches are the rows one Pull(-1) gives, and a
// batch the client holds stays as it was while later batches are pulled:
// the engine rebinds rows in place and cuts records from shared chunks,
// so a record that aliased either would change under the client.
func TestPulledBatchesStayUnchanged(t *testing.T) {
	w := newWorld(31)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	c.must("UNWIND range(1, 40) AS i CREATE (:N {i: i})")
	c.must("MATCH (a:N), (b:N) WHERE b.i = a.i + 1 OR b.i = a.i + 3 CREATE (a)-[:R {d: b.i - a.i}]->(b)")
	queries := []string{
		"UNWIND range(1, 50) AS x RETURN x, [x] AS l",
		"MATCH (n:N) RETURN n, n.i AS i",
		"MATCH (n:N)-[r]->(m) RETURN n.i, r.d, m",
		"MATCH (n:N)-[r]->(m) RETURN DISTINCT m ORDER BY m.i DESC",
		"MATCH (n:N)-->(m) WITH n, collect(m.i) AS ms RETURN n.i, ms ORDER BY n.i",
		"MATCH (n:N) UNWIND [n.i, -n.i] AS v RETURN n.i, v",
		"MATCH (n:N) OPTIONAL MATCH (n)-[:R {d: 3}]->(m) RETURN n.i, m.i",
		"MATCH (n:N) RETURN n.i AS v UNION ALL MATCH (n:N)-->(m) RETURN m.i AS v",
		"MATCH (n:N) CALL { WITH n MATCH (n)-->(m) RETURN m } RETURN n.i, m.i",
		"UNWIND range(1, 30) AS x CREATE (k:K {x: x}) RETURN k.x, k",
		"MATCH (k:K) SET k.y = k.x * 2 RETURN k.x, k.y, k",
		"UNWIND range(1, 20) AS x CREATE (u:U {x: x}) RETURN u.x AS v, u AS n UNION ALL MATCH (k:K) SET k.z = 1 RETURN k.x AS v, k AS n",
		"MATCH (n:N) CALL { WITH n CREATE (m:M {i: n.i}) RETURN m } IN TRANSACTIONS OF 7 ROWS RETURN n.i, m",
	}
	for _, q := range queries {
		for _, batch := range []int{1, 3, 7} {
			res, err := c.start(q, nil, TxMeta{})
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			var kept [][]value.Value
			var seen []string
			for more := true; more; {
				var rows [][]value.Value
				rows, more, err = c.pull(res, batch)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				for _, r := range rows {
					kept = append(kept, r)
					seen = append(seen, fmt.Sprint(r))
				}
			}
			if len(kept) < 2 {
				t.Fatalf("%s: %d rows", q, len(kept))
			}
			var after []string
			for _, r := range kept {
				after = append(after, fmt.Sprint(r))
			}
			if d := cmp.Diff(seen, after); d != "" {
				t.Fatalf("%s (batches of %d): records changed after later pulls:\n%s", q, batch, d)
			}
		}
	}
}

// CALL { } IN TRANSACTIONS hands each batch the rows of its own input
// (imported variables, and what the body returns joined to them).
func TestInTransactionsRowsPerBatch(t *testing.T) {
	w := newWorld(32)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	c.must("UNWIND range(1, 10) AS i CREATE (:N {i: i})")
	rows, _ := c.must("MATCH (n:N) CALL { WITH n CREATE (m:M {i: n.i * 10}) RETURN m } IN TRANSACTIONS OF 3 ROWS RETURN n.i, m.i ORDER BY n.i")
	if len(rows) != 10 {
		t.Fatalf("%d rows", len(rows))
	}
	for k, r := range rows {
		if r[0] != int64(k+1) || r[1] != int64(10*(k+1)) {
			t.Fatalf("row %d: %v", k, r)
		}
	}
	c.must("MATCH (n:N) CALL { WITH n SET n.z = n.i + 100 } IN TRANSACTIONS OF 4 ROWS")
	rows, _ = c.must("MATCH (n:N) WHERE n.z <> n.i + 100 OR n.z IS NULL RETURN count(n)")
	if rows[0][0] != int64(0) {
		t.Fatalf("%v nodes not set", rows[0][0])
	}
	rows, _ = c.must("UNWIND [1, 2, 3] AS x CALL { WITH x UNWIND range(1, x) AS y CREATE (:Y {x: x, y: y}) RETURN count(*) AS made } IN TRANSACTIONS OF 2 ROWS RETURN x, made")
	if d := cmp.Diff([][]value.Value{{int64(1), int64(1)}, {int64(2), int64(2)}, {int64(3), int64(3)}}, rows); d != "" {
		t.Fatalf("rows:\n%s", d)
	}
}
