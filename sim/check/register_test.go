package check

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// Shorthands for building histories: client c, key k, call and return time.
func w(c int, k string, v, call, ret int64) RegOp {
	return RegOp{Client: c, Key: k, Kind: Write, Value: v, Call: call, Return: ret, Outcome: OK}
}

func r(c int, k string, got, call, ret int64) RegOp {
	return RegOp{Client: c, Key: k, Kind: Read, Got: got, Call: call, Return: ret, Outcome: OK}
}

func cas(c int, k string, old, v int64, swapped bool, call, ret int64) RegOp {
	return RegOp{Client: c, Key: k, Kind: CAS, Old: old, Value: v, Swapped: swapped, Call: call, Return: ret, Outcome: OK}
}

func unknown(op RegOp) RegOp { op.Outcome, op.Return = Unknown, 0; return op }

// until gives an operation of unknown outcome a deadline.
func until(op RegOp, deadline int64) RegOp { op.Deadline = deadline; return op }
func failed(op RegOp) RegOp                { op.Outcome = Failed; return op }

func TestRegisterHistories(t *testing.T) {
	cases := []struct {
		name string
		ops  []RegOp
		ok   bool
	}{
		{"sequential write then read", []RegOp{w(0, "a", 1, 0, 10), r(0, "a", 1, 20, 30)}, true},
		{"initial value", []RegOp{r(0, "a", 0, 0, 10)}, true},
		{"read of a value never written", []RegOp{w(0, "a", 1, 0, 10), r(1, "a", 2, 20, 30)}, false},
		{"stale read after a completed write", []RegOp{w(0, "a", 1, 0, 10), r(1, "a", 0, 20, 30)}, false},
		{"concurrent read sees the old value", []RegOp{w(0, "a", 1, 0, 50), r(1, "a", 0, 10, 20)}, true},
		{"concurrent read sees the new value", []RegOp{w(0, "a", 1, 0, 50), r(1, "a", 1, 10, 20)}, true},
		{"new then old while concurrent", []RegOp{w(0, "a", 1, 0, 100), r(1, "a", 1, 10, 20), r(1, "a", 0, 30, 40)}, false},
		{"cas swaps", []RegOp{cas(0, "a", 0, 5, true, 0, 10), r(0, "a", 5, 20, 30)}, true},
		{"cas that should have swapped", []RegOp{cas(0, "a", 0, 5, false, 0, 10)}, false},
		{"cas that should not have swapped", []RegOp{cas(0, "a", 3, 5, true, 0, 10)}, false},
		{"failed cas keeps the value", []RegOp{w(0, "a", 2, 0, 10), cas(1, "a", 3, 5, false, 20, 30), r(0, "a", 2, 40, 50)}, true},
		{"keys are independent", []RegOp{w(0, "a", 1, 0, 10), r(1, "b", 0, 20, 30), r(1, "a", 1, 20, 30)}, true},
		{"a write to one key is not seen on another", []RegOp{w(0, "a", 1, 0, 10), r(1, "b", 1, 20, 30)}, false},
		// Unknown outcomes: the operation may take effect any time after
		// its call, or never.
		{"unknown write that never took effect", []RegOp{unknown(w(0, "a", 1, 0, 0)), r(1, "a", 0, 10, 20), r(1, "a", 0, 100, 110)}, true},
		{"unknown write that took effect late", []RegOp{unknown(w(0, "a", 1, 0, 0)), r(1, "a", 0, 10, 20), r(1, "a", 1, 100, 110)}, true},
		{"unknown write seen, then unseen", []RegOp{unknown(w(0, "a", 1, 0, 0)), r(1, "a", 1, 10, 20), r(1, "a", 0, 100, 110)}, false},
		{"unknown write before its call", []RegOp{r(1, "a", 1, 0, 10), unknown(w(0, "a", 1, 20, 0))}, false},
		{"unknown cas took effect", []RegOp{unknown(cas(0, "a", 0, 5, false, 0, 0)), r(1, "a", 5, 10, 20)}, true},
		{"unknown cas did not", []RegOp{unknown(cas(0, "a", 0, 5, false, 0, 0)), r(1, "a", 0, 10, 20)}, true},
		{"unknown cas whose old never held", []RegOp{unknown(cas(0, "a", 3, 5, true, 0, 0)), r(1, "a", 5, 10, 20)}, false},
		{"two unknown writes, later one seen first", []RegOp{unknown(w(0, "a", 1, 0, 0)), unknown(w(1, "a", 2, 5, 0)), r(2, "a", 2, 10, 20), r(2, "a", 1, 30, 40)}, true},
		{"unknown read is no constraint", []RegOp{w(0, "a", 1, 0, 10), unknown(r(1, "a", 7, 20, 30))}, true},
		// With a deadline (the instance crashed then), the operation took
		// effect before it or never.
		{"unknown write before its deadline", []RegOp{until(unknown(w(0, "a", 1, 0, 0)), 50), r(1, "a", 1, 100, 110)}, true},
		{"unknown write never, deadline passed", []RegOp{until(unknown(w(0, "a", 1, 0, 0)), 50), r(1, "a", 0, 100, 110), r(1, "a", 0, 200, 210)}, true},
		{"unknown write after its deadline", []RegOp{until(unknown(w(0, "a", 1, 0, 0)), 50), r(1, "a", 0, 100, 110), r(1, "a", 1, 200, 210)}, false},
		{"unknown write overwritten", []RegOp{until(unknown(w(0, "a", 1, 0, 0)), 50), w(1, "a", 2, 60, 70), r(1, "a", 2, 100, 110)}, true},
		{"unknown cas after its deadline", []RegOp{until(unknown(cas(0, "a", 0, 5, false, 0, 0)), 50), r(1, "a", 0, 60, 70), r(1, "a", 5, 80, 90)}, false},
		{"failed cas narrows the possible values", []RegOp{until(unknown(w(0, "a", 1, 0, 0)), 50), cas(1, "a", 0, 7, false, 60, 70), r(1, "a", 0, 80, 90)}, false},
		{"failed cas leaves the other value", []RegOp{until(unknown(w(0, "a", 1, 0, 0)), 50), cas(1, "a", 0, 7, false, 60, 70), r(1, "a", 1, 80, 90)}, true},
		{"many unknown writes, one seen", []RegOp{
			until(unknown(w(0, "a", 1, 0, 0)), 50), until(unknown(w(1, "a", 2, 0, 0)), 50), until(unknown(w(2, "a", 3, 0, 0)), 50),
			r(3, "a", 2, 60, 70), r(3, "a", 2, 80, 90)}, true},
		{"many unknown writes, two seen after the deadline", []RegOp{
			until(unknown(w(0, "a", 1, 0, 0)), 50), until(unknown(w(1, "a", 2, 0, 0)), 50), until(unknown(w(2, "a", 3, 0, 0)), 50),
			r(3, "a", 2, 60, 70), r(3, "a", 3, 80, 90)}, false},
		// A failed operation certainly had no effect.
		{"failed write is never seen", []RegOp{failed(w(0, "a", 9, 0, 10)), r(1, "a", 9, 20, 30)}, false},
		{"failed write and the old value", []RegOp{failed(w(0, "a", 9, 0, 10)), r(1, "a", 0, 20, 30)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := CheckRegisters(c.ops, Options{ArtifactDir: t.TempDir(), Name: "t"})
			if c.ok && err != nil {
				t.Fatalf("linearizable history refused: %v", err)
			}
			if !c.ok && !errors.Is(err, ErrNotLinearizable) {
				t.Fatalf("non-linearizable history: err %v, report %v", err, rep)
			}
			if rep.Ops == 0 {
				t.Fatalf("nothing examined: %v", rep)
			}
		})
	}
}

