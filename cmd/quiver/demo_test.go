package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"
)

// TestDemoStartsAndPrintsURIs runs `quiver demo --check --free-ports` and
// requires each instance's Bolt URI with the role the instance answered,
// and how to see SHOW REPLICAS.
func TestDemoStartsAndPrintsURIs(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	runErr := runDemo([]string{"--check", "--free-ports", "--data-directory", t.TempDir()})
	os.Stdout = stdout
	w.Close()
	var out bytes.Buffer
	if _, err := io.Copy(&out, r); err != nil {
		t.Fatal(err)
	}
	if runErr != nil {
		t.Fatalf("demo: %v\n%s", runErr, out.String())
	}
	for _, want := range []string{"instance_1  MAIN     bolt://127.0.0.1:", "instance_2  REPLICA  bolt://127.0.0.1:",
		"instance_3  REPLICA  bolt://127.0.0.1:", "SYNC replica, replication on 127.0.0.1:", "ASYNC replica, replication on 127.0.0.1:",
		"quiver console --host 127.0.0.1", `-e "SHOW REPLICAS;"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestDemoReplicates starts the demo cluster on free ports and checks it
// through the Go driver: MAIN lists both replicas at their addresses and
// modes, a write on MAIN becomes readable on both replicas, and a replica
// refuses writes. Started again on the same data directory (same
// replication ports, new Bolt ports, and a new ephemeral port for MAIN's
// replication listener) it comes back set up and still replicates.
func TestDemoReplicates(t *testing.T) {
	o := demoOptions{dir: t.TempDir()}
	c, err := startDemo(o, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	checkDemo(t, c, 1)
	for i := range o.replPorts {
		_, p, _ := net.SplitHostPort(c.inst[i+1].repl)
		o.replPorts[i], _ = strconv.Atoi(p)
	}
	c.stop()

	c, err = startDemo(o, zap.NewNop())
	if err != nil {
		t.Fatalf("the demo restarted on its data directory: %v", err)
	}
	defer c.stop()
	checkDemo(t, c, 2)
}

// checkDemo checks c's replication; the n-th call writes the n-th :Demo
// vertex.
func checkDemo(t *testing.T, c *demoCluster, n int) {
	t.Helper()
	ctx := context.Background()
	main := c.inst[0].s
	recs, err := demoQuery(ctx, main, "SHOW REPLICAS")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range recs {
		rows = append(rows, fmt.Sprintf("%v %v %v", r.Values[0], r.Values[1], r.Values[2]))
	}
	want := []string{"instance_2 " + c.inst[1].repl + " sync", "instance_3 " + c.inst[2].repl + " async"}
	if strings.Join(rows, "; ") != strings.Join(want, "; ") {
		t.Fatalf("SHOW REPLICAS on MAIN: %q, want %q", rows, want)
	}
	for i, want := range []string{"main", "replica", "replica"} {
		if got := c.inst[i].role; got != want {
			t.Fatalf("%s has role %q, want %q", c.inst[i].name, got, want)
		}
	}
	if _, err := demoQuery(ctx, main, fmt.Sprintf("CREATE (:Demo {n: %d})", n)); err != nil {
		t.Fatalf("a write on MAIN: %v", err)
	}
	for _, r := range c.inst[1:] {
		deadline := time.Now().Add(20 * time.Second)
		for {
			recs, err := demoQuery(ctx, r.s, "MATCH (d:Demo) RETURN max(d.n) AS n, count(d) AS c")
			if err != nil {
				t.Fatalf("a read on %s: %v", r.name, err)
			}
			if recs[0].Values[0] == int64(n) && recs[0].Values[1] == int64(n) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s reads %v, want the %d writes made on MAIN", r.name, recs[0].Values, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	_, err = notALeader(ctx, c.inst[1].s.BoltAddr())
	var ne *neo4j.Neo4jError
	if !errors.As(err, &ne) || ne.Code != "Neo.ClientError.Cluster.NotALeader" {
		t.Fatalf("a write on a replica: %v, want Neo.ClientError.Cluster.NotALeader", err)
	}
}

// notALeader tries a write on the instance at addr in an auto-commit
// query (ExecuteQuery would retry NotALeader), keeping the driver's error
// (demoQuery reduces it to its message).
func notALeader(ctx context.Context, addr string) ([]*neo4j.Record, error) {
	d, err := neo4j.NewDriverWithContext("bolt://"+addr, neo4j.NoAuth())
	if err != nil {
		return nil, err
	}
	defer d.Close(ctx)
	sess := d.NewSession(ctx, neo4j.SessionConfig{})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, "CREATE (:Demo {n: -1})", nil)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}
