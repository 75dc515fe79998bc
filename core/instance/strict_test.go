package instance

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/net"
)

// pending is a query run to its end without waiting for it: done once
// its last Pull reported.
type pending struct {
	done bool
	rows [][]value.Value
	sum  Summary
	err  error
	// at runs when the outcome arrives, before anything else happens.
	at func(p *pending)
}

// async runs q to its end in the background.
func (c *client) async(q string, meta TxMeta, at func(*pending)) *pending {
	p := &pending{at: at}
	finish := func(err error) {
		p.done, p.err = true, err
		if p.at != nil {
			p.at(p)
		}
	}
	c.s.Run(q, nil, meta, func(r *Result, err error) {
		if err != nil {
			finish(err)
			return
		}
		r.Pull(-1, func(rows [][]value.Value, more bool, err error) {
			if more {
				return
			}
			p.rows, p.sum = rows, r.Summary()
			finish(err)
		})
	})
	return p
}

// strictCluster starts MAIN m and replicas r1, r2, registered with the
// given modes ("" leaves one unregistered), runs until the replicas are in
// sync, and returns clients for the three.
func strictCluster(t *testing.T, seed uint64, modes ...string) (*world, *testNet, []*Instance, []*client) {
	t.Helper()
	w := newWorld(seed)
	n, ins := cluster(t, w, "m:7687", "r1:10000", "r2:10000")
	cs := []*client{w.client(t, ins[0]), w.client(t, ins[1]), w.client(t, ins[2])}
	cs[0].must("CREATE (:K {v: 0})")
	for i, mode := range modes {
		if mode == "" {
			continue
		}
		cs[i+1].must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
		cs[0].must("REGISTER REPLICA r" + string(rune('1'+i)) + " " + mode + ` TO "r` + string(rune('1'+i)) + `:10000"`)
	}
	w.l.runFor(time.Second)
	return w, n, ins, cs
}

// value0 reads (:K).v on c.
func (c *client) value0() int64 {
	c.t.Helper()
	rows, _ := c.must("MATCH (k:K) RETURN k.v")
	if len(rows) != 1 {
		c.t.Fatalf("want one :K, got %v", rows)
	}
	return rows[0][0].(int64)
}

// sameGraphs requires every instance's visible graph to equal MAIN's.
func sameGraphs(t *testing.T, ins []*Instance) {
	t.Helper()
	for i, in := range ins[1:] {
		if in.replica == nil {
			continue
		}
		if a, b := ins[0].Graph().VisibleHash(), in.Graph().VisibleHash(); a != b {
			t.Fatalf("replica r%d's graph %016x differs from MAIN's %016x", i+1, b, a)
		}
	}
}

// TestStrictCommitWaitsForVotesAndConfirmations: a STRICT_SYNC write is
// prepared first (invisible, holding its write lock, not yet on any
// replica), and acknowledged only once both replicas hold it durably.
func TestStrictCommitWaitsForVotesAndConfirmations(t *testing.T) {
	w, _, ins, cs := strictCluster(t, 51, "STRICT_SYNC", "STRICT_SYNC")
	m := cs[0]
	other := w.client(t, ins[0])
	var durable [2]uint64
	p := m.async("MATCH (k:K) SET k.v = 1", TxMeta{}, func(p *pending) {
		durable = [2]uint64{ins[1].ReplicaDurable(), ins[2].ReplicaDurable()}
	})
	w.l.runFor(500 * time.Microsecond) // the prepares are on their way
	if p.done {
		t.Fatalf("acknowledged before any replica voted: %v", p.err)
	}
	if st := ins[0].Graph().Stats(); st.Prepared != 1 {
		t.Fatalf("%d prepared transactions on MAIN, want 1", st.Prepared)
	}
	if v := other.value0(); v != 0 {
		t.Fatalf("a reader on MAIN sees the prepared write: v = %d", v)
	}
	if _, _, err := other.run("MATCH (k:K) SET k.v = 2", nil, TxMeta{}); code(err) != CodeOutdated || !Retryable(err) {
		t.Fatalf("a write over the prepared one: %v (want a retryable conflict)", err)
	}
	m.wait(&p.done)
	if p.err != nil {
		t.Fatal(p.err)
	}
	ts := bookmarkTS(t, p.sum.Bookmark)
	if durable[0] < ts || durable[1] < ts {
		t.Fatalf("commit %d acknowledged when the replicas held only %v", ts, durable)
	}
	if len(p.sum.Notifications) != 0 {
		t.Fatalf("warnings with every replica in sync: %v", p.sum.Notifications)
	}
	if v := other.value0(); v != 1 {
		t.Fatalf("MAIN shows v = %d after the acknowledged write", v)
	}
	w.l.runFor(time.Second)
	sameGraphs(t, ins)
	if v := cs[1].value0(); v != 1 {
		t.Fatalf("r1 shows v = %d", v)
	}
}