// TestRegisterReportCounts: every operation is counted as checked, unknown
// or skipped.
func TestRegisterReportCounts(t *testing.T) {
	ops := []RegOp{
		w(0, "a", 1, 0, 10), unknown(w(1, "a", 2, 5, 0)), unknown(r(2, "a", 0, 5, 0)),
		failed(w(0, "b", 3, 20, 30)), r(0, "b", 0, 40, 50),
	}
	rep, err := CheckRegisters(ops, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ops != 3 || rep.Unknown != 1 || rep.Skipped != 2 || rep.Keys != 2 {
		t.Fatalf("report %v", rep)
	}
	if _, err := CheckRegisters([]RegOp{{Key: "a", Kind: Read}}, Options{}); err == nil {
		t.Fatal("an operation without an outcome was accepted")
	}
	if _, err := CheckRegisters([]RegOp{r(0, "a", 0, 10, 5)}, Options{}); err == nil {
		t.Fatal("an operation returning before its call was accepted")
	}
	if _, err := CheckRegisters([]RegOp{until(unknown(w(0, "a", 1, 10, 0)), 5)}, Options{}); err == nil {
		t.Fatal("an unknown operation with its deadline before its call was accepted")
	}
}

// TestRegisterVisualization: a failing history leaves an HTML file whose
// path the error names.
func TestRegisterVisualization(t *testing.T) {
	dir := t.TempDir()
	ops := []RegOp{w(0, "k/1", 1, 0, 10), r(1, "k/1", 0, 20, 30), r(1, "ok", 0, 0, 1)}
	rep, err := CheckRegisters(ops, Options{ArtifactDir: dir, Name: "register-seed-9"})
	if !errors.Is(err, ErrNotLinearizable) || rep.BadKey != "k/1" || rep.HTMLPath == "" {
		t.Fatalf("err %v, report %v", err, rep)
	}
	if !strings.Contains(err.Error(), rep.HTMLPath) || !strings.HasPrefix(rep.HTMLPath, dir) {
		t.Fatalf("error %q does not name the file %q in %q", err, rep.HTMLPath, dir)
	}
	b, err := os.ReadFile(rep.HTMLPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<html") || !strings.Contains(string(b), "read(k/1)") {
		t.Fatalf("the visualization does not show the history (%d bytes)", len(b))
	}
}

// TestRegisterTimeoutIsFailure: a check that runs out of time fails; it is
// never taken for a pass.
func TestRegisterTimeoutIsFailure(t *testing.T) {
	// Many concurrent writes and reads of one key: expensive to search.
	var ops []RegOp
	for i := int64(0); i < 400; i++ {
		ops = append(ops, w(int(i%20), "a", i, i, 10_000+i), r(int(i%20), "a", (i*7)%400, i, 10_000+i))
	}
	rep, err := CheckRegisters(ops, Options{Timeout: time.Nanosecond})
	if !errors.Is(err, ErrCheckTimeout) || rep.Result != "Unknown" {
		t.Fatalf("a timed-out check: err %v, report %v", err, rep)
	}
}
