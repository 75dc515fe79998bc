package instance

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/net"
	"github.com/quiverdb/quiver/sim/simdisk"
)

// testNet delivers messages between the instances of one loop after a
// millisecond; down drops everything to and from an address.
type testNet struct {
	l     *loop
	nodes map[string]*Instance
	down  map[string]bool
	// drop, when set, drops the messages it picks.
	drop func(from, to string, msg net.Message) bool
}

type testEndpoint struct {
	n    *testNet
	addr string
}

func (e testEndpoint) Addr() string { return e.addr }

func (e testEndpoint) Send(to string, msg net.Message) {
	if e.n.down[to] || e.n.down[e.addr] || e.n.drop != nil && e.n.drop(e.addr, to, msg) {
		return
	}
	body := append([]byte(nil), msg.Body...)
	e.n.l.After(time.Millisecond, func() {
		if dst := e.n.nodes[to]; dst != nil && !e.n.down[to] {
			dst.Receive(e.addr, net.Message{Type: msg.Type, Body: body})
		}
	})
}

// cluster starts one instance per address on w's loop, each with its own
// disk.
func cluster(t *testing.T, w *world, addrs ...string) (*testNet, []*Instance) {
	t.Helper()
	return clusterCfg(t, w, Config{}, nil, addrs...)
}

func TestMainReplicatesToReplicas(t *testing.T) {
	w := newWorld(41)
	n, ins := cluster(t, w, "m:7687", "r1:10000", "r2:10000")
	m, r1, r2 := w.client(t, ins[0]), w.client(t, ins[1]), w.client(t, ins[2])
	m.must("CREATE (:K {v: 0})") // before any replica: caught up from the WAL
	r1.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	r2.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	m.must(`REGISTER REPLICA r1 SYNC TO "r1"`)
	m.must(`REGISTER REPLICA r2 ASYNC TO "r2:10000"`)
	var last uint64
	for i := 1; i <= 5; i++ {
		m.must("CREATE (:K {v: " + string(rune('0'+i)) + "})")
		last = ins[0].Graph().VisibleTS()
	}
	// A SYNC replica holds every acknowledged write durably at once; it
	// shows them once MAIN's watermark reaches it.
	if d := ins[1].replica.Durable(); d < last {
		t.Fatalf("SYNC replica durable at %d when MAIN acknowledged %d", d, last)
	}
	if rts := ins[1].replica.ReadTS(); rts > ins[0].Graph().VisibleTS() {
		t.Fatalf("replica reads at %d, past MAIN's watermark %d", rts, ins[0].Graph().VisibleTS())
	}
	w.l.runFor(2 * time.Second)
	if got := r1.count(); got != 6 {
		t.Fatalf("SYNC replica sees %d vertices, want 6", got)
	}
	if got := r2.count(); got != 6 {
		t.Fatalf("ASYNC replica sees %d vertices, want 6", got)
	}
	rows, _ := m.must("SHOW REPLICAS")
	if len(rows) != 2 || rows[0][0] != "r1" || rows[0][1] != "r1:10000" || rows[0][2] != "sync" || rows[1][2] != "async" {
		t.Fatalf("SHOW REPLICAS: %v", rows)
	}
	for _, row := range rows {
		info := row[4].(value.Map)["memgraph"].(value.Map)
		if info["status"] != "ready" || info["behind"] != int64(0) {
			t.Fatalf("replica %v not ready: %v", row[0], info)
		}
	}
	if _, _, err := r1.run("CREATE ()", nil, TxMeta{}); code(err) != CodeNotALeader {
		t.Fatalf("write on a replica: %v", err)
	}
	hm, h1, h2 := ins[0].Graph().VisibleHash(), ins[1].Graph().VisibleHash(), ins[2].Graph().VisibleHash()
	if hm != h1 || hm != h2 {
		t.Fatalf("graph hashes differ: main %x, r1 %x, r2 %x", hm, h1, h2)
	}

	// A SYNC replica that stops answering leaves the in-sync set: the write
	// succeeds with a warning naming it, and it catches up after healing.
	n.down["r1:10000"] = true
	_, sum, err := m.run("CREATE (:K {v: 9})", nil, TxMeta{})
	if err != nil {
		t.Fatalf("write with a SYNC replica down: %v", err)
	}
	if len(sum.Notifications) == 0 || !strings.Contains(sum.Notifications[0].Description, "r1") {
		t.Fatalf("no warning naming the SYNC replica: %+v", sum.Notifications)
	}
	delete(n.down, "r1:10000")
	w.l.runFor(10 * time.Second)
	if got := r1.count(); got != 7 {
		t.Fatalf("SYNC replica after healing sees %d vertices, want 7", got)
	}
	if diff := cmp.Diff(ins[0].Graph().VisibleHash(), ins[1].Graph().VisibleHash()); diff != "" {
		t.Fatalf("replica diverged after healing: %s", diff)
	}
	m.must("DROP REPLICA r2")
	if rows, _ := m.must("SHOW REPLICAS"); len(rows) != 1 {
		t.Fatalf("SHOW REPLICAS after DROP: %v", rows)
	}
}

