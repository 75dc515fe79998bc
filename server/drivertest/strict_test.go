package drivertest

import (
	"fmt"
	stdnet "net"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/server"
)

// TestStrictSyncOverBolt: a MAIN with a STRICT_SYNC replica over loopback
// TCP takes writes through the Go driver, refuses a SYNC replica beside
// it, and reads on the replica carrying the writes' bookmarks (auto-commit
// and explicit read transactions) wait until the replica shows each write
// instead of reading stale data.
func TestStrictSyncOverBolt(t *testing.T) {
	withRepl := func(c *server.Config) { c.ReplicationAddress = "127.0.0.1:0" }
	main, rep := startServer(t, withRepl), startServer(t, withRepl)
	dm, dr := driver(t, main, neo4j.AuthToken{}), driver(t, rep, neo4j.AuthToken{})
	c := ctx(t)
	port := rep.ReplicationAddr()[strings.LastIndexByte(rep.ReplicationAddr(), ':')+1:]
	if err := autoCommit(c, dr, "SET REPLICATION ROLE TO REPLICA WITH PORT "+port, nil); err != nil {
		t.Fatal(err)
	}
	if err := autoCommit(c, dm, fmt.Sprintf(`REGISTER REPLICA r1 STRICT_SYNC TO "%s"`, rep.ReplicationAddr()), nil); err != nil {
		t.Fatal(err)
	}
	if err := autoCommit(c, dm, `REGISTER REPLICA r2 SYNC TO "127.0.0.1:1"`, nil); err == nil || !strings.Contains(err.Error(), "cannot be mixed") {
		t.Fatalf("a SYNC replica beside a STRICT_SYNC one: %v", err)
	}
	w := dm.NewSession(c, neo4j.SessionConfig{})
	defer w.Close(c)
	for i := 1; i <= 20; i++ {
		if _, err := neo4j.ExecuteWrite(c, w, func(tx neo4j.ManagedTransaction) (any, error) {
			_, err := tx.Run(c, "CREATE (:S {i: $i})", map[string]any{"i": i})
			return "done", err
		}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		bms := w.LastBookmarks()
		r := dr.NewSession(c, neo4j.SessionConfig{Bookmarks: bms, AccessMode: neo4j.AccessModeRead})
		res, err := r.Run(c, "MATCH (s:S) RETURN count(s)", nil)
		var auto any
		if err == nil {
			var rec *neo4j.Record
			if rec, err = res.Single(c); err == nil {
				auto = rec.Values[0]
			}
		}
		explicit, err2 := neo4j.ExecuteRead(c, dr.NewSession(c, neo4j.SessionConfig{Bookmarks: bms}), func(tx neo4j.ManagedTransaction) (any, error) {
			res, err := tx.Run(c, "MATCH (s:S) RETURN count(s)", nil)
			if err != nil {
				return nil, err
			}
			rec, err := res.Single(c)
			if err != nil {
				return nil, err
			}
			return rec.Values[0], nil
		})
		r.Close(c)
		if err != nil || err2 != nil || auto != int64(i) || explicit != int64(i) {
			t.Fatalf("after write %d the replica reads %v (%v) auto-commit, %v (%v) explicit", i, auto, err, explicit, err2)
		}
	}
}

// TestReplicaWarningOverBolt: a write acknowledged while a SYNC replica is
// out of the in-sync set (here: it was never reachable) succeeds, and the
// driver's summary carries the warning naming it.
func TestReplicaWarningOverBolt(t *testing.T) {
	main := startServer(t, func(c *server.Config) { c.ReplicationAddress = "127.0.0.1:0" })
	d := driver(t, main, neo4j.AuthToken{})
	c := ctx(t)
	if err := autoCommit(c, d, `REGISTER REPLICA r1 SYNC TO "127.0.0.1:1"`, nil); err != nil {
		t.Fatal(err)
	}
	s := d.NewSession(c, neo4j.SessionConfig{})
	defer s.Close(c)
	res, err := s.Run(c, "CREATE (:W)", nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := res.Consume(c)
	if err != nil {
		t.Fatal(err)
	}
	ns := sum.Notifications()
	if len(ns) != 1 || ns[0].Code() != "Quiver.Replication.ReplicaNotInSync" || !strings.Contains(ns[0].Description(), "r1") {
		t.Fatalf("notifications: %+v", ns)
	}
}

// TestMainTransportWithoutFlag: a server with no replication flag has no
// replication transport until its first REGISTER REPLICA starts one on an
// ephemeral port of its Bolt host (127.0.0.1 here, announced as such); a
// MAIN that dropped its replicas and becomes a replica gives that
// transport up for the one WITH PORT names.
func TestMainTransportWithoutFlag(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	if a := s.ReplicationAddr(); a != "" {
		t.Fatalf("a server without replication flags listens for replication on %q before any REGISTER REPLICA", a)
	}
	if err := autoCommit(c, d, `REGISTER REPLICA r1 ASYNC TO "127.0.0.1:1"`, nil); err != nil {
		t.Fatalf("REGISTER REPLICA on a MAIN without --replication-address: %v", err)
	}
	eph := s.ReplicationAddr()
	if !strings.HasPrefix(eph, "127.0.0.1:") || strings.HasSuffix(eph, ":0") {
		t.Fatalf("MAIN's replication transport announces %q, want 127.0.0.1 and its bound port", eph)
	}
	conn, err := stdnet.Dial("tcp", eph)
	if err != nil {
		t.Fatalf("MAIN's replication transport does not listen on %s: %v", eph, err)
	}
	conn.Close()
	if err := autoCommit(c, d, "DROP REPLICA r1", nil); err != nil {
		t.Fatal(err)
	}
	ln, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*stdnet.TCPAddr).Port
	ln.Close()
	if err := autoCommit(c, d, fmt.Sprintf("SET REPLICATION ROLE TO REPLICA WITH PORT %d", port), nil); err != nil {
		t.Fatalf("WITH PORT after MAIN's ephemeral transport: %v", err)
	}
	if got, want := s.ReplicationAddr(), fmt.Sprintf("127.0.0.1:%d", port); got != want {
		t.Fatalf("the replica listens on %q, want %q", got, want)
	}
	if conn, err := stdnet.Dial("tcp", eph); err == nil {
		conn.Close()
		t.Fatalf("MAIN's ephemeral transport %s still listens after WITH PORT", eph)
	}
}
