package instance_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/sim"
)

// simCluster is a MAIN and one replica on the simulator's hosts, network
// and disks, so a host can crash and restart alone.
type simCluster struct {
	t     *testing.T
	w     *sim.World
	hosts []*sim.Host
}

func (c *simCluster) inst(i int) *instance.Instance { return c.hosts[i].Node().(*instance.Instance) }

// query runs q on host i to its end and returns its rows.
func (c *simCluster) query(i int, q string) [][]any {
	c.t.Helper()
	var rows [][]any
	done, failed := false, error(nil)
	s := c.inst(i).OpenSession(instance.SessionInfo{User: "t", Client: "t"})
	defer s.Close()
	s.Run(q, nil, instance.TxMeta{}, func(res *instance.Result, err error) {
		if err != nil {
			done, failed = true, err
			return
		}
		res.Pull(-1, func(rs [][]any, more bool, err error) {
			rows = append(rows, rs...)
			if err != nil || !more {
				done, failed = true, err
			}
		})
	})
	if !c.w.RunUntilTrue(10*time.Second, func() bool { return done }) || failed != nil {
		c.t.Fatalf("%s on host %d: done %v, %v", q, i, done, failed)
	}
	return rows
}

// status is SHOW REPLICAS's data_info status of the replica.
func (c *simCluster) status() string {
	c.t.Helper()
	rows := c.query(0, "SHOW REPLICAS")
	if len(rows) != 1 {
		c.t.Fatalf("SHOW REPLICAS: %v", rows)
	}
	return fmt.Sprint(rows[0][4].(value.Map)["memgraph"].(value.Map)["status"])
}

// startReplica (re)starts host 1 and makes it a replica.
func (c *simCluster) startReplica() {
	c.t.Helper()
	h := c.hosts[1]
	if !h.Up() {
		if err := h.Start(); err != nil {
			c.t.Fatal(err)
		}
	}
	if !c.w.RunUntilTrue(time.Second, h.Ready) {
		c.t.Fatal("replica never became ready")
	}
	c.query(1, "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
}

// receiving reports whether the replica is part way through writing a
// snapshot it receives (its temporary file holds some pieces).
func (c *simCluster) receiving() bool {
	fs := c.hosts[1].SimDisk()
	names, _ := fs.List("snapshots")
	for _, n := range names {
		if strings.HasSuffix(n, ".tmp") {
			size, _ := fs.Size("snapshots/" + n)
			return size > 600
		}
	}
	return false
}

// TestSnapshotCatchUpSurvivesReplicaCrashes: a replica registered after
// MAIN's WAL was retired catches up through a snapshot; crashed part way
// through receiving it, it restarts from its old state and gets the
// snapshot again; crashed right after confirming the install, it recovers
// from the installed snapshot (not the WAL it replaced) and goes on from
// there; at the end it converges with MAIN and reports ready.
func TestSnapshotCatchUpSurvivesReplicaCrashes(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { snapshotCrashSeed(t, seed) })
	}
}

func snapshotCrashSeed(t *testing.T, seed uint64) {
	w := sim.NewWorld(sim.Options{Seed: seed, Drift: 0.01, Disk: sim.SimDisk})
	cfg := instance.Config{
		Durability:        durability.Options{SegmentSize: 400, SnapshotRetention: 1, SnapshotChunkSize: 200},
		SnapshotPieceSize: 250,
		NoSnapshotOnStop:  true,
	}
	c := &simCluster{t: t, w: w}
	for _, a := range []string{"main:7687", "r1:10000"} {
		c.hosts = append(c.hosts, w.AddHost(a, func() node.Node { return instance.New(cfg) }))
	}
	if err := c.hosts[0].Start(); err != nil {
		t.Fatal(err)
	}
	w.RunUntilTrue(time.Second, c.hosts[0].Ready)
	c.startReplica()
	for i := 0; i < 50; i++ {
		c.query(0, fmt.Sprintf("CREATE (:V {i: %d, pad: 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'})", i))
	}
	c.query(0, "CREATE SNAPSHOT")
	snapTS := c.inst(0).Graph().VisibleTS()
	c.query(0, `REGISTER REPLICA r1 SYNC TO "r1:10000"`)

	if !w.RunUntilTrue(5*time.Second, c.receiving) {
		t.Fatal("the replica never started receiving a snapshot")
	}
	if c.status() != "recovery" {
		t.Fatalf("a replica receiving a snapshot shows %q, want recovery", c.status())
	}
	c.hosts[1].Crash(seed%2 == 0) // part way through the transfer
	c.startReplica()
	if got := c.inst(1).Recovery().LastTS; got != 0 {
		t.Fatalf("after a crash mid-transfer the replica recovered to %d, want its old (empty) state", got)
	}

	installed := func() bool { return c.inst(1).ReplicaDurable() >= snapTS }
	if !w.RunUntilTrue(10*time.Second, installed) {
		t.Fatalf("the replica never installed the snapshot at %d (durable %d, status %s)", snapTS, c.inst(1).ReplicaDurable(), c.status())
	}
	c.hosts[1].Crash(seed%2 == 1) // right after confirming the install
	c.startReplica()
	rec := c.inst(1).Recovery()
	if rec.Snapshot == nil || rec.Snapshot.TS != snapTS || rec.LastTS < snapTS {
		t.Fatalf("after the install the replica recovered %+v, want the snapshot at %d", rec, snapTS)
	}

	for i := 0; i < 5; i++ {
		c.query(0, fmt.Sprintf("CREATE (:After {i: %d})", i))
	}
	if !w.RunUntilTrue(10*time.Second, func() bool { return c.status() == "ready" }) {
		t.Fatalf("the replica never became ready: %s", c.status())
	}
	w.RunFor(time.Second)
	if hm, hr := c.inst(0).Graph().VisibleHash(), c.inst(1).Graph().VisibleHash(); hm != hr {
		t.Fatalf("replica did not converge: main %x, replica %x", hm, hr)
	}
	if rows := c.query(1, "MATCH (n) RETURN count(n)"); rows[0][0] != int64(55) {
		t.Fatalf("replica sees %v vertices, want 55", rows[0][0])
	}
}
