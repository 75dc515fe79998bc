package check

import (
	"errors"
	"strings"
	"testing"
)

// commits builds a chain of epoch e: each write is one transaction setting
// key k to the value, starting after prev.
func chain(e, prev uint64, kv ...any) []Commit {
	var out []Commit
	for i := 0; i < len(kv); i += 2 {
		ts := prev + 1
		out = append(out, Commit{Epoch: e, TS: ts, PrevTS: prev, Digest: uint64(kv[i+1].(int)) * 7,
			Writes: []RegWrite{{kv[i].(string), int64(kv[i+1].(int))}}})
		prev = ts
	}
	return out
}

func wantViolation(t *testing.T, err error, substr string) {
	t.Helper()
	if !errors.Is(err, ErrReplication) || !strings.Contains(err.Error(), substr) {
		t.Fatalf("got %v, want a replication violation mentioning %q", err, substr)
	}
}

func TestCheckAppliedRefusesDeposedMainsCommits(t *testing.T) {
	old := chain(1, 0, "a", 0, "a", 1, "a", 2, "a", 3) // MAIN 1 committed 1..4
	promoted := append(append([]Commit(nil), old[:2]...), chain(2, 2, "a", 10)...)
	h := History{Terms: []Term{{Main: "m", Epoch: 1, Commits: old, Deposed: true, Until: 3}, {Main: "r1", Epoch: 2, Commits: promoted[2:]}},
		Chain: promoted}
	// r2 applied MAIN 1's third commit (before the failover) and then its
	// promoted successor's: fine.
	rep, err := CheckApplied(h, map[string][]Commit{"r2": old[:3], "m": promoted})
	if err != nil || rep.Examined != 6 {
		t.Fatalf("legitimate applies: %v, %v", rep, err)
	}
	// r2 applied MAIN 1's commit 4, made after r1 was promoted over it.
	_, err = CheckApplied(h, map[string][]Commit{"r2": old})
	wantViolation(t, err, "1/4")
	// A changed transaction is not MAIN's either.
	bad := append([]Commit(nil), promoted...)
	bad[2].Digest++
	_, err = CheckApplied(h, map[string][]Commit{"r2": bad})
	wantViolation(t, err, "2/3")
}

func TestCheckConvergence(t *testing.T) {
	m := GraphState{"main", 9, 0xabc}
	if rep, err := CheckConvergence(m, []GraphState{{"r1", 9, 0xabc}, {"r2", 9, 0xabc}}); err != nil || rep.Examined != 2 {
		t.Fatalf("%v %v", rep, err)
	}
	_, err := CheckConvergence(m, []GraphState{{"r1", 9, 0xabc}, {"r2", 9, 0xabd}})
	wantViolation(t, err, "r2")
	_, err = CheckConvergence(m, nil)
	wantViolation(t, err, "no replica")
}

func TestCheckAcksAtAck(t *testing.T) {
	acks := []Ack{
		{Epoch: 1, TS: 5, Main: "m", Replicas: []AckReplica{{Name: "r1", Mode: ModeSync, Durable: 5}, {Name: "r2", Mode: ModeAsync}}},
		{Epoch: 1, TS: 6, Main: "m", Replicas: []AckReplica{{Name: "r1", Mode: ModeSync, Warned: true, Durable: 5}, {Name: "r2", Mode: ModeAsync}}},
	}
	if rep, err := CheckAcksAtAck(acks); err != nil || rep.Examined != 1 {
		t.Fatalf("%v %v", rep, err)
	}
	acks = append(acks, Ack{Epoch: 1, TS: 7, Main: "m", Replicas: []AckReplica{{Name: "r1", Mode: ModeStrictSync, Durable: 6}}})
	_, err := CheckAcksAtAck(acks)
	wantViolation(t, err, "STRICT_SYNC replica r1")
}

func TestCheckAcksAfterHeal(t *testing.T) {
	c := chain(1, 0, "a", 1, "a", 2, "a", 3)
	h := History{Terms: []Term{{Main: "m", Epoch: 1, Commits: c}}, Chain: c}
	acks := []Ack{{Epoch: 1, TS: 2, Main: "m"}, {Epoch: 1, TS: 3, Main: "m"}}
	rep, lost, err := CheckAcksAfterHeal(h, acks, map[string][]Commit{"r1": c, "r2": c})
	if err != nil || rep.Examined != 4 || lost != 0 {
		t.Fatalf("%v %d %v", rep, lost, err)
	}
	_, _, err = CheckAcksAfterHeal(h, acks, map[string][]Commit{"r1": c, "r2": c[:2]})
	wantViolation(t, err, "missing on replica r2")
	// An acknowledged write the final MAIN lacks: lost, unless its MAIN
	// was deposed by a failover.
	short := History{Terms: h.Terms, Chain: c[:2]}
	_, _, err = CheckAcksAfterHeal(short, acks, map[string][]Commit{"r1": c[:2]})
	wantViolation(t, err, "missing from the final MAIN's log")
	short.Terms = []Term{{Main: "m", Epoch: 1, Commits: c, Deposed: true, Until: 2}}
	if _, lost, err = CheckAcksAfterHeal(short, acks, map[string][]Commit{"r1": c[:2]}); err != nil || lost != 1 {
		t.Fatalf("lost to failover: %d %v", lost, err)
	}
}