// TestRegisterWaitsForDurableCommits: the replication term starts at the
// last commit, so the first REGISTER REPLICA is refused (retryably) while a
// commit is still waiting for its fsync.
func TestRegisterWaitsForDurableCommits(t *testing.T) {
	w := newWorld(42)
	_, ins := cluster(t, w, "m:7687", "r1:10000")
	m := w.client(t, ins[0])
	tx := ins[0].Begin(graph.TxOptions{})
	if _, err := tx.CreateVertex(); err != nil {
		t.Fatal(err)
	}
	acked := false
	ins[0].Commit(tx, func(_ uint64, err error) { acked = err == nil })
	var res error
	got := false
	m.s.Run(`REGISTER REPLICA r1 SYNC TO "r1"`, nil, TxMeta{}, func(_ *Result, err error) { res, got = err, true })
	if !got || acked {
		t.Fatalf("REGISTER did not answer at once (%v) or the commit was already durable (%v)", got, acked)
	}
	if !Retryable(res) {
		t.Fatalf("REGISTER with a commit in flight: %v", res)
	}
	m.wait(&acked)
	m.must(`REGISTER REPLICA r1 SYNC TO "r1"`)
}

// TestPromotedReplicaTakesWrites: a replica set to MAIN keeps what it
// replicated, accepts writes, and starts its own term above the old one.
func TestPromotedReplicaTakesWrites(t *testing.T) {
	w := newWorld(43)
	n, ins := cluster(t, w, "m:7687", "r1:10000")
	m, r1 := w.client(t, ins[0]), w.client(t, ins[1])
	r1.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	m.must(`REGISTER REPLICA r1 SYNC TO "r1:10000"`)
	m.must("CREATE (:A), (:A)")
	w.l.runFor(time.Second)
	if got := r1.count(); got != 2 {
		t.Fatalf("replica sees %d vertices, want 2", got)
	}
	oldEpoch := ins[0].epoch
	n.down["m:7687"] = true
	r1.must("SET REPLICATION ROLE TO MAIN")
	if ins[1].epoch <= oldEpoch {
		t.Fatalf("promoted epoch %d not above the old MAIN's %d", ins[1].epoch, oldEpoch)
	}
	r1.must("CREATE (:B)")
	if got := r1.count(); got != 3 {
		t.Fatalf("promoted MAIN sees %d vertices, want 3", got)
	}
	if rows, _ := r1.must("SHOW REPLICATION ROLE"); !cmp.Equal(rows, [][]value.Value{{"main"}}) {
		t.Fatalf("role after promotion: %v", rows)
	}
}

// lateEndpoint has no address until the host's ReplicationPort hook gives
// it one; until then it drops what is sent.
type lateEndpoint struct {
	n    *testNet
	addr string
}

func (e *lateEndpoint) Addr() string { return e.addr }

func (e *lateEndpoint) Send(to string, msg net.Message) {
	if e.addr != "" {
		testEndpoint{n: e.n, addr: e.addr}.Send(to, msg)
	}
}

// TestMainAsksTheHostForATransport: a MAIN whose endpoint has no address
// asks the host's ReplicationPort hook for one (port 0) at its first
// REGISTER REPLICA, fails the statement with the hook's error, and once
// the hook gave it an address replicates over it; later registrations do
// not ask again.
func TestMainAsksTheHostForATransport(t *testing.T) {
	w := newWorld(43)
	n, ins := cluster(t, w, "r1:10000", "r2:10000")
	ep := &lateEndpoint{n: n}
	var asked []int
	fail := true
	in := New(Config{ReplicationPort: func(p int) error {
		asked = append(asked, p)
		if fail {
			return errPortTaken
		}
		ep.addr = "m:7687"
		return nil
	}})
	env := node.Env{Clock: w.l, FS: simdisk.New(w.l, rand.New(rand.NewPCG(9, 3))), Net: ep,
		Rand: rand.New(rand.NewPCG(9, 5)), Log: zap.NewNop()}
	if err := in.Start(env); err != nil {
		t.Fatal(err)
	}
	n.nodes["m:7687"] = in
	w.l.runFor(time.Second)
	m := w.client(t, in)
	for _, r := range ins {
		w.client(t, r).must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	}
	if len(asked) != 0 {
		t.Fatalf("the hook was asked %v before any REGISTER REPLICA", asked)
	}
	if _, _, err := m.run(`REGISTER REPLICA r1 SYNC TO "r1:10000"`, nil, TxMeta{}); err == nil || !strings.Contains(err.Error(), errPortTaken.Message) {
		t.Fatalf("REGISTER REPLICA when the host cannot start a transport: %v", err)
	}
	if rows, _ := m.must("SHOW REPLICAS"); len(rows) != 0 {
		t.Fatalf("a refused registration shows: %v", rows)
	}
	fail = false
	m.must(`REGISTER REPLICA r1 SYNC TO "r1:10000"`)
	m.must(`REGISTER REPLICA r2 ASYNC TO "r2:10000"`)
	if len(asked) != 2 || asked[0] != 0 || asked[1] != 0 {
		t.Fatalf("the hook was asked %v, want [0 0] (the refused attempt and the first registration)", asked)
	}
	m.must("CREATE (:K {v: 1})")
	w.l.runFor(2 * time.Second)
	for i, r := range ins {
		if got := w.client(t, r).count(); got != 1 {
			t.Fatalf("replica %d sees %d vertices, want 1", i+1, got)
		}
	}
}
