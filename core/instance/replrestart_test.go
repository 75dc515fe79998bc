package instance

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/sim"
)

// rworld is a simulated MAIN ("main") and replicas ("r1", "r2") whose
// hosts crash and restart; restore is the RestoreReplicationState their
// next start uses.
type rworld struct {
	t       *testing.T
	w       *sim.World
	hosts   map[string]*sim.Host
	restore map[string]bool
}

var rAddrs = map[string]string{"main": "main:7687", "r1": "r1:10000", "r2": "r2:10000"}

func newRWorld(t *testing.T, seed uint64, names ...string) *rworld {
	return newRWorldConfig(t, seed, Config{NoSnapshotOnStop: true}, names...)
}

func newRWorldConfig(t *testing.T, seed uint64, cfg Config, names ...string) *rworld {
	t.Helper()
	r := &rworld{t: t, w: sim.NewWorld(sim.Options{Seed: seed, Drift: 0.01, Disk: sim.SimDisk}),
		hosts: map[string]*sim.Host{}, restore: map[string]bool{}}
	for _, n := range names {
		r.restore[n] = true
		r.hosts[n] = r.w.AddHost(rAddrs[n], func() node.Node {
			c := cfg
			c.RestoreReplicationState = r.restore[n]
			return New(c)
		})
	}
	for _, n := range names {
		if err := r.hosts[n].Start(); err != nil {
			t.Fatal(err)
		}
		r.awaitReady(n)
	}
	return r
}

func (r *rworld) inst(name string) *Instance { return r.hosts[name].Node().(*Instance) }

func (r *rworld) awaitReady(name string) {
	r.t.Helper()
	if !r.w.RunUntilTrue(5*time.Second, r.hosts[name].Ready) {
		r.t.Fatalf("%s never became ready", name)
	}
}

// exec runs query on name to its end.
func (r *rworld) exec(name, query string, params map[string]any) ([][]value.Value, Summary, error) {
	r.t.Helper()
	var rows [][]value.Value
	var sum Summary
	var failed error
	done := false
	s := r.inst(name).OpenSession(SessionInfo{User: "test"})
	defer s.Close()
	s.Run(query, params, TxMeta{}, func(res *Result, err error) {
		if err != nil {
			done, failed = true, err
			return
		}
		res.Pull(-1, func(rs [][]value.Value, more bool, err error) {
			rows = append(rows, rs...)
			if err != nil || !more {
				done, failed, sum = true, err, res.Summary()
			}
		})
	})
	if !r.w.RunUntilTrue(5*time.Second, func() bool { return done }) {
		r.t.Fatalf("%s: %q never completed", name, query)
	}
	return rows, sum, failed
}

// start runs query on name without waiting; answered runs when it ends.
func (r *rworld) start(name, query string, answered func()) {
	s := r.inst(name).OpenSession(SessionInfo{User: "test"})
	s.Run(query, nil, TxMeta{}, func(res *Result, err error) {
		if err != nil {
			answered()
			return
		}
		res.Pull(-1, func(_ [][]value.Value, more bool, _ error) {
			if !more {
				answered()
			}
		})
	})
}

func (r *rworld) must(name, query string) [][]value.Value {
	r.t.Helper()
	rows, _, err := r.exec(name, query, nil)
	if err != nil {
		r.t.Fatalf("%s: %q: %v", name, query, err)
	}
	return rows
}

