package instance

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

func TestReplicationRoleDefaultsToMain(t *testing.T) {
	w := newWorld(31)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	rows, sum := c.must("SHOW REPLICATION ROLE")
	if !cmp.Equal(rows, [][]value.Value{{"main"}}) {
		t.Fatalf("SHOW REPLICATION ROLE on a fresh instance: %v", rows)
	}
	res, _ := c.start("SHOW REPLICATION ROLE", nil, TxMeta{})
	if !cmp.Equal(res.Columns(), []string{"replication role"}) {
		t.Fatalf("columns %v (summary %+v)", res.Columns(), sum)
	}
	if in.IsReplica() {
		t.Fatal("a fresh instance is a replica")
	}
}

func TestReplicaRefusesWritesAndServesReads(t *testing.T) {
	w := newWorld(32)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	c.must("CREATE (:P {v: 1})")
	c.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	if rows, _ := c.must("SHOW REPLICATION ROLE"); !cmp.Equal(rows, [][]value.Value{{"replica"}}) {
		t.Fatalf("role after SET ... TO REPLICA: %v", rows)
	}
	for _, q := range []string{"CREATE (:P {v: 2})", "MATCH (n:P) SET n.v = 3", "CREATE INDEX ON :P(v)"} {
		_, _, err := c.run(q, nil, TxMeta{})
		if code(err) != CodeNotALeader || !strings.Contains(err.Error(), "Write queries are forbidden on the replica instance") {
			t.Fatalf("%s on a replica: %v", q, err)
		}
		if Retryable(err) || OutcomeUnknown(err) {
			t.Fatalf("%s: NotALeader classified as retryable or unknown", q)
		}
	}
	// Writes inside an explicit transaction are refused too, reads in it
	// and its commit work.
	if err := c.begin(TxMeta{}); err != nil {
		t.Fatalf("BEGIN on a replica: %v", err)
	}
	if rows, _ := c.must("MATCH (n:P) RETURN n.v"); !cmp.Equal(rows, [][]value.Value{{int64(1)}}) {
		t.Fatalf("read in a transaction on a replica: %v", rows)
	}
	if _, err := c.commit(); err != nil {
		t.Fatalf("commit of a read-only transaction on a replica: %v", err)
	}
	if err := c.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.run("CREATE ()", nil, TxMeta{}); code(err) != CodeNotALeader {
		t.Fatalf("write in a transaction on a replica: %v", err)
	}
	if err := c.rollback(); err != nil {
		t.Fatal(err)
	}
	// The graph-level commit refuses changes as well.
	tx := in.Begin(graph.TxOptions{})
	if _, err := tx.CreateVertex(); err != nil {
		t.Fatal(err)
	}
	var cerr error
	got := false
	in.Commit(tx, func(_ uint64, err error) { cerr, got = err, true })
	c.wait(&got)
	if code(cerr) != CodeNotALeader {
		t.Fatalf("Instance.Commit on a replica: %v", cerr)
	}
	if n := c.count(); n != 1 {
		t.Fatalf("a replica holds %d vertices, want the 1 written as MAIN", n)
	}
	c.must("SET REPLICATION ROLE TO MAIN")
	c.must("CREATE (:P {v: 2})")
	if n := c.count(); n != 2 {
		t.Fatalf("after promotion to MAIN: %d vertices, want 2", n)
	}
}

func TestReplicationStatementsRefusedInTransactions(t *testing.T) {
	w := newWorld(33)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	for _, q := range []string{"SHOW REPLICATION ROLE", "SET REPLICATION ROLE TO REPLICA WITH PORT 1", "SHOW REPLICAS",
		`REGISTER REPLICA r SYNC TO "h:1"`, "DROP REPLICA r"} {
		if err := c.begin(TxMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.run(q, nil, TxMeta{}); code(err) != CodeForbiddenInTx {
			t.Fatalf("%s in an explicit transaction: %v", q, err)
		}
		if err := c.rollback(); err != nil {
			t.Fatal(err)
		}
	}
	if in.IsReplica() {
		t.Fatal("a refused SET REPLICATION ROLE changed the role")
	}
}

func TestReplicaStatementsOnlyOnMain(t *testing.T) {
	w := newWorld(34)
	in := readyInstance(t, w, Config{})
	c := w.client(t, in)
	c.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	for _, q := range []string{"SHOW REPLICAS", `REGISTER REPLICA r SYNC TO "h:1"`, "DROP REPLICA r"} {
		_, _, err := c.run(q, nil, TxMeta{})
		if err == nil || !strings.Contains(err.Error(), "only allowed on a MAIN") {
			t.Fatalf("%s on a replica: %v", q, err)
		}
	}
}