// TestStrictPartitionAborts: a STRICT_SYNC replica that cannot vote aborts
// the commit everywhere, retryably and with Memgraph's message; later
// writes go on without it (with a warning naming it) and it catches up.
func TestStrictPartitionAborts(t *testing.T) {
	w, n, ins, cs := strictCluster(t, 52, "STRICT_SYNC", "ASYNC")
	m := cs[0]
	before := ins[0].Graph().LastCommitTS()
	n.down["r1:10000"] = true
	_, _, err := m.run("MATCH (k:K) SET k.v = 1", nil, TxMeta{})
	if !Retryable(err) || code(err) != CodeReplicationFailure || !strings.Contains(err.Error(), "Transaction was aborted on all instances.") {
		t.Fatalf("commit with the STRICT_SYNC replica cut off: %v", err)
	}
	if OutcomeUnknown(err) {
		t.Fatalf("an aborted commit reported as unknown: %v", err)
	}
	t.Logf("the client sees: %v", err)
	aborted := before + 1
	if st := ins[0].Graph().Stats(); st.Prepared != 0 || st.VisibleTS != before {
		t.Fatalf("after the abort MAIN has %d prepared, visible at %d (want 0, %d)", st.Prepared, st.VisibleTS, before)
	}
	if v := m.value0(); v != 0 {
		t.Fatalf("MAIN shows the aborted write: v = %d", v)
	}
	// The replica left the in-sync set: the next write succeeds with a
	// warning naming it.
	_, sum, err := m.run("MATCH (k:K) SET k.v = 2", nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Notifications) == 0 || !strings.Contains(sum.Notifications[0].Description, "r1") || sum.Notifications[0].Code != codeReplicaWarning {
		t.Fatalf("no warning naming the STRICT_SYNC replica: %+v", sum.Notifications)
	}
	delete(n.down, "r1:10000")
	w.l.runFor(5 * time.Second)
	for i, c := range cs {
		if v := c.value0(); v != 2 {
			t.Fatalf("instance %d shows v = %d, want 2", i, v)
		}
	}
	sameGraphs(t, ins)
	for i, in := range ins {
		if in.Graph().Stats().Prepared != 0 {
			t.Fatalf("instance %d still holds a prepared transaction", i)
		}
		if walHas(t, in, aborted) {
			t.Fatalf("instance %d logged the aborted commit %d", i, aborted)
		}
	}
	// Back in the in-sync set: no warning.
	if _, sum, err := m.run("MATCH (k:K) SET k.v = 3", nil, TxMeta{}); err != nil || len(sum.Notifications) != 0 {
		t.Fatalf("after catching up: %v, %v", err, sum.Notifications)
	}
}

// walHas reports whether in's WAL holds a commit at ts.
func walHas(t *testing.T, in *Instance, ts uint64) bool {
	t.Helper()
	c := in.st.NewCursor(0, 0)
	defer c.Close()
	n := 0
	for {
		recs, more, err := c.Next()
		if err != nil {
			t.Fatalf("reading the WAL: %v", err)
		}
		for _, r := range recs {
			n++
			if r.TS == ts {
				return true
			}
		}
		if !more {
			break
		}
	}
	if n == 0 {
		t.Fatal("read no WAL records at all")
	}
	return false
}