// setup makes r1 and r2 (when present) replicas and registers them, r1
// SYNC and r2 ASYNC, with a few commits before and after.
func (r *rworld) setup() {
	r.must("main", "CREATE (:K {v: 0}), (:K {v: 1})")
	for _, n := range []string{"r1", "r2"} {
		if r.hosts[n] == nil {
			continue
		}
		r.must(n, "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
		mode := map[string]string{"r1": "SYNC", "r2": "ASYNC"}[n]
		r.must("main", "REGISTER REPLICA "+n+" "+mode+" TO \""+rAddrs[n]+"\"")
	}
	r.writes(3)
	r.awaitAll("ready")
}

func (r *rworld) writes(n int) {
	for i := 0; i < n; i++ {
		r.must("main", "CREATE (:K {v: 10})")
	}
}

// statuses is SHOW REPLICAS's status column by replica name.
func (r *rworld) statuses() map[string]string {
	out := map[string]string{}
	for _, row := range r.must("main", "SHOW REPLICAS") {
		out[row[0].(string)] = row[4].(value.Map)["memgraph"].(value.Map)["status"].(string)
	}
	return out
}

// awaitAll waits until every replica has status want, with every
// replica's visible graph equal to MAIN's; it fails if a replica is ever
// reported diverged meanwhile.
func (r *rworld) awaitAll(want string) {
	r.t.Helper()
	ok := r.w.RunUntilTrue(10*time.Second, func() bool {
		st := r.statuses()
		for n, s := range st {
			if s == "diverged" && want != "diverged" {
				r.t.Fatalf("replica %s reported diverged: %v", n, r.inst("main").main.Status())
			}
			if s != want {
				return false
			}
		}
		for n := range r.hosts {
			if n != "main" && r.inst(n).Graph().VisibleHash() != r.inst("main").Graph().VisibleHash() {
				return false
			}
		}
		return len(st) == len(r.hosts)-1
	})
	if !ok {
		r.t.Fatalf("replicas never all %s: %v", want, r.statuses())
	}
}

func (r *rworld) restart(name string) {
	r.t.Helper()
	if err := r.hosts[name].Restart(false); err != nil {
		r.t.Fatalf("restart %s: %v", name, err)
	}
	r.awaitReady(name)
}

func (r *rworld) role(name string) string {
	r.t.Helper()
	return r.must(name, "SHOW REPLICATION ROLE")[0][0].(string)
}

// TestReplicationSurvivesRestart is Memgraph's "role or replication lost
// after a restart": a replica that crashes comes back a replica of the
// same MAIN and catches up; a MAIN that crashes comes back MAIN with its
// replicas registered, in a newer epoch, and keeps replicating to them.
func TestReplicationSurvivesRestart(t *testing.T) {
	r := newRWorld(t, 1, "main", "r1", "r2")
	r.setup()

	r.restart("r1")
	if got := r.role("r1"); got != "replica" {
		t.Fatalf("r1 after a restart is %q, want replica", got)
	}
	if _, _, err := r.exec("r1", "CREATE ()", nil); code(err) != CodeNotALeader {
		t.Fatalf("write on the restarted replica: %v", err)
	}
	r.writes(2)
	r.awaitAll("ready")

	epoch := r.inst("main").epoch
	r.restart("main")
	if got := r.role("main"); got != "main" {
		t.Fatalf("main after a restart is %q", got)
	}
	rows := r.must("main", "SHOW REPLICAS")
	if len(rows) != 2 || rows[0][0] != "r1" || rows[0][1] != "r1:10000" || rows[0][2] != "sync" || rows[1][0] != "r2" || rows[1][2] != "async" {
		t.Fatalf("SHOW REPLICAS after MAIN's restart: %v", rows)
	}
	if e := r.inst("main").epoch; e <= epoch {
		t.Fatalf("restarted MAIN's epoch %d is not above %d", e, epoch)
	}
	r.writes(3)
	r.awaitAll("ready")
	if n := r.must("r2", "MATCH (n) RETURN count(n)")[0][0]; n != int64(10) {
		t.Fatalf("r2 sees %v vertices, want 10", n)
	}

	// Both at once, the replicas first, torn writes allowed.
	for _, n := range []string{"main", "r1", "r2"} {
		r.hosts[n].Crash(true)
	}
	for _, n := range []string{"r1", "r2", "main"} {
		r.restart(n)
	}
	r.writes(1)
	r.awaitAll("ready")
}

// TestRestoreOffLeavesTheState: without the option an instance starts as a
// standalone MAIN and leaves the state file as it was; made a replica by
// hand it catches up, and a later start with the option restores it.
func TestRestoreOffLeavesTheState(t *testing.T) {
	r := newRWorld(t, 2, "main", "r1")
	r.setup()
	before, err := r.hosts["r1"].SimDisk().ReadFile(stateFile)
	if err != nil {
		t.Fatal(err)
	}
	r.restore["r1"] = false
	r.restart("r1")
	if got := r.role("r1"); got != "main" {
		t.Fatalf("without the option r1 restarted as %q, want main", got)
	}
	after, err := r.hosts["r1"].SimDisk().ReadFile(stateFile)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the state file changed without the option (%v)", err)
	}
	// Given its role again by hand, it catches up: its epoch history was
	// read all the same, so MAIN knows its commits for a prefix of its own.
	r.must("r1", "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	r.writes(1)
	r.awaitAll("ready")
	r.restore["r1"] = true
	r.restart("r1")
	if got := r.role("r1"); got != "replica" {
		t.Fatalf("with the option again r1 restarted as %q, want replica", got)
	}
	r.writes(1)
	r.awaitAll("ready")
}

// TestRestartWithIdenticalDataIsNotDiverged is Memgraph's "a replica
// wrongly marked diverged after a restart with identical data": MAIN and
// replicas that hold the same commits come back ready, in either restart
// order and after a clean stop as after a crash.
func TestRestartWithIdenticalDataIsNotDiverged(t *testing.T) {
	for _, order := range [][]string{{"main", "r1", "r2"}, {"r1", "r2", "main"}, {"r2", "main", "r1"}} {
		t.Run(strings.Join(order, ","), func(t *testing.T) {
			r := newRWorld(t, 3, "main", "r1", "r2")
			r.setup()
			for i, n := range order {
				if i == 1 {
					stopped := false
					if !r.hosts[n].Stop(func(error) { stopped = true }) || !r.w.RunUntilTrue(5*time.Second, func() bool { return stopped }) {
						t.Fatalf("%s did not stop cleanly", n)
					}
					continue
				}
				r.hosts[n].Crash(false)
			}
			for _, n := range order {
				r.restart(n)
			}
			r.awaitAll("ready")
			for _, st := range r.inst("main").main.Status() {
				if st.Behind != 0 || st.TS != r.inst("main").Graph().VisibleTS() {
					t.Fatalf("replica %s after the restarts: %+v", st.Name, st)
				}
			}
			r.writes(2)
			r.awaitAll("ready")
		})
	}
}

// TestReplicaAheadOfRestartedMain is Memgraph's "a replica ahead of a
// restarted MAIN because non-durable commits were shipped". MAIN ships a
// commit while its own fsync is still running (the two overlap), the SYNC
// replica makes it durable, and MAIN crashes before its fsync completes:
// the restarted MAIN lacks a commit the replica holds. The replica never
// showed that commit (it was never acknowledged), and the restarted MAIN
// reports it diverged instead of streaming its new term over it; MAIN
// becomes ready and takes writes, with a warning naming the replica.
func TestReplicaAheadOfRestartedMain(t *testing.T) {
	r := newRWorld(t, 4, "main", "r1")
	r.setup()
	m := r.inst("main")
	r.hosts["main"].SimDisk().SlowSync(time.Second)
	answered := false
	last := m.Graph().LastCommitTS()
	r.start("main", "CREATE (:Lost)", func() { answered = true })
	lost := m.Graph().LastCommitTS()
	if lost <= last {
		t.Fatal("the write did not commit")
	}
	if !r.w.RunUntilTrue(time.Second, func() bool { return r.inst("r1").ReplicaDurable() >= lost }) {
		t.Fatal("the replica never made the shipped commit durable")
	}
	if answered || m.Graph().VisibleTS() >= lost {
		t.Fatal("the commit was acknowledged before MAIN's fsync")
	}
	if v := r.inst("r1").Graph().VisibleTS(); v >= lost {
		t.Fatalf("the replica shows %d, a commit MAIN never acknowledged", v)
	}
	r.hosts["main"].Crash(false)
	r.hosts["main"].SimDisk().SlowSync(0)
	r.restart("main")
	if got := r.inst("main").Recovery().LastTS; got >= lost {
		t.Fatalf("MAIN recovered up to %d: the commit %d it had not fsynced survived", got, lost)
	}
	if !r.w.RunUntilTrue(5*time.Second, func() bool { return r.statuses()["r1"] == "diverged" }) {
		t.Fatalf("the replica ahead of MAIN is reported %v, want diverged", r.statuses())
	}
	_, sum, err := r.exec("main", "CREATE (:After)", nil)
	if err != nil || len(sum.Notifications) == 0 || !strings.Contains(sum.Notifications[0].Description, "r1") {
		t.Fatalf("write on the restarted MAIN: %v, notifications %+v", err, sum.Notifications)
	}
	r.w.RunFor(time.Second)
	if n := r.must("r1", "MATCH (n:After) RETURN count(n)")[0][0]; n != int64(0) {
		t.Fatal("the diverged replica took MAIN's new term on top of its branch")
	}
	if v := r.inst("r1").Graph().VisibleTS(); v >= lost {
		t.Fatalf("the diverged replica shows %d, past what MAIN acknowledged", v)
	}
}

// TestRestartedMainHoldsBackItsTail: a commit durable on MAIN that its
// SYNC replica never confirmed is not shown by the restarted MAIN until the
// replica confirms it; MAIN is not ready before that (and not longer than
// the confirmation timeout when the replica stays away).
func TestRestartedMainHoldsBackItsTail(t *testing.T) {
	for _, heal := range []bool{true, false} {
		r := newRWorld(t, 5, "main", "r1")
		r.setup()
		r.w.Partition(r.hosts["main"], r.hosts["r1"])
		m := r.inst("main")
		r.start("main", "CREATE (:Tail)", func() {})
		tail := m.Graph().LastCommitTS()
		r.w.RunFor(50 * time.Millisecond) // MAIN's fsync, not the replica's confirmation
		if m.Graph().VisibleTS() >= tail {
			t.Fatal("the unconfirmed commit is visible before the crash")
		}
		r.hosts["main"].Crash(false)
		if err := r.hosts["main"].Start(); err != nil {
			t.Fatal(err)
		}
		start := r.w.Now()
		if heal {
			r.w.RunFor(100 * time.Millisecond)
			if r.hosts["main"].Ready() {
				t.Fatal("MAIN was ready before its SYNC replica confirmed the recovered tail")
			}
			r.w.Heal()
		}
		r.awaitReady("main")
		m = r.inst("main")
		if m.Recovery().LastTS != tail || m.Graph().VisibleTS() != tail {
			t.Fatalf("recovered %d, visible %d, want both %d", m.Recovery().LastTS, m.Graph().VisibleTS(), tail)
		}
		if d := r.inst("r1").ReplicaDurable(); heal && d < tail {
			t.Fatalf("MAIN became ready showing %d with the SYNC replica durable at %d", tail, d)
		}
		if took := r.w.Now() - start; !heal && (took < 250*time.Millisecond || took > time.Second) {
			t.Fatalf("with the replica away MAIN became ready after %v, want about the confirmation timeout", took)
		}
		r.w.Heal()
		r.writes(1)
		r.awaitAll("ready")
	}
}

// TestCorruptStateFileRefusesToStart: a damaged state file is a startup
// error naming it, not a silent fresh start.
func TestCorruptStateFileRefusesToStart(t *testing.T) {
	r := newRWorld(t, 6, "main", "r1")
	r.setup()
	r.hosts["r1"].Crash(false)
	if err := r.hosts["r1"].SimDisk().FlipBit(stateFile, 7); err != nil {
		t.Fatal(err)
	}
	err := r.hosts["r1"].Start()
	if err == nil || !strings.Contains(err.Error(), stateFile) || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("start with a corrupt state file: %v", err)
	}
	r.restore["r1"] = false // without the option the file is not read
	if err := r.hosts["r1"].Start(); err != nil {
		t.Fatalf("start without the option: %v", err)
	}
}

