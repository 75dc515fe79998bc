package instance

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/net"
	"github.com/quiverdb/quiver/sim/simdisk"
)

// spyEndpoint is a testEndpoint that shows every message it sends to spy
// first.
type spyEndpoint struct {
	testEndpoint
	spy func(from, to string, msg net.Message)
}

func (e spyEndpoint) Send(to string, msg net.Message) {
	if e.spy != nil {
		e.spy(e.addr, to, msg)
	}
	e.testEndpoint.Send(to, msg)
}

// snapConfig retires MAIN's WAL quickly: small segments, one snapshot
// kept, small snapshot frames and pieces.
func snapConfig() Config {
	return Config{
		Durability:        durability.Options{SegmentSize: 512, SnapshotRetention: 1, SnapshotChunkSize: 256},
		SnapshotPieceSize: 300,
		NoSnapshotOnStop:  true,
	}
}

// clusterCfg is cluster with a config and a spy on every message sent.
func clusterCfg(t *testing.T, w *world, cfg Config, spy func(from, to string, msg net.Message), addrs ...string) (*testNet, []*Instance) {
	return clusterLog(t, w, cfg, spy, zap.NewNop(), addrs...)
}

// clusterLog is clusterCfg with every instance logging to log.
func clusterLog(t *testing.T, w *world, cfg Config, spy func(from, to string, msg net.Message), log *zap.Logger, addrs ...string) (*testNet, []*Instance) {
	t.Helper()
	n := &testNet{l: w.l, nodes: map[string]*Instance{}, down: map[string]bool{}}
	var out []*Instance
	for i, a := range addrs {
		in := New(cfg)
		env := node.Env{Clock: w.l, FS: simdisk.New(w.l, rand.New(rand.NewPCG(uint64(i), 3))),
			Net: spyEndpoint{testEndpoint{n: n, addr: a}, spy}, Rand: rand.New(rand.NewPCG(uint64(i), 5)), Log: log.With(zap.String("node", a))}
		if err := in.Start(env); err != nil {
			t.Fatal(err)
		}
		n.nodes[a] = in
		out = append(out, in)
	}
	w.l.runFor(time.Second)
	return n, out
}

// replicaStatus is the data_info status of SHOW REPLICAS's row for name.
func replicaStatus(t *testing.T, c *client, name string) string {
	t.Helper()
	rows, _ := c.must("SHOW REPLICAS")
	for _, r := range rows {
		if r[0] == name {
			return r[4].(value.Map)["memgraph"].(value.Map)["status"].(string)
		}
	}
	t.Fatalf("no replica %q in SHOW REPLICAS: %v", name, rows)
	return ""
}

// retireWAL writes n commits on MAIN in small transactions and snapshots,
// so retention removes the WAL segments that held the first ones.
func retireWAL(t *testing.T, w *world, m *client, main *Instance, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		m.must(fmt.Sprintf("CREATE (:V {i: %d, pad: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'})", i))
		if i%7 == 3 {
			m.must("MATCH (v:V {i: 0}) SET v.touched = " + fmt.Sprint(i))
		}
	}
	done := false
	main.Snapshot(func(err error) {
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		done = true
	})
	m.wait(&done)
	cur := main.st.NewCursor(0, 0)
	defer cur.Close()
	for {
		_, more, err := cur.Next()
		if err != nil {
			return
		}
		if !more {
			t.Fatal("MAIN's WAL still reaches back to the start: nothing forces a snapshot")
		}
	}
}