// TestStrictDecidedButUnacknowledged: a commit decided on MAIN whose
// confirmation has not arrived when MAIN stops, or learns of a newer MAIN,
// has an unknown outcome (it is committed on MAIN and on the replica).
func TestStrictDecidedButUnacknowledged(t *testing.T) {
	for _, how := range []string{"stop", "fence"} {
		t.Run(how, func(t *testing.T) {
			w, n, ins, cs := strictCluster(t, 53, "STRICT_SYNC")
			n.drop = func(from, _ string, msg net.Message) bool {
				return from == "r1:10000" && msg.Type == uint16(replication.KindAck)
			}
			p := cs[0].async("MATCH (k:K) SET k.v = 1", TxMeta{}, nil)
			w.l.runFor(50 * time.Millisecond) // voted, committed, shipped; the confirmation is lost
			if p.done {
				t.Fatalf("acknowledged without the replica's confirmation: %v", p.err)
			}
			ts := ins[0].Graph().LastCommitTS()
			if ins[0].Graph().Stats().Prepared != 0 || ins[1].ReplicaDurable() < ts {
				t.Fatalf("the commit %d is not decided and applied (replica at %d)", ts, ins[1].ReplicaDurable())
			}
			switch how {
			case "stop":
				ins[0].Stop(func(error) {})
			case "fence":
				newer := &replication.Refuse{Header: replication.Header{Epoch: replication.Epoch{Num: 99, ID: 7}}, Reason: replication.ReasonStaleEpoch}
				ins[0].Receive("r1:10000", replication.Encode(newer))
			}
			cs[0].wait(&p.done)
			if !OutcomeUnknown(p.err) || Retryable(p.err) {
				t.Fatalf("a decided, unconfirmed commit when MAIN %s: %v (want outcome unknown)", how, p.err)
			}
			if how == "fence" {
				if _, _, err := cs[0].run("CREATE ()", nil, TxMeta{}); err == nil {
					t.Fatal("a fenced MAIN took a write")
				}
			}
		})
	}
}

// TestStrictExplicitTransaction: an explicit transaction's commit goes
// through the two phases too.
func TestStrictExplicitTransaction(t *testing.T) {
	w, n, ins, cs := strictCluster(t, 54, "STRICT_SYNC")
	m := cs[0]
	if err := m.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	m.must("CREATE (:T)")
	m.must("MATCH (k:K) SET k.v = 5")
	var durable uint64
	var sum Summary
	var err error
	got := false
	m.s.CommitSummary(func(s Summary, e error) {
		sum, err, got = s, e, true
		durable = ins[1].ReplicaDurable()
	})
	m.wait(&got)
	if err != nil {
		t.Fatal(err)
	}
	if ts := bookmarkTS(t, sum.Bookmark); durable < ts {
		t.Fatalf("explicit commit %d acknowledged when the replica held %d", ts, durable)
	}
	n.down["r1:10000"] = true
	if err := m.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	m.must("CREATE (:T)")
	if _, err := m.commit(); code(err) != CodeReplicationFailure || !Retryable(err) {
		t.Fatalf("explicit commit with the replica cut off: %v", err)
	}
	delete(n.down, "r1:10000")
	w.l.runFor(5 * time.Second)
	for i, c := range cs[:2] {
		if rows, _ := c.must("MATCH (t:T) RETURN count(t)"); rows[0][0] != int64(1) {
			t.Fatalf("instance %d holds %v :T vertices, want 1", i, rows[0][0])
		}
	}
	sameGraphs(t, ins)
}