// TestWithPortMustMatchTheAddress: in the simulator a host's address fixes
// its replication port, so another WITH PORT is refused, naming both; a
// host hook decides instead when one is configured.
func TestWithPortMustMatchTheAddress(t *testing.T) {
	r := newRWorld(t, 7, "main", "r1")
	_, _, err := r.exec("r1", "SET REPLICATION ROLE TO REPLICA WITH PORT 10001", nil)
	if err == nil || !strings.Contains(err.Error(), "r1:10000") || !strings.Contains(err.Error(), "10001") {
		t.Fatalf("WITH PORT 10001 on r1:10000: %v", err)
	}
	if got := r.role("r1"); got != "main" {
		t.Fatalf("a refused SET REPLICATION ROLE changed the role to %q", got)
	}

	w := newWorld(8)
	var asked []int
	in := w.start(t, Config{ReplicationPort: func(p int) error {
		asked = append(asked, p)
		if p != 10000 {
			return errPortTaken
		}
		return nil
	}})
	w.l.runFor(time.Second)
	c := w.client(t, in)
	if _, _, err := c.run("SET REPLICATION ROLE TO REPLICA WITH PORT 9999", nil, TxMeta{}); err == nil || !strings.Contains(err.Error(), errPortTaken.Error()) {
		t.Fatalf("the hook's refusal: %v", err)
	}
	c.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	if len(asked) != 2 || asked[1] != 10000 || !in.IsReplica() {
		t.Fatalf("hook asked %v, replica %v", asked, in.IsReplica())
	}
}

