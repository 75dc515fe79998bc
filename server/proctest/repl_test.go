package proctest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// replNode is one `quiver serve` process, with a replication address
// (repl) given by --replication-address or, when flag is false, only by
// SET REPLICATION ROLE TO REPLICA WITH PORT.
type replNode struct {
	dir, repl string
	flag      bool
	bolt      int
	kill      func()
}

func startReplNode(t *testing.T, dir, repl string, flag bool) replNode {
	var extra []string
	if flag {
		extra = []string{"--replication-address", repl}
	}
	cmd, port := serve(t, dir, extra...)
	return replNode{dir: dir, repl: repl, flag: flag, bolt: port, kill: func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }}
}

// restart kills n with SIGKILL and starts it again on its data directory
// with the same flags; --replication-restore-state-on-startup is on by
// default.
func (n replNode) restart(t *testing.T) replNode {
	n.kill()
	return startReplNode(t, n.dir, n.repl, n.flag)
}

// port is the port of n's replication address.
func (n replNode) port() string { return n.repl[strings.LastIndexByte(n.repl, ':')+1:] }

// role is SHOW REPLICATION ROLE on n.
func (n replNode) role(t *testing.T) string {
	t.Helper()
	v, _ := n.must(t, "SHOW REPLICATION ROLE")[0].Get("replication role")
	s, _ := v.(string)
	return s
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
// replication queries through the Go driver: r1 listens on its
// --replication-address (a WITH PORT naming another port is refused), r2
// only through WITH PORT. Writes on MAIN reach both replicas, a write on a
// replica fails with NotALeader, an ASYNC replica killed with SIGKILL
// comes back a replica by itself (--replication-restore-state-on-startup)
// and catches up, and a MAIN killed with SIGKILL comes back MAIN with both
// replicas registered and goes on replicating.
func TestReplicationProcesses(t *testing.T) {
	addr := func() string { return fmt.Sprintf("127.0.0.1:%d", freePort(t)) }
	main := startReplNode(t, t.TempDir(), addr(), true)
	r1 := startReplNode(t, t.TempDir(), addr(), true)
	r2 := startReplNode(t, t.TempDir(), addr(), false)
	_, err := r1.run(t, "SET REPLICATION ROLE TO REPLICA WITH PORT 1")
	if err == nil || !strings.Contains(err.Error(), r1.repl) || !strings.Contains(err.Error(), "WITH PORT 1 ") {
		t.Fatalf("WITH PORT 1 with --replication-address %s: %v", r1.repl, err)
	}
	for _, r := range []replNode{r1, r2} {
		r.must(t, "SET REPLICATION ROLE TO REPLICA WITH PORT "+r.port())
	}
	main.must(t, fmt.Sprintf(`REGISTER REPLICA r1 SYNC TO "%s"`, r1.repl))
	main.must(t, fmt.Sprintf(`REGISTER REPLICA r2 ASYNC TO "%s"`, r2.repl))
	if recs := main.must(t, "SHOW REPLICAS"); len(recs) != 2 {
		t.Fatalf("SHOW REPLICAS: %d rows, want 2", len(recs))
	}

	main.must(t, "UNWIND range(1, 100) AS i CREATE (:K {i: i})")
	r1.waitCount(t, 100)
	r2.waitCount(t, 100)

	_, err = r1.run(t, "CREATE (:K {i: 0})")
	var ne *neo4j.Neo4jError
	if !errors.As(err, &ne) || ne.Code != "Neo.ClientError.Cluster.NotALeader" {
		t.Fatalf("a write on a replica: %v, want Neo.ClientError.Cluster.NotALeader", err)
	}

	r2.kill()
	main.must(t, "UNWIND range(101, 150) AS i CREATE (:K {i: i})") // an ASYNC replica down never blocks MAIN
	r1.waitCount(t, 150)
	r2 = startReplNode(t, r2.dir, r2.repl, false)
	if got := r2.role(t); got != "replica" {
		t.Fatalf("r2 restarted as %q, want replica", got)
	}
	r2.waitCount(t, 150)

	main = main.restart(t)
	if got := main.role(t); got != "main" {
		t.Fatalf("MAIN restarted as %q", got)
	}
	if recs := main.must(t, "SHOW REPLICAS"); len(recs) != 2 {
		t.Fatalf("SHOW REPLICAS after MAIN's restart: %d rows, want 2", len(recs))
	}
	main.must(t, "UNWIND range(151, 200) AS i CREATE (:K {i: i})")
	r1.waitCount(t, 200)
	r2.waitCount(t, 200)

	r1 = r1.restart(t)
	if got := r1.role(t); got != "replica" {
		t.Fatalf("r1 restarted as %q, want replica", got)
	}
	main.must(t, "UNWIND range(201, 210) AS i CREATE (:K {i: i})")
	r1.waitCount(t, 210)
	if got := count(t, main.bolt); got != 210 {
		t.Fatalf("MAIN holds %d :K vertices, want 210", got)
	}
}

// TestMainWithoutReplicationFlag: as in Memgraph, a MAIN started with no
// replication flag at all (and on the default --bolt-address 0.0.0.0)
// registers a SYNC and an ASYNC replica: its first REGISTER REPLICA starts
// the listener its replicas answer on, on an ephemeral port, announced to
// each replica as the IP it was reached from. Writes reach both replicas;
// a MAIN killed with SIGKILL comes back on another ephemeral port with
// both replicas registered, and they follow it there.
func TestMainWithoutReplicationFlag(t *testing.T) {
	addr := func() string { return fmt.Sprintf("127.0.0.1:%d", freePort(t)) }
	mainDir := t.TempDir()
	startMain := func() replNode {
		cmd, port := serve(t, mainDir, "--bolt-address", "0.0.0.0")
		return replNode{dir: mainDir, bolt: port, kill: func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }}
	}
	main := startMain()
	r1 := startReplNode(t, t.TempDir(), addr(), false)
	r2 := startReplNode(t, t.TempDir(), addr(), false)
	for _, r := range []replNode{r1, r2} {
		r.must(t, "SET REPLICATION ROLE TO REPLICA WITH PORT "+r.port())
	}
	main.must(t, fmt.Sprintf(`REGISTER REPLICA r1 SYNC TO "%s"`, r1.repl))
	main.must(t, fmt.Sprintf(`REGISTER REPLICA r2 ASYNC TO "%s"`, r2.repl))
	main.waitReady(t, 2)

	main.must(t, "UNWIND range(1, 50) AS i CREATE (:K {i: i})")
	r1.waitCount(t, 50)
	r2.waitCount(t, 50)

	main.kill()
	main = startMain()
	if got := main.role(t); got != "main" {
		t.Fatalf("MAIN restarted as %q", got)
	}
	main.waitReady(t, 2)
	main.must(t, "UNWIND range(51, 80) AS i CREATE (:K {i: i})")
	r1.waitCount(t, 80)
	r2.waitCount(t, 80)
}

// waitReady polls SHOW REPLICAS on a MAIN until it lists n replicas, all
// with status "ready".
func (n replNode) waitReady(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last []string
	for time.Now().Before(deadline) {
		last = last[:0]
		ready := 0
		for _, rec := range n.must(t, "SHOW REPLICAS") {
			name, _ := rec.Get("name")
			info, _ := rec.Get("data_info")
			st := fmt.Sprint(info.(map[string]any)["memgraph"].(map[string]any)["status"])
			last = append(last, fmt.Sprintf("%v: %s", name, st))
			if st == "ready" {
				ready++
			}
		}
		if len(last) == want && ready == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("SHOW REPLICAS on bolt port %d: %v, want %d ready replicas", n.bolt, last, want)
}
