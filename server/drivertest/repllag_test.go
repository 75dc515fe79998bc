package drivertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/server"
)

// TestReplicaLagMetrics: MAIN exports each replica's lag. A live ASYNC
// replica converges to 0 behind; once it is stopped, the writes that
// follow show as transactions behind and a lag of at least the time since
// the first of them, as SHOW REPLICAS's behind says too.
func TestReplicaLagMetrics(t *testing.T) {
	withRepl := func(c *server.Config) { c.ReplicationAddress = "127.0.0.1:0" }
	main := startServer(t, withRepl)
	dm := driver(t, main, neo4j.AuthToken{})
	r := startServer(t, withRepl)
	port := r.ReplicationAddr()[strings.LastIndexByte(r.ReplicationAddr(), ':')+1:]
	mustRun(t, driver(t, r, neo4j.AuthToken{}), "SET REPLICATION ROLE TO REPLICA WITH PORT "+port)
	mustRun(t, dm, fmt.Sprintf(`REGISTER REPLICA r1 ASYNC TO "%s"`, r.ReplicationAddr()))
	labels := map[string]string{"replica": "r1", "mode": "async"}
	mustRun(t, dm, "CREATE (:W)")
	waitFor(t, func() bool { return gauge(t, main, "quiver_replica_behind_transactions", labels) == 0 })
	if v, ok := gaugeOK(t, main, "quiver_replica_lag_seconds", labels); !ok || v != 0 {
		t.Fatalf("lag %v (exported %v) with the replica caught up", v, ok)
	}
	r.Stop()
	start := time.Now()
	for range 3 {
		mustRun(t, dm, "CREATE (:W)")
	}
	time.Sleep(20 * time.Millisecond)
	elapsed := time.Since(start)
	if b := gauge(t, main, "quiver_replica_behind_transactions", labels); b != 3 {
		t.Fatalf("behind %v after 3 writes the stopped replica missed", b)
	}
	if lag := gauge(t, main, "quiver_replica_lag_seconds", labels); lag < 0.02 || lag > time.Since(start).Seconds() {
		t.Fatalf("lag %vs, want between 0.02 and %v", lag, elapsed.Seconds())
	}
	if in := gauge(t, main, "quiver_replica_in_sync", labels); in != 0 {
		t.Fatalf("an ASYNC replica reported in the in-sync set (%v)", in)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
	}
}

func gauge(t *testing.T, s *server.Server, name string, labels map[string]string) float64 {
	t.Helper()
	v, ok := gaugeOK(t, s, name, labels)
	if !ok {
		t.Fatalf("no %s%v exported", name, labels)
	}
	return v
}

// gaugeOK reads a gauge from the server's registry.
func gaugeOK(t *testing.T, s *server.Server, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := s.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.Metric {
			for k, v := range labels {
				found := false
				for _, lp := range m.Label {
					found = found || lp.GetName() == k && lp.GetValue() == v
				}
				if !found {
					continue next
				}
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}