// TestReplicaCatchesUpThroughSnapshot: a replica registered after MAIN's
// WAL segments were retired gets MAIN's snapshot in bounded pieces, shows
// nothing of it until it is whole and durable, reports recovery meanwhile
// and ready after, and converges with MAIN, writes made during the
// transfer included.
func TestReplicaCatchesUpThroughSnapshot(t *testing.T) {
	w := newWorld(61)
	cfg := snapConfig()
	var (
		pieces, maxPiece int
		r1               *Instance
		partial          []int64
		writes           int
	)
	var m *client
	spy := func(from, to string, msg net.Message) {
		if msg.Type != uint16(replication.KindPiece) {
			return
		}
		dm, err := replication.Decode(msg)
		if err != nil {
			t.Fatal(err)
		}
		pieces++
		maxPiece = max(maxPiece, len(dm.(*replication.Piece).Data))
		if r1 != nil {
			if n := r1.Graph().VisibleTS(); n != 0 && n < dm.(*replication.Piece).TS {
				partial = append(partial, int64(n))
			}
		}
	}
	_, ins := clusterCfg(t, w, cfg, spy, "m:7687", "r1:10000")
	r1 = ins[1]
	m = w.client(t, ins[0])
	rc := w.client(t, ins[1])
	retireWAL(t, w, m, ins[0], 60)
	rc.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	m.must(`REGISTER REPLICA r1 SYNC TO "r1:10000"`)
	seen := map[string]bool{}
	for i := 0; i < 400 && (pieces == 0 || replicaStatus(t, m, "r1") != "ready"); i++ {
		seen[replicaStatus(t, m, "r1")] = true
		if i%20 == 5 && writes < 5 {
			m.must("CREATE (:During)") // commits during the transfer
			writes++
		}
		w.l.runFor(2 * time.Millisecond)
	}
	if !seen["recovery"] || replicaStatus(t, m, "r1") != "ready" {
		t.Fatalf("statuses seen %v, now %q", seen, replicaStatus(t, m, "r1"))
	}
	if pieces < 3 || maxPiece > cfg.SnapshotPieceSize {
		t.Fatalf("%d pieces, the largest %d bytes (bound %d)", pieces, maxPiece, cfg.SnapshotPieceSize)
	}
	if len(partial) > 0 {
		t.Fatalf("the replica showed a state between its old one and the snapshot: visible at %v", partial)
	}
	t.Logf("%d pieces, largest %d bytes, %d writes during the transfer, statuses %v", pieces, maxPiece, writes, seen)
	m.must("CREATE (:After)")
	w.l.runFor(time.Second)
	if hm, h1 := ins[0].Graph().VisibleHash(), ins[1].Graph().VisibleHash(); hm != h1 {
		t.Fatalf("replica did not converge: main %x, replica %x", hm, h1)
	}
	if got, want := rc.count(), m.count(); got != want || want != int64(61+writes) {
		t.Fatalf("replica sees %d vertices, MAIN %d (want %d)", got, want, 61+writes)
	}
	if snaps := ins[1].st.Snapshots(); len(snaps) != 1 {
		t.Fatalf("the replica's store lists snapshots %v, want the installed one", snaps)
	}
}