// TestStrictSchemaChange: index and constraint changes are prepared on the
// replicas like any commit; one the replica cannot vote on is undone on
// MAIN and never reaches the replica.
func TestStrictSchemaChange(t *testing.T) {
	w, n, ins, cs := strictCluster(t, 55, "STRICT_SYNC")
	m := cs[0]
	idx := graph.SchemaItem{Kind: graph.KindLabelPropertyIndex, Name: "K", Key: "v"}
	uniq := graph.SchemaItem{Kind: graph.KindUnique, Name: "K", Key: "v"}
	var durable uint64
	p := m.async("CREATE INDEX ON :K(v)", TxMeta{}, func(*pending) { durable = ins[1].ReplicaDurable() })
	m.wait(&p.done)
	if p.err != nil {
		t.Fatal(p.err)
	}
	if ts := bookmarkTS(t, p.sum.Bookmark); durable < ts || !ins[1].Graph().HasSchema(idx) {
		t.Fatalf("index %d acknowledged when the replica held %d (has it: %v)", ts, durable, ins[1].Graph().HasSchema(idx))
	}
	n.down["r1:10000"] = true
	_, _, err := m.run("CREATE CONSTRAINT ON (k:K) ASSERT k.v IS UNIQUE", nil, TxMeta{})
	if code(err) != CodeReplicationFailure || !Retryable(err) {
		t.Fatalf("constraint with the replica cut off: %v", err)
	}
	if ins[0].Graph().HasSchema(uniq) {
		t.Fatal("MAIN kept the aborted constraint")
	}
	// Out of the in-sync set now: dropping the index commits (with a
	// warning) without the replica, which catches up.
	if _, sum, err := m.run("DROP INDEX ON :K(v)", nil, TxMeta{}); err != nil || len(sum.Notifications) == 0 {
		t.Fatalf("drop without the replica: %v, %v", err, sum.Notifications)
	}
	delete(n.down, "r1:10000")
	w.l.runFor(5 * time.Second)
	for i, in := range ins[:2] {
		if g := in.Graph(); g.HasSchema(uniq) || g.HasSchema(idx) {
			t.Fatalf("instance %d schema %v, want neither the aborted constraint nor the dropped index", i, g.Schema())
		}
	}
	m.must("CREATE CONSTRAINT ON (k:K) ASSERT k.v IS UNIQUE")
	w.l.runFor(time.Second)
	if !ins[1].Graph().HasSchema(uniq) {
		t.Fatal("the replica lacks the constraint committed after healing")
	}
	sameGraphs(t, ins)
}

// TestSyncWarningOnExplicitCommit: an explicit transaction's commit carries
// the warning naming a SYNC replica that was out of the in-sync set.
func TestSyncWarningOnExplicitCommit(t *testing.T) {
	_, n, _, cs := strictCluster(t, 56, "SYNC")
	m := cs[0]
	n.down["r1:10000"] = true
	if err := m.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	m.must("CREATE (:T)")
	var sum Summary
	var err error
	got := false
	m.s.CommitSummary(func(s Summary, e error) { sum, err, got = s, e, true })
	m.wait(&got)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Notifications) != 1 || sum.Notifications[0].Code != codeReplicaWarning || !strings.Contains(sum.Notifications[0].Description, "r1") {
		t.Fatalf("explicit commit notifications: %+v", sum.Notifications)
	}
}

// TestRegisterRefusesSyncWithStrictSync: SYNC and STRICT_SYNC replicas do
// not mix (either order); ASYNC joins either.
func TestRegisterRefusesSyncWithStrictSync(t *testing.T) {
	for _, modes := range [][2]string{{"SYNC", "STRICT_SYNC"}, {"STRICT_SYNC", "SYNC"}} {
		_, _, _, cs := strictCluster(t, 57, modes[0])
		m := cs[0]
		cs[2].must("SET REPLICATION ROLE TO REPLICA WITH PORT 10000")
		_, _, err := m.run(`REGISTER REPLICA r2 `+modes[1]+` TO "r2:10000"`, nil, TxMeta{})
		if err == nil || !strings.Contains(err.Error(), "cannot be mixed") {
			t.Fatalf("%s beside %s: %v", modes[1], modes[0], err)
		}
		if rows, _ := m.must("SHOW REPLICAS"); len(rows) != 1 {
			t.Fatalf("the refused replica was registered: %v", rows)
		}
		m.must(`REGISTER REPLICA r2 ASYNC TO "r2:10000"`)
		m.must("DROP REPLICA r2")
		m.must("DROP REPLICA r1")
		m.must(`REGISTER REPLICA r2 ` + modes[1] + ` TO "r2:10000"`)
	}
}