func TestCheckRecoveries(t *testing.T) {
	if _, err := CheckRecoveries([]Recovery{{"r1", 1, 7, 7}}); err != nil {
		t.Fatal(err)
	}
	_, err := CheckRecoveries([]Recovery{{"r1", 1, 7, 7}, {"r1", 2, 6, 8}})
	wantViolation(t, err, "recovered up to 6")
}

func TestCheckReplicaReads(t *testing.T) {
	c := append(chain(1, 0, "a", 0, "b", 0), chain(1, 2, "a", 1, "b", 1, "a", 2)...)
	h := History{Terms: []Term{{Main: "m", Epoch: 1, Commits: c}}, Chain: c}
	good := []ReplicaRead{
		{Replica: "r1", Key: "a", Got: 0, Bound: 2},
		{Replica: "r1", Key: "a", Got: 1, Bound: 4},
		{Replica: "r1", Key: "b", Got: 0, Bound: 4}, // snapshot 3: b=1 comes at 4
		{Replica: "r1", Key: "a", Got: 2, Bound: 5},
		{Replica: "r2", Key: "a", Got: 0, Bound: 5},
		{Replica: "r1", Life: 1, Key: "a", Got: 1, Bound: 5}, // a restarted replica starts over
	}
	if rep, err := CheckReplicaReads(h, good); err != nil || rep.Examined != len(good) {
		t.Fatalf("%v %v", rep, err)
	}
	for _, tc := range []struct {
		name  string
		reads []ReplicaRead
		want  string
	}{
		{"invented", []ReplicaRead{{Replica: "r1", Key: "a", Got: 9, Bound: 5}}, "never committed"},
		{"past the watermark", []ReplicaRead{{Replica: "r1", Key: "a", Got: 2, Bound: 4}}, "past the acknowledged watermark"},
		{"going back", []ReplicaRead{{Replica: "r1", Key: "b", Got: 1, Bound: 5}, {Replica: "r1", Key: "a", Got: 0, Bound: 5}}, "not a growing prefix"},
	} {
		_, err := CheckReplicaReads(h, tc.reads)
		if err == nil {
			t.Fatalf("%s: not caught", tc.name)
		}
		wantViolation(t, err, tc.want)
	}
}

func TestInitialsPerKey(t *testing.T) {
	ops := []RegOp{
		{Client: 1, Key: "a", Kind: Read, Call: 1, Return: 2, Outcome: OK, Got: 5},
		{Client: 1, Key: "b", Kind: Read, Call: 3, Return: 4, Outcome: OK, Got: 0},
	}
	if _, err := CheckRegisters(ops, Options{Initials: map[string]int64{"a": 5}, ArtifactDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckRegisters(ops, Options{ArtifactDir: t.TempDir()}); !errors.Is(err, ErrNotLinearizable) {
		t.Fatalf("a read of 5 from a register that starts at 0 passed: %v", err)
	}
}

func TestCheckFollowedEpochs(t *testing.T) {
	ok := []Follow{
		{Replica: "r1", Main: "m", Epoch: 1, At: 1},
		{Replica: "r1", Main: "m", Epoch: 1, At: 2}, // a new session, same term
		{Replica: "r2", Main: "m", Epoch: 1, At: 3},
		{Replica: "r1", Main: "n", Epoch: 2, At: 4},
		{Replica: "r2", Disk: 1, Main: "m", Epoch: 0, At: 5}, // wiped: starts afresh
	}
	rep, err := CheckFollowedEpochs(ok)
	if err != nil || rep.Examined != len(ok) {
		t.Fatalf("legitimate follows: %v, %v", rep, err)
	}
	bad := append(ok, Follow{Replica: "r1", Main: "m", Epoch: 1, At: 6})
	if _, err := CheckFollowedEpochs(bad); !errors.Is(err, ErrReplication) || !strings.Contains(err.Error(), "replica r1 followed MAIN m of epoch 1") {
		t.Fatalf("a return to an older epoch went unnoticed: %v", err)
	}
}
