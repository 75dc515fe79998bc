package proctest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// replNode is one `quiver serve` process with a replication address.
type replNode struct {
	dir, repl string
	bolt      int
	kill      func()
}

func startReplNode(t *testing.T, dir, repl string) replNode {
	cmd, port := serve(t, dir, "--replication-address", repl)
	return replNode{dir: dir, repl: repl, bolt: port, kill: func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }}
}

// run runs one auto-commit query (session.Run: replication statements are
// refused inside explicit transactions) and returns its records.
func (n replNode) run(t *testing.T, q string) ([]*neo4j.Record, error) {
	t.Helper()
	d, err := neo4j.NewDriverWithContext(fmt.Sprintf("bolt://127.0.0.1:%d", n.bolt), neo4j.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	defer d.Close(ctx)
	s := d.NewSession(ctx, neo4j.SessionConfig{})
	defer s.Close(ctx)
	res, err := s.Run(ctx, q, nil)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}

func (n replNode) must(t *testing.T, q string) []*neo4j.Record {
	t.Helper()
	recs, err := n.run(t, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return recs
}

// waitCount polls n until it holds want :K vertices.
func (n replNode) waitCount(t *testing.T, want int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got int64
	for time.Now().Before(deadline) {
		if got = count(t, n.bolt); got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("replica on bolt port %d holds %d :K vertices, want %d", n.bolt, got, want)
}

// TestReplicationProcesses: three real processes set up with Memgraph's
// replication queries through the Go driver; writes on MAIN reach both
// replicas, a write on a replica fails with NotALeader, and a replica
// killed with SIGKILL and restarted catches up while MAIN keeps writing.
func TestReplicationProcesses(t *testing.T) {
	addr := func() string { return fmt.Sprintf("127.0.0.1:%d", freePort(t)) }
	main := startReplNode(t, t.TempDir(), addr())
	r1 := startReplNode(t, t.TempDir(), addr())
	r2 := startReplNode(t, t.TempDir(), addr())
	for _, r := range []replNode{r1, r2} {
		r.must(t, "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	}
	main.must(t, fmt.Sprintf(`REGISTER REPLICA r1 SYNC TO "%s"`, r1.repl))
	main.must(t, fmt.Sprintf(`REGISTER REPLICA r2 ASYNC TO "%s"`, r2.repl))
	if recs := main.must(t, "SHOW REPLICAS"); len(recs) != 2 {
		t.Fatalf("SHOW REPLICAS: %d rows, want 2", len(recs))
	}

	main.must(t, "UNWIND range(1, 100) AS i CREATE (:K {i: i})")
	r1.waitCount(t, 100)
	r2.waitCount(t, 100)

	_, err := r1.run(t, "CREATE (:K {i: 0})")
	var ne *neo4j.Neo4jError
	if !errors.As(err, &ne) || ne.Code != "Neo.ClientError.Cluster.NotALeader" {
		t.Fatalf("a write on a replica: %v, want Neo.ClientError.Cluster.NotALeader", err)
	}

	r2.kill()
	main.must(t, "UNWIND range(101, 150) AS i CREATE (:K {i: i})") // an ASYNC replica down never blocks MAIN
	r1.waitCount(t, 150)
	r2 = startReplNode(t, r2.dir, r2.repl)
	if got := count(t, r2.bolt); got < 100 {
		t.Fatalf("the restarted replica recovered %d :K vertices, want at least the 100 it had", got)
	}
	r2.must(t, "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	r2.waitCount(t, 150)
	if got := count(t, main.bolt); got != 150 {
		t.Fatalf("MAIN holds %d :K vertices, want 150", got)
	}
}