// TestDivergedReplicaResyncsAfterDropAndRegister: an old MAIN with an
// unreplicated tail, made a replica of the new MAIN (a newer epoch), is
// reported diverged and left alone; DROP REPLICA and REGISTER REPLICA
// again wipe it through a snapshot, and it converges.
func TestDivergedReplicaResyncsAfterDropAndRegister(t *testing.T) {
	w := newWorld(62)
	cfg := Config{SnapshotPieceSize: 200, Durability: durability.Options{SnapshotChunkSize: 128}}
	core, logs := observer.New(zap.InfoLevel)
	n, ins := clusterLog(t, w, cfg, nil, zap.New(core), "a:7687", "b:10000")
	a, b := w.client(t, ins[0]), w.client(t, ins[1])
	b.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	a.must(`REGISTER REPLICA b ASYNC TO "b:10000"`)
	for i := 0; i < 5; i++ {
		a.must(fmt.Sprintf("CREATE (:Shared {i: %d})", i))
	}
	w.l.runFor(time.Second)
	n.down["b:10000"] = true
	for i := 0; i < 4; i++ {
		a.must(fmt.Sprintf("CREATE (:Tail {i: %d})", i)) // never reaches b
	}
	tail := ins[0].Graph().LastCommitTS()
	a.must("DROP REPLICA b")
	b.must("SET REPLICATION ROLE TO MAIN")
	b.must("CREATE (:New)")
	a.must("SET REPLICATION ROLE TO REPLICA WITH PORT 7687") // a:7687 listens on its own port
	delete(n.down, "b:10000")
	b.must(`REGISTER REPLICA a ASYNC TO "a:7687"`)
	w.l.runFor(time.Second)
	if st := replicaStatus(t, b, "a"); st != "diverged" {
		t.Fatalf("old MAIN with an unreplicated tail shows %q, want diverged", st)
	}
	if ins[0].Graph().LastCommitTS() != tail {
		t.Fatalf("a diverged replica was changed: last commit %d, was %d", ins[0].Graph().LastCommitTS(), tail)
	}
	b.must("DROP REPLICA a")
	b.must(`REGISTER REPLICA a ASYNC TO "a:7687"`)
	for i := 0; i < 500 && replicaStatus(t, b, "a") != "ready"; i++ {
		w.l.runFor(5 * time.Millisecond)
	}
	if st := replicaStatus(t, b, "a"); st != "ready" {
		t.Fatalf("re-registered replica is %q, want ready", st)
	}
	b.must("CREATE (:AfterResync)")
	w.l.runFor(time.Second)
	if hb, ha := ins[1].Graph().VisibleHash(), ins[0].Graph().VisibleHash(); hb != ha {
		t.Fatalf("resynced replica differs: main %x, replica %x", hb, ha)
	}
	if got := a.count(); got != 7 {
		t.Fatalf("resynced replica sees %d vertices, want 7 (5 shared, 1 new, 1 after)", got)
	}
	if rows, _ := a.must("MATCH (t:Tail) RETURN count(t)"); rows[0][0] != int64(0) {
		t.Fatalf("the discarded tail survived: %v", rows)
	}
	// Both sides log the 4 discarded transactions of the tail.
	for _, node := range []string{"a:7687", "b:10000"} {
		found := false
		for _, e := range logs.FilterField(zap.String("node", node)).FilterFieldKey("discarded_transactions").All() {
			found = found || e.ContextMap()["discarded_transactions"] == uint64(4)
		}
		if !found {
			t.Errorf("%s logged no line with 4 discarded transactions", node)
		}
	}
}

// TestDivergedReplicaWipedByEmptyMain: a new MAIN that never committed
// anything resyncs a diverged replica (one ahead of it) with the empty
// snapshot, and the replica then follows it.
func TestDivergedReplicaWipedByEmptyMain(t *testing.T) {
	w := newWorld(63)
	_, ins := cluster(t, w, "a:7687", "b:10000")
	a, b := w.client(t, ins[0]), w.client(t, ins[1])
	a.must("CREATE (:OnlyA), (:OnlyA)")
	b.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	b.must("SET REPLICATION ROLE TO MAIN")                   // a newer epoch, no commits
	a.must("SET REPLICATION ROLE TO REPLICA WITH PORT 7687") // a:7687 listens on its own port
	b.must(`REGISTER REPLICA a SYNC TO "a:7687"`)
	w.l.runFor(time.Second)
	if st := replicaStatus(t, b, "a"); st != "diverged" {
		t.Fatalf("a replica ahead of an empty MAIN shows %q, want diverged", st)
	}
	b.must("DROP REPLICA a")
	b.must(`REGISTER REPLICA a SYNC TO "a:7687"`)
	w.l.runFor(time.Second)
	if st := replicaStatus(t, b, "a"); st != "ready" {
		t.Fatalf("re-registered replica is %q, want ready", st)
	}
	if got := a.count(); got != 0 {
		t.Fatalf("wiped replica sees %d vertices, want 0", got)
	}
	b.must("CREATE (:FromB)")
	w.l.runFor(time.Second)
	if got := a.count(); got != 1 || ins[0].Graph().VisibleHash() != ins[1].Graph().VisibleHash() {
		t.Fatalf("replica sees %d vertices after MAIN's write, want 1 and equal hashes", got)
	}
}