// TestBookmarkWaitOnReplica: a read on a replica with a bookmark the
// replica does not show yet waits until it does (auto-commit and explicit),
// or fails retryably after the transaction's timeout.
func TestBookmarkWaitOnReplica(t *testing.T) {
	w, n, ins, cs := strictCluster(t, 58, "ASYNC")
	m, r := cs[0], cs[1]
	n.down["r1:10000"] = true
	_, sum, err := m.run("MATCH (k:K) SET k.v = 7", nil, TxMeta{})
	if err != nil {
		t.Fatal(err)
	}
	bm := TxMeta{Bookmarks: []string{sum.Bookmark}}
	if _, ok, _ := r.s.RunRead("MATCH (k:K) RETURN k.v", nil, bm); ok {
		t.Fatal("RunRead answered off the loop for a bookmark the replica does not show")
	}
	if ins[1].BookmarksVisible(bm) {
		t.Fatal("the replica claims to show the bookmark")
	}
	// Timing out: a retryable BookmarkTimeout.
	start := w.l.now
	_, _, err = r.run("MATCH (k:K) RETURN k.v", nil, TxMeta{Bookmarks: bm.Bookmarks, Timeout: 2 * time.Second})
	if code(err) != CodeBookmarkTimeout || !Retryable(err) || w.l.now-start < 2*time.Second {
		t.Fatalf("after %v: %v (want a BookmarkTimeout after 2s)", w.l.now-start, err)
	}
	// Waiting: the read and an explicit transaction answer once the
	// replica catches up, and see the write.
	p := r.async("MATCH (k:K) RETURN k.v", bm, nil)
	r2 := w.client(t, ins[1])
	begun, beginErr := false, error(nil)
	r2.s.Begin(TxMeta{Bookmarks: bm.Bookmarks, ReadOnly: true}, func(e error) { begun, beginErr = true, e })
	w.l.runFor(100 * time.Millisecond)
	if p.done || begun {
		t.Fatalf("answered before the replica caught up: %v %v", p.err, beginErr)
	}
	delete(n.down, "r1:10000")
	r.wait(&p.done)
	r2.wait(&begun)
	if p.err != nil || beginErr != nil || p.rows[0][0] != int64(7) {
		t.Fatalf("after catching up: %v %v %v", p.rows, p.err, beginErr)
	}
	if v := r2.value0(); v != 7 {
		t.Fatalf("the explicit transaction reads v = %d", v)
	}
	// On MAIN the bookmark of its own write is visible at once.
	if !ins[0].BookmarksVisible(bm) {
		t.Fatal("MAIN does not show its own acknowledged write")
	}
}

// TestStrictSteppedWrite: a write big enough to run in several steps of
// the loop commits through the two phases like any other.
func TestStrictSteppedWrite(t *testing.T) {
	w, _, ins, cs := strictCluster(t, 59, "STRICT_SYNC", "STRICT_SYNC")
	steps := ins[0].cfg.WriteStep * 3
	var durable [2]uint64
	p := cs[0].async("UNWIND range(1, "+strconv.Itoa(steps)+") AS i CREATE (:B {i: i})", TxMeta{}, func(*pending) {
		durable = [2]uint64{ins[1].ReplicaDurable(), ins[2].ReplicaDurable()}
	})
	cs[0].wait(&p.done)
	if p.err != nil {
		t.Fatal(p.err)
	}
	if ts := bookmarkTS(t, p.sum.Bookmark); durable[0] < ts || durable[1] < ts {
		t.Fatalf("stepped write %d acknowledged when the replicas held %v", ts, durable)
	}
	w.l.runFor(time.Second)
	if rows, _ := cs[2].must("MATCH (b:B) RETURN count(b)"); rows[0][0] != int64(steps) {
		t.Fatalf("r2 holds %v :B vertices, want %d", rows[0][0], steps)
	}
}

// TestDemotedMainAfterStrictAbort: an aborted STRICT_SYNC commit leaves
// its timestamp unused on MAIN; once MAIN is demoted, the new MAIN's
// commit with that timestamp applies on it.
func TestDemotedMainAfterStrictAbort(t *testing.T) {
	w, n, ins, cs := strictCluster(t, 60, "STRICT_SYNC")
	m, r1 := cs[0], cs[1]
	n.down["r1:10000"] = true
	if _, _, err := m.run("CREATE (:N)", nil, TxMeta{}); code(err) != CodeReplicationFailure {
		t.Fatalf("commit with the replica cut off: %v", err)
	}
	delete(n.down, "r1:10000")
	w.l.runFor(time.Second)
	m.must("DROP REPLICA r1")
	m.must("SET REPLICATION ROLE TO REPLICA WITH PORT 7687") // m:7687 listens on its own port
	r1.must("SET REPLICATION ROLE TO MAIN")
	r1.must(`REGISTER REPLICA m SYNC TO "m:7687"`)
	w.l.runFor(time.Second)
	_, sum, err := r1.run("CREATE (:N)", nil, TxMeta{})
	if err != nil || len(sum.Notifications) != 0 {
		t.Fatalf("write on the new MAIN: %v %v", err, sum.Notifications)
	}
	w.l.runFor(time.Second)
	if rows, _ := m.must("MATCH (x:N) RETURN count(x)"); rows[0][0] != int64(1) {
		t.Fatalf("the demoted MAIN shows %v :N, want 1", rows[0][0])
	}
	if a, b := ins[1].Graph().VisibleHash(), ins[0].Graph().VisibleHash(); a != b {
		t.Fatalf("the demoted MAIN's graph %016x differs from the new MAIN's %016x", b, a)
	}
}