var errPortTaken = &Error{Code: "test", Message: "port 9999 is taken"}

// TestStateFileRoundTrip: what is encoded decodes to the same state, and
// no single flipped bit or cut goes unnoticed.
func TestStateFileRoundTrip(t *testing.T) {
	s := &replState{replica: true, port: 10000, epoch: 7, main: "abc", readTS: 42,
		hist:        replication.History{{Epoch: replication.Epoch{Num: 2, ID: 9}, LastTS: 10}, {Epoch: replication.Epoch{Num: 5, ID: 1 << 60}, LastTS: 44}},
		follows:     replication.Epoch{Num: 5, ID: 1 << 60},
		replicas:    []replicaReg{{name: "r1", addr: "h:1", mode: replication.Sync}, {name: "r2", addr: "h:2", mode: replication.Async}},
		installTS:   50,
		installHist: replication.History{{Epoch: replication.Epoch{Num: 6, ID: 3}, LastTS: 50}}}
	b := encodeState(s)
	got, err := decodeState(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(encodeState(got)) != string(b) || got.port != 10000 || len(got.replicas) != 2 || got.hist[1].Epoch.ID != 1<<60 || got.installHist[0].LastTS != 50 {
		t.Fatalf("round trip: %+v", got)
	}
	for i := range len(b) * 8 {
		c := append([]byte(nil), b...)
		c[i/8] ^= 1 << (i % 8)
		if _, err := decodeState(c); err == nil {
			t.Fatalf("flipped bit %d went unnoticed", i)
		}
	}
	for n := range len(b) {
		if _, err := decodeState(b[:n]); err == nil {
			t.Fatalf("a cut at %d went unnoticed", n)
		}
	}
}

// FuzzDecodeState: the decoder never panics, and what it accepts encodes
// back to the same bytes.
func FuzzDecodeState(f *testing.F) {
	f.Add(encodeState(&replState{}))
	f.Add(encodeState(&replState{replica: true, port: 1, hist: replication.History{{LastTS: 1}}, replicas: []replicaReg{{"a", "b:1", replication.Sync}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeState(b)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeState(s), b) {
			t.Fatalf("accepted %x but encodes back to %x", b, encodeState(s))
		}
	})
}

// TestReplicaCrashWhileFollowingANewTerm crashes a replica at every
// millisecond of the moments after a restarted MAIN's new term reaches
// it: its state file names the new epoch before its WAL holds any
// transaction of it, so the replica always comes back ready, never
// diverged.
func TestReplicaCrashWhileFollowingANewTerm(t *testing.T) {
	for d := range 40 {
		r := newRWorld(t, uint64(100+d), "main", "r1")
		r.setup()
		r.restart("main")
		for range 3 {
			r.start("main", "CREATE (:New)", func() {})
		}
		r.w.RunFor(time.Duration(d) * time.Millisecond)
		r.hosts["r1"].Crash(d%2 == 1)
		r.restart("r1")
		r.writes(1)
		r.awaitAll("ready")
	}
}

// TestMainCrashWhileRegistering crashes MAIN at every millisecond after
// the first REGISTER REPLICA, with writes arriving: the term is in the
// state file before any replica follows it or any commit is written in
// it, so the restarted MAIN either has the replica registered or can
// register it again, and the replica ends up ready, or, when MAIN lost
// commits it had shipped before its own fsync, reported diverged for
// exactly that (TestReplicaAheadOfRestartedMain).
func TestMainCrashWhileRegistering(t *testing.T) {
	var registered, ahead int
	for d := range 30 {
		r := newRWorld(t, uint64(200+d), "main", "r1")
		r.must("main", "CREATE (:K)")
		r.must("r1", "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
		r.start("main", `REGISTER REPLICA r1 SYNC TO "r1:10000"`, func() {})
		for range 3 {
			r.start("main", "CREATE (:New)", func() {})
		}
		r.w.RunFor(time.Duration(d) * time.Millisecond)
		r.hosts["main"].Crash(d%2 == 1)
		r.restart("main")
		if len(r.statuses()) == 0 {
			r.must("main", `REGISTER REPLICA r1 SYNC TO "r1:10000"`)
		} else {
			registered++
		}
		if !r.w.RunUntilTrue(5*time.Second, func() bool { return r.statuses()["r1"] != "invalid" }) {
			t.Fatalf("delay %v: r1 never connected: %+v", d, r.inst("main").main.Status())
		}
		if r.statuses()["r1"] == "diverged" {
			st := r.inst("main").main.Status()[0]
			if !strings.Contains(st.Reason, "past MAIN's last timestamp") || r.inst("r1").Graph().LastCommitTS() <= r.inst("main").Recovery().LastTS {
				t.Fatalf("delay %v: diverged, but not by commits MAIN lost: %+v", d, st)
			}
			ahead++
			continue
		}
		r.writes(1)
		r.awaitAll("ready")
	}
	t.Logf("registration durable before the crash %d times of 30; replica ahead of MAIN %d times", registered, ahead)
	if registered == 0 || registered == 30 {
		t.Fatal("the crash must come both before and after the registration is durable")
	}
}

// TestReplicaAnnouncingAnotherAddress: a replica that listens on every
// interface announces itself as 0.0.0.0:port, not under the name MAIN
// registered it by; MAIN recognizes its answers by the session it opened.
func TestReplicaAnnouncingAnotherAddress(t *testing.T) {
	w := newWorld(9)
	n, ins := cluster(t, w, "m:7687", "r1:10000")
	r := ins[1]
	r.env.Net = testEndpoint{n: n, addr: "0.0.0.0:10000"}
	m, r1 := w.client(t, ins[0]), w.client(t, r)
	r1.must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	m.must(`REGISTER REPLICA r1 SYNC TO "r1:10000"`)
	m.must("CREATE (:K), (:K)")
	w.l.runFor(time.Second)
	if got := r1.count(); got != 2 {
		t.Fatalf("replica sees %d vertices, want 2", got)
	}
	rows, _ := m.must("SHOW REPLICAS")
	if st := rows[0][4].(value.Map)["memgraph"].(value.Map)["status"]; st != "ready" {
		t.Fatalf("replica status %v", st)
	}
}

// TestStandaloneCommitsMakeAReplicaDiverged: commits an instance made as a
// standalone MAIN belong to no term MAIN knows, so once it is made a
// replica MAIN reports it diverged rather than streaming over them.
func TestStandaloneCommitsMakeAReplicaDiverged(t *testing.T) {
	r := newRWorld(t, 10, "main", "r1")
	r.must("main", "CREATE (:K)")
	r.must("r1", "CREATE (:Own)")
	r.must("r1", "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	r.must("main", `REGISTER REPLICA r1 SYNC TO "r1:10000"`)
	if !r.w.RunUntilTrue(5*time.Second, func() bool { return r.statuses()["r1"] == "diverged" }) {
		t.Fatalf("a replica with commits of its own is %v, want diverged", r.statuses())
	}
	if n := r.must("r1", "MATCH (n:K) RETURN count(n)")[0][0]; n != int64(0) {
		t.Fatal("MAIN streamed its commits on top of the replica's own")
	}
}

// TestRestartedReplicaShowsWhatItShowed: a replica restarted while its
// MAIN is away shows again what it showed a while before the crash (its
// read timestamp is saved about every readSaveInterval), never more than
// MAIN acknowledged.
func TestRestartedReplicaShowsWhatItShowed(t *testing.T) {
	r := newRWorld(t, 11, "main", "r1")
	r.setup()
	r.writes(5)
	r.w.RunFor(2 * readSaveInterval)
	shown := r.inst("r1").Graph().VisibleTS()
	if shown != r.inst("main").Graph().VisibleTS() {
		t.Fatalf("the replica shows %d, MAIN %d", shown, r.inst("main").Graph().VisibleTS())
	}
	r.hosts["main"].Crash(false)
	r.restart("r1")
	if v := r.inst("r1").Graph().VisibleTS(); v != shown {
		t.Fatalf("the restarted replica shows %d, before the crash %d", v, shown)
	}
}

// TestRestartedReplicaKeepsItsReadTimestamp: a replica restarted while its
// MAIN is away shows the read timestamp its state file saved, and a state
// written before MAIN sends it a watermark again (as when a restarted
// MAIN begins a new term, or a snapshot install is recorded) keeps it: the
// next restart shows as much again, not 0.
func TestRestartedReplicaKeepsItsReadTimestamp(t *testing.T) {
	r := newRWorld(t, 12, "main", "r1")
	r.setup()
	r.writes(5)
	r.w.RunFor(2 * readSaveInterval)
	shown := r.inst("r1").Graph().VisibleTS()
	if shown == 0 {
		t.Fatal("the replica shows nothing before the crash")
	}
	r.hosts["main"].Crash(false)
	r.restart("r1")
	saved := false
	r.inst("r1").saveState(func(err error) { saved = err == nil })
	if !r.w.RunUntilTrue(r.w.Now()+time.Second, func() bool { return saved }) {
		t.Fatal("the state was never written")
	}
	r.restart("r1")
	if v := r.inst("r1").Graph().VisibleTS(); v != shown {
		t.Fatalf("restarted twice, the replica shows %d, before the crash %d", v, shown)
	}
}

// installingSnapshot starts MAIN and replica r1 with small segments and
// one retained snapshot, writes 30 padded vertices and a snapshot on
// MAIN, registers r1 SYNC and runs for delay: r1 must catch up through
// MAIN's snapshot, and delay picks how far that install has got.
func installingSnapshot(t *testing.T, seed uint64, delay time.Duration) *rworld {
	t.Helper()
	cfg := Config{NoSnapshotOnStop: true, SnapshotPieceSize: 250,
		Durability: durability.Options{SegmentSize: 400, SnapshotRetention: 1, SnapshotChunkSize: 200}}
	r := newRWorldConfig(t, seed, cfg, "main", "r1")
	for i := range 30 {
		r.must("main", fmt.Sprintf("CREATE (:V {i: %d, pad: 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'})", i))
	}
	r.must("main", "CREATE SNAPSHOT")
	r.must("r1", "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	r.must("main", `REGISTER REPLICA r1 SYNC TO "r1:10000"`)
	r.w.RunFor(delay)
	return r
}

// TestReplicaCrashDuringSnapshotInstall crashes a replica at every few
// milliseconds while it catches up through a snapshot (MAIN's WAL was
// retired): the snapshot's epoch history is in the state file before the
// storage switches over to it, so the restarted replica always matches
// MAIN's history and ends up ready, never diverged.
func TestReplicaCrashDuringSnapshotInstall(t *testing.T) {
	fromSnapshot := 0
	for d := 0; d < 60; d += 2 {
		r := installingSnapshot(t, uint64(300+d), time.Duration(d)*time.Millisecond)
		r.hosts["r1"].Crash(d%4 == 2)
		r.restart("r1")
		if r.inst("r1").Recovery().Snapshot != nil {
			fromSnapshot++
		}
		r.writes(1)
		r.awaitAll("ready")
	}
	t.Logf("the replica came back from the installed snapshot %d times of 30", fromSnapshot)
	if fromSnapshot == 0 || fromSnapshot == 30 {
		t.Fatal("the crashes must come both before and after the install")
	}
}

// TestStrictSyncReplicaSurvivesRestarts: a STRICT_SYNC replica stays
// registered through MAIN's restart, in the in-sync set, so writes after
// it are two-phase again; and it comes back a replica after its own.
func TestStrictSyncReplicaSurvivesRestarts(t *testing.T) {
	r := newRWorld(t, 12, "main", "r1")
	r.must("r1", "SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
	r.must("main", `REGISTER REPLICA r1 STRICT_SYNC TO "r1:10000"`)
	r.writes(2)
	r.awaitAll("ready")
	r.restart("main")
	if rows := r.must("main", "SHOW REPLICAS"); len(rows) != 1 || rows[0][2] != "strict_sync" {
		t.Fatalf("SHOW REPLICAS after MAIN's restart: %v", rows)
	}
	r.writes(2)
	if !r.inst("main").twoPhase() {
		t.Fatal("writes after the restart are not two-phase")
	}
	r.restart("r1")
	r.writes(1)
	r.awaitAll("ready")
	if n := r.must("r1", "MATCH (n) RETURN count(n)")[0][0]; n != int64(5) {
		t.Fatalf("r1 sees %v vertices, want 5", n)
	}
}