// TestStrictCommitWithoutChanges: a transaction that changed nothing (a
// read in a read-write transaction, the data part of a schema statement)
// ends at once and keeps no snapshot open.
func TestStrictCommitWithoutChanges(t *testing.T) {
	_, _, ins, cs := strictCluster(t, 61, "STRICT_SYNC")
	m := cs[0]
	if err := m.begin(TxMeta{}); err != nil {
		t.Fatal(err)
	}
	m.must("MATCH (k:K) RETURN k.v")
	if _, err := m.commit(); err != nil {
		t.Fatal(err)
	}
	m.must("CREATE INDEX ON :K")
	if n := ins[0].Graph().Stats().OpenSnapshots; n != 0 {
		t.Fatalf("%d snapshots left open", n)
	}
}

// TestStrictAbortedWritesNeverTakeEffect: writers create uniquely
// numbered vertices while the STRICT_SYNC replicas' links flap; after
// healing, every instance holds exactly the vertices whose writes were
// acknowledged: no aborted (retryable) write took effect anywhere, and no
// acknowledged one was lost.
func TestStrictAbortedWritesNeverTakeEffect(t *testing.T) {
	w, n, ins, cs := strictCluster(t, 62, "STRICT_SYNC", "STRICT_SYNC")
	var acked []int64
	aborted, next, stop := 0, int64(0), false
	for i := range 3 {
		s := ins[0].OpenSession(SessionInfo{User: "u", Client: strconv.Itoa(i)})
		var step func()
		step = func() {
			if stop {
				return
			}
			next++
			mine := next
			s.Run("CREATE (:W {v: $v})", value.Map{"v": mine}, TxMeta{}, func(r *Result, err error) {
				if err != nil {
					t.Errorf("run: %v", err)
					return
				}
				r.Pull(-1, func(_ [][]value.Value, more bool, err error) {
					switch {
					case more:
						return
					case err == nil:
						acked = append(acked, mine)
					case Retryable(err):
						aborted++
					default:
						t.Errorf("write %d: %v", mine, err)
						return
					}
					w.l.After(time.Duration(1+w.rng.IntN(20))*time.Millisecond, step)
				})
			})
		}
		w.l.After(time.Millisecond, step)
	}
	for range 30 {
		r := []string{"r1:10000", "r2:10000"}[w.rng.IntN(2)]
		n.down[r] = true
		w.l.runFor(time.Duration(100+w.rng.IntN(500)) * time.Millisecond)
		n.down[r] = false
		w.l.runFor(time.Duration(100+w.rng.IntN(1000)) * time.Millisecond)
	}
	stop = true
	w.l.runFor(10 * time.Second)
	if aborted == 0 || len(acked) == 0 {
		t.Fatalf("%d writes acknowledged, %d aborted: the flapping did not exercise both", len(acked), aborted)
	}
	slices.Sort(acked)
	for i, c := range cs {
		rows, _ := c.must("MATCH (x:W) RETURN x.v ORDER BY x.v")
		got := make([]int64, len(rows))
		for j, row := range rows {
			got[j] = row[0].(int64)
		}
		if !slices.Equal(got, acked) {
			t.Fatalf("instance %d holds %d vertices, %d were acknowledged (first difference at %d)", i, len(got), len(acked), firstDiff(got, acked))
		}
	}
	sameGraphs(t, ins)
	t.Logf("%d writes acknowledged, %d aborted", len(acked), aborted)
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
